//! Errors: the SDK has one error type, [`Error`], on every call, raw or flow.
//!
//! [`Error`] and the types it holds are defined in the client crate (the generated `send()`
//! methods return it) and re-exported here at the names callers use:
//! `okta_governance::Error`, `okta_governance::labels::LabelError`, …. This crate builds the
//! variants of its layer: [`Error::Auth`], [`Error::Config`], [`Error::RateLimited`],
//! [`Error::Timeout`], [`Error::Pagination`] and the flows' errors.
//!
//! Every error keeps its cause: `source()` gives the `reqwest`, I/O or serde error underneath,
//! so `anyhow`/`eyre` reports show the whole chain. Ask the error rather than match it where
//! you can: [`Error::status`], [`Error::request_id`], [`Error::error_code`],
//! [`Error::is_retryable`], [`Error::is_not_found`], [`Error::is_rate_limited`],
//! [`Error::is_auth`], [`Error::retry_after`], [`Error::invalid_field`].

pub use okta_governance_client::error::{
    ApiError, AuthError, CampaignError, Cause, ConfigError, Error, LabelError,
    SecurityAccessReviewError,
};

/// A [`Cause`] from an error or a message.
pub(crate) fn cause(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Cause {
    std::sync::Arc::from(error.into())
}

/// A value refused before sending.
pub(crate) fn invalid(
    field: impl Into<String>,
    value: Option<String>,
    limit: impl Into<String>,
) -> Error {
    Error::InvalidInput {
        field: field.into(),
        value: value
            .as_deref()
            .map(okta_governance_client::error::redacted),
        limit: limit.into(),
    }
}

/// The org could not be reached.
pub(crate) fn transport(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::Transport {
        source: source.into(),
    }
}

/// A caller's value as the generated type of `field` (a name newtype, an id), or
/// [`Error::InvalidInput`] with the generated type's own limit.
#[cfg(any(
    feature = "labels",
    feature = "security-access-reviews",
    feature = "my-security-access-reviews",
    all(feature = "campaigns", feature = "reviews")
))]
pub(crate) fn typed<T: TryFrom<String>>(field: &'static str, value: &str) -> Result<T, Error>
where
    T::Error: std::fmt::Display,
{
    T::try_from(value.to_string())
        .map_err(|e| invalid(field, Some(value.to_string()), e.to_string()))
}

/// A generated type from its `types::builder` builder (the way to construct generated types:
/// they are `#[non_exhaustive]`), or [`Error::InvalidInput`] naming `field` with what the
/// builder refused.
#[cfg(any(
    feature = "labels",
    feature = "security-access-reviews",
    all(feature = "campaigns", feature = "reviews")
))]
pub(crate) fn built<T, B>(field: &'static str, builder: B) -> Result<T, Error>
where
    T: TryFrom<B>,
    T::Error: std::fmt::Display,
{
    T::try_from(builder).map_err(|e| invalid(field, None, e.to_string()))
}
