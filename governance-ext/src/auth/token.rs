//! One exchange with the org's token endpoint: form POST, optional DPoP proof, the
//! `use_dpop_nonce` challenge, and OAuth 2.0 error bodies surfaced as they are.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::dpop::DpopKey;
use crate::error::AuthError;
use crate::secret::Secret;
use crate::throttle::{RateLimitHeaders, Throttle};

use super::dpop::NONCE_RETRIES;

/// The longest access-token lifetime believed (Okta's maximum is one day): a larger
/// `expires_in` is a broken or hostile answer, and is cut to this (and logged) so that no
/// expiry arithmetic can overflow.
pub(crate) const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// What an `expires_in` that is absent counts as (Okta's default lifetime).
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// The longest DPoP nonce kept; a longer one is ignored (Okta's are about 40 characters).
const MAX_NONCE: usize = 512;

/// The lifetime to believe of a token whose response said `expires_in`.
pub(crate) fn lifetime(expires_in: Option<Duration>) -> Duration {
    let said = expires_in.unwrap_or(DEFAULT_TOKEN_LIFETIME);
    if said > MAX_TOKEN_LIFETIME {
        tracing::warn!(
            expires_in = said.as_secs(),
            max = MAX_TOKEN_LIFETIME.as_secs(),
            "the token endpoint said the token lives longer than any Okta token; believing the maximum"
        );
        return MAX_TOKEN_LIFETIME;
    }
    said
}

/// A DPoP nonce worth keeping: at most [`MAX_NONCE`] bytes of visible ASCII (RFC 9449's
/// `NQCHAR`s: anything else could not be put in a proof's header anyway).
pub(crate) fn usable_nonce(nonce: &str) -> Option<String> {
    let ok = !nonce.is_empty()
        && nonce.len() <= MAX_NONCE
        && nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
    if !ok {
        tracing::debug!(len = nonce.len(), "ignoring an unusable DPoP-Nonce header");
    }
    ok.then(|| nonce.to_string())
}

/// A successful token response.
#[derive(Debug, Clone)]
pub(crate) struct TokenResponse {
    pub access_token: Secret,
    /// `Bearer` or `DPoP`.
    pub token_type: String,
    pub expires_in: Duration,
    pub refresh_token: Option<Secret>,
}

#[derive(Deserialize)]
struct RawToken {
    access_token: String,
    #[serde(default)]
    token_type: String,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct RawError {
    error: String,
    error_description: Option<String>,
}

/// What went wrong, as the caller needs to know it.
pub(crate) enum Failure {
    /// The endpoint wants DPoP and none was sent.
    DpopRequired(AuthError),
    /// Anything else.
    Other(AuthError),
}

/// Whether an error says the client must use DPoP (Okta: `invalid_dpop_proof`; other servers
/// mention DPoP in the description).
pub(crate) fn demands_dpop(error: &AuthError) -> bool {
    match error {
        AuthError::TokenEndpoint {
            error, description, ..
        } => {
            error == "invalid_dpop_proof"
                || description
                    .as_deref()
                    .is_some_and(|d| d.to_ascii_lowercase().contains("dpop"))
        }
        _ => false,
    }
}

/// The rate-limit bucket of the token endpoint.
pub(crate) const TOKEN_BUCKET: &str = "POST /oauth2/v1/token";

/// POSTs the form built by `form` (called again for every attempt, so assertions stay
/// single-use) and follows the DPoP nonce challenge.
pub(crate) async fn exchange(
    http: &reqwest::Client,
    timeout: std::time::Duration,
    endpoint: &Url,
    form: &(dyn Fn() -> Result<Vec<(&'static str, Secret)>, AuthError> + Send + Sync),
    dpop: Option<&DpopKey>,
    nonce: &std::sync::Mutex<Option<String>>,
    throttle: &Throttle,
) -> Result<TokenResponse, Failure> {
    for _ in 0..=NONCE_RETRIES {
        // The token endpoint has a rate-limit bucket of its own, paced like any API bucket.
        let wait = throttle.reserve(TOKEN_BUCKET);
        if !wait.is_zero() {
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "pacing: the token endpoint's rate-limit budget is spent, waiting for the reset"
            );
            tokio::time::sleep(wait).await;
        }
        let fields = form().map_err(Failure::Other)?;
        let body: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.expose())).collect();
        let body = serde_urlencoded::to_string(&body).map_err(|e| {
            Failure::Other(AuthError::Signing {
                what: "token request form",
                source: crate::error::cause(e),
            })
        })?;
        // Set here as well as on the SDK's own HTTP client: a caller's may have no timeout.
        let mut request = http
            .post(endpoint.clone())
            .timeout(timeout)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body);
        if let Some(key) = dpop {
            let current = crate::sync::lock(nonce).clone();
            let proof = key
                .proof("POST", endpoint, None, current.as_deref())
                .map_err(Failure::Other)?;
            request = request.header("DPoP", proof.expose());
        }
        let mut response = request.send().await.map_err(|e| {
            Failure::Other(AuthError::Unreachable {
                source: crate::error::cause(e.without_url()),
            })
        })?;
        if response.url() != endpoint {
            return Err(Failure::Other(AuthError::Unreachable {
                source: crate::error::cause(
                    "the HTTP client followed a redirect from the token endpoint on its own; \
                     build it with `.redirect(reqwest::redirect::Policy::none())`",
                ),
            }));
        }
        throttle.observe(TOKEN_BUCKET, RateLimitHeaders::from_map(response.headers()));
        let status = response.status().as_u16();
        let new_nonce = response
            .headers()
            .get("dpop-nonce")
            .and_then(|v| v.to_str().ok())
            .and_then(usable_nonce);
        if let Some(value) = &new_nonce {
            *crate::sync::lock(nonce) = Some(value.clone());
        }
        let bytes = crate::body::read_limited(&mut response, crate::body::MAX_TOKEN_BODY)
            .await
            .map_err(|e| match e {
                crate::body::ReadError::TooLarge { status, limit } => {
                    Failure::Other(AuthError::BadTokenResponse {
                        status,
                        reason: format!("the body is over the limit of {limit} bytes"),
                    })
                }
                crate::body::ReadError::Transport(e) => Failure::Other(AuthError::Unreachable {
                    source: crate::error::cause(e),
                }),
                other => Failure::Other(AuthError::Unreachable {
                    source: crate::error::cause(other.to_string()),
                }),
            })?;
        if (200..300).contains(&status) {
            let raw: RawToken = serde_json::from_slice(&bytes).map_err(|e| {
                Failure::Other(AuthError::BadTokenResponse {
                    status,
                    reason: e.to_string(),
                })
            })?;
            return Ok(TokenResponse {
                access_token: Secret::new(raw.access_token),
                token_type: raw.token_type,
                expires_in: lifetime(raw.expires_in.map(Duration::from_secs)),
                refresh_token: raw.refresh_token.map(Secret::new),
            });
        }
        let error = match serde_json::from_slice::<RawError>(&bytes) {
            Ok(raw) => AuthError::TokenEndpoint {
                status,
                error: raw.error,
                description: raw.error_description,
            },
            Err(_) => AuthError::BadTokenResponse {
                status,
                reason: format!(
                    "not an OAuth 2.0 error body: {}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                ),
            },
        };
        let is_nonce =
            matches!(&error, AuthError::TokenEndpoint { error, .. } if error == "use_dpop_nonce");
        if is_nonce && dpop.is_some() && new_nonce.is_some() {
            tracing::debug!("token endpoint demanded a DPoP nonce; retrying with it");
            continue;
        }
        if dpop.is_none() && demands_dpop(&error) {
            return Err(Failure::DpopRequired(error));
        }
        return Err(Failure::Other(error));
    }
    Err(Failure::Other(AuthError::NonceLoop))
}
