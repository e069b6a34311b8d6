//! One `use` line for the common case: `use okta_governance::prelude::*;`.
//!
//! Brings in the client ([`Governance`]) and its configuration, the generated per-tag
//! extension traits (so every operation's method is in scope, `okta.list_labels()`),
//! [`Paginate`] for `.items(limit)` / `.pages(limit)` on paginated operations, the handles
//! (`okta.labels()`, `okta.security_access_reviews()`, `okta.security_access_review(id)`), the error type and the generated
//! `types` module.

pub use crate::config::Config;
pub use crate::error::Error;
pub use crate::governance::Governance;
#[cfg(feature = "labels")]
pub use crate::labels::Labels;
pub use crate::org::OrgUrl;
pub use crate::paginate::Paginate;
#[cfg(any(
    feature = "security-access-reviews",
    feature = "my-security-access-reviews"
))]
pub use crate::security_access_reviews::SecurityAccessReviewHandle;
#[cfg(feature = "security-access-reviews")]
pub use crate::security_access_reviews::SecurityAccessReviews;
pub use okta_governance_client::prelude::*;
pub use okta_governance_client::types;
