//! The seam through which every request of the generated client passes.
//!
//! Progenitor calls `ClientHooks::exec` for every request; the impl below (which must live in
//! this crate, next to `Client`) hands the request to the [`Transport`] held in the client's
//! inner value, together with the [`Operation`] metadata of the call. The default inner value
//! has no transport and simply sends the request with the client's `reqwest::Client`.
//! The `okta-governance` crate (`governance-ext/`) supplies a transport that adds authentication, throttling, retries and
//! tracing; this crate knows nothing about them.
//!
//! # How failures inside a transport reach the caller
//!
//! `exec` can only return a `reqwest::Error`, which cannot be built outside reqwest. A
//! transport that fails for its own reasons (token endpoint refused, retries exhausted,
//! deadline passed) therefore answers with a *synthetic response* built by
//! [`failure_response`]: status 599 (never sent by Okta, declared by no operation, so the
//! generated code returns it untouched as `Error::UnexpectedResponse`) carrying the typed
//! error in the response's extensions. [`take_failure`] gets it back. The typed error travels
//! intact, never flattened to a string, and a caller who does not know about it still sees a
//! clearly marked unexpected response.
//!
//! # How a body the transport has read reaches the generated code
//!
//! A transport may read the body itself (the ext crate's does, so that a connection broken
//! mid-body is retried like any other failure). It then hands back the response it received,
//! body stream spent, with the bytes in a [`ReadBody`] extension rather than building a new
//! response around them. [`decode`] takes the body from there; for a status the operation does
//! not declare, the generated code passes the response through [`unexpected`], which makes the
//! bytes its body again, so the caller of `send()` reads it as usual.

//! # Path parameters are always exactly one segment
//!
//! Every value the generated code puts into a path goes through [`path_segment`] (the
//! `path-segments-through-hooks` rewrite puts it there instead of progenitor's `encode_path`,
//! which leaves `.` and `\` alone). It percent-encodes everything but RFC 3986's unreserved
//! characters and `:` / `@` (so `/`, `\`, `%`, `?`, `#` never act as syntax) and refuses what
//! no encoding can make one literal segment: an empty value, `.` and `..` (URL parsers resolve
//! them, percent-encoded or not), and values over [`MAX_PATH_VALUE`] bytes.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::operation::{by_rust_method, Operation};
use crate::Client;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one request of one operation. Implemented by the ext crate's layer stack.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` for `operation` (`None` only for a request the metadata does not know),
    /// using `client` or anything else.
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// The client's inner value: the transport every request goes through.
#[derive(Clone, Default)]
pub struct Inner {
    transport: Option<Arc<dyn Transport>>,
}

impl Inner {
    /// Routes every request through `transport`.
    pub fn with_transport(transport: Arc<dyn Transport>) -> Self {
        Self {
            transport: Some(transport),
        }
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("transport", &self.transport.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl ClientHooks<Inner> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        match &self.inner().transport {
            Some(transport) => {
                transport
                    .execute(self.client(), request, by_rust_method(info.operation_id))
                    .await
            }
            None => self.client().execute(request).await,
        }
    }
}

/// The longest path-parameter value accepted, in bytes (Okta ids are 20 characters, ORNs about
/// a hundred).
pub const MAX_PATH_VALUE: usize = 1024;

/// What [`path_segment`] leaves unencoded: RFC 3986's unreserved characters and `:` and `@`
/// (ORNs use `:`). Everything else, `.` aside, is percent-encoded, `%` included.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'~')
    .remove(b'.')
    .remove(b':')
    .remove(b'@');

/// Why a path-parameter value was refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PathRefusal {
    /// The parameter (the spec's name, `labelId`).
    pub param: &'static str,
    /// What is wrong with the value.
    pub reason: &'static str,
}

impl fmt::Display for PathRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PATH_REFUSAL}`{}`: {}", self.param, self.reason)
    }
}

/// How the message of a refused path value starts (see [`PathRefusal::from_message`]).
const PATH_REFUSAL: &str = "invalid path parameter ";

impl PathRefusal {
    /// The refusal whose `Display` is `message`, if it is one: `send()` can only report it as
    /// progenitor's `Error::InvalidRequest(String)`, and this gets the typed value back.
    #[doc(hidden)]
    pub fn from_message(message: &str) -> Option<Self> {
        let rest = message.strip_prefix(PATH_REFUSAL)?.strip_prefix('`')?;
        let (name, reason) = rest.split_once("`: ")?;
        let param = crate::operations::OPERATIONS
            .iter()
            .flat_map(|op| op.params)
            .find(|p| p.name == name)?
            .name;
        let reason = [REASON_EMPTY, REASON_DOTS, REASON_LONG]
            .into_iter()
            .find(|r| *r == reason)?;
        Some(Self { param, reason })
    }
}

const REASON_EMPTY: &str = "must not be empty";
const REASON_DOTS: &str = "must not be `.` or `..` (they would change the path)";
const REASON_LONG: &str = "must be at most 1024 bytes";

/// `value` as one percent-encoded path segment, for the parameter `param`; the generated
/// `send()` methods call it for every path parameter. An error (the message of a
/// [`PathRefusal`]) for a value that cannot be one segment.
pub fn path_segment(value: &str, param: &'static str) -> Result<String, String> {
    let refuse = |reason| Err(PathRefusal { param, reason }.to_string());
    if value.is_empty() {
        return refuse(REASON_EMPTY);
    }
    if value == "." || value == ".." {
        return refuse(REASON_DOTS);
    }
    if value.len() > MAX_PATH_VALUE {
        return refuse(REASON_LONG);
    }
    Ok(percent_encoding::utf8_percent_encode(value, SEGMENT).to_string())
}

/// Whether `path` is `template` (`/governance/api/v1/labels/{labelId}`) with each `{param}`
/// replaced by exactly one segment that is not empty, `.` or `..`; otherwise the parameter
/// (or `path` for a literal segment) that does not fit. Run by the ext crate's stack on every
/// request, after the URL is parsed, as a second line behind [`path_segment`].
pub fn check_path(template: &'static str, path: &str) -> Result<(), &'static str> {
    let mut actual = path.split('/');
    for expected in template.split('/') {
        let Some(segment) = actual.next() else {
            return Err(param_name(expected).unwrap_or("path"));
        };
        match param_name(expected) {
            Some(param) => {
                if segment.is_empty() || segment == "." || segment == ".." {
                    return Err(param);
                }
            }
            None if segment == expected => {}
            None => return Err("path"),
        }
    }
    match actual.next() {
        None => Ok(()),
        Some(_) => Err(template.rsplit('/').find_map(param_name).unwrap_or("path")),
    }
}

/// `labelId` of a template segment `{labelId}`; `None` for a literal segment.
fn param_name(segment: &'static str) -> Option<&'static str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

/// A 2xx (or declared error) body that did not decode into the operation's type, as
/// [`decode`] reports it when a transport is installed.
#[doc(hidden)]
#[derive(Debug)]
pub struct DecodeFailure {
    /// `operationId` of the call (`listLabels`), when the metadata knows it.
    pub operation: Option<&'static str>,
    /// HTTP status of the response.
    pub status: u16,
    /// JSON path where decoding stopped (`data[0].labelId`; empty at the root).
    pub path: String,
    /// serde's error.
    pub error: serde_json::Error,
    /// The whole body.
    pub body: bytes::Bytes,
}

/// Decodes a response as progenitor's `ResponseValue::from_response` does; the generated
/// `send()` methods call it. With a transport installed, a body that does not decode comes
/// back as an `UnexpectedResponse` carrying a [`DecodeFailure`] (see [`take_failure`]), so the
/// ext crate can name the operation and the status; without one, the error is progenitor's
/// `InvalidResponsePayload`, unchanged.
#[doc(hidden)]
pub async fn decode<T: serde::de::DeserializeOwned, E>(
    client: &Client,
    response: reqwest::Response,
    info: &OperationInfo,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>> {
    if client.inner().transport.is_none() {
        return progenitor_client::ResponseValue::from_response(response).await;
    }
    // Moved out rather than copied: the headers go into the value.
    let mut response = response;
    let headers = std::mem::take(response.headers_mut());
    let status = response.status();
    let body = match response.extensions_mut().remove::<ReadBody>() {
        Some(ReadBody(body)) => body,
        None => response
            .bytes()
            .await
            .map_err(progenitor_client::Error::ResponseBodyError)?,
    };
    match serde_json::from_slice(&body) {
        Ok(inner) => Ok(progenitor_client::ResponseValue::new(
            inner, status, headers,
        )),
        Err(error) => {
            // Only on failure: decode again, tracking the path.
            let path = serde_path_to_error::deserialize::<_, T>(
                &mut serde_json::Deserializer::from_slice(&body),
            )
            .err()
            .map(|e| e.path().to_string())
            .unwrap_or_default();
            Err(progenitor_client::Error::UnexpectedResponse(
                failure_response(DecodeFailure {
                    operation: by_rust_method(info.operation_id).map(|op| op.id),
                    status: status.as_u16(),
                    path,
                    error,
                    body,
                }),
            ))
        }
    }
}

/// The body of a response that a transport has already read to the end (to retry a
/// connection that breaks mid-body, say), riding in the response's extensions: the transport
/// hands back the response as it came, its body stream spent, instead of building a new
/// response around the bytes. [`decode`] takes the body from here, and [`unexpected`] makes
/// it the body again before the generated code hands the response to the caller.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct ReadBody(pub bytes::Bytes);

/// The response the generated code returns as `Error::UnexpectedResponse`: when a transport
/// left its body in a [`ReadBody`], a response with that body (and the same status, version,
/// headers, URL and extensions), so that the caller reads it as usual.
#[doc(hidden)]
pub fn unexpected(mut response: reqwest::Response) -> reqwest::Response {
    use reqwest::ResponseBuilderExt;
    let Some(ReadBody(body)) = response.extensions_mut().remove::<ReadBody>() else {
        return response;
    };
    let mut rebuilt = http::Response::builder()
        .url(response.url().clone())
        .body(reqwest::Body::from(body))
        .unwrap_or_default();
    *rebuilt.status_mut() = response.status();
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = std::mem::take(response.headers_mut());
    rebuilt
        .extensions_mut()
        .extend(std::mem::take(response.extensions_mut()));
    reqwest::Response::from(rebuilt)
}

/// Status of the synthetic responses that carry a transport failure.
#[doc(hidden)]
pub const FAILURE_STATUS: u16 = 599;

/// A transport failure riding in a synthetic response's extensions, taken out once by
/// [`take_failure`] (extensions must be `Clone`; the error need not be).
#[derive(Clone)]
struct Failure(Arc<Mutex<Option<Box<dyn Any + Send>>>>);

/// Builds the synthetic response that carries `error` back through the generated code.
#[doc(hidden)]
pub fn failure_response<E: Any + Send>(error: E) -> reqwest::Response {
    let mut response = http::Response::new(reqwest::Body::from(Vec::<u8>::new()));
    *response.status_mut() = http::StatusCode::from_u16(FAILURE_STATUS)
        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response
        .extensions_mut()
        .insert(Failure(Arc::new(Mutex::new(Some(Box::new(error))))));
    reqwest::Response::from(response)
}

/// Takes out the error a transport put into a synthetic response with [`failure_response`],
/// if this is one and the error (still there) has type `E`.
#[doc(hidden)]
pub fn take_failure<E: Any>(response: &mut reqwest::Response) -> Option<E> {
    let failure = response.extensions_mut().get_mut::<Failure>()?;
    let mut slot = failure.0.lock().unwrap_or_else(PoisonError::into_inner);
    match slot.take()?.downcast::<E>() {
        Ok(error) => Some(*error),
        Err(other) => {
            *slot = Some(other);
            None
        }
    }
}
