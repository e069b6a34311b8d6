//! The ext crate's [`Transport`]: the stack every request of the generated client runs through.
//!
//! ```text
//! check (the org's origin; the path fits the operation's template, one segment per parameter)
//!   ─► throttle (wait for the bucket's budget) ─► auth (credentials for the org only, DPoP
//!   proof; a token is waited for only within the deadline)
//!   ─► send + read the body (per-request timeout, bounded size) ─► classify:
//!        401 use_dpop_nonce / invalid_token ─► answer the challenge or refresh, once
//!        403 insufficient_scope             ─► AuthError::MissingScope
//!        429                                ─► wait for the reset (server clock) + jitter, retry
//!        301/302/303/307/308 within the org ─► follow (at most 5 hops), each hop with its own
//!                                              credentials and DPoP proof
//!        5xx, resets, timeouts              ─► backoff and retry when the method is idempotent
//!   all bounded by the retry count and one deadline per call
//! ```
//!
//! Failures of the stack itself are the crate's [`Error`], which the generated `send()` hands
//! to its caller unchanged; the body is read here so that a connection broken mid-body can be
//! retried like any other failure, and the response goes back with the body read.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use futures_util::FutureExt;
use okta_governance_client::hooks::{into_http, BoxFuture, Transport};
use okta_governance_client::Operation;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use tracing::Instrument;

use crate::body::{read_limited, BodyLimits, ReadError};
use crate::error::{AuthError, Error};
use crate::org::OrgUrl;
use crate::retry::{idempotent, jitter, RetryConfig};
use crate::session::{AccessToken, AuthHeaders, Authenticator};
use crate::throttle::{RateLimitHeaders, Throttle};

use crate::auth::dpop::NONCE_RETRIES;
/// How many redirects one call follows.
const MAX_REDIRECTS: usize = 5;

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
    location: Option<&'a HeaderValue>,
    challenges: Challenges,
}

/// The `error` codes of every `WWW-Authenticate` challenge of a response (a server may send
/// its Bearer and DPoP challenges as separate headers, or in one).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Challenges {
    use_dpop_nonce: bool,
    invalid_token: bool,
    insufficient_scope: bool,
}

impl Challenges {
    /// Adds the `error="…"` (or `error=…`) parameters of one header value.
    fn add(&mut self, value: &HeaderValue) {
        let Ok(text) = value.to_str() else { return };
        let mut rest = text;
        while let Some(at) = rest.find("error=") {
            let starts_param = at == 0 || matches!(rest.as_bytes()[at - 1], b' ' | b',' | b'\t');
            rest = &rest[at + "error=".len()..];
            let code = match rest.strip_prefix('"') {
                Some(quoted) => quoted.split('"').next(),
                None => rest.split([',', ' ', '\t']).next(),
            };
            if !starts_param {
                continue;
            }
            match code.unwrap_or_default() {
                "use_dpop_nonce" => self.use_dpop_nonce = true,
                "invalid_token" => self.invalid_token = true,
                "insufficient_scope" => self.insufficient_scope = true,
                _ => {}
            }
        }
    }
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
                "location" => &mut seen.location,
                "www-authenticate" => {
                    seen.challenges.add(value);
                    continue;
                }
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
    /// The largest bodies read.
    pub max_body: BodyLimits,
}

/// A response read to the end: the response as it came (its body stream spent) and its body.
struct Buffered {
    response: reqwest::Response,
    body: bytes::Bytes,
}

impl Buffered {
    /// Waits for the response to `sending` and reads its body to the end, under the limit
    /// for its status.
    async fn receive(
        sending: impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
        limits: BodyLimits,
    ) -> Result<Self, ReadError> {
        let mut response = sending.await.map_err(ReadError::Transport)?;
        let limit = limits.for_status(response.status());
        let body = read_limited(&mut response, limit).await?;
        Ok(Self { response, body })
    }

    /// The response for the generated code, with its body.
    fn into_response(self) -> http::Response<bytes::Bytes> {
        into_http(self.response, self.body)
    }
}

/// One call's state across its attempts. The decisions are plain functions of it (see
/// [`StackTransport::run`]), so that the call's future holds this once, beside whatever it is
/// waiting for, instead of every local the loop has.
struct Call {
    method: reqwest::Method,
    operation: Option<&'static Operation>,
    /// The rate-limit bucket: operation ids name their method + path template one to one.
    bucket: std::borrow::Cow<'static, str>,
    started: Instant,
    deadline: Instant,
    /// The request's span (the one `execute` opened).
    span: tracing::Span,
    retries: u32,
    /// `X-Okta-Request-Id` of the first response, sent back as `X-Okta-Retry-For`.
    first_request_id: Option<HeaderValue>,
    /// An access token was refused once already.
    refreshed: bool,
    /// The kept request carries a DPoP proof.
    proof_sent: bool,
    nonce_retries: usize,
    redirects: usize,
    waited: Duration,
}

/// What follows an attempt.
enum Next {
    /// Send again after this wait (zero: at once).
    Retry(Duration),
    /// The access token was refused: drop it from the cache, then send again.
    Refresh,
    /// Send to this URL of the org instead (a redirect), as a `GET` without a body when the
    /// flag says so.
    Redirect(reqwest::Url, bool),
    /// The call is over.
    Done(Result<http::Response<bytes::Bytes>, Error>),
}

/// What is left of the call's deadline (no `Instant` arithmetic that could overflow).
fn left(call: &Call) -> Duration {
    call.deadline.saturating_duration_since(Instant::now())
}

impl StackTransport {
    /// Sends `request` until it succeeds or may not be retried.
    ///
    /// The future owns the request (kept once: each attempt sends a copy), a [`Call`], and
    /// one thing it waits for at a time; a token fetch and an invalidation are boxed, as only
    /// OAuth 2.0 credentials need them. Small enough to be allocated cheaply per request.
    #[expect(
        clippy::manual_async_fn,
        reason = "an `async fn` would keep a second copy of the request, moved from its argument"
    )]
    fn run<'a>(
        &'a self,
        client: &'a reqwest::Client,
        mut request: reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> impl std::future::Future<Output = Result<http::Response<bytes::Bytes>, Error>> + Send + 'a
    {
        async move {
            let mut call = self.start(&request, operation)?;
            // Each value the decisions return is taken apart in a statement of its own, so
            // that it is not kept in the future across the next wait.
            loop {
                let pacing = self.pace(&mut call)?;
                if !pacing.is_zero() {
                    tokio::time::sleep(pacing).await;
                }
                let headers = if self.auth.needs_token() {
                    let deadline = call.deadline;
                    Box::pin(
                        self.auth
                            .headers(call.method.as_str(), request.url(), deadline),
                    )
                    .await
                    .map_err(|error| match error {
                        AuthError::TokenTimeout { .. } => Error::Timeout {
                            after: call.started.elapsed(),
                        },
                        other => other.into(),
                    })?
                } else {
                    self.auth.fixed_headers()?
                };
                let (sending, token) = self.prepare(&mut call, client, &mut request, headers)?;
                let sent = Buffered::receive(sending, self.max_body).await;
                let next = self.after(&mut call, sent, token.is_some(), request.url());
                let (wait, refresh) = match next {
                    Next::Retry(wait) => (wait, false),
                    Next::Refresh => (Duration::ZERO, true),
                    Next::Redirect(target, as_get) => {
                        redirect(&mut call, &mut request, target, as_get);
                        (Duration::ZERO, false)
                    }
                    Next::Done(result) => return result,
                };
                if refresh {
                    if let Some(token) = &token {
                        self.auth.invalidate(token);
                    }
                }
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// The state of a new call, once `request` is known to go to the org.
    fn start(
        &self,
        request: &reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> Result<Call, Error> {
        if !self.org.is_same_origin(request.url()) {
            return Err(AuthError::ForeignHost {
                url: request.url().to_string(),
                org: self.org.as_str().to_string(),
            }
            .into());
        }
        // Defence in depth behind the generated code's encoding: whatever built the URL, the
        // path must be the operation's template with one segment per parameter.
        let Some(op) = operation else {
            return Err(crate::error::invalid(
                "path",
                Some(request.url().path().to_string()),
                "the request belongs to no operation of the generated metadata",
            ));
        };
        if let Err(param) = okta_governance_client::hooks::check_path(op.path, request.url().path())
        {
            return Err(crate::error::invalid(
                param,
                None,
                "the request path does not match the operation's path template",
            ));
        }
        if request.url().fragment().is_some() {
            return Err(crate::error::invalid(
                "path",
                None,
                "the request URL has a fragment",
            ));
        }
        let method = request.method().clone();
        let bucket = match operation {
            Some(op) => op.id.into(),
            None => format!("{method} {}", request.url().path()).into(),
        };
        let started = Instant::now();
        Ok(Call {
            method,
            operation,
            bucket,
            started,
            // The deadline is at most a day (checked with the configuration): no overflow.
            deadline: started.checked_add(self.retry.deadline).unwrap_or(started),
            span: tracing::Span::current(),
            retries: 0,
            first_request_id: None,
            refreshed: false,
            proof_sent: false,
            nonce_retries: 0,
            redirects: 0,
            waited: Duration::ZERO,
        })
    }

    /// How long to wait before the next attempt so that the bucket's budget is not
    /// overdrawn; an error when that wait would pass the deadline.
    fn pace(&self, call: &mut Call) -> Result<Duration, Error> {
        let wait = self.throttle.reserve(&call.bucket);
        if !wait.is_zero() {
            if wait > left(call) {
                return Err(Error::RateLimited {
                    retries: call.retries,
                    reset_in: Some(wait),
                });
            }
            tracing::debug!(wait_ms = wait.as_millis() as u64, bucket = %call.bucket, "pacing: rate-limit budget spent, waiting for the reset");
            call.waited = call.waited.saturating_add(wait);
        }
        Ok(wait)
    }

    /// Puts `headers` on the kept request and starts sending a copy of it, with the retry
    /// headers and the attempt's timeout; returns the access token used, if any.
    fn prepare(
        &self,
        call: &mut Call,
        client: &reqwest::Client,
        request: &mut reqwest::Request,
        headers: AuthHeaders,
    ) -> Result<
        (
            impl std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send,
            Option<AccessToken>,
        ),
        Error,
    > {
        // Set on the kept request (replacing the previous attempt's) before it is copied, so
        // that the copy does not grow its header map for them.
        request
            .headers_mut()
            .insert(AUTHORIZATION, headers.authorization);
        match headers.dpop {
            Some(proof) => {
                request.headers_mut().insert(DPOP, proof);
                call.proof_sent = true;
            }
            None if call.proof_sent => {
                request.headers_mut().remove(DPOP);
                call.proof_sent = false;
            }
            None => {}
        }
        // One timer per attempt, reqwest's own (it covers the body too): the attempt's limit
        // or what is left of the deadline, whichever is sooner.
        let left = call.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::Timeout {
                after: call.started.elapsed(),
            });
        }
        let mut attempt = request
            .try_clone()
            .ok_or_else(|| crate::error::transport("the request body cannot be replayed"))?;
        if call.retries > 0 {
            if let Some(id) = &call.first_request_id {
                attempt.headers_mut().insert(RETRY_FOR, id.clone());
            }
            attempt
                .headers_mut()
                .insert(RETRY_COUNT, HeaderValue::from(call.retries));
        }
        // Set on every attempt: a caller's HTTP client may have no timeout of its own.
        *attempt.timeout_mut() = Some(left.min(self.request_timeout));
        Ok((client.execute(attempt), headers.token))
    }

    /// Classifies the outcome of an attempt: retry (after a wait), refresh the token, or the
    /// call's result. `has_token`: the attempt carried an OAuth 2.0 access token.
    fn after(
        &self,
        call: &mut Call,
        sent: Result<Buffered, ReadError>,
        has_token: bool,
        url: &reqwest::Url,
    ) -> Next {
        let idempotent = idempotent(call.method.as_str());
        let response = match sent {
            Err(ReadError::TooLarge { status, limit }) => {
                return Next::Done(Err(Error::BodyTooLarge { status, limit }));
            }
            Err(ReadError::Transport(error)) => {
                let may_retry = error.is_connect() || (idempotent && !error.is_builder());
                if may_retry && call.retries < self.retry.max_retries {
                    call.retries += 1;
                    let backoff = self.retry.backoff(call.retries);
                    if backoff < left(call) {
                        tracing::debug!(error = %error.without_url(), retry = call.retries, "request failed; retrying");
                        call.waited = call.waited.saturating_add(backoff);
                        return Next::Retry(backoff);
                    }
                }
                return Next::Done(Err(if error.is_timeout() {
                    Error::Timeout {
                        after: call.started.elapsed(),
                    }
                } else {
                    crate::error::transport(error.without_url())
                }));
            }
            Err(other) => return Next::Done(Err(other.into_error())),
            Ok(response) => response,
        };
        if response.response.url() != url {
            return Next::Done(Err(redirected_by_the_http_client()));
        }
        let seen = Seen::read(response.response.headers());
        let limit = self.throttle.observe(&call.bucket, seen.rate);
        if call.first_request_id.is_none() {
            call.first_request_id = seen.request_id.cloned();
        }
        let has_nonce = seen.dpop_nonce.is_some();
        if let Some(nonce) = seen.dpop_nonce.and_then(|v| v.to_str().ok()) {
            self.auth.set_resource_nonce(nonce);
        }
        let status = response.response.status().as_u16();
        let span = &call.span;
        span.record("status", status);
        span.record("attempt", call.retries + 1);
        span.record("wait_ms", call.waited.as_millis() as u64);
        if let Some(limit) = limit {
            span.record("rate_limit_remaining", limit.remaining);
        }
        let challenges = seen.challenges;
        match status {
            401 if challenges.use_dpop_nonce && has_nonce && call.nonce_retries < NONCE_RETRIES => {
                call.nonce_retries += 1;
                tracing::debug!("resource server demanded a DPoP nonce; retrying with it");
                Next::Retry(Duration::ZERO)
            }
            401 if challenges.invalid_token && !call.refreshed && has_token => {
                tracing::debug!(
                    "access token refused (invalid_token); fetching a new one and retrying once"
                );
                call.refreshed = true;
                Next::Refresh
            }
            403 if challenges.insufficient_scope => {
                let operation = call.operation.map(|op| (op.id, op.scopes));
                let (operation, scopes) = operation.unwrap_or(("unknown", &[]));
                Next::Done(Err(AuthError::MissingScope { operation, scopes }.into()))
            }
            429 => {
                let reset_in = limit.map(|l| l.reset_in);
                let retries = call.retries;
                if retries >= self.retry.max_retries {
                    return Next::Done(Err(Error::RateLimited { retries, reset_in }));
                }
                call.retries += 1;
                let wait = match reset_in {
                    Some(reset) => reset + jitter(Duration::from_millis(500)),
                    None => self.retry.backoff(call.retries),
                };
                if wait > left(call) {
                    return Next::Done(Err(Error::RateLimited {
                        retries: call.retries,
                        reset_in,
                    }));
                }
                tracing::info!(wait_ms = wait.as_millis() as u64, retry = call.retries, bucket = %call.bucket, "429 from Okta; waiting for the rate-limit reset");
                call.waited = call.waited.saturating_add(wait);
                Next::Retry(wait)
            }
            301 | 302 | 303 | 307 | 308 => {
                let target = seen.location.and_then(|l| l.to_str().ok());
                let Some(mut target) = target.and_then(|l| url.join(l).ok()) else {
                    return Next::Done(Ok(response.into_response()));
                };
                // Credentials never leave the org: a redirect elsewhere is the caller's to see.
                if !self.org.is_same_origin(&target) {
                    return Next::Done(Ok(response.into_response()));
                }
                if call.redirects >= MAX_REDIRECTS {
                    // A loop: the caller gets the last redirect as an API error with its status.
                    tracing::debug!(
                        status,
                        "more than {MAX_REDIRECTS} redirects; not following this one"
                    );
                    return Next::Done(Ok(response.into_response()));
                }
                call.redirects += 1;
                target.set_fragment(None);
                // As HTTP clients do: 303 turns anything but HEAD into GET, 301/302 turn POST.
                let method = &call.method;
                let as_get = (status == 303 && method != reqwest::Method::HEAD)
                    || (matches!(status, 301 | 302) && method == reqwest::Method::POST);
                tracing::debug!(
                    status,
                    hop = call.redirects,
                    "redirect within the org; following it with fresh credentials"
                );
                Next::Redirect(target, as_get)
            }
            500..=599 if idempotent && call.retries < self.retry.max_retries => {
                call.retries += 1;
                let backoff = self.retry.backoff(call.retries);
                if backoff >= left(call) {
                    return Next::Done(Ok(response.into_response()));
                }
                tracing::debug!(
                    status,
                    retry = call.retries,
                    "server error; retrying an idempotent request"
                );
                call.waited = call.waited.saturating_add(backoff);
                Next::Retry(backoff)
            }
            _ => Next::Done(Ok(response.into_response())),
        }
    }
}

/// A response came from another URL than the one sent: the HTTP client (a caller's) followed a
/// redirect on its own.
pub(crate) fn redirected_by_the_http_client() -> Error {
    crate::ConfigError::Invalid {
        field: "http_client",
        reason: "the HTTP client followed a redirect on its own; build it with \
                 `.redirect(reqwest::redirect::Policy::none())` (the SDK follows redirects \
                 itself, within the org)"
            .into(),
    }
    .into()
}

/// Points the kept request at a redirect's target. The next attempt goes through the whole
/// stack again, so it gets its own credentials and DPoP proof (`htm`, `htu`, `jti`, `ath`)
/// for the new URL; the HTTP client itself follows no redirect.
fn redirect(call: &mut Call, request: &mut reqwest::Request, target: reqwest::Url, as_get: bool) {
    *request.url_mut() = target;
    if as_get {
        *request.method_mut() = reqwest::Method::GET;
        *request.body_mut() = None;
        let headers = request.headers_mut();
        headers.remove(reqwest::header::CONTENT_TYPE);
        headers.remove(reqwest::header::CONTENT_LENGTH);
        call.method = reqwest::Method::GET;
    }
}

impl Transport for StackTransport {
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> BoxFuture<'a, Result<http::Response<bytes::Bytes>, Error>> {
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
        // `map` rather than an `async` block around the call: the block would hold the
        // call's future and, beside it, the request it was made from.
        Box::pin(
            self.run(client, request, operation)
                .map(|result| {
                    if let Err(error) = &result {
                        tracing::debug!(%error, "request failed");
                    }
                    result
                })
                .instrument(span),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenges(values: &[&'static str]) -> Challenges {
        let mut headers = reqwest::header::HeaderMap::new();
        for value in values {
            headers.append("www-authenticate", HeaderValue::from_static(value));
        }
        Seen::read(&headers).challenges
    }

    #[test]
    fn every_www_authenticate_header_is_read() {
        let both = challenges(&[
            r#"Bearer realm="okta", error="insufficient_scope""#,
            r#"DPoP algs="ES256", error="use_dpop_nonce", error_description="nonce required""#,
        ]);
        assert!(both.use_dpop_nonce && both.insufficient_scope && !both.invalid_token);
        let one = challenges(&[r#"Bearer error=invalid_token, DPoP error="use_dpop_nonce""#]);
        assert!(one.invalid_token && one.use_dpop_nonce);
        // A code that only appears inside another parameter's name is not a code.
        let none = challenges(&[r#"Bearer my_error="invalid_token""#]);
        assert_eq!(none, Challenges::default());
    }

    proptest::proptest! {
        #[test]
        fn any_challenge_text_is_read_without_panicking(text in "[ -~]{0,120}") {
            if let Ok(value) = HeaderValue::from_str(&text) {
                let mut c = Challenges::default();
                c.add(&value);
            }
        }
    }
}
