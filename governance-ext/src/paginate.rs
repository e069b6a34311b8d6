//! Pagination as `Stream`s, for every operation the metadata marks as paginated.
//!
//! The next page's cursor is taken from the `Link: <…>; rel="next"` header, or else from the
//! body's `_links.next.href`. Those links point at the org's `-admin` host; they are never
//! followed: only their `after` value is used, and the next request goes through the same
//! builder to the configured org. Pages are fetched one at a time as the stream is polled;
//! nothing buffers the whole result.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use governance_ext::client::prelude::*;
//! use governance_ext::paginate::Paginate;
//!
//! # async fn run(okta: governance_ext::Governance) -> Result<(), governance_ext::Error> {
//! let mut reviews = okta.list_security_access_reviews().items(200)?;
//! while let Some(review) = reviews.try_next().await? {
//!     println!("{}", review.name.as_str());
//! }
//! # Ok(()) }
//! ```

use std::num::NonZeroU64;

use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use governance_client::paging::Paginated;
use reqwest::header::HeaderMap;
use url::Url;

use crate::error::Error;

/// The largest page Okta serves.
pub const MAX_LIMIT: u32 = 200;

/// One page of a paginated operation.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

/// The `after` value of a next-page link.
fn after_of(href: &str) -> Option<String> {
    let url = Url::parse(href).ok()?;
    url.query_pairs()
        .find(|(key, _)| key == "after")
        .map(|(_, value)| value.into_owned())
}

/// The `rel="next"` target of `Link` headers.
fn link_next(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.split_once(';')?;
            let is_next = params.split(';').any(|p| {
                matches!(
                    p.trim().replace(' ', "").as_str(),
                    "rel=\"next\"" | "rel=next"
                )
            });
            is_next.then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
}

fn check_limit(limit: u32) -> Result<NonZeroU64, Error> {
    match NonZeroU64::new(u64::from(limit)) {
        Some(value) if limit <= MAX_LIMIT => Ok(value),
        _ => Err(Error::Validation {
            field: "limit",
            value: limit.to_string(),
            limit: "must be 1 to 200 items per page",
        }),
    }
}

/// A stream of pages.
pub type Pages<'a, T> = BoxStream<'a, Result<Page<T>, Error>>;
/// A stream of items.
pub type Items<'a, T> = BoxStream<'a, Result<T, Error>>;

/// Streams of pages and items for every paginated builder.
pub trait Paginate<'a>: Paginated<'a>
where
    Self::Error: serde::Serialize,
{
    /// The pages, `limit` (1-200) items each, fetched one at a time as the stream is polled.
    fn pages(self, limit: u32) -> Result<Pages<'a, Self::Item>, Error> {
        let limit = check_limit(limit)?;
        let template = self.with_limit(limit);
        let pages = stream::try_unfold(Some(None::<String>), move |state| {
            let template = template.clone();
            async move {
                let Some(cursor) = state else { return Ok(None) };
                let builder = match cursor.clone() {
                    Some(after) => template.with_after(after),
                    None => template,
                };
                let response = builder.send_page().await.map_err(Error::from)?;
                let from_header = link_next(response.headers());
                let (items, from_body) = Self::split(response.into_inner());
                let next = from_header
                    .or(from_body)
                    .and_then(|href| after_of(&href))
                    .filter(|next| Some(next) != cursor.as_ref());
                let state = next.clone().map(Some);
                Ok(Some((
                    Page {
                        items,
                        next_cursor: next,
                    },
                    state,
                )))
            }
        });
        Ok(pages.boxed())
    }

    /// The items of every page, in order.
    fn items(self, limit: u32) -> Result<Items<'a, Self::Item>, Error> {
        Ok(self
            .pages(limit)?
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed())
    }
}

impl<'a, B> Paginate<'a> for B
where
    B: Paginated<'a>,
    B::Error: serde::Serialize,
{
}

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
        let next = link_next(&headers).unwrap();
        assert_eq!(after_of(&next).as_deref(), Some("abc="));
        assert_eq!(link_next(&HeaderMap::new()), None);
        assert_eq!(after_of("not a url"), None);
        assert_eq!(after_of("https://a/x?limit=1"), None);
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
