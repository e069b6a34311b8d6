//! The seam through which every request of the generated client passes.
//!
//! Progenitor calls `ClientHooks::exec` for every request; the impl below (which must live in
//! this crate, next to `Client`) hands the request to the [`Transport`] held in the client's
//! inner value, together with the [`Operation`] metadata of the call. The default inner value
//! has no transport and simply sends the request with the client's `reqwest::Client`.
//! The `okta-governance` crate (`governance-ext/`) supplies a transport that adds authentication, throttling, retries and
//! tracing; this crate knows nothing about them.
//!
//! # What a transport answers
//!
//! A transport answers with the whole response, its body read (under a limit), as an
//! `http::Response<Bytes>`, or with the crate's [`Error`]: a transport that fails for its own
//! reasons (token endpoint refused, retries exhausted, deadline passed) returns that error,
//! and the generated `send()` hands it to its caller unchanged. The generated code decodes
//! the body into the operation's type, or turns an error status into [`Error::Api`] with
//! Okta's error body read.
//!
//! # Path parameters are always exactly one segment
//!
//! Every value the generated code puts into a path goes through [`path_segment`] (the
//! `path-segments-through-hooks` rewrite puts it there instead of progenitor's `encode_path`,
//! which leaves `.` and `\` alone). It percent-encodes everything but RFC 3986's unreserved
//! characters and `:` / `@` (so `/`, `\`, `%`, `?`, `#` never act as syntax) and refuses what
//! no encoding can make one literal segment: an empty value, `.` and `..` (URL parsers resolve
//! them, percent-encoded or not), and values over [`MAX_PATH_VALUE`] bytes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::error::{excerpt, ApiError, Error};
use crate::operation::{by_rust_method, Operation};
use crate::response::ResponseValue;
use crate::Client;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one request of one operation. Implemented by the ext crate's layer stack.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` for `operation` (`None` only for a request the metadata does not know),
    /// using `client` or anything else, and answers with the response, its body read, or
    /// with the error that ends the call.
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> BoxFuture<'a, Result<http::Response<Bytes>, Error>>;
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

/// The supertrait of every per-tag `Client…Ext` trait (rewrite `sealed-ext-traits`), in a
/// private module so that only [`Client`] implements it: an operation added in a spec update
/// (a method added to its tag's trait) then breaks no caller.
pub(crate) mod sealed {
    /// Implemented by [`Client`](crate::Client) only.
    #[allow(dead_code)] // the generated code calls it; a build without any tag compiles none
    pub trait Sealed {}
}

impl sealed::Sealed for Client {}

// The generated code asserts that the client implements progenitor's hooks trait; every
// request goes through [`exec`] instead, so the trait's defaults are never called.
impl ClientHooks<Inner> for Client {}

impl Client {
    /// The base URL requests are sent to.
    pub fn baseurl(&self) -> &str {
        &self.baseurl
    }

    /// The HTTP client requests are sent with.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The version of the spec this client was generated from (`info.version`).
    pub fn api_version() -> &'static str {
        <Self as ClientInfo<Inner>>::api_version()
    }
}

/// The largest body the client reads without a transport installed (a transport sets its
/// own limits): 32 MiB.
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// Sends `request` through the client's transport (or, without one, with its HTTP client,
/// reading the body under [`MAX_BODY`]); every generated `send()` calls it.
#[allow(dead_code)] // the generated code calls it; a build without any tag compiles none
pub(crate) async fn exec(
    client: &Client,
    request: reqwest::Request,
    info: &OperationInfo,
) -> Result<http::Response<Bytes>, Error> {
    let operation = by_rust_method(info.operation_id);
    match &client.inner.transport {
        Some(transport) => transport.execute(&client.client, request, operation).await,
        None => {
            let mut response = client.client.execute(request).await?;
            let body = read_limited(&mut response, MAX_BODY)
                .await
                .map_err(ReadError::into_error)?;
            Ok(into_http(response, body))
        }
    }
}

/// `response` with `body` as an `http::Response` (status, version, headers and extensions
/// kept): what a [`Transport`] answers.
pub fn into_http(response: reqwest::Response, body: Bytes) -> http::Response<Bytes> {
    let mut response = http::Response::from(response);
    let extensions = std::mem::take(response.extensions_mut());
    let (mut parts, _) = response.into_parts();
    parts.extensions = extensions;
    http::Response::from_parts(parts, body)
}

/// Why a body could not be read by [`read_limited`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// The connection failed while reading (the error has no URL: it may carry a code or a
    /// cursor).
    Transport(reqwest::Error),
    /// The body is (or says it is) longer than the limit.
    TooLarge {
        /// HTTP status of the response.
        status: u16,
        /// The limit, in bytes.
        limit: usize,
    },
}

impl ReadError {
    /// As the crate's error.
    pub fn into_error(self) -> Error {
        match self {
            ReadError::Transport(error) => Error::from(error),
            ReadError::TooLarge { status, limit } => Error::BodyTooLarge { status, limit },
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Transport(e) => write!(f, "reading the body failed: {e}"),
            ReadError::TooLarge { status, limit } => write!(
                f,
                "the response body ({status}) is over the limit of {limit} bytes"
            ),
        }
    }
}

/// Reads `response`'s body to the end, refusing it past `limit` bytes: checked against
/// `Content-Length` before reading and against the bytes received while reading, so a hostile
/// or broken server cannot make the client buffer without end. A body that arrives in one
/// chunk (most do) is kept as it came, with no copy.
pub async fn read_limited(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<Bytes, ReadError> {
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    let status = response.status().as_u16();
    if response.content_length().is_some_and(|n| n > limit_u64) {
        return Err(ReadError::TooLarge { status, limit });
    }
    let mut first = Bytes::new();
    let mut all = BytesMut::new();
    let mut total: usize = 0;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ReadError::Transport(e.without_url()))?
    {
        total = total.saturating_add(chunk.len());
        if total > limit {
            return Err(ReadError::TooLarge { status, limit });
        }
        if first.is_empty() && all.is_empty() {
            first = chunk;
        } else {
            if all.is_empty() {
                all.extend_from_slice(&first);
            }
            all.extend_from_slice(&chunk);
        }
    }
    Ok(if all.is_empty() { first } else { all.freeze() })
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

const REASON_EMPTY: &str = "must not be empty";
const REASON_DOTS: &str = "must not be `.` or `..` (they would change the path)";
const REASON_LONG: &str = "must be at most 1024 bytes";

/// `value` as one percent-encoded path segment, for the parameter `param`; the generated
/// `send()` methods call it for every path parameter. [`Error::InvalidInput`] naming `param`
/// for a value that cannot be one segment (empty, `.`, `..`, over [`MAX_PATH_VALUE`] bytes).
pub fn path_segment(value: &str, param: &'static str) -> Result<String, Error> {
    let refuse = |reason: &str, value: Option<&str>| {
        Err(Error::InvalidInput {
            field: param.to_string(),
            value: value.map(crate::error::redacted),
            limit: reason.to_string(),
        })
    };
    if value.is_empty() {
        return refuse(REASON_EMPTY, None);
    }
    if value == "." || value == ".." {
        return refuse(REASON_DOTS, Some(value));
    }
    if value.len() > MAX_PATH_VALUE {
        // The value itself is left out: it is long, and could be anything.
        return refuse(REASON_LONG, None);
    }
    Ok(percent_encoding::utf8_percent_encode(value, SEGMENT).to_string())
}

/// A value a generated builder could not use (a conversion that failed, a required value not
/// set), as [`Error::InvalidInput`] naming the parameter (the spec's name, or `body`).
#[allow(dead_code)] // the generated code calls it; a build without any tag compiles none
pub(crate) fn refused(field: &'static str, reason: String) -> Error {
    Error::InvalidInput {
        field: field.to_string(),
        value: None,
        limit: reason,
    }
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

/// Decodes a response body into the operation's type; the generated `send()` methods call
/// it. A body that does not decode is [`Error::Decode`], naming the operation, the status and
/// the JSON path where decoding stopped.
#[allow(dead_code)] // the generated code calls it; a build without any tag compiles none
pub(crate) async fn decode<T: serde::de::DeserializeOwned>(
    _client: &Client,
    response: http::Response<Bytes>,
    info: &OperationInfo,
) -> Result<ResponseValue<T>, Error> {
    let (parts, body) = response.into_parts();
    match serde_json::from_slice(&body) {
        Ok(inner) => Ok(ResponseValue::new(inner, parts.status, parts.headers)),
        Err(error) => {
            // Only on failure: decode again, tracking the path.
            let path = serde_path_to_error::deserialize::<_, T>(
                &mut serde_json::Deserializer::from_slice(&body),
            )
            .err()
            .map(|e| e.path().to_string())
            .unwrap_or_default();
            Err(Error::Decode {
                operation: by_rust_method(info.operation_id).map(|op| op.id),
                status: Some(parts.status.as_u16()),
                source: Box::new(error),
                path: if path.is_empty() || path == "." {
                    "$".into()
                } else {
                    format!("$.{path}")
                },
                excerpt: excerpt(&body),
            })
        }
    }
}

/// An error answer (a declared error status, or any status the operation does not declare)
/// as [`Error::Api`], with Okta's error body read; the generated `send()` methods call it.
#[allow(dead_code)] // the generated code calls it; a build without any tag compiles none
pub(crate) async fn error_response(
    _client: &Client,
    response: http::Response<Bytes>,
    info: &OperationInfo,
) -> Error {
    Error::from(ApiError::from_response(
        response.status().as_u16(),
        response.headers(),
        response.body(),
        by_rust_method(info.operation_id).map(|op| op.id),
    ))
}
