//! [`ResponseValue`]: what every successful `send()` returns.
//!
//! The crate's own type rather than progenitor's: a public signature that named
//! `progenitor_client::ResponseValue` would tie every dependent to the progenitor-client
//! release this crate was generated with. The methods are the ones callers of generated
//! clients know (`into_inner`, `status`, `headers`, `Deref` to the value).

use std::ops::{Deref, DerefMut};

/// A decoded response: the value, with the status and headers it came with.
#[derive(Debug, Clone)]
pub struct ResponseValue<T> {
    inner: T,
    status: http::StatusCode,
    headers: http::HeaderMap,
}

impl<T> ResponseValue<T> {
    /// A value with the status and headers of its response.
    pub fn new(inner: T, status: http::StatusCode, headers: http::HeaderMap) -> Self {
        Self {
            inner,
            status,
            headers,
        }
    }

    /// The decoded value.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> http::StatusCode {
        self.status
    }

    /// The headers of the response.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// Okta's request id (`X-Okta-Request-Id`).
    pub fn request_id(&self) -> Option<&str> {
        self.headers
            .get("x-okta-request-id")
            .and_then(|v| v.to_str().ok())
    }

    /// The same response with its value mapped by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ResponseValue<U> {
        ResponseValue {
            inner: f(self.inner),
            status: self.status,
            headers: self.headers,
        }
    }
}

impl ResponseValue<()> {
    /// A response without a body (`204`, `202`); the generated code builds it.
    #[allow(dead_code)] // the generated code calls it; a build without any tag compiles none
    pub(crate) fn empty(response: http::Response<bytes::Bytes>) -> Self {
        let (parts, _) = response.into_parts();
        Self::new((), parts.status, parts.headers)
    }
}

impl ResponseValue<bytes::Bytes> {
    /// A response whose body is not JSON, as bytes; the generated code builds it.
    #[allow(dead_code)] // the pinned spec has no such response
    pub(crate) fn stream(response: http::Response<bytes::Bytes>) -> Self {
        let (parts, body) = response.into_parts();
        Self::new(body, parts.status, parts.headers)
    }
}

impl<T> Deref for ResponseValue<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T> DerefMut for ResponseValue<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}
