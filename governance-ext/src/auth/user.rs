//! User-based access for OIDC apps: authorization code with PKCE, then refresh tokens.
//!
//! The grant plumbing (authorize URL, PKCE, state, code exchange, refresh) is the `oauth2`
//! crate's; this module supplies its HTTP client (our reqwest 0.13, with a DPoP proof and the
//! nonce challenge when the tokens are DPoP-bound).
//!
//! - The code exchange uses an HTTP client of its own that follows no redirect, so the code
//!   and the PKCE verifier go to the org's token endpoint and nowhere else.
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
//!     .org_url(org.as_str())
//!     .credentials(okta_governance::auth::Credentials::User(tokens))
//!     .build()?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, HttpRequest, HttpResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse as _,
    TokenUrl,
};
use url::Url;

use super::dpop::DpopKey;
use super::token::{demands_dpop, Failure, TokenResponse};
use super::DpopMode;
use crate::error::{AuthError, ConfigError};
use crate::org::{IntoOrgUrl, OrgUrl};
use crate::scopes::Scopes;
use crate::secret::Secret;

/// Starts user sign-in for one OIDC app.
#[derive(Debug, Clone)]
pub struct UserSignIn {
    client_id: String,
    redirect_uri: String,
    authorize: Url,
    token: Url,
    dpop: DpopMode,
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
        })
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
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_token_uri(TokenUrl::from_url(self.token.clone()))
            .set_redirect_uri(
                RedirectUrl::new(self.redirect_uri.clone()).expect("validated in new"),
            );
        let http = crate::Governance::http_client_builder()
            .map_err(|e| AuthError::Unreachable {
                source: crate::error::cause(e),
            })?
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| AuthError::Unreachable {
                source: crate::error::cause(e),
            })?;
        let nonce: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
        let mut key = match self.dpop {
            DpopMode::Always => Some(Arc::new(DpopKey::generate()?)),
            DpopMode::Auto | DpopMode::Never => None,
        };
        let verifier = request.verifier.secret().clone();
        let response = loop {
            let caller = HttpCaller {
                http: http.clone(),
                dpop: key.clone(),
                nonce: nonce.clone(),
            };
            let result = client
                .exchange_code(AuthorizationCode::new(code.to_string()))
                .set_pkce_verifier(PkceCodeVerifier::new(verifier.clone()))
                .request_async(&caller)
                .await
                .map_err(token_error);
            match result {
                Ok(response) => break response,
                Err(error)
                    if key.is_none() && self.dpop == DpopMode::Auto && demands_dpop(&error) =>
                {
                    tracing::info!(reason = %error, "the token endpoint requires DPoP for this app; exchanging the code with a DPoP proof");
                    key = Some(Arc::new(DpopKey::generate()?));
                }
                Err(error) => return Err(error),
            }
        };
        let bound = token_type(response.token_type()).eq_ignore_ascii_case("dpop");
        Ok(UserTokens {
            dpop_key: key.filter(|_| bound),
            on_refresh: None,
            client_id: self.client_id.clone(),
            token_url: self.token.clone(),
            initial: Some((
                Secret::new(response.access_token().secret().clone()),
                token_type(response.token_type()),
                Instant::now() + super::token::lifetime(response.expires_in()),
            )),
            refresh_token: response
                .refresh_token()
                .map(|t| Secret::new(t.secret().clone())),
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
        http: reqwest::Client,
        dpop: Option<Arc<DpopKey>>,
        nonce: Arc<std::sync::Mutex<Option<String>>>,
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
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_token_uri(TokenUrl::from_url(self.token_url.clone()));
        let caller = HttpCaller { http, dpop, nonce };
        let response = client
            .exchange_refresh_token(&RefreshToken::new(refresh.expose().to_string()))
            .request_async(&caller)
            .await
            .map_err(|e| {
                let error = token_error(e);
                if demands_dpop(&error) {
                    Failure::DpopRequired(error)
                } else {
                    Failure::Other(error)
                }
            })?;
        Ok(TokenResponse {
            access_token: Secret::new(response.access_token().secret().clone()),
            token_type: token_type(response.token_type()),
            expires_in: super::token::lifetime(response.expires_in()),
            refresh_token: response
                .refresh_token()
                .map(|t| Secret::new(t.secret().clone())),
        })
    }
}

fn token_type(t: &BasicTokenType) -> String {
    match t {
        BasicTokenType::Bearer => "Bearer".into(),
        BasicTokenType::Mac => "MAC".into(),
        BasicTokenType::Extension(other) => other.clone(),
    }
}

fn token_error<RE: std::error::Error + Send + Sync + 'static>(
    e: RequestTokenError<RE, oauth2::StandardErrorResponse<BasicErrorResponseType>>,
) -> AuthError {
    match e {
        RequestTokenError::ServerResponse(body) => AuthError::TokenEndpoint {
            status: 400,
            error: body.error().as_ref().to_string(),
            description: body.error_description().cloned(),
        },
        RequestTokenError::Request(e) => AuthError::Unreachable {
            source: crate::error::cause(e),
        },
        RequestTokenError::Parse(e, _) => AuthError::BadTokenResponse {
            status: 200,
            reason: e.to_string(),
        },
        RequestTokenError::Other(e) => AuthError::BadTokenResponse {
            status: 0,
            reason: e,
        },
    }
}

/// The `oauth2` crate's HTTP client: reqwest 0.13, plus DPoP when the tokens are bound.
struct HttpCaller {
    http: reqwest::Client,
    dpop: Option<Arc<DpopKey>>,
    nonce: Arc<std::sync::Mutex<Option<String>>>,
}

/// A transport failure of the token request.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct HttpError(String);

impl<'c> oauth2::AsyncHttpClient<'c> for HttpCaller {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let url =
                Url::parse(&request.uri().to_string()).map_err(|e| HttpError(e.to_string()))?;
            for _ in 0..3 {
                let mut builder = self
                    .http
                    .request(request.method().clone(), url.clone())
                    .headers(request.headers().clone())
                    .body(request.body().clone());
                if let Some(key) = &self.dpop {
                    let nonce = crate::sync::lock(&self.nonce).clone();
                    let proof = key
                        .proof(request.method().as_str(), &url, None, nonce.as_deref())
                        .map_err(|e| HttpError(e.to_string()))?;
                    builder = builder.header("DPoP", proof.expose());
                }
                let mut response = builder
                    .send()
                    .await
                    .map_err(|e| HttpError(e.without_url().to_string()))?;
                let status = response.status();
                let headers = response.headers().clone();
                let body = crate::body::read_limited(&mut response, crate::body::MAX_TOKEN_BODY)
                    .await
                    .map_err(|e| HttpError(e.to_string()))?;
                if let Some(nonce) = headers.get("dpop-nonce").and_then(|v| v.to_str().ok()) {
                    *crate::sync::lock(&self.nonce) = super::token::usable_nonce(nonce);
                    let wants_nonce = status.as_u16() == 400
                        && String::from_utf8_lossy(&body).contains("use_dpop_nonce");
                    if wants_nonce && self.dpop.is_some() {
                        continue;
                    }
                }
                let mut out = http::Response::builder().status(status);
                for (name, value) in &headers {
                    out = out.header(name, value);
                }
                return out
                    .body(body.to_vec())
                    .map_err(|e| HttpError(e.to_string()));
            }
            Err(HttpError(
                "the server kept demanding a new DPoP nonce".into(),
            ))
        })
    }
}
