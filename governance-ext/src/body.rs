//! Reading response bodies under a limit: every body the client reads (API responses, error
//! answers, token responses) is bounded, checked against `Content-Length` before reading and
//! against the bytes received while reading, so a hostile or broken server cannot make the
//! client buffer without end.

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

pub(crate) use okta_governance_client::hooks::{read_limited, ReadError};
