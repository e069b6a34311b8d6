//! Proactive throttling: every response's `X-Rate-Limit-Remaining` / `X-Rate-Limit-Reset` is
//! recorded per rate-limit bucket (method + path template); a request to a bucket with no
//! budget left waits for its reset instead of drawing a 429. One throttle per client, shared by
//! every task using it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use reqwest::header::{HeaderMap, HeaderValue, DATE};

/// Requests kept in reserve per window (for other clients of the same org).
const RESERVE: u64 = 0;
/// How much earlier than the known window's a response's reset must be to be another,
/// older window: `Date` and `X-Rate-Limit-Reset` have one-second resolution, so responses of
/// one window may disagree by about a second.
const STALE: Duration = Duration::from_millis(1500);

/// The furthest ahead a believable `X-Rate-Limit-Reset` lies: Okta's rate-limit windows are
/// at most a minute long, plus a minute for the skew between the server's clock and ours
/// (when `Date` is missing). A reset further ahead is an invalid header: it is ignored (and
/// logged), so a 429 falls back to backoff and no bucket is locked for longer.
pub(crate) const MAX_RESET_AHEAD: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy)]
struct Bucket {
    remaining: u64,
    reset_at: Instant,
}

/// What a response said about its bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateLimit {
    pub limit: Option<u64>,
    pub remaining: u64,
    /// Time until the window resets, measured against the response's `Date`.
    pub reset_in: Duration,
}

/// The headers of one response that the throttle reads; the transport finds them in one pass
/// over the response's headers.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RateLimitHeaders<'a> {
    pub date: Option<&'a HeaderValue>,
    pub limit: Option<&'a HeaderValue>,
    pub remaining: Option<&'a HeaderValue>,
    pub reset: Option<&'a HeaderValue>,
}

/// A header's decimal value: ASCII digits, with optional whitespace around them. Read from
/// the bytes directly (no UTF-8 check, no `str::parse`): it runs three times per response.
fn number(value: Option<&HeaderValue>) -> Option<u64> {
    let digits = value?.as_bytes().trim_ascii();
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
            .flatten()
    })
}

/// The server's clock, from the `Date` header.
fn server_now(date: &HeaderValue) -> Option<u64> {
    let time = httpdate::parse_http_date(date.to_str().ok()?).ok()?;
    time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// The last `Date` parsed: it changes once a second, and bulk work sends many requests a
/// second, so most responses are read without parsing a date.
#[derive(Debug, Default)]
struct DateCache(Mutex<Option<(HeaderValue, u64)>>);

impl DateCache {
    fn server_now(&self, date: Option<&HeaderValue>) -> Option<u64> {
        let date = date?;
        let mut last = crate::sync::lock(&self.0);
        match &*last {
            Some((value, secs)) if value == date => Some(*secs),
            _ => {
                let secs = server_now(date)?;
                *last = Some((date.clone(), secs));
                Some(secs)
            }
        }
    }
}

impl<'a> RateLimitHeaders<'a> {
    /// The rate-limit headers of `headers`, looked up one by one (the API stack finds them
    /// in its single pass instead).
    pub fn from_map(headers: &'a HeaderMap) -> Self {
        Self {
            date: headers.get(DATE),
            limit: headers.get("x-rate-limit-limit"),
            remaining: headers.get("x-rate-limit-remaining"),
            reset: headers.get("x-rate-limit-reset"),
        }
    }
}

impl RateLimit {
    /// Reads the rate-limit headers of `headers` with a fresh date cache.
    #[cfg(test)]
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        Self::read(RateLimitHeaders::from_map(headers), &DateCache::default())
    }

    /// Reads the rate-limit headers; `Reset` is compared with the response's `Date` (the
    /// server's clock, parsed through `dates`), falling back to the local clock when `Date`
    /// is missing.
    fn read(headers: RateLimitHeaders, dates: &DateCache) -> Option<Self> {
        let remaining = number(headers.remaining)?;
        let reset = number(headers.reset)?;
        let now = dates.server_now(headers.date).unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default()
        });
        let ahead = reset.saturating_sub(now);
        if ahead > MAX_RESET_AHEAD.as_secs() {
            tracing::warn!(
                reset_in_s = ahead,
                max_s = MAX_RESET_AHEAD.as_secs(),
                "ignoring an X-Rate-Limit-Reset further ahead than any Okta rate-limit window"
            );
            return None;
        }
        Some(Self {
            limit: number(headers.limit),
            remaining,
            reset_in: Duration::from_secs(ahead),
        })
    }
}

/// The per-client throttle.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    buckets: Mutex<HashMap<String, Bucket>>,
    dates: DateCache,
}

impl Throttle {
    /// Reads a response's rate-limit headers and records them for `bucket`.
    pub fn observe(&self, bucket: &str, headers: RateLimitHeaders) -> Option<RateLimit> {
        let limit = RateLimit::read(headers, &self.dates)?;
        self.record(bucket, limit);
        Some(limit)
    }

    /// How long a request to `bucket` must wait before it may be sent; takes one request from
    /// the bucket's budget when it may go now.
    pub fn reserve(&self, bucket: &str) -> Duration {
        let mut buckets = crate::sync::lock(&self.buckets);
        let Some(state) = buckets.get_mut(bucket) else {
            return Duration::ZERO;
        };
        let now = Instant::now();
        if now >= state.reset_at {
            buckets.remove(bucket);
            return Duration::ZERO;
        }
        if state.remaining > RESERVE {
            state.remaining -= 1;
            Duration::ZERO
        } else {
            state.reset_at.saturating_duration_since(now)
        }
    }

    /// Records what a response said about `bucket`.
    fn record(&self, bucket: &str, limit: RateLimit) {
        let mut buckets = crate::sync::lock(&self.buckets);
        // `Date` has one-second resolution: a reset in "0 s" may still be most of a second
        // away on the server, so an exhausted window is given that second.
        let reset_in = if limit.remaining == 0 {
            limit.reset_in.max(Duration::from_secs(1))
        } else {
            limit.reset_in
        };
        // `reset_in` is at most `MAX_RESET_AHEAD` (see `RateLimit::read`), so this cannot
        // overflow; `checked_add` keeps it so should that change.
        let now = Instant::now();
        let reset_at = now.checked_add(reset_in).unwrap_or(now);
        // Looked up before inserting, so that the common case allocates no key.
        let entry = match buckets.get_mut(bucket) {
            Some(entry) => entry,
            None => buckets.entry(bucket.to_string()).or_insert(Bucket {
                remaining: limit.remaining,
                reset_at,
            }),
        };
        if reset_at.saturating_duration_since(entry.reset_at) > Duration::from_millis(500) {
            // A new window.
            *entry = Bucket {
                remaining: limit.remaining,
                reset_at,
            };
        } else if entry.reset_at.saturating_duration_since(reset_at) > STALE {
            // A window that ends clearly before the one known (a response that took long,
            // or a server that contradicts itself): its count says nothing about the current
            // window, and taking it with the current window's reset would block the bucket
            // for that whole window. The response's own 429, if it is one, is still waited
            // for by the request that got it.
        } else {
            // Same window: the smaller count wins (responses arrive out of order).
            entry.remaining = entry.remaining.min(limit.remaining);
            entry.reset_at = entry.reset_at.max(reset_at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(remaining: u64, reset_in: u64) -> HeaderMap {
        let now = SystemTime::now();
        let reset = now.duration_since(UNIX_EPOCH).unwrap().as_secs() + reset_in;
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-limit", HeaderValue::from(50));
        h.insert("x-rate-limit-remaining", HeaderValue::from(remaining));
        h.insert("x-rate-limit-reset", HeaderValue::from(reset));
        h.insert(
            "date",
            HeaderValue::from_str(&httpdate::fmt_http_date(now)).unwrap(),
        );
        h
    }

    #[test]
    fn reset_is_measured_against_the_servers_date() {
        let mut h = headers(3, 0);
        // The server's clock is 100 s behind ours; its reset is 10 s after its "now".
        let server_now = SystemTime::now() - Duration::from_secs(100);
        let reset = server_now.duration_since(UNIX_EPOCH).unwrap().as_secs() + 10;
        h.insert(
            "date",
            HeaderValue::from_str(&httpdate::fmt_http_date(server_now)).unwrap(),
        );
        h.insert("x-rate-limit-reset", HeaderValue::from(reset));
        let limit = RateLimit::from_headers(&h).unwrap();
        assert!(
            limit.reset_in >= Duration::from_secs(9) && limit.reset_in <= Duration::from_secs(11),
            "{limit:?}"
        );
    }

    #[test]
    fn a_date_seen_before_is_not_parsed_again_and_a_new_one_is() {
        let dates = DateCache::default();
        let h = headers(3, 10);
        let date = h.get(DATE).unwrap().clone();
        // Seeded with a value the header does not say: only a cache hit can return it.
        *dates.0.lock().unwrap() = Some((date, 7));
        assert_eq!(dates.server_now(h.get(DATE)), Some(7));
        let mut other = h.clone();
        other.insert(
            DATE,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(dates.server_now(other.get(DATE)), Some(784_111_777));
        assert_eq!(dates.server_now(other.get(DATE)), Some(784_111_777));
        assert!(dates.server_now(None).is_none());
    }

    #[test]
    fn numbers_are_ascii_digits_that_fit_in_a_u64() {
        let n = |s: &'static str| number(Some(&HeaderValue::from_static(s)));
        assert_eq!(n("0"), Some(0));
        assert_eq!(n(" 1700000000 "), Some(1_700_000_000));
        assert_eq!(n("18446744073709551615"), Some(u64::MAX));
        assert_eq!(n("18446744073709551616"), None, "overflow");
        for bad in ["", " ", "-1", "+1", "1.5", "12a", "1 2", "0x10"] {
            assert_eq!(n(bad), None, "{bad:?}");
        }
        assert_eq!(number(None), None);
    }

    #[test]
    fn an_exhausted_bucket_waits_for_its_reset() {
        let throttle = Throttle::default();
        assert_eq!(
            throttle.reserve("GET /x"),
            Duration::ZERO,
            "unknown buckets go"
        );
        throttle.record("GET /x", RateLimit::from_headers(&headers(2, 30)).unwrap());
        assert_eq!(throttle.reserve("GET /x"), Duration::ZERO);
        assert_eq!(throttle.reserve("GET /x"), Duration::ZERO);
        let wait = throttle.reserve("GET /x");
        assert!(wait > Duration::from_secs(25), "{wait:?}");
        assert_eq!(
            throttle.reserve("POST /x"),
            Duration::ZERO,
            "buckets are separate"
        );
        assert!(RateLimit::from_headers(&HeaderMap::new()).is_none());
    }

    #[test]
    fn an_older_windows_exhausted_count_does_not_block_the_current_window() {
        // Found by the chaos run: a 429 saying "0 left, reset in 1 s" recorded after a
        // response saying "9999 left, reset in 60 s" blocked the bucket for 60 s.
        let throttle = Throttle::default();
        throttle.record(
            "GET /x",
            RateLimit::from_headers(&headers(9999, 60)).unwrap(),
        );
        throttle.record("GET /x", RateLimit::from_headers(&headers(0, 1)).unwrap());
        assert_eq!(throttle.reserve("GET /x"), Duration::ZERO);
        // Within the same window, the smaller count still wins.
        throttle.record("GET /x", RateLimit::from_headers(&headers(0, 60)).unwrap());
        assert!(throttle.reserve("GET /x") > Duration::from_secs(50));
    }

    #[test]
    fn a_reset_beyond_any_window_is_ignored_rather_than_believed() {
        let throttle = Throttle::default();
        // u64::MAX (which overflowed `Instant` and poisoned the lock), 10^12 s ahead, and
        // just past the limit are all ignored; the limit itself is believed.
        for reset_in in [u64::MAX, 1_000_000_000_000, MAX_RESET_AHEAD.as_secs() + 2] {
            let mut h = headers(0, 0);
            let reset = if reset_in == u64::MAX {
                u64::MAX
            } else {
                epoch_now() + reset_in
            };
            h.insert("x-rate-limit-reset", HeaderValue::from(reset));
            assert!(RateLimit::from_headers(&h).is_none(), "{reset_in}");
            let found = RateLimitHeaders {
                date: h.get(DATE),
                limit: h.get("x-rate-limit-limit"),
                remaining: h.get("x-rate-limit-remaining"),
                reset: h.get("x-rate-limit-reset"),
            };
            assert!(throttle.observe("GET /x", found).is_none());
            assert_eq!(throttle.reserve("GET /x"), Duration::ZERO, "{reset_in}");
        }
        let believed = RateLimit::from_headers(&headers(0, 60)).unwrap();
        assert!(believed.reset_in <= Duration::from_secs(61));
    }

    fn epoch_now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// On paused time: the throttle's clock is Tokio's, so a window can be waited out in a
    /// test without waiting.
    #[tokio::test(start_paused = true)]
    async fn an_empty_bucket_waits_for_its_reset_and_then_opens() {
        let throttle = Throttle::default();
        let h = headers(1, 30);
        throttle.observe("listLabels", RateLimitHeaders::from_map(&h));
        assert_eq!(throttle.reserve("listLabels"), Duration::ZERO, "one left");
        let wait = throttle.reserve("listLabels");
        assert!(
            wait > Duration::from_secs(28) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        // Other buckets are not held back.
        assert_eq!(throttle.reserve("createLabel"), Duration::ZERO);
        tokio::time::sleep(wait).await;
        assert_eq!(
            throttle.reserve("listLabels"),
            Duration::ZERO,
            "a new window"
        );
    }
}
