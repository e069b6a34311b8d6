//! The org authorization server's token endpoint (client credentials with `private_key_jwt`,
//! optional DPoP) and the checks every API request passes: credentials, DPoP proof, scopes.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use okta_governance_client::Operation;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

use super::state::{lock, Shared};
use super::wire::{okta_error, Caller};
use crate::scopes::Scopes;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How far a proof's `iat` may lie from the server's clock.
const PROOF_SKEW: u64 = 300;

/// An OAuth 2.0 error answer of the token endpoint.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Verifies a DPoP proof for `method` `htu`; returns the key's thumbprint.
fn verify_proof(
    shared: &Shared,
    proof: &str,
    method: &str,
    htu: &str,
    access_token: Option<&str>,
    nonce: Option<&str>,
) -> Result<String, String> {
    let header = jsonwebtoken::decode_header(proof).map_err(|e| format!("bad header: {e}"))?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err("typ must be dpop+jwt".into());
    }
    if !matches!(header.alg, Algorithm::ES256 | Algorithm::RS256) {
        return Err(format!("alg {:?} is not accepted", header.alg));
    }
    let jwk = header.jwk.ok_or("the proof has no jwk header")?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("unusable jwk: {e}"))?;
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<Value>(proof, &key, &validation)
        .map_err(|e| format!("signature: {e}"))?
        .claims;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("htm") != Some(method) {
        return Err(format!("htm must be {method}"));
    }
    if text("htu") != Some(htu) {
        return Err(format!("htu must be {htu}"));
    }
    let iat = claims.get("iat").and_then(Value::as_u64).ok_or("no iat")?;
    if iat.abs_diff(now_secs()) > PROOF_SKEW {
        return Err("iat is too far from the server's clock".into());
    }
    if let Some(token) = access_token {
        let ath = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()));
        if text("ath") != Some(ath.as_str()) {
            return Err("ath does not match the access token".into());
        }
    }
    if let Some(nonce) = nonce {
        if text("nonce") != Some(nonce) {
            return Err("use_dpop_nonce".into());
        }
    }
    let jti = text("jti").ok_or("no jti")?;
    if !lock(&shared.auth).used_jti.insert(format!("dpop:{jti}")) {
        return Err("jti was already used".into());
    }
    Ok(jwk.thumbprint(ThumbprintHash::SHA256))
}

/// `POST /oauth2/v1/token`.
pub(crate) async fn token(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let headers = request.headers().clone();
    let bytes = match axum::body::to_bytes(request.into_body(), 64 * 1024).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The request body is too large.",
            )
        }
    };
    let form: HashMap<String, String> = url::form_urlencoded::parse(&bytes).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].",
        );
    }
    if field("client_assertion_type") != JWT_BEARER || field("client_assertion").is_empty() {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed: this app authenticates with private_key_jwt (client_assertion and client_assertion_type are required).",
        );
    }
    let token_url = format!("{}/oauth2/v1/token", shared.settings.base_url);
    if let Err(description) = verify_assertion(&shared, field("client_assertion"), &token_url) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &description);
    }
    let requested = Scopes::parse_list(field("scope"));
    if requested.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The authorization server requires a scope parameter for the client credentials grant.",
        );
    }
    let granted = &shared.settings.client.scopes;
    let refused: Vec<&str> = requested.iter().filter(|s| !granted.contains(s)).collect();
    if !refused.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!(
                "The following scopes are not allowed: {}",
                refused.join(" ")
            ),
        );
    }
    let mut jkt = None;
    if shared.settings.require_dpop {
        let Some(proof) = headers.get("dpop").and_then(|v| v.to_str().ok()) else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_dpop_proof",
                "The DPoP proof JWT header is missing.",
            );
        };
        let nonce = lock(&shared.auth).nonce.clone();
        match verify_proof(&shared, proof, "POST", &token_url, None, Some(&nonce)) {
            Ok(thumbprint) => jkt = Some(thumbprint),
            Err(reason) if reason == "use_dpop_nonce" => {
                let mut response = oauth_error(
                    StatusCode::BAD_REQUEST,
                    "use_dpop_nonce",
                    "Authorization server requires nonce in DPoP proof.",
                );
                if let Ok(value) = HeaderValue::from_str(&nonce) {
                    response.headers_mut().insert("dpop-nonce", value);
                }
                return response;
            }
            Err(reason) => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_dpop_proof",
                    &format!("The DPoP proof JWT is invalid: {reason}."),
                )
            }
        }
    }
    let token_type = if jkt.is_some() { "DPoP" } else { "Bearer" };
    let client_id = shared.settings.client.id.clone();
    let token = match shared.issue_token(&requested, jkt, &client_id) {
        Ok(token) => token,
        Err(error) => {
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                &error.to_string(),
            )
        }
    };
    shared
        .counters
        .tokens_issued
        .fetch_add(1, Ordering::Relaxed);
    let mut response = (
        StatusCode::OK,
        axum::Json(json!({
            "token_type": token_type,
            "expires_in": shared.settings.token_lifetime.as_secs(),
            "access_token": token.expose(),
            "scope": requested.to_string(),
        })),
    )
        .into_response();
    response
        .headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    response
}

/// Checks a `private_key_jwt` client assertion against the registered app.
fn verify_assertion(shared: &Shared, assertion: &str, token_url: &str) -> Result<(), String> {
    let client = &shared.settings.client;
    let header = jsonwebtoken::decode_header(assertion)
        .map_err(|e| format!("The client_assertion is not a JWT: {e}"))?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
        return Err(format!(
            "The client_assertion signature algorithm {:?} is not allowed (RS256, ES256).",
            header.alg
        ));
    }
    let key: &Jwk = match &header.kid {
        Some(kid) => client
            .jwks
            .iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid.as_str()))
            .ok_or_else(|| format!("No key with kid `{kid}` is registered for the client."))?,
        None if client.jwks.len() == 1 => &client.jwks[0],
        None => return Err("The client has several keys: the assertion needs a kid.".into()),
    };
    let decoding = DecodingKey::from_jwk(key).map_err(|e| format!("Unusable client key: {e}"))?;
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[token_url]);
    validation.set_issuer(&[client.id.as_str()]);
    validation.sub = Some(client.id.clone());
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
    validation.leeway = 30;
    let claims = jsonwebtoken::decode::<Value>(assertion, &decoding, &validation)
        .map_err(|e| format!("The client_assertion is invalid: {e}."))?
        .claims;
    let number = |name: &str| claims.get(name).and_then(Value::as_u64).unwrap_or_default();
    if number("exp").saturating_sub(number("iat")) > 3600 {
        return Err("The client_assertion expires more than 1 hour after it was issued.".into());
    }
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .ok_or("The client_assertion has no jti.")?;
    if !lock(&shared.auth)
        .used_jti
        .insert(format!("assertion:{jti}"))
    {
        return Err("The client_assertion jti was already used.".into());
    }
    Ok(())
}

/// 401 with Okta's body and a challenge.
fn unauthorized(scheme: &str, error: &str, description: &str) -> Response {
    let mut response = okta_error(
        StatusCode::UNAUTHORIZED,
        "E0000011",
        "Invalid token provided",
        &[description.to_string()],
    );
    let challenge =
        format!("{scheme} realm=\"IdP\", error=\"{error}\", error_description=\"{description}\"");
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert("www-authenticate", value);
    }
    response
}

/// The credentials of an API request, checked for `operation`.
pub(crate) fn authenticate(
    shared: &Shared,
    operation: &Operation,
    request: &Request,
) -> Result<Caller, Response> {
    let headers: &HeaderMap = request.headers();
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (scheme, credential) = authorization.split_once(' ').unwrap_or((authorization, ""));
    match scheme {
        "SSWS" => {
            if credential != shared.settings.api_token.expose() {
                return Err(unauthorized("SSWS", "invalid_token", "Invalid API token."));
            }
            if !operation.ssws {
                return Err(okta_error(
                    StatusCode::FORBIDDEN,
                    "E0000006",
                    "You do not have permission to perform the requested action",
                    &[format!(
                        "{} accepts only OAuth 2.0 access tokens, not an API token",
                        operation.id
                    )],
                ));
            }
            Ok(Caller {
                subject: super::sim_id("00u", 999),
            })
        }
        "Bearer" | "DPoP" => {
            let (scopes, jkt, subject) = {
                let auth = lock(&shared.auth);
                let record = auth
                    .tokens
                    .get(credential)
                    .filter(|t| t.expires > Instant::now());
                match record {
                    Some(t) => (t.scopes.clone(), t.jkt.clone(), t.subject.clone()),
                    None => {
                        return Err(unauthorized(
                            scheme,
                            "invalid_token",
                            "The access token is invalid or has expired.",
                        ))
                    }
                }
            };
            match (scheme, &jkt) {
                ("Bearer", Some(_)) => {
                    return Err(unauthorized(
                        "DPoP",
                        "invalid_token",
                        "The access token is DPoP-bound: send it with the DPoP scheme and a proof.",
                    ))
                }
                ("DPoP", bound) => {
                    let proof = headers
                        .get("dpop")
                        .and_then(|v| v.to_str().ok())
                        .ok_or_else(|| {
                            unauthorized("DPoP", "invalid_dpop_proof", "The DPoP proof is missing.")
                        })?;
                    let htu = format!("{}{}", shared.settings.base_url, request.uri().path());
                    let thumbprint = verify_proof(
                        shared,
                        proof,
                        request.method().as_str(),
                        &htu,
                        Some(credential),
                        None,
                    )
                    .map_err(|reason| unauthorized("DPoP", "invalid_dpop_proof", &reason))?;
                    if bound.as_deref() != Some(thumbprint.as_str()) {
                        return Err(unauthorized(
                            "DPoP",
                            "invalid_dpop_proof",
                            "The DPoP proof key is not the key the token is bound to.",
                        ));
                    }
                }
                _ => {}
            }
            let missing: Vec<&str> = operation
                .scopes
                .iter()
                .copied()
                .filter(|s| !scopes.contains(s))
                .collect();
            if !missing.is_empty() {
                let mut response = okta_error(
                    StatusCode::FORBIDDEN,
                    "E0000006",
                    "You do not have permission to perform the requested action",
                    &[],
                );
                let challenge = format!(
                    "{scheme} realm=\"IdP\", error=\"insufficient_scope\", error_description=\"The access token provided does not contain the required scopes.\", scope=\"{}\"",
                    missing.join(" ")
                );
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response.headers_mut().insert("www-authenticate", value);
                }
                return Err(response);
            }
            Ok(Caller { subject })
        }
        _ => Err(unauthorized(
            "Bearer",
            "invalid_token",
            "No credentials: send Authorization: SSWS, Bearer or DPoP.",
        )),
    }
}
