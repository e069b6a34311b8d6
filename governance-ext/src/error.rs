//! Errors of the ext crate.

use std::path::PathBuf;

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
        /// Why.
        reason: String,
    },
}

/// Authentication failed.
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
    /// The token endpoint could not be reached.
    #[error("token endpoint unreachable: {0}")]
    Unreachable(String),
    /// A JWT (client assertion or DPoP proof) could not be signed.
    #[error("cannot sign the {what}: {reason}")]
    Signing {
        /// `client assertion` or `DPoP proof`.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The server demanded a DPoP nonce more often than the client retries.
    #[error("the server kept demanding a new DPoP nonce")]
    NonceLoop,
    /// The access token lacks a scope the operation requires.
    #[error("operation {operation} needs scope {scopes} (the token was refused with 403 insufficient_scope)")]
    MissingScope {
        /// Operation id.
        operation: &'static str,
        /// Required scopes, space separated.
        scopes: String,
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
}

/// Any error of the SDK.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Authentication failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Okta answered with an error.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request was refused before it was sent (a value broke a limit of the spec).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A value given to the SDK breaks a documented limit; nothing was sent.
    #[error("invalid {field} `{value}`: {limit}")]
    Validation {
        /// The field.
        field: &'static str,
        /// The value given.
        value: String,
        /// The limit it breaks.
        limit: &'static str,
    },
    /// The server could not be reached or the connection broke (after retries, where safe).
    #[error("transport: {0}")]
    Transport(String),
    /// A security access review reached the `ERROR` state.
    #[error("security access review {id} failed to generate (status ERROR)")]
    ReviewFailed {
        /// The review's id.
        id: String,
    },
    /// Still rate limited after the allowed retries (or the reset lies past the deadline).
    #[error("rate limited by Okta after {retries} retries{}", reset_in.map(|r| format!("; the window resets in {} s", r.as_secs())).unwrap_or_default())]
    RateLimited {
        /// Retries made.
        retries: u32,
        /// Time until the window resets, when Okta said.
        reset_in: Option<std::time::Duration>,
    },
    /// The call's deadline passed (all attempts and waits included).
    #[error("no answer within the deadline ({} ms)", after.as_millis())]
    Timeout {
        /// Time spent.
        after: std::time::Duration,
    },
    /// A 2xx response did not decode into the operation's type.
    #[error("cannot decode the response: {message}; body starts: {excerpt}")]
    Decode {
        /// What serde said (with line and column).
        message: String,
        /// The first 200 characters of the body.
        excerpt: String,
    },
}

/// An error answer from Okta.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Okta answered {status}{}{}{}", error_code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(), error_summary.as_deref().map(|s| format!(": {s}")).unwrap_or_default(), request_id.as_deref().map(|r| format!(" (request {r})")).unwrap_or_default())]
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
}

impl ApiError {
    fn from_parts(
        status: u16,
        headers: &reqwest::header::HeaderMap,
        body: Option<serde_json::Value>,
    ) -> Self {
        let body = body.unwrap_or_default();
        let text = |key: &str| body.get(key).and_then(|v| v.as_str()).map(str::to_string);
        Self {
            status,
            error_code: text("errorCode"),
            error_summary: text("errorSummary"),
            error_id: text("errorId"),
            error_causes: body
                .get("errorCauses")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .filter_map(|c| {
                    c.get("errorSummary")
                        .and_then(|s| s.as_str())
                        .map(str::to_string)
                })
                .collect(),
            request_id: headers
                .get("x-okta-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        }
    }
}

impl<E: serde::Serialize> From<progenitor_client::Error<E>> for Error {
    fn from(error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as E;
        match error {
            E::InvalidRequest(message) => Error::InvalidRequest(message),
            E::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let body = serde_json::to_value(response.as_ref()).ok();
                Error::Api(Box::new(ApiError::from_parts(
                    status,
                    response.headers(),
                    body,
                )))
            }
            E::UnexpectedResponse(response) => {
                if let Some(failure) = governance_client::hooks::take_failure::<Error>(&response) {
                    return (*failure).clone();
                }
                // Statuses the spec does not declare: the stack kept the parsed body.
                let body = response
                    .extensions()
                    .get::<crate::transport::ErrorBody>()
                    .map(|body| body.0.clone());
                Error::Api(Box::new(ApiError::from_parts(
                    response.status().as_u16(),
                    response.headers(),
                    body,
                )))
            }
            E::CommunicationError(e) => Error::Transport(e.without_url().to_string()),
            E::InvalidResponsePayload(bytes, e) => Error::Decode {
                message: e.to_string(),
                excerpt: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            },
            E::ResponseBodyError(e) => Error::Transport(e.without_url().to_string()),
            E::InvalidUpgrade(e) => Error::Transport(e.without_url().to_string()),
            E::Custom(message) => Error::Transport(message),
        }
    }
}
