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
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::ResponseBuilderExt;
use tracing::Instrument;

use crate::auth::Authenticator;
use crate::config::OrgUrl;
use crate::error::{AuthError, Error};
use crate::retry::{idempotent, jitter, RetryConfig};
use crate::throttle::{RateLimitHeaders, Throttle};

/// How often one request is re-sent for a new resource-server DPoP nonce.
const NONCE_RETRIES: usize = 2;

// Header names as constants: an insert by `&str` parses the name every time.
const DPOP: HeaderName = HeaderName::from_static("dpop");
const RETRY_FOR: HeaderName = HeaderName::from_static("x-okta-retry-for");
const RETRY_COUNT: HeaderName = HeaderName::from_static("x-okta-retry-count");

/// The response headers the stack acts on, found in one pass over the headers (cheaper than
/// one hashed lookup each).
#[derive(Default)]
struct Seen<'a> {
    rate: RateLimitHeaders<'a>,
    request_id: Option<&'a HeaderValue>,
    dpop_nonce: Option<&'a HeaderValue>,
    challenge: Option<&'a HeaderValue>,
}

impl<'a> Seen<'a> {
    fn read(headers: &'a reqwest::header::HeaderMap) -> Self {
        let mut seen = Self::default();
        for (name, value) in headers {
            let slot = match name.as_str() {
                "date" => &mut seen.rate.date,
                "x-rate-limit-limit" => &mut seen.rate.limit,
                "x-rate-limit-remaining" => &mut seen.rate.remaining,
                "x-rate-limit-reset" => &mut seen.rate.reset,
                "x-okta-request-id" => &mut seen.request_id,
                "dpop-nonce" => &mut seen.dpop_nonce,
                "www-authenticate" => &mut seen.challenge,
                _ => continue,
            };
            // The first value counts, as with `HeaderMap::get`.
            slot.get_or_insert(value);
        }
        seen
    }
}

pub(crate) struct StackTransport {
    pub auth: Arc<Authenticator>,
    pub org: OrgUrl,
    pub throttle: Arc<Throttle>,
    pub retry: RetryConfig,
    /// The reqwest client's own timeout for one attempt; an attempt with less of the deadline
    /// left gets that as its timeout instead.
    pub request_timeout: Duration,
}

/// A response read to the end.
struct Buffered {
    url: reqwest::Url,
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
        // The URL is carried over: without it, reqwest parses a placeholder URL.
        let mut response = http::Response::builder()
            .url(self.url)
            .body(reqwest::Body::from(self.body))
            .unwrap_or_default();
        if let Some(body) = error_body {
            response.extensions_mut().insert(ErrorBody(body));
        }
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = self.headers;
        reqwest::Response::from(response)
    }
}

impl StackTransport {
    async fn run(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> Result<reqwest::Response, Error> {
        if !self.org.is_same_origin(request.url()) {
            return Err(AuthError::ForeignHost {
                url: request.url().to_string(),
                org: self.org.as_str().to_string(),
            }
            .into());
        }
        let method = request.method().clone();
        let method = method.as_str();
        // Operation ids name their method + path template one to one.
        let bucket: std::borrow::Cow<'static, str> = match operation {
            Some(op) => op.id.into(),
            None => format!("{method} {}", request.url().path()).into(),
        };
        let started = Instant::now();
        let deadline = started + self.retry.deadline;
        let span = tracing::Span::current();
        let mut retries = 0u32;
        let mut first_request_id: Option<HeaderValue> = None;
        let mut refreshed = false;
        let mut proof_sent = false;
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
            let headers = self.auth.headers(method, request.url()).await?;
            // Set on the kept request (replacing the previous attempt's) before it is copied,
            // so that the copy does not grow its header map for them.
            request
                .headers_mut()
                .insert(AUTHORIZATION, headers.authorization.clone());
            if let Some(proof) = &headers.dpop {
                request.headers_mut().insert(DPOP, proof.clone());
            } else if proof_sent {
                request.headers_mut().remove(DPOP);
            }
            proof_sent = headers.dpop.is_some();
            let mut attempt = request
                .try_clone()
                .ok_or_else(|| Error::Transport("request body cannot be replayed".into()))?;
            if retries > 0 {
                if let Some(id) = &first_request_id {
                    attempt.headers_mut().insert(RETRY_FOR, id.clone());
                }
                attempt
                    .headers_mut()
                    .insert(RETRY_COUNT, HeaderValue::from(retries));
            }
            // One timer per attempt, reqwest's own (it covers the body too): the attempt's
            // limit or what is left of the deadline, whichever is sooner.
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Timeout {
                    after: started.elapsed(),
                });
            }
            if left < self.request_timeout {
                // Otherwise the client's own timeout (the same limit) applies.
                *attempt.timeout_mut() = Some(left);
            }
            let sent = async {
                let mut response = client.execute(attempt).await?;
                // Moved out rather than copied: the headers go into the buffered response.
                let headers = std::mem::take(response.headers_mut());
                let (status, version) = (response.status(), response.version());
                let url = response.url().clone();
                let body = response.bytes().await?;
                Ok::<_, reqwest::Error>(Buffered {
                    url,
                    status,
                    version,
                    headers,
                    body,
                })
            }
            .await;
            let response = match sent {
                Err(error) => {
                    let may_retry =
                        error.is_connect() || (idempotent(method) && !error.is_builder());
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
                Ok(response) => response,
            };
            let seen = Seen::read(&response.headers);
            let limit = self.throttle.observe(&bucket, seen.rate);
            if first_request_id.is_none() {
                first_request_id = seen.request_id.cloned();
            }
            let has_nonce = seen.dpop_nonce.is_some();
            if let Some(nonce) = seen.dpop_nonce.and_then(|v| v.to_str().ok()) {
                self.auth.set_resource_nonce(nonce.to_string());
            }
            let status = response.status.as_u16();
            span.record("status", status);
            span.record("attempt", retries + 1);
            span.record("wait_ms", waited.as_millis() as u64);
            if let Some(limit) = limit {
                span.record("rate_limit_remaining", limit.remaining);
            }
            let challenge = seen
                .challenge
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            match status {
                401 if challenge.contains("use_dpop_nonce")
                    && has_nonce
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
                500..=599 if idempotent(method) && retries < self.retry.max_retries => {
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
