//! Pagination as `Stream`s, for every operation the metadata marks as paginated.
//!
//! The next page's cursor is taken from the `Link: <…>; rel="next"` header (parsed per
//! RFC 8288: commas and semicolons inside `<…>` or quotes are part of the value), or else from
//! the body's `_links.next.href`. Those links point at the org's `-admin` host; they are never
//! followed: only their `after` value is used, and the next request goes through the same
//! builder to the configured org. Pages are fetched one at a time as the stream is polled;
//! nothing buffers the whole result.
//!
//! A stream never loops and never ends early without saying so: a cursor the stream has seen
//! before (`A → B → A`), a next link without an `after` value, a link that is not a URL and a
//! `Link` header that does not parse each end the stream with [`Error::Pagination`].
//!
//! A stream also ends, by design, against a server that keeps sending fresh cursors: after
//! [`PageBounds::max_empty_in_a_row`] empty pages in a row that still point to a next one,
//! after [`PageBounds::max_pages`] pages, and (when set) after [`PageBounds::max_time`], each
//! with [`Error::Pagination`] saying which. The memory a stream keeps is bounded with it: one
//! 8-byte hash per page followed, at most `max_pages` of them.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use okta_governance::prelude::*;
//!
//! # async fn run(okta: okta_governance::Governance) -> Result<(), okta_governance::Error> {
//! let mut reviews = okta.list_security_access_reviews().items(200)?;
//! while let Some(review) = reviews.try_next().await? {
//!     println!("{}", review.name.as_str());
//! }
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU64;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use okta_governance_client::paging::Paginated;
use reqwest::header::HeaderMap;
use url::Url;

use crate::error::Error;

/// The largest page Okta serves.
pub const MAX_LIMIT: u32 = 200;

/// One page of a paginated operation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

/// The `after` value of a next-page link; a relative link is read against an arbitrary base
/// (only its query matters). An error when the link is no URL or has no `after`.
fn after_of(href: &str) -> Result<String, Error> {
    let base = Url::parse("https://org.invalid/").map_err(|e| pagination(e.to_string()))?;
    let url = base
        .join(href)
        .map_err(|e| pagination(format!("the next-page link is not a URL ({e})")))?;
    url.query_pairs()
        .find(|(key, _)| key == "after")
        .map(|(_, value)| value.into_owned())
        .filter(|after| !after.is_empty())
        .ok_or_else(|| pagination("the next-page link has no `after` cursor".into()))
}

fn pagination(reason: String) -> Error {
    Error::Pagination { reason }
}

/// One link of a `Link` header: its target and its parameters (names lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub target: String,
    pub params: Vec<(String, String)>,
}

/// Parses one `Link` header value (RFC 8288 §3): `<target>; name=value; name="quoted", …`.
/// Commas and semicolons inside `<…>` and quoted strings belong to them. `None` when the value
/// does not follow the grammar.
pub(crate) fn parse_link_header(value: &str) -> Option<Vec<Link>> {
    let bytes = value.as_bytes();
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < bytes.len() && matches!(bytes[*i], b' ' | b'\t') {
            *i += 1;
        }
    };
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    let mut links = Vec::new();
    loop {
        // Empty list elements are allowed (`#rule`).
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b',') {
            i += 1;
        }
        if i == bytes.len() {
            return Some(links);
        }
        if bytes[i] != b'<' {
            return None;
        }
        let end = i + 1 + value[i + 1..].find('>')?;
        let target = value[i + 1..end].to_string();
        i = end + 1;
        let mut params = Vec::new();
        loop {
            ws(&mut i);
            if i == bytes.len() || bytes[i] == b',' {
                break;
            }
            if bytes[i] != b';' {
                return None;
            }
            i += 1;
            ws(&mut i);
            let start = i;
            while i < bytes.len() && is_token(bytes[i]) {
                i += 1;
            }
            if start == i {
                return None;
            }
            let name = value[start..i].to_ascii_lowercase();
            ws(&mut i);
            let mut param = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                ws(&mut i);
                if i < bytes.len() && bytes[i] == b'"' {
                    i += 1;
                    let mut closed = false;
                    while i < bytes.len() {
                        match bytes[i] {
                            b'"' => {
                                closed = true;
                                i += 1;
                                break;
                            }
                            b'\\' if i + 1 < bytes.len() => {
                                // `i + 1` follows an ASCII byte: a character boundary.
                                let c = value[i + 1..].chars().next()?;
                                param.push(c);
                                i += 1 + c.len_utf8();
                            }
                            _ => {
                                // Multi-byte characters are copied whole.
                                let c = value[i..].chars().next()?;
                                param.push(c);
                                i += c.len_utf8();
                            }
                        }
                    }
                    if !closed {
                        return None;
                    }
                } else {
                    let start = i;
                    while i < bytes.len() && is_token(bytes[i]) {
                        i += 1;
                    }
                    param.push_str(&value[start..i]);
                }
            }
            params.push((name, param));
        }
        links.push(Link { target, params });
    }
}

/// The `rel="next"` target of the `Link` headers (`rel` may list several relation types); an
/// error when a header that is there does not parse.
fn link_next(headers: &HeaderMap) -> Result<Option<String>, Error> {
    for value in headers.get_all("link") {
        let text = value
            .to_str()
            .map_err(|_| pagination("a Link header is not visible ASCII".into()))?;
        let links = parse_link_header(text)
            .ok_or_else(|| pagination("a Link header does not follow RFC 8288".into()))?;
        let next = links.into_iter().find(|link| {
            link.params.iter().any(|(name, value)| {
                name == "rel"
                    && value
                        .split_ascii_whitespace()
                        .any(|rel| rel.eq_ignore_ascii_case("next"))
            })
        });
        if let Some(link) = next {
            return Ok(Some(link.target));
        }
    }
    Ok(None)
}

/// The cursors a stream has used, kept as 64-bit keyed hashes (8 bytes a page, however long
/// the cursors).
struct Seen {
    hasher: RandomState,
    cursors: HashSet<u64>,
}

impl Seen {
    /// Records `cursor`; false when it was seen before.
    fn first_time(&mut self, cursor: &str) -> bool {
        self.cursors.insert(self.hasher.hash_one(cursor))
    }
}

fn check_limit(limit: u32) -> Result<NonZeroU64, Error> {
    match NonZeroU64::new(u64::from(limit)) {
        Some(value) if limit <= MAX_LIMIT => Ok(value),
        _ => Err(crate::error::invalid(
            "limit",
            Some(limit.to_string()),
            "must be 1 to 200 items per page",
        )),
    }
}

/// How far a page stream may go before it ends with [`Error::Pagination`]: bounds against a
/// server that keeps sending fresh cursors (and so against unbounded memory and time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageBounds {
    /// Pages a stream fetches at most (default 100,000: 20 million items at 200 a page).
    pub max_pages: u32,
    /// Empty pages in a row that still point to a next page, at most (default 3).
    pub max_empty_in_a_row: u32,
    /// How long a stream may go on, from its first request (default: no limit; each request
    /// has the client's own deadline).
    pub max_time: Option<Duration>,
}

impl Default for PageBounds {
    fn default() -> Self {
        Self {
            max_pages: 100_000,
            max_empty_in_a_row: 3,
            max_time: None,
        }
    }
}

impl PageBounds {
    /// At most `pages` pages (at least 1).
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages;
        self
    }

    /// At most `pages` empty pages in a row (at least 1).
    pub fn max_empty_in_a_row(mut self, pages: u32) -> Self {
        self.max_empty_in_a_row = pages;
        self
    }

    /// At most `time` from the first request (at least 1 s, at most a day).
    pub fn max_time(mut self, time: Duration) -> Self {
        self.max_time = Some(time);
        self
    }

    fn check(&self) -> Result<(), Error> {
        if self.max_pages == 0 {
            return Err(crate::error::invalid(
                "max_pages",
                Some("0".into()),
                "must be at least 1",
            ));
        }
        if self.max_empty_in_a_row == 0 {
            return Err(crate::error::invalid(
                "max_empty_in_a_row",
                Some("0".into()),
                "must be at least 1",
            ));
        }
        if let Some(time) = self.max_time {
            if time < Duration::from_secs(1) || time > Duration::from_secs(24 * 3600) {
                return Err(crate::error::invalid(
                    "max_time",
                    Some(format!("{time:?}")),
                    "must be from 1 s to 1 day",
                ));
            }
        }
        Ok(())
    }
}

/// A stream on its way: the next cursor and what it has seen.
struct Progress {
    cursor: Option<String>,
    seen: Seen,
    pages: u32,
    empty_in_a_row: u32,
    /// When it must have ended (`max_time` after its first request).
    ends_at: Option<tokio::time::Instant>,
}

/// Where a page stream stands.
enum State {
    /// Fetch the page at this cursor (`None`: the first).
    Fetch(Progress),
    /// Report this, then end.
    Fail(Error),
    Done,
}

/// A stream of pages that owns what it needs (`'static`, `Send`): what the flows return, so
/// that it can be returned from a function or moved into a task.
pub type Pages<T> = BoxStream<'static, Result<Page<T>, Error>>;
/// A stream of items that owns what it needs (`'static`, `Send`).
pub type Items<T> = BoxStream<'static, Result<T, Error>>;
/// A stream of pages of a raw builder: it borrows the client the builder came from.
pub type RawPages<'a, T> = BoxStream<'a, Result<Page<T>, Error>>;
/// A stream of items of a raw builder: it borrows the client the builder came from.
pub type RawItems<'a, T> = BoxStream<'a, Result<T, Error>>;

/// What one page request brought back.
pub(crate) struct Fetched<T> {
    items: Vec<T>,
    /// The `Link` header's next link (`Ok(None)`: no such header).
    from_header: Result<Option<String>, Error>,
    /// The body's `_links.next.href`.
    from_body: Option<String>,
}

/// Sends `builder` for one page (after `cursor`, `limit` items) and reads what came back. The
/// future holds only the boxed request, whatever the builder borrows.
pub(crate) fn fetch_page<'a, B: Paginated<'a>>(
    builder: B,
    cursor: Option<String>,
    limit: NonZeroU64,
) -> impl std::future::Future<Output = Result<Fetched<B::Item>, Error>> + Send + 'a {
    let builder = builder.with_limit(limit);
    let builder = match cursor {
        Some(after) => builder.with_after(after),
        None => builder,
    };
    let sending = builder.send_page();
    async move {
        let response = sending.await?;
        let from_header = link_next(response.headers());
        let (items, from_body) = B::split(response.into_inner());
        Ok(Fetched {
            items,
            from_header,
            from_body,
        })
    }
}

fn items_of<'a, T: Send + 'a>(pages: RawPages<'a, T>) -> RawItems<'a, T> {
    pages
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// Pages fetched one at a time with `fetch(cursor)`, within `bounds`: the one place the
/// paging rules live, for raw builders and flows alike.
fn page_stream<'a, T, F, Fut>(bounds: PageBounds, fetch: F) -> RawPages<'a, T>
where
    T: Send + 'a,
    F: Fn(Option<String>) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = Result<Fetched<T>, Error>> + Send + 'a,
{
    let start = Progress {
        cursor: None,
        seen: Seen {
            hasher: RandomState::new(),
            cursors: HashSet::new(),
        },
        pages: 0,
        empty_in_a_row: 0,
        ends_at: None,
    };
    stream::try_unfold(State::Fetch(start), move |state| {
        // The request is built here, from the state; the future below owns it.
        let (state, sending) = match state {
            State::Fetch(mut progress) => {
                let sending = fetch(progress.cursor.take());
                (State::Fetch(progress), Some(sending))
            }
            other => (other, None),
        };
        async move {
            let mut progress = match state {
                State::Fetch(progress) => progress,
                // The page before was delivered; now the reason the stream stops.
                State::Fail(error) => return Err(error),
                State::Done => return Ok(None),
            };
            let Some(sending) = sending else {
                return Ok(None);
            };
            if progress.pages == 0 {
                let now = tokio::time::Instant::now();
                progress.ends_at = bounds.max_time.and_then(|time| now.checked_add(time));
            }
            let fetched = match progress.ends_at {
                None => sending.await?,
                Some(at) => match tokio::time::timeout_at(at, sending).await {
                    Ok(fetched) => fetched?,
                    Err(_) => {
                        return Err(pagination(format!(
                            "the stream ran past its time limit of {:?} (PageBounds::max_time)",
                            bounds.max_time.unwrap_or_default()
                        )))
                    }
                },
            };
            progress.pages = progress.pages.saturating_add(1);
            let Fetched {
                items,
                from_header,
                from_body,
            } = fetched;
            progress.empty_in_a_row = if items.is_empty() {
                progress.empty_in_a_row.saturating_add(1)
            } else {
                0
            };
            // The items came; a next link that cannot be followed ends the stream with an
            // error after them.
            let next = from_header
                .and_then(|header| header.or(from_body).map(|href| after_of(&href)).transpose());
            let next = next.and_then(|next| match next {
                Some(_) if progress.pages >= bounds.max_pages => Err(pagination(format!(
                    "the stream reached its limit of {} pages (PageBounds::max_pages)",
                    bounds.max_pages
                ))),
                Some(_) if progress.empty_in_a_row >= bounds.max_empty_in_a_row => {
                    Err(pagination(format!(
                        "the server sent {} empty pages in a row, each pointing to another \
                         (PageBounds::max_empty_in_a_row)",
                        progress.empty_in_a_row
                    )))
                }
                Some(next) if !progress.seen.first_time(&next) => Err(pagination(
                    "the server sent a next-page cursor this stream has already followed (a paging loop)"
                        .into(),
                )),
                other => Ok(other),
            });
            let (next_cursor, state) = match next {
                Ok(Some(next)) => {
                    progress.cursor = Some(next.clone());
                    (Some(next), State::Fetch(progress))
                }
                Ok(None) => (None, State::Done),
                Err(error) => (None, State::Fail(error)),
            };
            Ok(Some((Page { items, next_cursor }, state)))
        }
    })
    .boxed()
}

/// A flow's request for one page: (filter, cursor, page size) to the page's contents.
type PageFetcher<T> = Arc<
    dyn Fn(
            Option<String>,
            Option<String>,
            NonZeroU64,
        ) -> futures_util::future::BoxFuture<'static, Result<Fetched<T>, Error>>
        + Send
        + Sync,
>;

/// The filter type of a list that takes none (it cannot be built: such a [`List`] has no
/// `filter` method).
#[derive(Debug, Clone, Copy)]
pub enum NoFilter {}

/// A list of a flow, in one shape for every flow: set a filter (where the API has one, in the
/// flow's filter type `F`), a page size and the [`PageBounds`], then [`stream`](Self::stream)
/// its items, [`pages`](Self::pages) it, or [`collect`](Self::collect) it. The list owns a
/// clone of the client, as its streams do.
///
/// ```no_run
/// # use okta_governance::prelude::*;
/// # use futures_util::TryStreamExt;
/// # async fn run(okta: Governance) -> Result<(), Error> {
/// use okta_governance::filter::SecurityAccessReviewFilter;
/// let active = SecurityAccessReviewFilter::status(types::SecurityAccessReviewStatus::Active);
/// let mut reviews = okta.security_access_reviews().list().filter(active).page_size(50).stream();
/// while let Some(review) = reviews.try_next().await? {
///     println!("{}", review.name.as_str());
/// }
/// # Ok(()) }
/// ```
#[must_use = "a list does nothing until it is streamed or collected"]
pub struct List<T, F = NoFilter> {
    fetch: PageFetcher<T>,
    filter: Option<String>,
    page_size: u32,
    bounds: PageBounds,
    filter_type: std::marker::PhantomData<fn(F)>,
}

impl<T, F> std::fmt::Debug for List<T, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("List")
            .field("filter", &self.filter)
            .field("page_size", &self.page_size)
            .field("bounds", &self.bounds)
            .finish_non_exhaustive()
    }
}

impl<T, F> Clone for List<T, F> {
    fn clone(&self) -> Self {
        Self {
            fetch: self.fetch.clone(),
            filter: self.filter.clone(),
            page_size: self.page_size,
            bounds: self.bounds,
            filter_type: std::marker::PhantomData,
        }
    }
}

/// A [`List`] over one generated list operation, for the flows: `$okta` is cloned into the
/// list; for each page `$start` makes the request from the client named by `$client`, the
/// caller's filter (named by `$filter`, converted by `$wrap`) is set on it when there is one,
/// and [`fetch_page`] sends it. `$initial` is a fixed filter, if any.
#[cfg_attr(
    not(any(
        feature = "labels",
        feature = "security-access-reviews",
        feature = "my-security-access-reviews",
        all(feature = "campaigns", feature = "reviews")
    )),
    allow(
        unused_macros,
        reason = "the flows call it; a build without them has none"
    )
)]
macro_rules! operation_list {
    ($okta:expr, $initial:expr, |$client:ident| $start:expr, |$filter:ident| $wrap:expr) => {{
        let okta = $okta.clone();
        $crate::paginate::List::new($initial, move |filter, cursor, limit| {
            let $client = okta.clone();
            async move {
                let builder = $start;
                let builder = match filter {
                    Some($filter) => builder.filter($wrap),
                    None => builder,
                };
                $crate::paginate::fetch_page(builder, cursor, limit).await
            }
        })
    }};
}
#[cfg_attr(
    not(any(
        feature = "labels",
        feature = "security-access-reviews",
        feature = "my-security-access-reviews",
        all(feature = "campaigns", feature = "reviews")
    )),
    allow(
        unused_imports,
        reason = "the flows call it; a build without them has none"
    )
)]
pub(crate) use operation_list;

impl<T: Send + 'static, F> List<T, F> {
    /// A list whose pages `fetch(filter, cursor, page_size)` requests (with [`fetch_page`]),
    /// from a client it owns; `filter` is a fixed filter, if any.
    #[cfg_attr(
        not(any(
            feature = "labels",
            feature = "security-access-reviews",
            feature = "my-security-access-reviews"
        )),
        allow(dead_code, reason = "the flows call it; a build without them has none")
    )]
    pub(crate) fn new<Fut>(
        filter: Option<String>,
        fetch: impl Fn(Option<String>, Option<String>, NonZeroU64) -> Fut + Send + Sync + 'static,
    ) -> Self
    where
        Fut: std::future::Future<Output = Result<Fetched<T>, Error>> + Send + 'static,
    {
        Self {
            fetch: Arc::new(move |filter, cursor, limit| Box::pin(fetch(filter, cursor, limit))),
            filter,
            page_size: MAX_LIMIT,
            bounds: PageBounds::default(),
            filter_type: std::marker::PhantomData,
        }
    }

    /// Items per page: 1 to 200 (the default, Okta's largest). Another value is refused when
    /// the list is read ([`Error::InvalidInput`] naming `limit`).
    pub fn page_size(mut self, items: u32) -> Self {
        self.page_size = items;
        self
    }

    /// The bounds on pages, empty pages and time that end a stream (default
    /// [`PageBounds::default`]).
    pub fn bounds(mut self, bounds: PageBounds) -> Self {
        self.bounds = bounds;
        self
    }

    /// The pages, fetched one at a time as the stream is polled. An invalid setting is the
    /// stream's only item.
    pub fn pages(self) -> Pages<T> {
        let (limit, bounds) = match (check_limit(self.page_size), self.bounds.check()) {
            (Ok(limit), Ok(())) => (limit, self.bounds),
            (Err(error), _) | (_, Err(error)) => {
                return stream::once(async move { Err(error) }).boxed()
            }
        };
        let (fetch, filter) = (self.fetch, self.filter);
        page_stream(bounds, move |cursor| fetch(filter.clone(), cursor, limit))
    }

    /// The items of every page, in order.
    pub fn stream(self) -> Items<T> {
        items_of(self.pages())
    }

    /// Every item, read to the end.
    pub async fn collect(self) -> Result<Vec<T>, Error> {
        self.stream().try_collect().await
    }
}

impl<T: Send + 'static, F: Into<String>> List<T, F> {
    /// Only the items `filter` matches (in the flow's filter type, see [`filter`](crate::filter)).
    pub fn filter(mut self, filter: F) -> Self {
        self.filter = Some(filter.into());
        self
    }
}

/// The one page of an operation that does not page.
#[cfg(feature = "labels")]
pub(crate) fn single_page<T>(items: Vec<T>) -> Fetched<T> {
    Fetched {
        items,
        from_header: Ok(None),
        from_body: None,
    }
}

/// Streams of pages and items for every paginated builder of the raw client. They borrow the
/// client the builder came from; the flows' streams ([`Items`]) own theirs.
pub trait Paginate<'a>: Paginated<'a> {
    /// The pages, `limit` (1-200) items each, fetched one at a time as the stream is polled,
    /// within the default [`PageBounds`].
    fn pages(self, limit: u32) -> Result<RawPages<'a, Self::Item>, Error> {
        self.pages_within(limit, PageBounds::default())
    }

    /// The pages, `limit` (1-200) items each, within `bounds`.
    fn pages_within(
        self,
        limit: u32,
        bounds: PageBounds,
    ) -> Result<RawPages<'a, Self::Item>, Error> {
        let limit = check_limit(limit)?;
        bounds.check()?;
        Ok(page_stream(bounds, move |cursor| {
            fetch_page(self.clone(), cursor, limit)
        }))
    }

    /// The items of every page, in order, within the default [`PageBounds`].
    fn items(self, limit: u32) -> Result<RawItems<'a, Self::Item>, Error> {
        self.items_within(limit, PageBounds::default())
    }

    /// The items of every page, in order, within `bounds`.
    fn items_within(
        self,
        limit: u32,
        bounds: PageBounds,
    ) -> Result<RawItems<'a, Self::Item>, Error> {
        Ok(items_of(self.pages_within(limit, bounds)?))
    }
}

impl<'a, B> Paginate<'a> for B where B: Paginated<'a> {}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn cursors_come_from_links_wherever_they_point() {
        let mut headers = HeaderMap::new();
        headers.append(
            "link",
            HeaderValue::from_static("<https://acme-admin.okta.com/x?limit=2>; rel=\"self\", <https://acme-admin.okta.com/x?after=abc%3D&limit=2>; rel=\"next\""),
        );
        let next = link_next(&headers).unwrap().unwrap();
        assert_eq!(after_of(&next).unwrap(), "abc=");
        assert_eq!(link_next(&HeaderMap::new()).unwrap(), None);
        assert!(after_of("https://a/x?limit=1").is_err());
        assert!(after_of("https://a/x?after=").is_err());
        assert!(after_of("http://[::1").is_err());
        // A relative link still gives its cursor.
        assert_eq!(
            after_of("/governance/api/v1/labels?after=c1").unwrap(),
            "c1"
        );
    }

    #[test]
    fn link_headers_keep_commas_and_semicolons_inside_targets_and_quotes() {
        let value = r#"<https://a.example/x?after=a,b;c&limit=2>; rel="self", <https://a.example/x?after=d,e>; title="x, y; z"; rel="prev next""#;
        let links = parse_link_header(value).unwrap();
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].target, "https://a.example/x?after=a,b;c&limit=2");
        assert_eq!(links[1].params[0], ("title".into(), "x, y; z".into()));
        let mut headers = HeaderMap::new();
        headers.append("link", HeaderValue::from_str(value).unwrap());
        assert_eq!(
            link_next(&headers).unwrap().as_deref(),
            Some("https://a.example/x?after=d,e")
        );
        for bad in [
            "https://a/x; rel=next",
            "<https://a/x",
            "<a>; rel=\"next",
            "<a> x",
        ] {
            assert!(parse_link_header(bad).is_none(), "{bad}");
        }
        let mut broken = HeaderMap::new();
        broken.append(
            "link",
            HeaderValue::from_static("<https://a/x?after=1; rel=next"),
        );
        assert!(matches!(link_next(&broken), Err(Error::Pagination { .. })));
    }

    fn quoted(value: &str) -> String {
        let mut out = String::from("\"");
        for c in value.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    }

    proptest::proptest! {
        #[test]
        fn rendered_links_parse_back_to_the_same_links(
            links in proptest::collection::vec(
                ("[a-z0-9:/?&=,;._~%-]{0,30}", proptest::collection::vec(("[a-z]{1,8}", "[ -~]{0,12}"), 0..4)),
                0..5,
            )
        ) {
            let rendered: Vec<String> = links
                .iter()
                .map(|(target, params)| {
                    let mut link = format!("<{target}>");
                    for (name, value) in params {
                        link.push_str(&format!("; {name}={}", quoted(value)));
                    }
                    link
                })
                .collect();
            let parsed = parse_link_header(&rendered.join(", ")).unwrap();
            let expected: Vec<Link> = links
                .into_iter()
                .map(|(target, params)| Link { target, params })
                .collect();
            proptest::prop_assert_eq!(parsed, expected);
        }

        #[test]
        fn any_header_text_parses_or_is_refused_without_panicking(text in "\\PC{0,80}") {
            let _ = parse_link_header(&text);
        }
    }

    #[test]
    fn limits_outside_1_to_200_are_refused() {
        assert!(check_limit(1).is_ok() && check_limit(200).is_ok());
        for bad in [0, 201] {
            let err = check_limit(bad).unwrap_err().to_string();
            assert!(
                err.contains("limit") && err.contains(&bad.to_string()) && err.contains("1 to 200"),
                "{err}"
            );
        }
    }
}
