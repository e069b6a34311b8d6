//! One exchange with the org's token endpoint: form POST, optional DPoP proof, the
//! `use_dpop_nonce` challenge, and OAuth 2.0 error bodies surfaced as they are.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::dpop::DpopKey;
use crate::error::AuthError;
use crate::secret::Secret;

/// How many times a token request is re-sent for a new DPoP nonce.
const NONCE_RETRIES: usize = 2;

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
fn demands_dpop(error: &AuthError) -> bool {
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

/// POSTs the form built by `form` (called again for every attempt, so assertions stay
/// single-use) and follows the DPoP nonce challenge.
pub(crate) async fn exchange(
    http: &reqwest::Client,
    endpoint: &Url,
    form: &(dyn Fn() -> Result<Vec<(&'static str, Secret)>, AuthError> + Send + Sync),
    dpop: Option<&DpopKey>,
    nonce: &std::sync::Mutex<Option<String>>,
) -> Result<TokenResponse, Failure> {
    for _ in 0..=NONCE_RETRIES {
        let fields = form().map_err(Failure::Other)?;
        let body: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.expose())).collect();
        let body = serde_urlencoded::to_string(&body)
            .map_err(|e| Failure::Other(AuthError::Unreachable(e.to_string())))?;
        let mut request = http
            .post(endpoint.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body);
        if let Some(key) = dpop {
            let current = nonce.lock().expect("nonce lock").clone();
            let proof = key
                .proof("POST", endpoint, None, current.as_deref())
                .map_err(Failure::Other)?;
            request = request.header("DPoP", proof.expose());
        }
        let response = request
            .send()
            .await
            .map_err(|e| Failure::Other(AuthError::Unreachable(e.without_url().to_string())))?;
        let status = response.status().as_u16();
        let new_nonce = response
            .headers()
            .get("dpop-nonce")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let Some(value) = &new_nonce {
            *nonce.lock().expect("nonce lock") = Some(value.clone());
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::Other(AuthError::Unreachable(e.without_url().to_string())))?;
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
                expires_in: Duration::from_secs(raw.expires_in.unwrap_or(3600)),
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
