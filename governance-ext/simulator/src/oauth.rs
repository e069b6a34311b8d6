//! The org authorization server: its token endpoint (client credentials with `private_key_jwt`
//! for the service app; authorization code + PKCE and rotating refresh tokens for the OIDC app;
//! optional DPoP), its authorize endpoint, and the checks every API request passes:
//! credentials, DPoP proof, scopes.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use okta_governance::client::Operation;
use serde_json::{json, Value};
use std::sync::Arc;

use crate::state::{lock, CodeRec, RefreshRec, Shared};
use crate::wire::{okta_error, Caller};
use okta_governance::Scopes;

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

/// 500 `server_error`: the token endpoint could not make a secret (the system random source
/// failed).
fn server_error(error: impl std::fmt::Display) -> Response {
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        &error.to_string(),
    )
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
        let ath = URL_SAFE_NO_PAD.encode(crate::sha256(token.as_bytes()));
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
    // A proof is accepted while its `iat` is within PROOF_SKEW of the clock: its `jti` needs
    // remembering that long after it was first seen.
    let forget_at = crate::state::later(Duration::from_secs(PROOF_SKEW.saturating_mul(2)));
    if !lock(&shared.auth).use_jti(format!("dpop:{jti}"), forget_at) {
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
    match field("grant_type") {
        "client_credentials" => {}
        "authorization_code" | "refresh_token" => return user_grant(&shared, &headers, &form),
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials, authorization_code, refresh_token].",
            )
        }
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
    let jkt = match dpop_binding(&shared, &headers, &token_url) {
        Ok(jkt) => jkt,
        Err(refusal) => return refusal,
    };
    let client_id = shared.settings.client.id.clone();
    tokens(&shared, &requested, jkt, &client_id, None)
}

/// The token endpoint's success answer: an access token for `subject` with `scopes` (bound to
/// `jkt` when DPoP), and `refresh` when the grant issues one.
fn tokens(
    shared: &Shared,
    scopes: &Scopes,
    jkt: Option<String>,
    subject: &str,
    refresh: Option<String>,
) -> Response {
    let token_type = if jkt.is_some() { "DPoP" } else { "Bearer" };
    let token = match shared.issue_token(scopes, jkt, subject) {
        Ok(token) => token,
        Err(error) => return server_error(error),
    };
    shared
        .counters
        .tokens_issued
        .fetch_add(1, Ordering::Relaxed);
    let mut body = json!({
        "token_type": token_type,
        "expires_in": shared.settings.token_lifetime.as_secs(),
        "access_token": token.expose(),
        "scope": scopes.to_string(),
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    let mut response = (StatusCode::OK, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    response
}

/// Checks the DPoP proof of a token request when the org requires one: the thumbprint of its
/// key, or the answer to send (a nonce challenge, or a refusal).
fn dpop_binding(
    shared: &Shared,
    headers: &HeaderMap,
    token_url: &str,
) -> Result<Option<String>, Response> {
    if !shared.settings.require_dpop {
        return Ok(None);
    }
    let Some(proof) = headers.get("dpop").and_then(|v| v.to_str().ok()) else {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_dpop_proof",
            "The DPoP proof JWT header is missing.",
        ));
    };
    let nonce = lock(&shared.auth).nonce.clone();
    match verify_proof(shared, proof, "POST", token_url, None, Some(&nonce)) {
        Ok(thumbprint) => Ok(Some(thumbprint)),
        Err(reason) if reason == "use_dpop_nonce" => {
            let mut response = oauth_error(
                StatusCode::BAD_REQUEST,
                "use_dpop_nonce",
                "Authorization server requires nonce in DPoP proof.",
            );
            if let Ok(value) = HeaderValue::from_str(&nonce) {
                response.headers_mut().insert("dpop-nonce", value);
            }
            Err(response)
        }
        Err(reason) => Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_dpop_proof",
            &format!("The DPoP proof JWT is invalid: {reason}."),
        )),
    }
}

/// How long an authorization code can be exchanged.
const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// The longest `state`, `login_hint` or `code_challenge` the authorize endpoint reads.
const MAX_PARAM: usize = 512;

/// `GET /oauth2/v1/authorize` for the OIDC app: authorization code with S256 PKCE. There is no
/// sign-in page: the user named by `login_hint` (a user id or login of the directory) signs in
/// and consents at once, and the browser is sent back to the redirect URI with a code (or, once
/// the redirect URI is known to be registered, with an OAuth error).
pub(crate) async fn authorize(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
    let app = &shared.settings.user_app;
    // Until the client and the redirect URI are known, errors stay here (never redirected).
    if param("client_id") != app.id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "The client_id is not the org's OIDC app.",
        );
    }
    let redirect_uri = param("redirect_uri");
    if !app.redirect_uris.iter().any(|r| r == redirect_uri) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The redirect_uri is not registered for the app.",
        );
    }
    let back = |pairs: &[(&str, &str)]| {
        let mut location = url::Url::parse(redirect_uri).ok();
        if let Some(url) = location.as_mut() {
            let mut query = url.query_pairs_mut();
            for (name, value) in pairs {
                query.append_pair(name, value);
            }
            let state = param("state");
            if !state.is_empty() {
                query.append_pair("state", state);
            }
        }
        match location.and_then(|l| HeaderValue::from_str(l.as_str()).ok()) {
            Some(location) => {
                let mut response = StatusCode::FOUND.into_response();
                response.headers_mut().insert("location", location);
                response
            }
            None => oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Unusable redirect_uri.",
            ),
        }
    };
    let refuse = |error: &str, description: &str| {
        back(&[("error", error), ("error_description", description)])
    };
    if ["state", "login_hint", "code_challenge"]
        .iter()
        .any(|name| param(name).len() > MAX_PARAM)
    {
        return refuse(
            "invalid_request",
            "state, login_hint and code_challenge have at most 512 characters.",
        );
    }
    if param("response_type") != "code" {
        return refuse(
            "unsupported_response_type",
            "The response type is not supported: use code.",
        );
    }
    if param("state").is_empty() {
        return refuse("invalid_request", "The state parameter is required.");
    }
    if param("code_challenge_method") != "S256" || param("code_challenge").len() != 43 {
        return refuse(
            "invalid_request",
            "PKCE is required: code_challenge (43 characters) with code_challenge_method S256.",
        );
    }
    let scopes = Scopes::parse_list(param("scope"));
    let refused: Vec<&str> = scopes.iter().filter(|s| !app.scopes.contains(s)).collect();
    if scopes.is_empty() || !refused.is_empty() {
        return refuse(
            "invalid_scope",
            &format!(
                "The following scopes are not allowed: {}",
                refused.join(" ")
            ),
        );
    }
    let hint = param("login_hint");
    let directory = &shared.settings.directory;
    let Some(user) = directory
        .users
        .iter()
        .find(|u| !hint.is_empty() && (u.id == hint || u.login() == hint))
    else {
        return refuse(
            "login_required",
            "The simulated org signs in the user named by login_hint (a user id or login of its directory).",
        );
    };
    let code = match crate::wire::random_chars(43) {
        Ok(code) => code,
        Err(error) => return refuse("server_error", &error.to_string()),
    };
    let mut auth = lock(&shared.auth);
    // Codes nobody exchanged go when they expire, so an authorize loop cannot grow the map.
    let now = Instant::now();
    auth.codes.retain(|_, c| c.expires > now);
    auth.codes.insert(
        code.clone(),
        CodeRec {
            user: user.id.clone(),
            scopes,
            redirect_uri: redirect_uri.to_string(),
            challenge: param("code_challenge").to_string(),
            expires: now + CODE_LIFETIME,
        },
    );
    drop(auth);
    back(&[("code", &code)])
}

/// The OIDC app's grants at the token endpoint: `authorization_code` (with the PKCE verifier)
/// and `refresh_token` (rotated on each use). The app is a public client: `client_id`, no
/// secret. The DPoP proof is checked before the code is spent.
fn user_grant(shared: &Shared, headers: &HeaderMap, form: &HashMap<String, String>) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("client_id") != shared.settings.user_app.id {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The client_id is not the org's OIDC app.",
        );
    }
    let token_url = format!("{}/oauth2/v1/token", shared.settings.base_url);
    let jkt = match dpop_binding(shared, headers, &token_url) {
        Ok(jkt) => jkt,
        Err(refusal) => return refusal,
    };
    let invalid_grant =
        |description: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description);
    let (user, scopes) = if field("grant_type") == "authorization_code" {
        // Spent whatever happens next, as a code must be.
        let Some(code) = lock(&shared.auth).codes.remove(field("code")) else {
            return invalid_grant("The authorization code is invalid or has expired.");
        };
        if code.expires <= Instant::now() {
            return invalid_grant("The authorization code is invalid or has expired.");
        }
        if code.redirect_uri != field("redirect_uri") {
            return invalid_grant("The redirect_uri does not match the authorize request's.");
        }
        let verifier = field("code_verifier");
        if !(43..=128).contains(&verifier.len())
            || URL_SAFE_NO_PAD.encode(crate::sha256(verifier.as_bytes())) != code.challenge
        {
            return invalid_grant(
                "PKCE verification failed: the code_verifier does not match the code_challenge.",
            );
        }
        (code.user, code.scopes)
    } else {
        let mut auth = lock(&shared.auth);
        let Some(record) = auth
            .refresh_tokens
            .remove(field("refresh_token"))
            .filter(|r| r.expires > Instant::now())
        else {
            return invalid_grant("The refresh token is invalid or expired.");
        };
        if record.jkt.is_some() && record.jkt != jkt {
            return invalid_grant("The refresh token is bound to another DPoP key.");
        }
        (record.user, record.scopes)
    };
    let refresh = if scopes.contains("offline_access") {
        let token = match crate::wire::random_chars(48) {
            Ok(token) => token,
            Err(error) => return server_error(error),
        };
        lock(&shared.auth).add_refresh_token(
            token.clone(),
            RefreshRec {
                user: user.clone(),
                scopes: scopes.clone(),
                jkt: jkt.clone(),
                expires: crate::state::later(crate::state::REFRESH_IDLE),
            },
        );
        Some(token)
    } else {
        None
    };
    tokens(shared, &scopes, jkt, &user, refresh)
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
    // Remembered until the assertion expires (at most an hour, plus the leeway).
    let left = number("exp").saturating_sub(now_secs()).min(3600) + 60;
    let forget_at = crate::state::later(Duration::from_secs(left));
    if !lock(&shared.auth).use_jti(format!("assertion:{jti}"), forget_at) {
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
                subject: crate::sim_id("00u", 999),
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
