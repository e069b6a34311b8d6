//! A token request ends however it ends (an answer, an error, a panic in the caller's signer,
//! its runtime gone), every caller waiting for it gets an answer within its deadline, the next
//! call can start a new one, and retries follow the caller's retry policy.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use okta_governance::prelude::*;
use okta_governance::{AssertionSigner, AuthError, Credentials, RetryConfig, Secret};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::labels_body;

const TOKEN_PATH: &str = "/oauth2/v1/token";

fn token(expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "token_type": "Bearer",
        "access_token": "at-1",
        "expires_in": expires_in,
        "scope": "okta.governance.labels.read"
    }))
}

async fn api(org: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/governance/api/v1/labels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels_body()))
        .mount(org)
        .await;
}

fn client(org: &MockServer, signer: AssertionSigner, retry: RetryConfig) -> Governance {
    client_with(org, signer, retry, Duration::from_secs(60))
}

fn client_with(
    org: &MockServer,
    signer: AssertionSigner,
    retry: RetryConfig,
    refresh_margin: Duration,
) -> Governance {
    Governance::new(
        Config::builder()
            .org_url(org.uri())
            .credentials(Credentials::AssertionSigner {
                client_id: "0oa-service".into(),
                signer,
            })
            .retry(retry)
            .refresh_margin(refresh_margin)
            .build()
            .unwrap(),
    )
    .unwrap()
}

/// Token requests the org received.
async fn token_requests_received(org: &MockServer) -> usize {
    org.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == TOKEN_PATH)
        .count()
}

fn signer() -> AssertionSigner {
    AssertionSigner::new(|_| Ok(Secret::new("header.payload.signature")))
}

/// The process's CPU time so far, in seconds (Linux: utime + stime of /proc/self/stat).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split(' ').collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

#[tokio::test]
async fn a_panicking_signer_is_a_typed_error_and_never_wedges_the_client() {
    let org = MockServer::start().await;
    api(&org).await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(token(3600))
        .mount(&org)
        .await;
    let panics = Arc::new(AtomicUsize::new(0));
    let seen = panics.clone();
    let signer = AssertionSigner::new(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) < 2 {
            panic!("the HSM is gone");
        }
        Ok(Secret::new("header.payload.signature"))
    });
    let okta = client(
        &org,
        signer,
        RetryConfig::default()
            .max_retries(0)
            .deadline(Duration::from_secs(5))
            .base_backoff(Duration::from_millis(10))
            .max_backoff(Duration::from_millis(20)),
    );
    let cpu = cpu_seconds();
    let started = Instant::now();
    let error = okta.list_labels().send().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered within the deadline"
    );
    assert!(
        matches!(
            &error,
            okta_governance::Error::Auth(AuthError::CallerPanicked { message, .. })
                if message.contains("the HSM is gone")
        ),
        "{error:?}"
    );
    // A second call on the same client gets an answer too (a new request once the backoff
    // has passed, which panics again), and then one that works.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let error = okta.list_labels().send().await.unwrap_err();
    assert!(error.to_string().contains("panicked"), "{error}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    okta.list_labels().send().await.unwrap();
    assert_eq!(
        token_requests_received(&org).await,
        1,
        "the panics sent nothing; the third call did"
    );
    if let (Some(before), Some(after)) = (cpu, cpu_seconds()) {
        // No waiting loop spins: the whole test waited more than it computed.
        assert!(after - before < 1.5, "{} CPU-seconds", after - before);
    }
}

#[tokio::test]
async fn a_panicking_refresh_token_callback_is_a_typed_error() {
    let org = MockServer::start().await;
    api(&org).await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_type": "Bearer",
            "access_token": "at-user",
            "expires_in": 3600,
            "refresh_token": "rt-2",
            "scope": "okta.governance.labels.read"
        })))
        .mount(&org)
        .await;
    let org_url = okta_governance::OrgUrl::parse(&org.uri()).unwrap();
    let tokens = okta_governance::auth::user::UserTokens::from_refresh_token(
        &org_url,
        "0oa-app",
        Secret::new("rt-1"),
    )
    .on_refresh_token(|_| panic!("the vault refused the new refresh token"));
    let okta = Governance::new(
        Config::builder()
            .org_url(org.uri())
            .credentials(Credentials::User(tokens))
            .retry(RetryConfig::default().deadline(Duration::from_secs(5)))
            .build()
            .unwrap(),
    )
    .unwrap();
    let started = Instant::now();
    let error = okta.list_labels().send().await.unwrap_err();
    // Within the deadline (printing the panic's backtrace takes a while on a loaded machine).
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            error,
            okta_governance::Error::Auth(AuthError::CallerPanicked { .. })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn token_retries_follow_the_retry_policy() {
    let org = MockServer::start().await;
    api(&org).await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(503))
        .mount(&org)
        .await;
    let okta = client(
        &org,
        signer(),
        RetryConfig::default()
            .max_retries(1)
            .base_backoff(Duration::from_millis(50))
            .max_backoff(Duration::from_millis(100)),
    );
    let started = Instant::now();
    let calls = (0..20).map(|_| {
        let okta = okta.clone();
        async move { okta.list_labels().send().await }
    });
    let results = futures_util::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.is_err()));
    // Twenty callers share each request: one, and one retry.
    let sent = token_requests_received(&org).await;
    assert!(sent <= 2, "{sent} token requests");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "callers fail promptly once the retries are spent ({:?})",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_call_that_starts_an_early_refresh_uses_the_token_it_has() {
    let org = MockServer::start().await;
    api(&org).await;
    // The first token lives 62 s, so with a 60 s margin it is due for refresh after 2 s;
    // from then on, the token endpoint hangs.
    Mock::given(path(TOKEN_PATH))
        .respond_with(token(62))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(token(3600).set_delay(Duration::from_secs(30)))
        .mount(&org)
        .await;
    let okta = client_with(
        &org,
        signer(),
        RetryConfig::default().deadline(Duration::from_secs(5)),
        Duration::from_secs(60),
    );
    okta.list_labels().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2200)).await;
    // This call starts the refresh: it must not wait for it.
    let started = Instant::now();
    okta.list_labels().send().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "waited {:?} for a refresh it did not need",
        started.elapsed()
    );
    // Nor do the calls after it.
    okta.list_labels().send().await.unwrap();
}

#[test]
fn a_client_used_from_a_second_runtime_after_the_first_went_away_mid_request() {
    // The org runs on a runtime of its own, which lives through the test.
    let server = tokio::runtime::Runtime::new().unwrap();
    let org = server.block_on(async {
        let org = MockServer::start().await;
        api(&org).await;
        // The first token request hangs; its runtime goes away meanwhile.
        Mock::given(path(TOKEN_PATH))
            .respond_with(token(3600).set_delay(Duration::from_secs(30)))
            .up_to_n_times(1)
            .mount(&org)
            .await;
        Mock::given(path(TOKEN_PATH))
            .respond_with(token(3600))
            .mount(&org)
            .await;
        org
    });
    let okta = client(
        &org,
        signer(),
        RetryConfig::default()
            .deadline(Duration::from_secs(5))
            .base_backoff(Duration::from_millis(10))
            .max_backoff(Duration::from_millis(20)),
    );
    let first = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    first.block_on(async {
        let call = okta.clone();
        tokio::spawn(async move { call.list_labels().send().await });
        tokio::time::sleep(Duration::from_millis(300)).await;
    });
    // The first runtime goes away with the token request in flight.
    first.shutdown_background();
    let second = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let result = second.block_on(async { okta.list_labels().send().await });
    // An answer within the deadline, from a new token request started here.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(okta.token_requests() >= 2, "{}", okta.token_requests());
    assert!(
        !matches!(
            result,
            Err(okta_governance::Error::Auth(AuthError::TokenTimeout { .. }))
        ),
        "{result:?}"
    );
    drop(org);
}

#[test]
fn credentials_made_for_another_org_are_refused_when_the_configuration_is_built() {
    use base64::Engine as _;
    let other = okta_governance::OrgUrl::parse("https://other.okta.com").unwrap();
    let tokens = okta_governance::auth::user::UserTokens::from_refresh_token(
        &other,
        "0oa-app",
        Secret::new("rt-of-the-other-org"),
    );
    let error = Config::builder()
        .org_url("https://acme.okta.com")
        .credentials(Credentials::User(tokens))
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("another org"), "{error}");
    assert!(!format!("{error:?}").contains("rt-of-the-other-org"));

    // A pre-signed assertion for another org's token endpoint, and one that is no JWT.
    let jwt = |aud: &str| {
        let encode = |v: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        format!(
            "{}.{}.c2lnbmF0dXJl",
            encode(serde_json::json!({"alg": "RS256"})),
            encode(serde_json::json!({"aud": aud, "iss": "0oa", "sub": "0oa"}))
        )
    };
    let config = |assertion: String| {
        Config::builder()
            .org_url("https://acme.okta.com")
            .credentials(Credentials::ClientAssertion {
                client_id: "0oa".into(),
                assertion: Secret::new(assertion),
            })
            .build()
    };
    let error = config(jwt("https://other.okta.com/oauth2/v1/token")).unwrap_err();
    assert!(error.to_string().contains("audience"), "{error}");
    let error = config("opaque-secret-value".into()).unwrap_err();
    assert!(
        !error.to_string().contains("opaque-secret-value"),
        "{error}"
    );
    config(jwt("https://acme.okta.com/oauth2/v1/token")).unwrap();
}
