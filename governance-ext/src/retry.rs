//! When to retry, and how long to wait.
//!
//! - 429: always retried (the request provably did not run), after `X-Rate-Limit-Reset`
//!   measured against the response's `Date`, plus jitter.
//! - 5xx, connection resets, timeouts: retried with exponential backoff and jitter, but only
//!   for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS).
//! - Connect failures: retried for every method (nothing reached the server).
//!
//! Bounded by [`RetryConfig::max_retries`] and an overall deadline that covers every attempt
//! and every wait.

use std::time::Duration;

/// Retry and deadline settings: `RetryConfig::default().max_retries(2).deadline(..)`.
///
/// `#[non_exhaustive]`: build it from [`Default`] and the setters, so that a later setting
/// is not a breaking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Retries after the first attempt (default 4).
    pub max_retries: u32,
    /// Deadline for one call, all attempts and waits included (default 120 s).
    pub deadline: Duration,
    /// First backoff for 5xx and connection failures (default 250 ms), doubled each retry.
    pub base_backoff: Duration,
    /// Longest single backoff (default 10 s).
    pub max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 4,
            deadline: Duration::from_secs(120),
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl RetryConfig {
    /// Sets [`max_retries`](Self::max_retries).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets [`deadline`](Self::deadline).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets [`base_backoff`](Self::base_backoff).
    pub fn base_backoff(mut self, backoff: Duration) -> Self {
        self.base_backoff = backoff;
        self
    }

    /// Sets [`max_backoff`](Self::max_backoff).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }
}

/// Whether repeating a request of this method is safe when it may have reached the server.
pub(crate) fn idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS")
}

/// Up to `max` of random jitter.
pub(crate) fn jitter(max: Duration) -> Duration {
    let mut bytes = [0u8; 4];
    // A failed random source gives no jitter (zero bytes), never an error.
    let _ = crate::crypto::random_bytes(&mut bytes);
    let fraction = f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX);
    max.mul_f64(fraction)
}

impl RetryConfig {
    /// Backoff before retry number `retry` (1-based) of a 5xx or connection failure.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let capped = exp.min(self.max_backoff);
        capped / 2 + jitter(capped / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let config = RetryConfig::default();
        for retry in 1..=10 {
            let wait = config.backoff(retry);
            let nominal = (config.base_backoff * 2u32.pow(retry - 1)).min(config.max_backoff);
            assert!(
                wait >= nominal / 2 && wait <= nominal,
                "retry {retry}: {wait:?}"
            );
        }
        assert!(
            idempotent("GET")
                && idempotent("DELETE")
                && !idempotent("POST")
                && !idempotent("PATCH")
        );
    }
}
