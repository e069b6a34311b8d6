//! The ext crate's [`Transport`]: the stack every request of the generated client runs through.
//!
//! ```text
//! throttle (wait for the bucket's budget) ─► auth (credentials for the org only, DPoP proof)
//!   ─► send + read the body (per-request timeout) ─► classify:
//!        401 use_dpop_nonce / invalid_token ─► answer the challenge or refresh, once
//!        403 insufficient_scope             ─► AuthError::MissingScope
//!        429                                ─► wait for the reset (server clock) + jitter, retry
//!        5xx, resets, timeouts              ─► backoff and retry when the method is idempotent
//!   all bounded by the retry count and one deadline per call
//! ```
//!
//! Failures of the stack itself travel back through the generated client as typed errors (see
//! `governance_client::hooks`); the body is read here so that a connection broken mid-body can
//! be retried like any other failure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use governance_client::hooks::{failure_response, BoxFuture, Transport};
use governance_client::Operation;
use reqwest::header::{HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use tracing::Instrument;

use crate::auth::Authenticator;
use crate::config::OrgUrl;
use crate::error::{AuthError, Error};
use crate::retry::{idempotent, jitter, RetryConfig};
use crate::throttle::{RateLimit, Throttle};

/// How often one request is re-sent for a new resource-server DPoP nonce.
const NONCE_RETRIES: usize = 2;

pub(crate) struct StackTransport {
    pub auth: Arc<Authenticator>,
    pub org: OrgUrl,
    pub throttle: Arc<Throttle>,
    pub retry: RetryConfig,
}

/// A response read to the end.
struct Buffered {
    status: reqwest::StatusCode,
    version: reqwest::Version,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
}

/// The parsed body of an error response, kept for statuses the generated code does not
/// decode (statuses the spec does not declare for the operation).
#[derive(Clone, Debug)]
pub(crate) struct ErrorBody(pub serde_json::Value);

impl Buffered {
    fn into_response(self) -> reqwest::Response {
        let error_body = (self.status.is_client_error() || self.status.is_server_error())
            .then(|| serde_json::from_slice::<serde_json::Value>(&self.body).ok())
            .flatten();
        let mut response = http::Response::new(reqwest::Body::from(self.body));
        if let Some(body) = error_body {
            response.extensions_mut().insert(ErrorBody(body));
        }
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = self.headers;
        reqwest::Response::from(response)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl StackTransport {
    async fn run(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> Result<reqwest::Response, Error> {
        if !self.org.is_same_origin(request.url()) {
            return Err(AuthError::ForeignHost {
                url: request.url().to_string(),
                org: self.org.as_str().to_string(),
            }
            .into());
        }
        let method = request.method().as_str().to_string();
        let url = request.url().clone();
        // Operation ids name their method + path template one to one.
        let bucket: std::borrow::Cow<'static, str> = match operation {
            Some(op) => op.id.into(),
            None => format!("{method} {}", url.path()).into(),
        };
        let started = Instant::now();
        let deadline = started + self.retry.deadline;
        let span = tracing::Span::current();
        let mut retries = 0u32;
        let mut first_request_id: Option<String> = None;
        let mut refreshed = false;
        let mut nonce_retries = 0;
        let mut waited = Duration::ZERO;
        loop {
            let wait = self.throttle.reserve(&bucket);
            if !wait.is_zero() {
                if Instant::now() + wait > deadline {
                    return Err(Error::RateLimited {
                        retries,
                        reset_in: Some(wait),
                    });
                }
                tracing::debug!(wait_ms = wait.as_millis() as u64, bucket = %bucket, "pacing: rate-limit budget spent, waiting for the reset");
                tokio::time::sleep(wait).await;
                waited += wait;
            }
            let mut attempt = request
                .try_clone()
                .ok_or_else(|| Error::Transport("request body cannot be replayed".into()))?;
            let headers = self.auth.headers(&method, &url).await?;
            attempt
                .headers_mut()
                .insert(AUTHORIZATION, headers.authorization.clone());
            if let Some(proof) = &headers.dpop {
                attempt.headers_mut().insert("DPoP", proof.clone());
            }
            if retries > 0 {
                if let Some(id) = first_request_id
                    .as_deref()
                    .and_then(|id| HeaderValue::from_str(id).ok())
                {
                    attempt.headers_mut().insert("X-Okta-Retry-For", id);
                }
                attempt
                    .headers_mut()
                    .insert("X-Okta-Retry-Count", HeaderValue::from(retries));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let sent = tokio::time::timeout(left, async {
                let response: http::Response<reqwest::Body> = client.execute(attempt).await?.into();
                // Taken apart rather than copied: the headers move into the buffered response.
                let (parts, body) = response.into_parts();
                let body = http_body_util::BodyExt::collect(body).await?.to_bytes();
                Ok::<_, reqwest::Error>(Buffered {
                    status: parts.status,
                    version: parts.version,
                    headers: parts.headers,
                    body,
                })
            })
            .await;
            let response = match sent {
                Err(_) => {
                    return Err(Error::Timeout {
                        after: started.elapsed(),
                    })
                }
                Ok(Err(error)) => {
                    let may_retry =
                        error.is_connect() || (idempotent(&method) && !error.is_builder());
                    if may_retry && retries < self.retry.max_retries {
                        retries += 1;
                        let backoff = self.retry.backoff(retries);
                        if Instant::now() + backoff < deadline {
                            tracing::debug!(error = %error.without_url(), retry = retries, "request failed; retrying");
                            tokio::time::sleep(backoff).await;
                            waited += backoff;
                            continue;
                        }
                    }
                    if error.is_timeout() {
                        return Err(Error::Timeout {
                            after: started.elapsed(),
                        });
                    }
                    return Err(Error::Transport(error.without_url().to_string()));
                }
                Ok(Ok(response)) => response,
            };
            let limit = RateLimit::from_headers(&response.headers);
            if let Some(limit) = limit {
                self.throttle.record(&bucket, limit);
            }
            if first_request_id.is_none() {
                first_request_id = response.header("x-okta-request-id").map(str::to_string);
            }
            if let Some(nonce) = response.header("dpop-nonce") {
                self.auth.set_resource_nonce(nonce.to_string());
            }
            let status = response.status.as_u16();
            span.record("status", status);
            span.record("attempt", retries + 1);
            span.record("wait_ms", waited.as_millis() as u64);
            if let Some(limit) = limit {
                span.record("rate_limit_remaining", limit.remaining);
            }
            let challenge = response
                .header(WWW_AUTHENTICATE.as_str())
                .unwrap_or_default()
                .to_string();
            match status {
                401 if challenge.contains("use_dpop_nonce")
                    && response.headers.contains_key("dpop-nonce")
                    && nonce_retries < NONCE_RETRIES =>
                {
                    nonce_retries += 1;
                    tracing::debug!("resource server demanded a DPoP nonce; retrying with it");
                }
                401 if challenge.contains("invalid_token")
                    && !refreshed
                    && headers.token.is_some() =>
                {
                    tracing::debug!("access token refused (invalid_token); fetching a new one and retrying once");
                    if let Some(token) = &headers.token {
                        self.auth.invalidate(token).await;
                    }
                    refreshed = true;
                }
                403 if challenge.contains("insufficient_scope") => {
                    let operation = operation.map(|op| (op.id, op.scopes.join(" ")));
                    let (operation, scopes) = operation.unwrap_or(("unknown", String::new()));
                    return Err(AuthError::MissingScope { operation, scopes }.into());
                }
                429 => {
                    let reset_in = limit.map(|l| l.reset_in);
                    if retries >= self.retry.max_retries {
                        return Err(Error::RateLimited { retries, reset_in });
                    }
                    retries += 1;
                    let wait = match reset_in {
                        Some(reset) => reset + jitter(Duration::from_millis(500)),
                        None => self.retry.backoff(retries),
                    };
                    if Instant::now() + wait > deadline {
                        return Err(Error::RateLimited { retries, reset_in });
                    }
                    tracing::info!(wait_ms = wait.as_millis() as u64, retry = retries, bucket = %bucket, "429 from Okta; waiting for the rate-limit reset");
                    tokio::time::sleep(wait).await;
                    waited += wait;
                }
                500..=599 if idempotent(&method) && retries < self.retry.max_retries => {
                    retries += 1;
                    let backoff = self.retry.backoff(retries);
                    if Instant::now() + backoff >= deadline {
                        return Ok(response.into_response());
                    }
                    tracing::debug!(
                        status,
                        retry = retries,
                        "server error; retrying an idempotent request"
                    );
                    tokio::time::sleep(backoff).await;
                    waited += backoff;
                }
                _ => return Ok(response.into_response()),
            }
        }
    }
}

impl Transport for StackTransport {
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        let span = tracing::debug_span!(
            "okta.request",
            operation = operation.map(|op| op.id).unwrap_or("unknown"),
            method = %request.method(),
            path = operation.map(|op| op.path).unwrap_or("unknown"),
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            wait_ms = tracing::field::Empty,
            rate_limit_remaining = tracing::field::Empty,
        );
        Box::pin(
            async move {
                match self.run(client, request, operation).await {
                    Ok(response) => Ok(response),
                    Err(error) => {
                        tracing::debug!(%error, "request failed");
                        Ok(failure_response(error))
                    }
                }
            }
            .instrument(span),
        )
    }
}
