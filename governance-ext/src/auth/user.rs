//! User-based access for OIDC apps: authorization code with PKCE, then refresh tokens.
//!
//! The sign-in protocol (the authorize URL with its S256 PKCE challenge, state and scopes) is
//! the `oauth2` crate's. The token requests (the code exchange, every refresh) go through the
//! SDK's one token-endpoint client, as client-credentials requests do: the same DPoP proofs
//! and nonce challenge, rate-limit pacing, body limits, redirect refusal and OAuth 2.0 errors
//! with the status the server sent.
//!
//! - The code exchange uses an HTTP client that follows no redirect (its own, or
//!   [`UserSignIn::http_client`]), so the code and the PKCE verifier go to the org's token
//!   endpoint and nowhere else.
//! - DPoP: [`UserSignIn::dpop`] (default [`DpopMode::Auto`]: without a proof first, and with
//!   one when the token endpoint says the app requires it; `Always` sends one with the code,
//!   for an authorization server that would spend the code before checking for the proof).
//!   The key that bound the tokens stays with them, for refreshes and API calls.
//! - Refresh tokens that the server rotates are handed to [`UserTokens::on_refresh_token`]'s
//!   callback as they arrive, so the copy you persist never goes stale (reusing a rotated
//!   refresh token can revoke the whole token family).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use okta_governance::auth::user::UserSignIn;
//! use okta_governance::{Config, OrgUrl, Scopes};
//!
//! let org = OrgUrl::parse("https://acme.okta.com")?;
//! let sign_in = UserSignIn::new(&org, "0oa...clientid", "http://localhost:8080/callback")?;
//! let request = sign_in.authorize_url(&Scopes::new(["okta.governance.labels.read", "offline_access"]));
//! println!("open {}", request.url);
//! // ... the browser comes back to the redirect URI with ?code=...&state=...
//! # let (code, state) = (String::new(), String::new());
//! let tokens = sign_in
//!     .exchange(&code, &state, request)
//!     .await?
//!     .on_refresh_token(|new_refresh_token| {
//!         // Store it (a keychain, a secrets manager) for the next run.
//!         let _ = new_refresh_token.expose();
//!     });
//! let config = Config::builder()
//!     .org_url(&org)
//!     .credentials(okta_governance::auth::Credentials::User(tokens))
//!     .build()?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use url::Url;

use super::dpop::DpopKey;
use super::token::{exchange, Failure, TokenResponse};
use super::DpopMode;
use crate::error::{AuthError, ConfigError};
use crate::org::{IntoOrgUrl, OrgUrl};
use crate::scopes::Scopes;
use crate::secret::Secret;
use crate::throttle::Throttle;

/// The timeout of the code exchange's token request.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts user sign-in for one OIDC app.
#[derive(Debug, Clone)]
pub struct UserSignIn {
    client_id: String,
    redirect_uri: String,
    authorize: Url,
    token: Url,
    dpop: DpopMode,
    http: Option<reqwest::Client>,
}

/// An authorize URL to send the user to, with what the callback must be checked against.
pub struct AuthorizeRequest {
    /// Where to send the user's browser.
    pub url: Url,
    state: Secret,
    verifier: PkceCodeVerifier,
}

impl fmt::Debug for AuthorizeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeRequest")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// Called with every new refresh token (see [`UserTokens::on_refresh_token`]).
type RefreshCallback = Arc<dyn Fn(&Secret) + Send + Sync>;

/// Tokens of a signed-in user; refreshed with the refresh token when the access token ages.
#[derive(Clone)]
pub struct UserTokens {
    client_id: String,
    token_url: Url,
    initial: Option<(Secret, String, Instant)>,
    pub(crate) refresh_token: Option<Secret>,
    /// The key the tokens are DPoP-bound to, when they are.
    pub(crate) dpop_key: Option<Arc<DpopKey>>,
    on_refresh: Option<RefreshCallback>,
}

impl UserTokens {
    /// The token endpoint these tokens are refreshed at.
    pub(crate) fn token_url(&self) -> &Url {
        &self.token_url
    }
}

impl fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokens")
            .field("client_id", &self.client_id)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("dpop_bound", &self.dpop_key.is_some())
            .finish_non_exhaustive()
    }
}

fn config_error(field: &'static str, e: impl ToString) -> ConfigError {
    ConfigError::Invalid {
        field,
        reason: e.to_string(),
    }
}

impl UserSignIn {
    /// Sign-in with the org authorization server for `client_id`, coming back to `redirect_uri`.
    pub fn new(
        org: impl IntoOrgUrl,
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Result<Self, ConfigError> {
        let org = org.into_org_url()?;
        let redirect_uri = redirect_uri.into();
        RedirectUrl::new(redirect_uri.clone()).map_err(|e| config_error("redirect URI", e))?;
        Ok(Self {
            client_id: client_id.into(),
            redirect_uri,
            authorize: org.authorize_endpoint(),
            token: org.token_endpoint(),
            dpop: DpopMode::Auto,
            http: None,
        })
    }

    /// The HTTP client for the code exchange (default: one with
    /// [`Governance::http_client_builder`](crate::Governance::http_client_builder)'s
    /// settings). Build it to follow no redirect, as for `GovernanceBuilder::http_client`.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Whether the tokens are DPoP-bound (default [`DpopMode::Auto`]; see the module docs).
    pub fn dpop(mut self, mode: DpopMode) -> Self {
        self.dpop = mode;
        self
    }

    /// The authorize URL (code flow, S256 PKCE, random state).
    pub fn authorize_url(&self, scopes: &Scopes) -> AuthorizeRequest {
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_auth_uri(AuthUrl::from_url(self.authorize.clone()))
            .set_redirect_uri(
                RedirectUrl::new(self.redirect_uri.clone()).expect("validated in new"),
            );
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(scopes.iter().map(|s| Scope::new(s.to_string())))
            .set_pkce_challenge(challenge)
            .url();
        AuthorizeRequest {
            url,
            state: Secret::new(state.secret().clone()),
            verifier,
        }
    }

    /// Exchanges the callback's `code` (after checking its `state`) for tokens, over an HTTP
    /// client that follows no redirect.
    pub async fn exchange(
        &self,
        code: &str,
        returned_state: &str,
        request: AuthorizeRequest,
    ) -> Result<UserTokens, AuthError> {
        if returned_state != request.state.expose() {
            return Err(AuthError::User(
                "the callback's state does not match the request's".into(),
            ));
        }
        let http = match &self.http {
            Some(http) => http.clone(),
            None => crate::tls::client_builder()
                .map_err(|e| AuthError::Unreachable {
                    source: crate::error::cause(e),
                })?
                .build()
                .map_err(|e| AuthError::Unreachable {
                    source: crate::error::cause(e),
                })?,
        };
        // The code is exchanged before any client exists: this exchange has a throttle and a
        // nonce of its own, and otherwise goes through the one token-endpoint client.
        let throttle = Throttle::default();
        let nonce = std::sync::Mutex::new(None);
        let mut key = match self.dpop {
            DpopMode::Always => Some(Arc::new(DpopKey::generate()?)),
            DpopMode::Auto | DpopMode::Never => None,
        };
        let verifier = Secret::new(request.verifier.secret().clone());
        let code = Secret::new(code);
        let form = || {
            Ok(vec![
                ("grant_type", Secret::new("authorization_code")),
                ("code", code.clone()),
                ("redirect_uri", Secret::new(self.redirect_uri.clone())),
                ("client_id", Secret::new(self.client_id.clone())),
                ("code_verifier", verifier.clone()),
            ])
        };
        let response = loop {
            let result = exchange(
                &http,
                EXCHANGE_TIMEOUT,
                &self.token,
                &form,
                key.as_deref(),
                &nonce,
                &throttle,
            )
            .await;
            match result {
                Ok(response) => break response,
                Err(Failure::DpopRequired(error))
                    if key.is_none() && self.dpop == DpopMode::Auto =>
                {
                    tracing::info!(reason = %error, "the token endpoint requires DPoP for this app; exchanging the code with a DPoP proof");
                    key = Some(Arc::new(DpopKey::generate()?));
                }
                Err(Failure::DpopRequired(error) | Failure::Other(error)) => return Err(error),
            }
        };
        let bound = response.token_type.eq_ignore_ascii_case("dpop");
        Ok(UserTokens {
            dpop_key: key.filter(|_| bound),
            on_refresh: None,
            client_id: self.client_id.clone(),
            token_url: self.token.clone(),
            initial: Some((
                response.access_token,
                response.token_type,
                Instant::now() + response.expires_in,
            )),
            refresh_token: response.refresh_token,
        })
    }
}
impl UserTokens {
    /// Tokens from a refresh token you stored earlier.
    pub fn from_refresh_token(
        org: &OrgUrl,
        client_id: impl Into<String>,
        refresh_token: impl Into<Secret>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            token_url: org.token_endpoint(),
            initial: None,
            refresh_token: Some(refresh_token.into()),
            dpop_key: None,
            on_refresh: None,
        }
    }

    /// Calls `callback` with every new refresh token the server issues, as soon as the client
    /// has it: persist it there, so the copy you keep never goes stale when Okta rotates
    /// refresh tokens. Called from the task that refreshed; keep it quick.
    pub fn on_refresh_token(mut self, callback: impl Fn(&Secret) + Send + Sync + 'static) -> Self {
        self.on_refresh = Some(Arc::new(callback));
        self
    }

    /// Records a refresh token the server issued and tells the callback.
    pub(crate) fn rotated(&mut self, refresh: &Secret) {
        if self.refresh_token.as_ref() == Some(refresh) {
            return;
        }
        self.refresh_token = Some(refresh.clone());
        if let Some(callback) = &self.on_refresh {
            callback(refresh);
        }
    }

    /// The current refresh token, to store for the next run.
    pub fn refresh_token(&self) -> Option<&Secret> {
        self.refresh_token.as_ref()
    }

    /// The access token from sign-in while it is fresh, else a refreshed one.
    pub(crate) async fn refresh(
        &mut self,
        http: &reqwest::Client,
        timeout: std::time::Duration,
        dpop: Option<&DpopKey>,
        nonce: &std::sync::Mutex<Option<String>>,
        throttle: &Throttle,
    ) -> Result<TokenResponse, Failure> {
        if let Some((token, token_type, expires)) = self.initial.take() {
            if let Some(left) = expires.checked_duration_since(Instant::now()) {
                return Ok(TokenResponse {
                    access_token: token,
                    token_type,
                    expires_in: left,
                    refresh_token: None,
                });
            }
        }
        let refresh = self
            .refresh_token
            .clone()
            .ok_or_else(|| Failure::Other(AuthError::User("the access token expired and there is no refresh token (request the offline_access scope)".into())))?;
        let form = || {
            Ok(vec![
                ("grant_type", Secret::new("refresh_token")),
                ("refresh_token", refresh.clone()),
                ("client_id", Secret::new(self.client_id.clone())),
            ])
        };
        exchange(http, timeout, &self.token_url, &form, dpop, nonce, throttle).await
    }
}
