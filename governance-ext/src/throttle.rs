//! Proactive throttling: every response's `X-Rate-Limit-Remaining` / `X-Rate-Limit-Reset` is
//! recorded per rate-limit bucket (method + path template); a request to a bucket with no
//! budget left waits for its reset instead of drawing a 429. One throttle per client, shared by
//! every task using it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// Requests kept in reserve per window (for other clients of the same org).
const RESERVE: u64 = 0;

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

fn number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The server's clock, from the `Date` header.
fn server_now(headers: &HeaderMap) -> Option<u64> {
    let date = headers.get("date")?.to_str().ok()?;
    let time = httpdate::parse_http_date(date).ok()?;
    time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

impl RateLimit {
    /// Reads the rate-limit headers; `Reset` is compared with the response's `Date` (the
    /// server's clock), falling back to the local clock when `Date` is missing.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let remaining = number(headers, "x-rate-limit-remaining")?;
        let reset = number(headers, "x-rate-limit-reset")?;
        let now = server_now(headers).unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default()
        });
        Some(Self {
            limit: number(headers, "x-rate-limit-limit"),
            remaining,
            reset_in: Duration::from_secs(reset.saturating_sub(now)),
        })
    }
}

/// The per-client throttle.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Throttle {
    /// How long a request to `bucket` must wait before it may be sent; takes one request from
    /// the bucket's budget when it may go now.
    pub fn reserve(&self, bucket: &str) -> Duration {
        let mut buckets = self.buckets.lock().expect("throttle lock");
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
            state.reset_at - now
        }
    }

    /// Records what a response said about `bucket`.
    pub fn record(&self, bucket: &str, limit: RateLimit) {
        let mut buckets = self.buckets.lock().expect("throttle lock");
        // `Date` has one-second resolution: a reset in "0 s" may still be most of a second
        // away on the server, so an exhausted window is given that second.
        let reset_in = if limit.remaining == 0 {
            limit.reset_in.max(Duration::from_secs(1))
        } else {
            limit.reset_in
        };
        let reset_at = Instant::now() + reset_in;
        // Looked up before inserting, so that the common case allocates no key.
        let entry = match buckets.get_mut(bucket) {
            Some(entry) => entry,
            None => buckets.entry(bucket.to_string()).or_insert(Bucket {
                remaining: limit.remaining,
                reset_at,
            }),
        };
        if reset_at > entry.reset_at + Duration::from_millis(500) {
            // A new window.
            *entry = Bucket {
                remaining: limit.remaining,
                reset_at,
            };
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
}
