#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
mod body;
#[cfg(any(
    feature = "labels",
    feature = "security-access-reviews",
    feature = "my-security-access-reviews",
    all(feature = "campaigns", feature = "reviews")
))]
pub mod bulk;
#[cfg(all(feature = "campaigns", feature = "reviews"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "campaigns", feature = "reviews"))))]
pub mod campaigns;
pub mod config;
mod crypto;
#[cfg(any(feature = "labels", feature = "security-access-reviews"))]
mod dedup;
pub mod error;
mod files;
pub mod filter;
mod governance;
#[cfg(feature = "labels")]
#[cfg_attr(docsrs, doc(cfg(feature = "labels")))]
pub mod labels;
pub mod org;
pub mod orn;
pub mod paginate;
#[cfg(any(
    all(feature = "campaigns", feature = "reviews"),
    feature = "security-access-reviews",
    feature = "my-security-access-reviews"
))]
mod polling;
pub mod prelude;
pub mod retry;
pub mod scopes;
pub mod secret;
#[cfg(any(
    feature = "security-access-reviews",
    feature = "my-security-access-reviews"
))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(
        feature = "security-access-reviews",
        feature = "my-security-access-reviews"
    )))
)]
pub mod security_access_reviews;
mod session;
mod sync;
mod throttle;
mod tls;
mod transport;

pub use auth::{AssertionSigner, Authenticated, Credentials, DpopMode, PrivateKeyJwt, SigningKey};
pub use body::BodyLimits;
pub use config::{Config, ConfigBuilder, ConfigSource};
pub use error::{ApiError, AuthError, ConfigError, Error};
pub use governance::{Governance, GovernanceBuilder};
#[cfg(feature = "labels")]
pub use labels::Labels;
pub use okta_governance_client as client;
pub use org::{IntoOrgUrl, OrgUrl};
pub use retry::RetryConfig;
pub use scopes::Scopes;
pub use secret::Secret;
#[cfg(any(
    feature = "security-access-reviews",
    feature = "my-security-access-reviews"
))]
pub use security_access_reviews::SecurityAccessReviewHandle;
#[cfg(feature = "security-access-reviews")]
pub use security_access_reviews::SecurityAccessReviews;
