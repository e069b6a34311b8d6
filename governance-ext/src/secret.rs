//! Secrets that never show up in `Debug`, `Display` or logs and are zeroized on drop.

use std::fmt;

use zeroize::Zeroize;

use crate::error::AuthError;

/// Fills `buf` from the system's random source: the one source of every secret and one-time
/// value the crate makes (proof and assertion `jti`s; the simulator's tokens and nonces). A
/// failure is a typed error, never a panic and never a weaker fallback.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), AuthError> {
    crate::crypto::random_bytes(buf).map_err(|()| AuthError::Signing {
        what: "random value",
        source: crate::error::cause("the system random source is unavailable"),
    })
}

/// A secret string (API token, access token, client assertion, private key PEM).
///
/// `Debug` and `Display` print `***`; the memory is overwritten when the value is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself: only for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let secret = Secret::new("00abcdefSECRET");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(secret.expose(), "00abcdefSECRET");
    }
}
