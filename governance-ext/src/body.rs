//! Reading response bodies under a limit: every body the client reads (API responses, error
//! answers, token responses) is bounded, checked against `Content-Length` before reading and
//! against the bytes received while reading, so a hostile or broken server cannot make the
//! client buffer without end.

use bytes::{Bytes, BytesMut};

/// The largest bodies read, by kind of answer (see [`crate::ConfigBuilder::max_body`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BodyLimits {
    /// Largest 2xx body, in bytes (default 32 MiB: a page of 200 items is well under 1 MiB).
    pub success: usize,
    /// Largest error body (4xx, 5xx), in bytes (default 64 KiB: Okta's are under 1 KiB).
    pub error: usize,
}

impl BodyLimits {
    /// Limits of `success` bytes for 2xx bodies and `error` bytes for error bodies.
    pub fn new(success: usize, error: usize) -> Self {
        Self { success, error }
    }

    /// The limit for a response of `status`.
    pub(crate) fn for_status(&self, status: reqwest::StatusCode) -> usize {
        if status.is_client_error() || status.is_server_error() {
            self.error
        } else {
            self.success
        }
    }
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            success: 32 * 1024 * 1024,
            error: 64 * 1024,
        }
    }
}

/// The largest token-endpoint body read (Okta's are about 1-2 KiB).
pub(crate) const MAX_TOKEN_BODY: usize = 64 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
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

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Transport(e) => write!(f, "reading the body failed: {e}"),
            ReadError::TooLarge { status, limit } => write!(
                f,
                "the response body ({status}) is over the limit of {limit} bytes"
            ),
        }
    }
}

/// Reads `response`'s body to the end, refusing it past `limit` bytes. A body that arrives in
/// one chunk (most do) is kept as it came, with no copy.
pub(crate) async fn read_limited(
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
