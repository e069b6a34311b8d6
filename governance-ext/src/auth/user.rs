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
//! - DPoP: [`UserSignIn::dpop`] (default [`DpopMode::Auto`](super::DpopMode::Auto): without a proof first, and with
//!   one when the token endpoint says the app requires it; `Always` sends one with the code,
//!   for an authorization server that would spend the code before checking for the proof).
//!   The key that bound the tokens stays with them, for refreshes and API calls.
//! - Refresh tokens that the server rotates are handed to [`UserTokens::on_refresh_token`]'s
//!   callback as they arrive, so the copy you persist never goes stale (reusing a rotated
//!   refresh token can revoke the whole token family).
//!
//! [`UserSignIn`] (the browser sign-in) needs the `user-sign-in` feature (on by default), which
//! brings the `oauth2` crate. Tokens from a refresh token stored earlier
//! ([`UserTokens::from_refresh_token`]) work without it.
//!
//! ```no_run
//! # #[cfg(feature = "user-sign-in")]
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
use std::time::Instant;

use url::Url;

use super::dpop::DpopKey;
use super::token::{exchange, Failure, TokenResponse};
use crate::error::AuthError;
use crate::org::OrgUrl;
use crate::secret::Secret;
use crate::throttle::Throttle;

#[cfg(feature = "user-sign-in")]
mod sign_in;
#[cfg(feature = "user-sign-in")]
#[cfg_attr(docsrs, doc(cfg(feature = "user-sign-in")))]
pub use sign_in::{AuthorizeRequest, UserSignIn};

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
