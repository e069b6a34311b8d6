//! The shape every paginated operation shares, so that the ext crate can page any of them.
//!
//! Implemented (in the generated `paginated.rs`) for the builder of every operation that takes
//! `after` and `limit` and answers `{ data: [...], _links: { next } }` (or a union of such
//! pages).

use std::num::NonZeroU64;

use crate::hooks::BoxFuture;
use crate::{Error, ResponseValue};

/// Item types of operations whose page comes in more than one shape: `listGrants` answers
/// `GrantsListWithEntitlements` or `GrantsList` depending on `include`, so its items are a
/// `ListGrantsItem` (feature `grants`) with one variant per page type.
#[allow(unused_imports)] // empty without the features of those operations
pub use crate::paginated::items::*;

/// The future of one page of `P`.
pub type PageFuture<'a, P> =
    BoxFuture<'a, Result<ResponseValue<<P as Paginated<'a>>::Page>, Error>>;

/// A builder of a paginated operation.
pub trait Paginated<'a>: Clone + Send + 'a {
    /// The response page.
    type Page: Send;
    /// One item of a page.
    type Item: Send;

    /// Sets the `after` cursor.
    fn with_after(self, cursor: String) -> Self;
    /// Sets the page size.
    fn with_limit(self, limit: NonZeroU64) -> Self;
    /// Sends the request for one page.
    fn send_page(self) -> PageFuture<'a, Self>;
    /// The page's items and its `_links.next.href`, if any.
    fn split(page: Self::Page) -> (Vec<Self::Item>, Option<String>);
}
