//! Authentication: SSWS API tokens, static bearer tokens, OAuth 2.0 client credentials with
//! `private_key_jwt` (or a pre-signed assertion), user sign-in (authorization code + PKCE,
//! refresh tokens), and DPoP on top of any OAuth 2.0 token.
//!
//! Access tokens are cached and refreshed ahead of expiry. The cache is single-flight: however
//! many requests need a token at once, one token request is in flight and every caller waiting
//! on it gets its outcome, failure included. After a failure the next token request is spaced
//! by the client's backoff, never hammered; a caller waits for a token only within its call's
//! deadline, and transient failures (unreachable, 429, 5xx) are retried within it. When the
//! refresh ahead of expiry fails, the still-valid token keeps being used (logged) and the
//! refresh is tried again after the backoff.

mod dpop;
mod keys;
mod token;
pub mod user;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use futures_util::future::{BoxFuture, FutureExt, Shared};
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
        let signing = |reason: jsonwebtoken::errors::Error| AuthError::Signing {
            what: "client assertion",
            source: crate::error::cause(reason),
        };
        let key = self.key.encoding_key().map_err(signing)?;
        jsonwebtoken::encode(&header, &claims, &key)
            .map(Secret::new)
            .map_err(signing)
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
    state: Mutex<TokenState>,
    user: tokio::sync::Mutex<Option<user::UserTokens>>,
    dpop_key: OnceLock<Result<Arc<DpopKey>, AuthError>>,
    dpop_on: AtomicBool,
    token_nonce: Arc<std::sync::Mutex<Option<String>>>,
    resource_nonce: std::sync::Mutex<Option<String>>,
    token_requests: AtomicUsize,
    /// The `Authorization` value of SSWS and bearer credentials, built once.
    static_header: Option<HeaderValue>,
}

/// A token request in flight, shared by every caller waiting for it.
type Flight = Shared<BoxFuture<'static, Result<AccessToken, AuthError>>>;

/// The token cache: the token, the request in flight, and what the last failure said.
#[derive(Default)]
struct TokenState {
    token: Option<AccessToken>,
    flight: Option<Flight>,
    /// Token requests that failed in a row.
    failures: u32,
    /// No new token request before this (set after a failure).
    retry_at: Option<Instant>,
    last_error: Option<AuthError>,
}

/// What a caller of [`Authenticator::token`] does next, decided under the lock.
enum Step {
    Ready(AccessToken),
    /// Wait for the flight; the still-valid token to fall back on, if any.
    Join(Flight, Option<AccessToken>),
    /// The last request failed; the next may go at this time.
    Wait(Instant, Option<AuthError>),
}

/// Whether a token-endpoint failure may go away by itself (worth retrying within the deadline).
fn transient(error: &AuthError) -> bool {
    match error {
        AuthError::Unreachable { .. } => true,
        AuthError::TokenEndpoint { status, .. } | AuthError::BadTokenResponse { status, .. } => {
            *status == 429 || *status >= 500
        }
        _ => false,
    }
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
        let user = match &config.credentials {
            Credentials::User(tokens) => Some(tokens.clone()),
            _ => None,
        };
        // Tokens bound at sign-in keep their key: refreshes and API calls must prove it.
        let bound_key = user.as_ref().and_then(|tokens| tokens.dpop_key.clone());
        let dpop_on = config.dpop == DpopMode::Always || bound_key.is_some();
        let dpop_key = OnceLock::new();
        if let Some(key) = bound_key {
            let _ = dpop_key.set(Ok(key));
        }
        let static_header = match &config.credentials {
            Credentials::Ssws(token) => sensitive(&format!("SSWS {}", token.expose())).ok(),
            Credentials::Bearer(token) => sensitive(&format!("Bearer {}", token.expose())).ok(),
            _ => None,
        };
        Self {
            static_header,
            config,
            http,
            state: Mutex::new(TokenState::default()),
            user: tokio::sync::Mutex::new(user),
            dpop_key,
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
    pub fn set_resource_nonce(&self, nonce: &str) {
        if let Some(nonce) = token::usable_nonce(nonce) {
            *crate::sync::lock(&self.resource_nonce) = Some(nonce);
        }
    }

    /// Drops `stale` from the cache (if it is still the cached token) so the next call fetches
    /// a new one.
    pub fn invalidate(&self, stale: &AccessToken) {
        let mut state = crate::sync::lock(&self.state);
        if state.token.as_ref().is_some_and(|t| t.value == stale.value) {
            state.token = None;
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

    /// The headers for a request of `method` to `url`, waiting for a token until `deadline`.
    pub async fn headers(
        self: &Arc<Self>,
        method: &str,
        url: &Url,
        deadline: Instant,
    ) -> Result<AuthHeaders, AuthError> {
        if !self.needs_token() {
            return self.fixed_headers();
        }
        let token = self.token(deadline).await?;
        if token.dpop {
            let nonce = crate::sync::lock(&self.resource_nonce).clone();
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
    pub async fn authenticate(self: &Arc<Self>) -> Result<Authenticated, AuthError> {
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
                let now = Instant::now();
                let deadline = now.checked_add(self.config.retry.deadline).unwrap_or(now);
                let token = self.token(deadline).await?;
                Ok(Authenticated {
                    scheme: if token.dpop { "DPoP" } else { "Bearer" },
                    expires_in: Some(token.expires_at.saturating_duration_since(Instant::now())),
                    scopes: self.config.scopes.clone(),
                })
            }
        }
    }

    /// A valid access token: the cached one, or a new one (one request in flight however many
    /// callers), waiting no later than `deadline`.
    pub async fn token(self: &Arc<Self>, deadline: Instant) -> Result<AccessToken, AuthError> {
        let started = Instant::now();
        let timed_out = || AuthError::TokenTimeout {
            waited: started.elapsed(),
        };
        loop {
            match self.step() {
                Step::Ready(token) => return Ok(token),
                Step::Wait(at, error) => {
                    let error = error.unwrap_or_else(|| AuthError::Unreachable {
                        source: crate::error::cause("the last token request failed"),
                    });
                    if !transient(&error) || at >= deadline {
                        return Err(error);
                    }
                    tokio::time::sleep_until(at.into()).await;
                }
                Step::Join(flight, fallback) => {
                    let outcome = tokio::time::timeout_at(deadline.into(), flight).await;
                    let still_valid = fallback.filter(|t| Instant::now() < t.expires_at);
                    match (outcome, still_valid) {
                        (Ok(Ok(token)), _) => return Ok(token),
                        (Ok(Err(error)), Some(token)) => {
                            tracing::warn!(%error, "refreshing the access token ahead of expiry failed; using the current one, which is still valid, and trying again later");
                            return Ok(token);
                        }
                        (Err(_), Some(token)) => return Ok(token),
                        (Ok(Err(error)), None) if !transient(&error) => return Err(error),
                        // Transient: the next step waits for the spaced retry, if the deadline
                        // allows it.
                        (Ok(Err(_)), None) => {}
                        (Err(_), None) => return Err(timed_out()),
                    }
                }
            }
        }
    }

    /// Decides, under the lock, what a caller of [`Self::token`] does next; starts a token
    /// request when one is due.
    fn step(self: &Arc<Self>) -> Step {
        let mut state = crate::sync::lock(&self.state);
        let now = Instant::now();
        if let Some(token) = state.token.as_ref().filter(|t| now < t.refresh_at) {
            return Step::Ready(token.clone());
        }
        let valid = state.token.as_ref().filter(|t| now < t.expires_at).cloned();
        if let Some(flight) = &state.flight {
            // Someone is refreshing: keep using a valid token rather than wait.
            return match valid {
                Some(token) => Step::Ready(token),
                None => Step::Join(flight.clone(), None),
            };
        }
        if let Some(at) = state.retry_at.filter(|at| *at > now) {
            return match valid {
                Some(token) => Step::Ready(token),
                None => Step::Wait(at, state.last_error.clone()),
            };
        }
        let flight = self.start_flight();
        state.flight = Some(flight.clone());
        Step::Join(flight, valid)
    }

    /// Starts one token request as a task of its own, so that it finishes (and records its
    /// outcome) even when every caller waiting for it has given up.
    fn start_flight(self: &Arc<Self>) -> Flight {
        let this = self.clone();
        let task = tokio::spawn(async move {
            let result = this.fetch().await;
            let mut state = crate::sync::lock(&this.state);
            state.flight = None;
            match &result {
                Ok(token) => {
                    state.token = Some(token.clone());
                    state.failures = 0;
                    state.retry_at = None;
                    state.last_error = None;
                }
                Err(error) => {
                    state.failures = state.failures.saturating_add(1);
                    let backoff = this.config.retry.backoff(state.failures);
                    let now = Instant::now();
                    state.retry_at = Some(now.checked_add(backoff).unwrap_or(now));
                    state.last_error = Some(error.clone());
                    tracing::debug!(%error, failures = state.failures, backoff_ms = backoff.as_millis() as u64, "token request failed; the next one waits for the backoff");
                }
            }
            result
        });
        async move {
            task.await.unwrap_or_else(|_| {
                Err(AuthError::Unreachable {
                    source: crate::error::cause("the token request task was cancelled"),
                })
            })
        }
        .boxed()
        .shared()
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
                Credentials::PrivateKey(_)
                | Credentials::ClientAssertion { .. }
                | Credentials::AssertionSigner { .. } => {
                    let scopes = self.config.scopes.to_string();
                    // A fresh assertion per attempt (each `jti` is single use), or the
                    // caller's fixed one, which can be sent once per token request only.
                    let sent = AtomicBool::new(false);
                    let assertion = || match &self.config.credentials {
                        Credentials::PrivateKey(jwt) => jwt.assertion(&endpoint),
                        Credentials::AssertionSigner { signer, .. } => (signer.0)(&endpoint)
                            .map_err(|reason| AuthError::Signing {
                                what: "client assertion",
                                source: crate::error::cause(reason),
                            }),
                        Credentials::ClientAssertion { assertion, .. } => {
                            if sent.swap(true, Ordering::Relaxed) {
                                return Err(AuthError::AssertionReused);
                            }
                            Ok(assertion.clone())
                        }
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
                            tokens.rotated(refresh);
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
                    // Both are at most `token::MAX_TOKEN_LIFETIME` ahead: no overflow.
                    let now = Instant::now();
                    let later = |d: Duration| now.checked_add(d).unwrap_or(now);
                    return Ok(AccessToken {
                        value: response.access_token,
                        dpop,
                        refresh_at: later(lifetime.max(Duration::from_secs(1))),
                        expires_at: later(response.expires_in),
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
