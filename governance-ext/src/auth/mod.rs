//! Credentials and the OAuth 2.0 protocol: SSWS API tokens, static bearer tokens, OAuth 2.0
//! client credentials with `private_key_jwt` (or a pre-signed assertion, or your own signer),
//! user sign-in (authorization code + PKCE, refresh tokens), and DPoP on top of any OAuth 2.0
//! token.
//!
//! Access tokens are cached and refreshed ahead of expiry by the client's request stack. The
//! cache is single-flight: however many requests need a token at once, one token request is in
//! flight and every caller waiting on it gets its outcome, failure included. Token requests go
//! through the same rate-limit throttle as API requests (their own bucket), and after a
//! failure the next one is spaced by the client's backoff, or the rate-limit reset, never
//! hammered; a caller waits for a token only within its call's deadline, and transient
//! failures (unreachable, 429, 5xx) are retried within it. When the refresh ahead of expiry
//! fails, the still-valid token keeps being used (logged) and the refresh is tried again after
//! the backoff.

pub(crate) mod dpop;
pub(crate) mod keys;
pub(crate) mod token;
pub mod user;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use url::Url;

pub use keys::{SigningAlgorithm, SigningKey};

use crate::error::AuthError;
use crate::scopes::Scopes;
use crate::secret::Secret;

/// The client-assertion type of RFC 7523.
pub(crate) const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Lifetime of the assertions we sign (Okta accepts at most one hour).
const ASSERTION_LIFETIME: u64 = 300;

/// A service app's `private_key_jwt` credentials.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PrivateKeyJwt {
    client_id: String,
    key: SigningKey,
    key_id: Option<String>,
}

impl PrivateKeyJwt {
    /// Credentials for `client_id` signing with `key`.
    pub fn new(client_id: impl Into<String>, key: SigningKey) -> Self {
        Self {
            client_id: client_id.into(),
            key,
            key_id: None,
        }
    }

    /// The key's `kid`, sent in every assertion's header: needed when the app has several
    /// keys.
    pub fn with_key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// The app's client id (`iss` and `sub` of every assertion).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The key's `kid`, if set.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The signing key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Signs a fresh client assertion for `audience` (the token endpoint URL, exactly).
    pub fn assertion(&self, audience: &Url) -> Result<Secret, AuthError> {
        #[derive(Serialize)]
        struct Header<'a> {
            alg: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            kid: Option<&'a str>,
        }
        #[derive(Serialize)]
        struct Claims<'a> {
            iss: &'a str,
            sub: &'a str,
            aud: &'a str,
            iat: u64,
            exp: u64,
            jti: String,
        }
        let now = dpop::now_secs();
        let header = Header {
            alg: self.key.algorithm().as_str(),
            kid: self.key_id.as_deref(),
        };
        let claims = Claims {
            iss: &self.client_id,
            sub: &self.client_id,
            aud: audience.as_str(),
            iat: now,
            exp: now.saturating_add(ASSERTION_LIFETIME),
            jti: dpop::random_id()?,
        };
        crate::crypto::sign_jws(&header, &claims, self.key.signer())
            .map(Secret::new)
            .map_err(|reason| AuthError::Signing {
                what: "client assertion",
                source: crate::error::cause(reason),
            })
    }
}

/// How requests are authenticated.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// `Authorization: SSWS {token}` (an Okta API token; not accepted by every operation).
    Ssws(Secret),
    /// `Authorization: Bearer {token}` with a token you manage yourself.
    Bearer(Secret),
    /// OAuth 2.0 client credentials, authenticated with `private_key_jwt`.
    PrivateKey(PrivateKeyJwt),
    /// OAuth 2.0 client credentials with a client assertion you signed yourself (reused until
    /// the server refuses it; the server reads the client from its `iss`). Its `jti` is single
    /// use, so it cannot answer a DPoP nonce challenge (that re-sends the request):
    /// [`AuthError::AssertionReused`] says so. Use [`Credentials::AssertionSigner`] there.
    ClientAssertion {
        /// The app's client id (for your records and logs; the assertion names the client).
        client_id: String,
        /// The signed assertion.
        assertion: Secret,
    },
    /// A signed-in user's tokens (see [`user`]).
    User(user::UserTokens),
    /// OAuth 2.0 client credentials with a client assertion signed by your code for every
    /// token request (a KMS, an HSM, a signing service): fresh `jti`s, so nonce challenges and
    /// refreshes work.
    AssertionSigner {
        /// The app's client id (for your records and logs).
        client_id: String,
        /// Signs one assertion for the given audience (the token endpoint URL).
        signer: AssertionSigner,
    },
}

/// Signs a fresh client assertion for an audience; see [`Credentials::AssertionSigner`].
#[derive(Clone)]
pub struct AssertionSigner(Arc<SignFn>);

/// What an [`AssertionSigner`] calls.
type SignFn = dyn Fn(&Url) -> Result<Secret, String> + Send + Sync;

impl AssertionSigner {
    /// Signs one assertion for `audience`.
    pub(crate) fn sign(&self, audience: &Url) -> Result<Secret, String> {
        (self.0)(audience)
    }

    /// A signer calling `sign` with the token endpoint URL (the assertion's `aud`); an `Err`
    /// fails the token request with [`AuthError::Signing`] carrying its text.
    pub fn new(sign: impl Fn(&Url) -> Result<Secret, String> + Send + Sync + 'static) -> Self {
        Self(Arc::new(sign))
    }
}

impl std::fmt::Debug for AssertionSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AssertionSigner(..)")
    }
}

/// Whether OAuth 2.0 tokens are DPoP-bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DpopMode {
    /// Start without DPoP; switch to it (and say so in a log line) when the token endpoint says
    /// the client requires it.
    #[default]
    Auto,
    /// Always use DPoP.
    Always,
    /// Never use DPoP.
    Never,
}

/// How a client authenticates, once it has made sure it can: see
/// [`Governance::authenticate`](crate::Governance::authenticate).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Authenticated {
    /// `SSWS`, `Bearer` or `DPoP`: the scheme of the `Authorization` header.
    pub scheme: &'static str,
    /// Time left before the access token expires (OAuth 2.0 credentials only).
    pub expires_in: Option<Duration>,
    /// Scopes requested for the access token (empty for SSWS and given bearer tokens).
    pub scopes: Scopes,
}
