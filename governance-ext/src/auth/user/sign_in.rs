//! The sign-in itself: the authorize URL (the `oauth2` crate's, with S256 PKCE and a random
//! state) and the code exchange (the SDK's token-endpoint client). Feature `user-sign-in`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use url::Url;

use super::super::dpop::DpopKey;
use super::super::token::{exchange, Failure};
use super::super::DpopMode;
use super::UserTokens;
use crate::error::{AuthError, ConfigError};
use crate::org::IntoOrgUrl;
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
