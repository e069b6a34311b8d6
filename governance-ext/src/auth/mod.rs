//! Authentication: SSWS API tokens, static bearer tokens, OAuth 2.0 client credentials with
//! `private_key_jwt` (or a pre-signed assertion), user sign-in (authorization code + PKCE,
//! refresh tokens), and DPoP on top of any OAuth 2.0 token.
//!
//! Access tokens are cached and refreshed ahead of expiry. The cache is single-flight: however
//! many requests need a token at once, one token request is made and the others wait for it.

mod dpop;
mod keys;
mod token;
pub mod user;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use jsonwebtoken::Header;
use reqwest::header::HeaderValue;
use serde::Serialize;
use url::Url;

pub use dpop::DpopKey;
pub use keys::SigningKey;

use crate::config::Config;
use crate::error::AuthError;
use crate::scopes::Scopes;
use crate::secret::Secret;
use token::Failure;

/// The client-assertion type of RFC 7523.
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Lifetime of the assertions we sign (Okta accepts at most one hour).
const ASSERTION_LIFETIME: u64 = 300;

/// A service app's `private_key_jwt` credentials.
#[derive(Debug, Clone)]
pub struct PrivateKeyJwt {
    /// The app's client id (`iss` and `sub` of every assertion).
    pub client_id: String,
    key: SigningKey,
    /// `kid` header of the assertions (needed when the app has several keys).
    pub key_id: Option<String>,
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

    /// Signs a fresh client assertion for `audience` (the token endpoint URL, exactly).
    pub fn assertion(&self, audience: &Url) -> Result<Secret, AuthError> {
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
        let mut header = Header::new(self.key.algorithm());
        header.kid = self.key_id.clone();
        let claims = Claims {
            iss: &self.client_id,
            sub: &self.client_id,
            aud: audience.as_str(),
            iat: now,
            exp: now + ASSERTION_LIFETIME,
            jti: dpop::random_id()?,
        };
        let signing = |reason: String| AuthError::Signing {
            what: "client assertion",
            reason,
        };
        let key = self
            .key
            .encoding_key()
            .map_err(|e| signing(e.to_string()))?;
        jsonwebtoken::encode(&header, &claims, &key)
            .map(Secret::new)
            .map_err(|e| signing(e.to_string()))
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
    /// the server refuses it; the server reads the client from its `iss`).
    ClientAssertion {
        /// The app's client id (for your records and logs; the assertion names the client).
        client_id: String,
        /// The signed assertion.
        assertion: Secret,
    },
    /// A signed-in user's tokens (see [`user`]).
    User(user::UserTokens),
}

/// Whether OAuth 2.0 tokens are DPoP-bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

/// An access token as the request path uses it.
#[derive(Clone, Debug)]
pub(crate) struct AccessToken {
    pub value: Secret,
    pub dpop: bool,
    pub refresh_at: Instant,
    pub expires_at: Instant,
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

/// The token cache and everything that produces `Authorization` headers.
pub(crate) struct Authenticator {
    config: Config,
    http: reqwest::Client,
    cache: tokio::sync::Mutex<Option<AccessToken>>,
    user: tokio::sync::Mutex<Option<user::UserTokens>>,
    dpop_key: OnceLock<Result<Arc<DpopKey>, AuthError>>,
    dpop_on: AtomicBool,
    token_nonce: Arc<std::sync::Mutex<Option<String>>>,
    resource_nonce: std::sync::Mutex<Option<String>>,
    token_requests: AtomicUsize,
    /// The `Authorization` value of SSWS and bearer credentials, built once.
    static_header: Option<HeaderValue>,
}

/// A header value marked sensitive (printed as `Sensitive`, kept out of HTTP/2 indexing).
fn sensitive(value: &str) -> Result<HeaderValue, AuthError> {
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        AuthError::Unauthorized("the credential is not a valid header value".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The headers one request needs (sensitive values).
pub(crate) struct AuthHeaders {
    pub authorization: HeaderValue,
    pub dpop: Option<HeaderValue>,
    /// The OAuth 2.0 token used, to invalidate it on `invalid_token`.
    pub token: Option<AccessToken>,
}

impl Authenticator {
    pub fn new(config: Config, http: reqwest::Client) -> Self {
        let dpop_on = config.dpop == DpopMode::Always;
        let user = match &config.credentials {
            Credentials::User(tokens) => Some(tokens.clone()),
            _ => None,
        };
        let static_header = match &config.credentials {
            Credentials::Ssws(token) => sensitive(&format!("SSWS {}", token.expose())).ok(),
            Credentials::Bearer(token) => sensitive(&format!("Bearer {}", token.expose())).ok(),
            _ => None,
        };
        Self {
            static_header,
            config,
            http,
            cache: tokio::sync::Mutex::new(None),
            user: tokio::sync::Mutex::new(user),
            dpop_key: OnceLock::new(),
            dpop_on: AtomicBool::new(dpop_on),
            token_nonce: Arc::default(),
            resource_nonce: std::sync::Mutex::new(None),
            token_requests: AtomicUsize::new(0),
        }
    }

    /// How many token requests this client made (for tests and diagnostics).
    pub fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::Relaxed)
    }

    fn dpop_key(&self) -> Result<Arc<DpopKey>, AuthError> {
        self.dpop_key
            .get_or_init(|| DpopKey::generate().map(Arc::new))
            .clone()
    }

    /// Remembers the nonce a resource server demanded.
    pub fn set_resource_nonce(&self, nonce: String) {
        *self.resource_nonce.lock().expect("nonce lock") = Some(nonce);
    }

    /// Drops `stale` from the cache (if it is still the cached token) so the next call fetches
    /// a new one.
    pub async fn invalidate(&self, stale: &AccessToken) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|t| t.value == stale.value) {
            *cache = None;
        }
    }

    /// Whether the headers come from an OAuth 2.0 access token ([`Self::headers`] may have
    /// to fetch one); SSWS and bearer credentials have [`Self::fixed_headers`].
    pub fn needs_token(&self) -> bool {
        !matches!(
            self.config.credentials,
            Credentials::Ssws(_) | Credentials::Bearer(_)
        )
    }

    /// The headers of SSWS and bearer credentials, which need no token.
    pub fn fixed_headers(&self) -> Result<AuthHeaders, AuthError> {
        let authorization = self.static_header.clone().ok_or_else(|| {
            AuthError::Unauthorized("the credential is not a valid header value".into())
        })?;
        Ok(AuthHeaders {
            authorization,
            dpop: None,
            token: None,
        })
    }

    /// The headers for a request of `method` to `url`.
    pub async fn headers(&self, method: &str, url: &Url) -> Result<AuthHeaders, AuthError> {
        if !self.needs_token() {
            return self.fixed_headers();
        }
        let token = self.token().await?;
        if token.dpop {
            let nonce = self.resource_nonce.lock().expect("nonce lock").clone();
            let proof = self.dpop_key()?.proof(
                method,
                url,
                Some(token.value.expose()),
                nonce.as_deref(),
            )?;
            Ok(AuthHeaders {
                authorization: sensitive(&format!("DPoP {}", token.value.expose()))?,
                dpop: Some(sensitive(proof.expose())?),
                token: Some(token),
            })
        } else {
            Ok(AuthHeaders {
                authorization: sensitive(&format!("Bearer {}", token.value.expose()))?,
                dpop: None,
                token: Some(token),
            })
        }
    }

    /// Makes sure the credentials work (fetching or reusing the access token) and says how.
    pub async fn authenticate(&self) -> Result<Authenticated, AuthError> {
        match &self.config.credentials {
            Credentials::Ssws(_) => Ok(Authenticated {
                scheme: "SSWS",
                expires_in: None,
                scopes: Scopes::default(),
            }),
            Credentials::Bearer(_) => Ok(Authenticated {
                scheme: "Bearer",
                expires_in: None,
                scopes: Scopes::default(),
            }),
            _ => {
                let token = self.token().await?;
                Ok(Authenticated {
                    scheme: if token.dpop { "DPoP" } else { "Bearer" },
                    expires_in: Some(token.expires_at.saturating_duration_since(Instant::now())),
                    scopes: self.config.scopes.clone(),
                })
            }
        }
    }

    /// A valid access token: the cached one, or a new one (one request however many callers).
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        let mut cache = self.cache.lock().await;
        if let Some(token) = cache.as_ref() {
            if Instant::now() < token.refresh_at {
                return Ok(token.clone());
            }
        }
        let token = self.fetch().await?;
        *cache = Some(token.clone());
        Ok(token)
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let endpoint = self.config.org.token_endpoint();
        loop {
            let use_dpop = self.dpop_on.load(Ordering::Relaxed);
            let key = if use_dpop {
                Some(self.dpop_key()?)
            } else {
                None
            };
            self.token_requests.fetch_add(1, Ordering::Relaxed);
            let result = match &self.config.credentials {
                Credentials::PrivateKey(_) | Credentials::ClientAssertion { .. } => {
                    let scopes = self.config.scopes.to_string();
                    // A fresh assertion per attempt (each `jti` is single use) or the caller's.
                    let assertion = || match &self.config.credentials {
                        Credentials::PrivateKey(jwt) => jwt.assertion(&endpoint),
                        Credentials::ClientAssertion { assertion, .. } => Ok(assertion.clone()),
                        _ => Err(AuthError::User(
                            "these credentials sign no client assertion".into(),
                        )),
                    };
                    let form = || {
                        Ok(vec![
                            ("grant_type", Secret::new("client_credentials")),
                            ("scope", Secret::new(scopes.clone())),
                            ("client_assertion_type", Secret::new(ASSERTION_TYPE)),
                            ("client_assertion", assertion()?),
                        ])
                    };
                    token::exchange(
                        &self.http,
                        &endpoint,
                        &form,
                        key.as_deref(),
                        &self.token_nonce,
                    )
                    .await
                }
                Credentials::User(_) => {
                    let mut user = self.user.lock().await;
                    let tokens = user
                        .as_mut()
                        .ok_or_else(|| AuthError::User("no user tokens".into()))?;
                    tokens
                        .refresh(self.http.clone(), key.clone(), self.token_nonce.clone())
                        .await
                }
                Credentials::Ssws(_) | Credentials::Bearer(_) => {
                    return Err(AuthError::User(
                        "static credentials have no token endpoint".into(),
                    ))
                }
            };
            match result {
                Ok(response) => {
                    let dpop = response.token_type.eq_ignore_ascii_case("dpop");
                    if let (Credentials::User(_), Some(refresh)) =
                        (&self.config.credentials, &response.refresh_token)
                    {
                        if let Some(tokens) = self.user.lock().await.as_mut() {
                            tokens.refresh_token = Some(refresh.clone());
                        }
                    }
                    let lifetime = response
                        .expires_in
                        .saturating_sub(self.config.refresh_margin);
                    tracing::debug!(
                        token_type = %response.token_type,
                        expires_in = response.expires_in.as_secs(),
                        "obtained an access token"
                    );
                    let now = Instant::now();
                    return Ok(AccessToken {
                        value: response.access_token,
                        dpop,
                        refresh_at: now + lifetime.max(Duration::from_secs(1)),
                        expires_at: now + response.expires_in,
                    });
                }
                Err(Failure::DpopRequired(error))
                    if self.config.dpop == DpopMode::Auto && !use_dpop =>
                {
                    tracing::info!(
                        reason = %error,
                        "the token endpoint requires DPoP for this client; switching to DPoP-bound tokens"
                    );
                    self.dpop_on.store(true, Ordering::Relaxed);
                }
                Err(Failure::DpopRequired(error) | Failure::Other(error)) => return Err(error),
            }
        }
    }
}
