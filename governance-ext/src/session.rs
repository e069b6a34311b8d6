//! The token cache: access tokens fetched once however many calls need one, refreshed ahead
//! of expiry, and the `Authorization` (and `DPoP`) headers of each request. The request stack
//! ([`crate::transport`]) asks it for headers; it asks the token endpoint through the
//! protocol code of [`crate::auth`], paced by the same [`Throttle`] as API requests.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt, Shared};
use reqwest::header::HeaderValue;
use tokio::time::Instant;
use url::Url;

use crate::auth::dpop::DpopKey;
use crate::auth::token::{self, Failure};
use crate::auth::{user, Authenticated, Credentials, DpopMode, ASSERTION_TYPE};
use crate::config::Config;
use crate::error::AuthError;
use crate::scopes::Scopes;
use crate::secret::Secret;
use crate::throttle::Throttle;

/// An access token as the request path uses it.
#[derive(Clone, Debug)]
pub(crate) struct AccessToken {
    pub value: Secret,
    pub dpop: bool,
    pub refresh_at: Instant,
    pub expires_at: Instant,
}

/// The token cache and everything that produces `Authorization` headers.
pub(crate) struct Authenticator {
    config: Config,
    http: reqwest::Client,
    /// The client's throttle, shared with the API stack.
    throttle: Arc<Throttle>,
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
    /// Wait for the flight (there is no valid token to use meanwhile).
    Join(Flight),
    /// The last request failed; the next may go at this time.
    Wait(Instant, Option<AuthError>),
}

/// Whether a token-endpoint failure may go away by itself (worth retrying within the deadline).
/// A success whose body cannot be read (cut short, garbled on the way) counts: asking for a
/// token again has no side effect, and the retry policy bounds it.
fn transient(error: &AuthError) -> bool {
    match error {
        AuthError::Unreachable { .. } => true,
        AuthError::TokenEndpoint { status, .. } => *status == 429 || *status >= 500,
        AuthError::BadTokenResponse { status, .. } => {
            (200..300).contains(status) || *status == 429 || *status >= 500
        }
        _ => false,
    }
}

/// The message of a caught panic (its first 200 characters), if it has one.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into());
    text.chars().take(200).collect()
}

/// A header value marked sensitive (printed as `Sensitive`, kept out of HTTP/2 indexing).
fn sensitive(value: &str) -> Result<HeaderValue, AuthError> {
    let mut value = HeaderValue::from_str(value).map_err(|_| AuthError::Internal {
        what: "a credential that the configuration accepted is not a valid header value",
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
    pub fn new(config: Config, http: reqwest::Client, throttle: Arc<Throttle>) -> Self {
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
            throttle,
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
        let authorization = self.static_header.clone().ok_or(AuthError::Internal {
            what: "a credential that the configuration accepted is not a valid header value",
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
        // Token requests this call saw fail: retried within the retry policy, as API requests
        // are, then the call fails with the last error.
        let mut failed: u32 = 0;
        let retries = self.config.retry.max_retries;
        loop {
            match self.step() {
                Step::Ready(token) => return Ok(token),
                Step::Wait(at, error) => {
                    let error = error.unwrap_or_else(|| AuthError::Unreachable {
                        source: crate::error::cause("the last token request failed"),
                    });
                    if !transient(&error) || at >= deadline || failed > retries {
                        return Err(error);
                    }
                    tokio::time::sleep_until(at).await;
                }
                Step::Join(flight) => match tokio::time::timeout_at(deadline, flight).await {
                    Ok(Ok(token)) => return Ok(token),
                    Ok(Err(error)) if !transient(&error) => return Err(error),
                    Ok(Err(error)) => {
                        // Transient: the next step waits for the spaced retry (the flight
                        // recorded it before it ended), if the deadline and the retry
                        // policy allow another.
                        failed = failed.saturating_add(1);
                        if failed > retries {
                            return Err(error);
                        }
                    }
                    Err(_) => return Err(timed_out()),
                },
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
        // A flight that has ended recorded its outcome and cleared itself; one still here has
        // ended without (which its guard prevents): never join a finished flight.
        if state.flight.as_ref().is_some_and(|f| f.peek().is_some()) {
            state.flight = None;
        }
        if let Some(flight) = &state.flight {
            // Someone is refreshing: keep using a valid token rather than wait.
            return match valid {
                Some(token) => Step::Ready(token),
                None => Step::Join(flight.clone()),
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
        match valid {
            // An early refresh runs on its own; the caller that started it uses the token it
            // has, like everyone else.
            Some(token) => Step::Ready(token),
            None => Step::Join(flight),
        }
    }

    /// Records a token request's outcome: the token, or the failure and when the next request
    /// may go; the flight ends either way.
    fn record(&self, result: &Result<AccessToken, AuthError>) {
        let mut state = crate::sync::lock(&self.state);
        state.flight = None;
        match result {
            Ok(token) => {
                state.token = Some(token.clone());
                state.failures = 0;
                state.retry_at = None;
                state.last_error = None;
            }
            Err(error) => {
                state.failures = state.failures.saturating_add(1);
                let backoff = self.config.retry.backoff(state.failures);
                let now = Instant::now();
                state.retry_at = Some(now.checked_add(backoff).unwrap_or(now));
                state.last_error = Some(error.clone());
                if state.token.as_ref().is_some_and(|t| now < t.expires_at) {
                    tracing::warn!(%error, "refreshing the access token ahead of expiry failed; using the current one, which is still valid, and trying again later");
                } else {
                    tracing::debug!(%error, failures = state.failures, backoff_ms = backoff.as_millis() as u64, "token request failed; the next one waits for the backoff");
                }
            }
        }
    }

    /// Starts one token request as a task of its own, so that it finishes (and records its
    /// outcome) even when every caller waiting for it has given up.
    fn start_flight(self: &Arc<Self>) -> Flight {
        /// Records a failure if the task is dropped before it recorded its outcome (its
        /// runtime shut down mid-request): the flight never outlives its task.
        struct Guard(Option<Arc<Authenticator>>);
        impl Drop for Guard {
            fn drop(&mut self) {
                if let Some(auth) = self.0.take() {
                    auth.record(&Err(AuthError::Unreachable {
                        source: crate::error::cause(
                            "the token request was cancelled (its runtime shut down)",
                        ),
                    }));
                }
            }
        }
        let this = self.clone();
        let task = tokio::spawn(async move {
            let mut guard = Guard(Some(this.clone()));
            // Caller code runs in here (signers, refresh-token callbacks): a panic becomes
            // an error like any other, and the flight still ends.
            let result = match std::panic::AssertUnwindSafe(this.fetch())
                .catch_unwind()
                .await
            {
                Ok(result) => result,
                Err(panic) => Err(AuthError::CallerPanicked {
                    what: "a signer or callback of the caller's",
                    message: panic_message(panic.as_ref()),
                }),
            };
            this.record(&result);
            guard.0 = None;
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
                        Credentials::AssertionSigner { signer, .. } => {
                            signer.sign(&endpoint).map_err(|reason| AuthError::Signing {
                                what: "client assertion",
                                source: crate::error::cause(reason),
                            })
                        }
                        Credentials::ClientAssertion { assertion, .. } => {
                            if sent.swap(true, Ordering::Relaxed) {
                                return Err(AuthError::AssertionReused);
                            }
                            Ok(assertion.clone())
                        }
                        _ => Err(AuthError::Internal {
                            what: "a client assertion was asked of credentials that sign none",
                        }),
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
                        self.config.request_timeout,
                        &endpoint,
                        &form,
                        key.as_deref(),
                        &self.token_nonce,
                        &self.throttle,
                    )
                    .await
                }
                Credentials::User(_) => {
                    let mut user = self.user.lock().await;
                    let tokens = user.as_mut().ok_or(AuthError::Internal {
                        what: "user credentials without user tokens",
                    })?;
                    // The same token-endpoint client as every other token request: its
                    // throttle, nonce handling, redirect check and limits.
                    tokens
                        .refresh(
                            &self.http,
                            self.config.request_timeout,
                            key.as_deref(),
                            &self.token_nonce,
                            &self.throttle,
                        )
                        .await
                }
                Credentials::Ssws(_) | Credentials::Bearer(_) => {
                    return Err(AuthError::Internal {
                        what: "a token was asked of static credentials",
                    })
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
