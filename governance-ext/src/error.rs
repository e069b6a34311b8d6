//! Errors of the ext crate.
//!
//! Every error keeps its cause: `source()` gives the `reqwest`, I/O or serde error underneath,
//! so `anyhow`/`eyre` reports (and `{:#}` / `{:?}` there) show the whole chain. `Display` says
//! what failed at this level only and leaves the cause to the chain.

use std::path::PathBuf;
use std::sync::Arc;

use okta_governance_client::hooks::DecodeFailure;

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
        waited: std::time::Duration,
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

use flows::{LabelError, ReviewError};

/// The errors of the flows, defined here (below the flows, which return [`Error`]) and
/// named from their flow's module: `labels::LabelError`, `reviews::ReviewError`.
pub(crate) mod flows {
    use std::sync::Arc;
    use std::time::Duration;

    use super::Error;

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
        /// `Labels::delete_unassigning_first`).
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

    /// A review flow that cannot go on for a reason of the review's state.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[non_exhaustive]
    pub enum ReviewError {
        /// The review reached the `ERROR` state (Okta could not generate it).
        #[error("security access review {id} failed to generate (status ERROR)")]
        Failed {
            /// The review's id.
            id: String,
        },
        /// The review did not become active within the deadline given.
        #[error("security access review {id} was still {status} after {} s", waited.as_secs())]
        NotActiveYet {
            /// The review's id.
            id: String,
            /// Its last status.
            status: String,
            /// How long the caller waited.
            waited: Duration,
        },
        /// An access does not support the action asked for; nothing was sent.
        #[error("access {access_id} ({access}) does not support {action}; it supports: {}", if supported.is_empty() { "no action".to_string() } else { supported.join(", ") })]
        ActionNotSupported {
            /// The access's id.
            access_id: String,
            /// The access's name.
            access: String,
            /// The action asked for.
            action: String,
            /// The actions the access lists.
            supported: Vec<String>,
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
}

/// The cause of an [`AuthError`], shared by every call that waited for the same token request.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

/// A [`Cause`] from an error or a message.
pub(crate) fn cause(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Cause {
    Arc::from(error.into())
}

/// Any error of the SDK.
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
    /// Okta answered with an error.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A value given to the SDK breaks a limit (of the spec, of the API or of a flow); nothing
    /// was sent. `field` is the API's name for it (`name`, `values[].name`, `labelId`,
    /// `reviewerSettings.userSettings.includedUserIds`), `limit` the rule it breaks.
    ///
    /// Path parameters land here too: a value that cannot be sent as exactly one path segment
    /// (empty, `.`, `..`, over 1,024 bytes), so ids taken from users can never steer a request
    /// to another endpoint.
    #[error("invalid {field}{}: {limit}", value.as_deref().map(|v| format!(" `{}`", shorten(v))).unwrap_or_default())]
    InvalidInput {
        /// The field or parameter, as the API spells it.
        field: String,
        /// The value given (when the SDK still has it).
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
    /// A response body was longer than the configured limit (see `ConfigBuilder::max_body`);
    /// it was not read further.
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
    /// A label flow cannot go on (see [`labels::LabelError`](LabelError)).
    #[error(transparent)]
    Label(#[from] LabelError),
    /// A security access review flow cannot go on (see
    /// [`reviews::ReviewError`](ReviewError)).
    #[error(transparent)]
    Review(#[from] ReviewError),
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
        source: serde_json::Error,
        /// The JSON path where decoding stopped (`$.data[0].labelId`).
        path: String,
        /// The first 200 characters of the body.
        excerpt: String,
    },
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
            E::InvalidRequest(message) => {
                match okta_governance_client::hooks::PathRefusal::from_message(&message) {
                    Some(refusal) => Error::invalid(refusal.param, None, refusal.reason),
                    None => builder_refusal(&message),
                }
            }
            E::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let body = serde_json::to_value(response.as_ref()).ok();
                Error::Api(Box::new(ApiError::from_parts(
                    status,
                    response.headers(),
                    body,
                )))
            }
            E::UnexpectedResponse(mut response) => {
                if let Some(failure) =
                    okta_governance_client::hooks::take_failure::<Error>(&mut response)
                {
                    return failure;
                }
                if let Some(failure) =
                    okta_governance_client::hooks::take_failure::<DecodeFailure>(&mut response)
                {
                    return Error::Decode {
                        operation: failure.operation,
                        status: Some(failure.status),
                        source: failure.error,
                        path: if failure.path.is_empty() || failure.path == "." {
                            "$".into()
                        } else {
                            format!("$.{}", failure.path)
                        },
                        excerpt: excerpt(&failure.body),
                    };
                }
                // Statuses the spec does not declare: the stack kept the parsed body.
                let body = response
                    .extensions()
                    .get::<ErrorBody>()
                    .map(|body| body.0.clone());
                Error::Api(Box::new(ApiError::from_parts(
                    response.status().as_u16(),
                    response.headers(),
                    body,
                )))
            }
            E::CommunicationError(e) | E::ResponseBodyError(e) | E::InvalidUpgrade(e) => {
                Error::transport(e.without_url())
            }
            E::InvalidResponsePayload(bytes, e) => Error::Decode {
                operation: None,
                status: None,
                path: json_path_at(&bytes, e.line(), e.column()),
                source: e,
                excerpt: excerpt(&bytes),
            },
            E::Custom(message) => Error::transport(message),
        }
    }
}

impl Error {
    /// A value refused before sending.
    pub(crate) fn invalid(
        field: impl Into<String>,
        value: Option<String>,
        limit: impl Into<String>,
    ) -> Self {
        Error::InvalidInput {
            field: field.into(),
            value,
            limit: limit.into(),
        }
    }

    /// The org could not be reached.
    pub(crate) fn transport(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::Transport {
            source: source.into(),
        }
    }
}

/// A caller's value as the generated type of `field` (a name newtype, an id), or
/// [`Error::InvalidInput`] with the generated type's own limit.
#[cfg(any(feature = "labels", feature = "security-access-reviews"))]
pub(crate) fn typed<T: TryFrom<String>>(field: &'static str, value: &str) -> Result<T, Error>
where
    T::Error: std::fmt::Display,
{
    T::try_from(value.to_string())
        .map_err(|e| Error::invalid(field, Some(value.to_string()), e.to_string()))
}

/// A refusal of a generated builder (`labelId was not initialized`, `conversion to
/// `ScimFilter` for filter failed: ...`) as an [`Error::InvalidInput`] naming the field.
fn builder_refusal(message: &str) -> Error {
    if let Some(field) = message.strip_suffix(" was not initialized") {
        return Error::invalid(field, None, "is required");
    }
    if let Some(rest) = message.strip_prefix("conversion to `") {
        if let Some((_, rest)) = rest.split_once("` for ") {
            return match rest.split_once(" failed: ") {
                Some((field, why)) => Error::invalid(field, None, why),
                None => Error::invalid(
                    rest.strip_suffix(" failed").unwrap_or(rest),
                    None,
                    "cannot be converted to the operation's type",
                ),
            };
        }
    }
    Error::invalid("request", None, message)
}

/// A value for `Display`: at most 64 characters.
fn shorten(value: &str) -> String {
    match value.char_indices().nth(64) {
        Some((end, _)) => format!("{}...", &value[..end]),
        None => value.to_string(),
    }
}

/// The parsed body of an error response, kept by the stack for statuses the generated code
/// does not decode (statuses the spec does not declare for the operation).
#[derive(Clone, Debug)]
pub(crate) struct ErrorBody(pub serde_json::Value);

/// The first 200 characters of a body.
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

/// The JSON path (`$.data[0].name`) of the innermost value open at `line`:`column` (1-based,
/// as serde_json reports errors) in `body`.
pub(crate) fn json_path_at(body: &[u8], line: usize, column: usize) -> String {
    enum Frame {
        Object(Option<String>),
        Array(usize),
    }
    let mut stack: Vec<Frame> = Vec::new();
    let (mut at_line, mut at_column) = (1usize, 0usize);
    let mut i = 0;
    while i < body.len() {
        let byte = body[i];
        if byte == b'\n' {
            at_line += 1;
            at_column = 0;
        } else {
            at_column += 1;
        }
        if at_line > line || (at_line == line && at_column >= column) {
            break;
        }
        match byte {
            b'{' => stack.push(Frame::Object(None)),
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(index)) => *index += 1,
                Some(Frame::Object(key)) => *key = None,
                None => {}
            },
            b'"' => {
                let start = i + 1;
                let mut end = start;
                while end < body.len() && body[end] != b'"' {
                    end += if body[end] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object(key @ None)) = stack.last_mut() {
                    *key = Some(
                        String::from_utf8_lossy(&body[start..end.min(body.len())]).into_owned(),
                    );
                }
                at_column += end.min(body.len()).saturating_sub(i);
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::from("$");
    for frame in &stack {
        match frame {
            Frame::Object(Some(key)) => {
                path.push('.');
                path.push_str(key);
            }
            Frame::Object(None) => {}
            Frame::Array(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of_error<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
        let error = serde_json::from_str::<T>(text).unwrap_err();
        json_path_at(text.as_bytes(), error.line(), error.column())
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: String,
        count: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        data: Vec<Item>,
    }

    #[test]
    fn decode_errors_point_at_the_json_path() {
        assert_eq!(
            path_of_error::<Page>(
                r#"{"data": [{"id": "a", "count": 1}, {"id": "b", "count": "x"}]}"#
            ),
            "$.data[1].count"
        );
        assert_eq!(
            path_of_error::<Page>(r#"{"data": [{"id": "a\"b", "count": -1}]}"#),
            "$.data[0].count"
        );
        assert_eq!(
            path_of_error::<Page>("{\n  \"data\": [\n    {\"id\": 7, \"count\": 1}\n  ]\n}"),
            "$.data[0].id"
        );
        assert_eq!(
            path_of_error::<Page>(r#"{"data": [{"id": "tru"#),
            "$.data[0].id"
        );
        assert_eq!(json_path_at(b"", 1, 1), "$");
    }

    proptest::proptest! {
        #[test]
        fn any_body_and_position_gives_a_path_without_panicking(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            line in 0usize..10,
            column in 0usize..300,
        ) {
            proptest::prop_assert!(json_path_at(&body, line, column).starts_with('$'));
        }
    }
}
