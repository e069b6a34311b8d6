//! The one error type of the SDK: every `send()` of the raw client and every call of the
//! `okta-governance` crate returns [`Error`].
//!
//! It lives here, in the crate that defines the generated client, because the generated
//! `send()` methods return it; the `okta-governance` crate re-exports it at the same names
//! (`okta_governance::Error`, `okta_governance::labels::LabelError`, …) and builds the variants
//! that belong to its layer (authentication, configuration, rate limits after retries, the
//! flows). This crate only builds [`Error::InvalidInput`], [`Error::Api`], [`Error::Decode`],
//! [`Error::Transport`] and [`Error::BodyTooLarge`]; it knows the shape of the other variants,
//! not how they come about.
//!
//! Every error keeps its cause: `source()` gives the `reqwest`, I/O or serde error underneath,
//! so `anyhow`/`eyre` reports (and `{:#}` / `{:?}` there) show the whole chain. `Display` says
//! what failed at this level only and leaves the cause to the chain.
//!
//! Callers usually ask questions rather than match variants:
//!
//! ```
//! # fn handle(error: okta_governance_client::Error) {
//! if error.is_not_found() {
//!     // gone already
//! } else if error.is_retryable() {
//!     // try again later (`retry_after()` says when, if Okta said)
//! } else {
//!     eprintln!("{} (request {:?})", error, error.request_id());
//! }
//! # }
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The cause of an error, shared by every call that waited for the same token request.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

/// Any error of the SDK: the raw client's `send()` and every call of the `okta-governance`
/// crate return it.
///
/// Not `Clone`: it owns its cause. A report that hands one error to many entries (the label
/// bulk calls) shares it through [`Arc`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Authentication failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Okta answered with an error status (or a status the operation does not declare).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A value given to the SDK breaks a limit (of the spec, of the API or of a flow); nothing
    /// was sent. `field` is the API's name for it (`name`, `values[].name`, `labelId`,
    /// `reviewerSettings.userSettings.includedUserIds`), `limit` the rule it breaks.
    ///
    /// Path parameters land here too: a value that cannot be sent as exactly one path segment
    /// (empty, `.`, `..`, over 1,024 bytes), so ids taken from users can never steer a request
    /// to another endpoint.
    #[error("invalid {field}{}: {limit}", value.as_deref().map(|v| format!(" {v}")).unwrap_or_default())]
    InvalidInput {
        /// The field or parameter, as the API spells it.
        field: String,
        /// The value given, as [`redacted`] shows it (whole when short, else its first bytes
        /// and its length): errors reach logs, and a caller's value may be a secret passed by
        /// mistake. `None` when the SDK no longer has it.
        value: Option<String>,
        /// The limit it breaks.
        limit: String,
    },
    /// The org could not be reached or the connection broke (after retries, where safe).
    #[error("cannot reach the org, or the connection broke")]
    Transport {
        /// The `reqwest` (or I/O) error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A response body was longer than the configured limit; it was not read further.
    #[error("the response body ({status}) is over the limit of {limit} bytes")]
    BodyTooLarge {
        /// HTTP status of the response.
        status: u16,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A paginated stream cannot go on without losing or repeating pages: the server sent a
    /// cursor the stream had already followed, a next link without a cursor or that is no URL,
    /// or a `Link` header that does not parse. The pages before it were delivered.
    #[error("paging stopped: {reason}")]
    Pagination {
        /// What was wrong with the next-page link.
        reason: String,
    },
    /// A label flow cannot go on (see [`LabelError`]).
    #[error(transparent)]
    Label(#[from] LabelError),
    /// A security access review flow cannot go on (see [`SecurityAccessReviewError`]).
    #[error(transparent)]
    SecurityAccessReview(#[from] SecurityAccessReviewError),
    /// An access-certification campaign flow cannot go on (see [`CampaignError`]).
    #[error(transparent)]
    Campaign(#[from] CampaignError),
    /// Still rate limited after the allowed retries (or the reset lies past the deadline).
    #[error("rate limited by Okta after {retries} retries{}", reset_in.map(|r| format!("; the window resets in {} s", r.as_secs())).unwrap_or_default())]
    RateLimited {
        /// Retries made.
        retries: u32,
        /// Time until the window resets, when Okta said.
        reset_in: Option<Duration>,
    },
    /// The call's deadline passed (all attempts and waits included).
    #[error("no answer within the deadline ({} ms)", after.as_millis())]
    Timeout {
        /// Time spent.
        after: Duration,
    },
    /// A response did not decode into the operation's type; `source()` is serde's error.
    ///
    /// `Display` leaves the body excerpt out (it can hold personal data, and errors are often
    /// logged at `info`); it is in the field and in `Debug`.
    #[error("cannot decode the {} response{} at {path}", operation.unwrap_or("unknown operation's"), status.map(|s| format!(" ({s})")).unwrap_or_default())]
    Decode {
        /// `operationId` of the call, when known.
        operation: Option<&'static str>,
        /// HTTP status of the response, when known.
        status: Option<u16>,
        /// What serde said (with line and column).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
        /// The JSON path where decoding stopped (`$.data[0].labelId`).
        path: String,
        /// The first 200 characters of the body.
        excerpt: String,
    },
}

impl Error {
    /// The HTTP status of the API's answer behind this error, if there was one: Okta's error
    /// status, 429 for a rate limit that outlasted the retries, 401 and 403 for refused
    /// credentials and missing scopes, the status of a body too large or that did not decode.
    /// `None` for failures before or without an answer (bad input, configuration, timeouts,
    /// connections, the token endpoint).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::BodyTooLarge { status, .. } => Some(*status),
            Error::Decode { status, .. } => *status,
            Error::RateLimited { .. } => Some(429),
            Error::Auth(AuthError::Unauthorized(_)) => Some(401),
            Error::Auth(AuthError::MissingScope { .. }) => Some(403),
            _ => None,
        }
    }

    /// Okta's request id (`X-Okta-Request-Id`) of an error answer: quote it to Okta support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id.as_deref(),
            _ => None,
        }
    }

    /// Okta's `errorCode` (`E0000007` not found, `E0000001` validation, …) of an error
    /// answer.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.error_code.as_deref(),
            _ => None,
        }
    }

    /// The error answer from Okta, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// Whether the same call may succeed later unchanged: rate limits, timeouts, broken
    /// connections, 5xx answers and an unreachable or failing token endpoint. Bad input,
    /// configuration, refused credentials, 4xx answers and flow conditions are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::Api(api) => api.status == 429 || (500..=599).contains(&api.status),
            Error::Auth(auth) => {
                matches!(
                    auth,
                    AuthError::Unreachable { .. } | AuthError::TokenTimeout { .. }
                ) || matches!(auth, AuthError::TokenEndpoint { status, .. } if *status >= 500)
            }
            _ => false,
        }
    }

    /// Whether Okta answered 404 (`E0000007`): the resource does not exist (or is not visible
    /// to these credentials).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api(api) if api.status == 404)
    }

    /// Whether this is a rate limit: retries spent, or a 429 answered to a client without the
    /// SDK's stack.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimited { .. }) || self.status() == Some(429)
    }

    /// Whether the credentials were refused or lack a scope (401, 403 `insufficient_scope`,
    /// or the token endpoint refused them).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Auth(_)) || matches!(self.status(), Some(401 | 403))
    }

    /// The field a refused input names (`labelId`, `name`, `body`), for
    /// [`Error::InvalidInput`].
    pub fn invalid_field(&self) -> Option<&str> {
        match self {
            Error::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }

    /// How long until the rate-limit window resets, when Okta said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { reset_in, .. } => *reset_in,
            _ => None,
        }
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }
}

impl From<reqwest::Error> for Error {
    /// A failure of the HTTP client (connection, TLS, a request that cannot be built), with
    /// the URL left out (it can carry query values).
    fn from(error: reqwest::Error) -> Self {
        Error::Transport {
            source: Box::new(error.without_url()),
        }
    }
}

/// An error answer from Okta.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Okta answered {status}{}{}{}{}", error_code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(), error_summary.as_deref().map(|s| format!(": {s}")).unwrap_or_default(), if error_causes.is_empty() { String::new() } else { format!(" [{}]", error_causes.join("; ")) }, request_id.as_deref().map(|r| format!(" (request {r})")).unwrap_or_default())]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// `errorCode` (`E0000001`, ...).
    pub error_code: Option<String>,
    /// `errorSummary`.
    pub error_summary: Option<String>,
    /// `errorId`.
    pub error_id: Option<String>,
    /// `errorSummary` of each `errorCauses` entry.
    pub error_causes: Vec<String>,
    /// `X-Okta-Request-Id`.
    pub request_id: Option<String>,
    /// `operationId` of the call (`listLabels`), when known.
    pub operation: Option<&'static str>,
}

/// Okta's error body (`errorCode`, `errorSummary`, `errorId`, `errorCauses`), read leniently:
/// any field may be missing or of another type.
#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct OktaErrorBody {
    #[serde(default, deserialize_with = "lenient")]
    error_code: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    error_summary: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    error_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_causes")]
    error_causes: Vec<String>,
}

fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value: serde_json::Value = serde::Deserialize::deserialize(d)?;
    Ok(value.as_str().map(str::to_string))
}

fn lenient_causes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let value: serde_json::Value = serde::Deserialize::deserialize(d)?;
    Ok(value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("errorSummary")?.as_str().map(str::to_string))
        .collect())
}

impl ApiError {
    /// The error answer with `status`, `headers` and `body` (Okta's error JSON, or anything
    /// else: what does not parse is left out).
    pub fn from_response(
        status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
        operation: Option<&'static str>,
    ) -> Self {
        let parsed: OktaErrorBody = serde_json::from_slice(body).unwrap_or_default();
        Self {
            status,
            error_code: parsed.error_code,
            error_summary: parsed.error_summary,
            error_id: parsed.error_id,
            error_causes: parsed.error_causes,
            request_id: headers
                .get("x-okta-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            operation,
        }
    }
}

/// Bad configuration: names the field (and its environment variable) and what is wrong.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The org URL is not acceptable.
    #[error("invalid org URL `{value}`: {reason}")]
    InvalidOrgUrl {
        /// What was given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// A required setting is absent.
    #[error("missing setting: {field}")]
    Missing {
        /// The setting (with its environment variable).
        field: &'static str,
    },
    /// A setting has an unusable value.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The setting.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A configuration file could not be read or parsed.
    #[error("cannot use {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why (with the line and column of a YAML error).
        reason: String,
        /// The I/O error underneath, when reading failed.
        #[source]
        source: Option<Cause>,
    },
}

/// Authentication failed.
///
/// `Clone`, unlike [`Error`]: one token request serves every call waiting for it, and each of
/// them gets its outcome. Causes are shared through [`Arc`] for that.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint refused the request; `error` and `error_description` are the
    /// server's own words.
    #[error("token endpoint answered {status}: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    TokenEndpoint {
        /// HTTP status.
        status: u16,
        /// OAuth 2.0 `error` code (`invalid_client`, `invalid_scope`, ...).
        error: String,
        /// `error_description`, when sent.
        description: Option<String>,
    },
    /// The token endpoint answered something that is not an OAuth 2.0 token response.
    #[error("token endpoint answered {status} with an unreadable body: {reason}")]
    BadTokenResponse {
        /// HTTP status.
        status: u16,
        /// What was wrong.
        reason: String,
    },
    /// The token endpoint could not be reached, or the connection broke.
    #[error("cannot reach the token endpoint")]
    Unreachable {
        /// What went wrong (a `reqwest::Error`, mostly).
        #[source]
        source: Cause,
    },
    /// A JWT (client assertion or DPoP proof) could not be signed.
    #[error("cannot sign the {what}")]
    Signing {
        /// `client assertion`, `DPoP proof` or `random value`.
        what: &'static str,
        /// Why.
        #[source]
        source: Cause,
    },
    /// No access token could be had within the call's deadline (the token endpoint is slow or
    /// failing; see the logs for what it said).
    #[error("no access token within the call's deadline (waited {} ms)", waited.as_millis())]
    TokenTimeout {
        /// How long the caller waited.
        waited: Duration,
    },
    /// The token endpoint demanded a DPoP nonce, which re-sends the token request, and a
    /// pre-signed client assertion cannot be sent twice (its `jti` is single use). Use
    /// `Credentials::AssertionSigner` (or `PrivateKey`) to sign one per request.
    #[error("the token endpoint asked for the request again (DPoP nonce), and a pre-signed client assertion cannot be re-sent: use Credentials::AssertionSigner to sign one per request")]
    AssertionReused,
    /// The server demanded a DPoP nonce more often than the client retries.
    #[error("the server kept demanding a new DPoP nonce")]
    NonceLoop,
    /// The access token lacks a scope the operation requires.
    #[error("operation {operation} needs scope {} (the token was refused with 403 insufficient_scope)", scopes.join(" "))]
    MissingScope {
        /// Operation id.
        operation: &'static str,
        /// The scopes the operation requires (its `Operation::scopes`; empty when the
        /// operation is not known).
        scopes: &'static [&'static str],
    },
    /// The request was refused with 401 even after a fresh token.
    #[error("the org refused the credentials (401): {0}")]
    Unauthorized(String),
    /// A request was about to leave the configured org.
    #[error("refusing to send credentials to {url}: not the configured org {org}")]
    ForeignHost {
        /// Where the request was going.
        url: String,
        /// The configured org.
        org: String,
    },
    /// A user-based flow cannot go on (no refresh token, state mismatch, ...).
    #[error("user sign-in: {0}")]
    User(String),
    /// A condition the SDK should never reach: a bug. Please report it with the message.
    #[error("internal error of the SDK: {what} (please report it)")]
    Internal {
        /// What went wrong.
        what: &'static str,
    },
    /// Code of the caller's that the SDK runs for a token request (an assertion signer, a
    /// refresh-token callback) panicked. The panic was caught: the token request ended with
    /// this error, and the next call starts a new one.
    #[error("{what} panicked during a token request: {message}")]
    CallerPanicked {
        /// What panicked (`a signer or callback of the caller's`).
        what: &'static str,
        /// The panic's message (its first 200 characters), when it had one.
        message: String,
    },
}

/// A label flow that cannot go on for a reason of the org's state (not of the input).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LabelError {
    /// `Crown Jewel` and `Privileged` are Okta's and cannot be changed or deleted.
    #[error("label {label_id} is predefined and cannot be changed")]
    Predefined {
        /// The label's id.
        label_id: String,
    },
    /// A label whose values are assigned cannot be deleted (see
    /// `Labels::delete_unassigning_first` in the `okta-governance` crate).
    #[error("label {label_id} cannot be deleted while its values are assigned to resources")]
    InUse {
        /// The label's id.
        label_id: String,
    },
    /// The org already has 10 custom label keys.
    #[error("cannot add label {name}: the org already has 10 custom label keys")]
    TooManyKeys {
        /// The key that could not be added.
        name: String,
    },
    /// A batch of an unassign (or assign) failed, so the flow stopped.
    #[error("{failed} resource(s) failed, {resource} first")]
    BatchFailed {
        /// The first resource that failed.
        resource: String,
        /// How many failed.
        failed: usize,
        /// Why the first failed.
        #[source]
        source: Arc<Error>,
    },
}

/// A security access review flow that cannot go on for a reason of the review's state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecurityAccessReviewError {
    /// The review reached the `ERROR` state (Okta could not generate it).
    #[error("security access review {id} failed to generate (status ERROR)")]
    Failed {
        /// The review's id.
        id: String,
    },
    /// The review did not become active within the deadline given.
    #[cfg(any(
        feature = "my-security-access-reviews",
        feature = "security-access-reviews"
    ))]
    #[error("security access review {id} was still {status} after {} s", waited.as_secs())]
    NotActiveYet {
        /// The review's id.
        id: String,
        /// Its last status.
        status: crate::types::SecurityAccessReviewStatus,
        /// How long the caller waited.
        waited: Duration,
    },
    /// An access does not support the action asked for; nothing was sent.
    #[cfg(any(
        feature = "my-security-access-reviews",
        feature = "security-access-reviews"
    ))]
    #[error(
        "access {access_id} ({access}) does not support {action}; it supports: {}",
        supported_list(supported)
    )]
    ActionNotSupported {
        /// The access's id.
        access_id: String,
        /// The access's name.
        access: String,
        /// The action asked for.
        action: crate::types::SecurityAccessReviewAccessItemSupportedAction,
        /// The actions the access lists.
        supported: Vec<crate::types::SecurityAccessReviewAccessItemSupportedAction>,
    },
    /// Remediation of some accesses was still in progress at the deadline.
    #[error("remediation of {} access(es) of review {id} still in progress after {} s", in_progress.len(), waited.as_secs())]
    RemediationPending {
        /// The review's id.
        id: String,
        /// The accesses still `IN_PROGRESS`.
        in_progress: Vec<String>,
        /// How long the caller waited.
        waited: Duration,
    },
}

/// An access-certification campaign flow that cannot go on for a reason of the campaign's
/// state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CampaignError {
    /// The campaign reached the `ERROR` state (Okta could not launch it).
    #[error("campaign {id} failed to launch (status ERROR)")]
    Failed {
        /// The campaign's id.
        id: String,
    },
    /// The campaign did not reach the status waited for within the deadline.
    #[cfg(feature = "campaigns")]
    #[error("campaign {id} was still {status} after {} s (waiting for {wanted})", waited.as_secs())]
    NotYet {
        /// The campaign's id.
        id: String,
        /// Its last status.
        status: crate::types::CampaignStatus,
        /// The status waited for.
        wanted: crate::types::CampaignStatus,
        /// How long the caller waited.
        waited: Duration,
    },
    /// Only a campaign that never launched (`SCHEDULED`) can be deleted; nothing was sent.
    #[cfg(feature = "campaigns")]
    #[error("campaign {id} is {status}: only a campaign that never launched can be deleted")]
    Launched {
        /// The campaign's id.
        id: String,
        /// Its status.
        status: crate::types::CampaignStatus,
    },
    /// Remediation of some reviews was still open at the deadline.
    #[error("remediation of {} review(s) of campaign {id} still open after {} s", open.len(), waited.as_secs())]
    RemediationPending {
        /// The campaign's id.
        id: String,
        /// The reviews whose remediation is still `OPEN`.
        open: Vec<String>,
        /// How long the caller waited.
        waited: Duration,
    },
}

/// The actions an access supports, for `Display`.
#[cfg(any(
    feature = "my-security-access-reviews",
    feature = "security-access-reviews"
))]
fn supported_list(
    supported: &[crate::types::SecurityAccessReviewAccessItemSupportedAction],
) -> String {
    if supported.is_empty() {
        return "no action".to_string();
    }
    supported
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value for `Display`: at most 64 characters.
/// How errors show a value a caller gave: whole when it is at most 11 bytes, else its first
/// bytes (at most 6, on a character boundary) and its length, control characters escaped.
///
/// A value in an error reaches logs, and a caller's value can be a secret passed by mistake (a
/// token pasted as an id, a password in a URL); no 12 consecutive bytes of one are ever shown.
///
/// ```
/// use okta_governance_client::error::redacted;
/// assert_eq!(redacted(".."), "`..`");
/// assert_eq!(redacted("00aBcDeFgHiJkLmNoPqRsTuVwXyZ"), "`00aBcD…` (28 bytes)");
/// ```
pub fn redacted(value: &str) -> String {
    // No 12-byte window fits in a value shown whole, nor in a prefix.
    const WHOLE: usize = 11;
    const PREFIX: usize = 6;
    if value.len() <= WHOLE {
        return format!("`{}`", value.escape_debug());
    }
    let mut end = PREFIX;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("`{}…` ({} bytes)", value[..end].escape_debug(), value.len())
}

/// The first 200 characters of a body.
#[allow(dead_code)] // the generated code calls it; a build without any tag compiles none
pub(crate) fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}
