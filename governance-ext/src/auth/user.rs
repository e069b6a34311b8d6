//! User-based access for OIDC apps: authorization code with PKCE, then refresh tokens.
//!
//! The grant plumbing (authorize URL, PKCE, state, code exchange, refresh) is the `oauth2`
//! crate's; this module supplies its HTTP client (our reqwest 0.13, with a DPoP proof and the
//! nonce challenge when the tokens are DPoP-bound).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use governance_ext::auth::user::UserSignIn;
//! use governance_ext::{Config, OrgUrl, Scopes};
//!
//! let org = OrgUrl::parse("https://acme.okta.com")?;
//! let sign_in = UserSignIn::new(&org, "0oa...clientid", "http://localhost:8080/callback")?;
//! let request = sign_in.authorize_url(&Scopes::new(["okta.governance.labels.read", "offline_access"]));
//! println!("open {}", request.url);
//! // ... the browser comes back to the redirect URI with ?code=...&state=...
//! # let (code, state) = (String::new(), String::new());
//! let tokens = sign_in.exchange(&reqwest::Client::new(), &code, &state, request).await?;
//! let config = Config::builder()
//!     .org_url(org.as_str())
//!     .credentials(governance_ext::auth::Credentials::User(tokens))
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
use super::token::{Failure, TokenResponse};
use crate::config::OrgUrl;
use crate::error::{AuthError, ConfigError};
use crate::scopes::Scopes;
use crate::secret::Secret;

/// Starts user sign-in for one OIDC app.
#[derive(Debug, Clone)]
pub struct UserSignIn {
    client_id: String,
    redirect_uri: String,
    authorize: Url,
    token: Url,
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

/// Tokens of a signed-in user; refreshed with the refresh token when the access token ages.
#[derive(Clone)]
pub struct UserTokens {
    client_id: String,
    token_url: Url,
    initial: Option<(Secret, String, Instant)>,
    pub(crate) refresh_token: Option<Secret>,
}

impl fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokens")
            .field("client_id", &self.client_id)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
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
        org: &OrgUrl,
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Result<Self, ConfigError> {
        let redirect_uri = redirect_uri.into();
        RedirectUrl::new(redirect_uri.clone()).map_err(|e| config_error("redirect URI", e))?;
        Ok(Self {
            client_id: client_id.into(),
            redirect_uri,
            authorize: org.authorize_endpoint(),
            token: org.token_endpoint(),
        })
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

    /// Exchanges the callback's `code` (after checking its `state`) for tokens.
    pub async fn exchange(
        &self,
        http: &reqwest::Client,
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
        let caller = HttpCaller {
            http: http.clone(),
            dpop: None,
            nonce: Arc::default(),
        };
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(request.verifier)
            .request_async(&caller)
            .await
            .map_err(token_error)?;
        Ok(UserTokens {
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
            .map_err(|e| Failure::Other(token_error(e)))?;
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

fn token_error<RE: std::error::Error + 'static>(
    e: RequestTokenError<RE, oauth2::StandardErrorResponse<BasicErrorResponseType>>,
) -> AuthError {
    match e {
        RequestTokenError::ServerResponse(body) => AuthError::TokenEndpoint {
            status: 400,
            error: body.error().as_ref().to_string(),
            description: body.error_description().cloned(),
        },
        RequestTokenError::Request(e) => AuthError::Unreachable(e.to_string()),
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
pub struct HttpError(String);

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
