//! One error on every call: what a caller who writes `?` into `anyhow` (or `Box<dyn Error>`)
//! reads when the stack gives up, straight from a raw `send()`, with no conversion.

use std::time::Duration;

use okta_governance::prelude::*;
use okta_governance::RetryConfig;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{client, rate_limited};

/// What `main` would return: the raw call with `?` into `anyhow`.
async fn raw_call(okta: &Governance, label_id: &str) -> anyhow::Result<()> {
    okta.get_label().label_id(label_id).send().await?;
    Ok(())
}

/// The report `{:#}` prints, and the chain of sources under the error.
fn report(error: &anyhow::Error) -> (String, Vec<String>) {
    let mut chain = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    (format!("{error:#}"), chain)
}

#[tokio::test]
async fn a_rate_limit_past_the_deadline_reaches_an_anyhow_report_as_itself() {
    let org = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(rate_limited("req-429", 30))
        .mount(&org)
        .await;
    let okta = client(
        &org.uri(),
        RetryConfig::default()
            .max_retries(2)
            .deadline(Duration::from_secs(2)),
    );
    let error = raw_call(&okta, "lbc11keklyNa6KhMi1d7").await.unwrap_err();
    let (text, _) = report(&error);
    assert!(text.contains("rate limited by Okta"), "{text}");
    assert!(
        !text.contains("599") && !text.contains("Unexpected"),
        "{text}"
    );
    let sdk = error.downcast_ref::<okta_governance::Error>().unwrap();
    assert!(sdk.is_rate_limited(), "{sdk:?}");
    assert!(sdk.is_retryable());
    assert_eq!(sdk.status(), Some(429));
    assert!(
        sdk.retry_after()
            .is_some_and(|r| r > Duration::from_secs(20) && r <= Duration::from_secs(31)),
        "{sdk:?}"
    );
}

#[tokio::test]
async fn a_missing_scope_reaches_an_anyhow_report_naming_the_operation_and_scope() {
    let org = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).insert_header(
            "www-authenticate",
            r#"Bearer realm="okta", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.""#,
        ))
        .mount(&org)
        .await;
    let okta = client(&org.uri(), RetryConfig::default());
    let error = raw_call(&okta, "lbc11keklyNa6KhMi1d7").await.unwrap_err();
    let (text, _) = report(&error);
    assert!(
        text.contains("getLabel") && text.contains("okta.governance.labels.read"),
        "{text}"
    );
    let sdk = error.downcast_ref::<okta_governance::Error>().unwrap();
    assert!(sdk.is_auth() && !sdk.is_retryable(), "{sdk:?}");
    assert_eq!(sdk.status(), Some(403));
    assert!(matches!(
        sdk,
        okta_governance::Error::Auth(okta_governance::AuthError::MissingScope { .. })
    ));
}

#[tokio::test]
async fn a_refused_path_value_reaches_an_anyhow_report_naming_the_parameter() {
    let org = MockServer::start().await;
    let okta = client(&org.uri(), RetryConfig::default());
    let error = raw_call(&okta, "..").await.unwrap_err();
    let (text, _) = report(&error);
    assert!(text.contains("invalid labelId"), "{text}");
    let sdk = error.downcast_ref::<okta_governance::Error>().unwrap();
    assert_eq!(sdk.invalid_field(), Some("labelId"));
    assert!(org.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_broken_connection_keeps_its_cause_chain() {
    // Nothing listens on this port: the connection is refused, and the reqwest error (and
    // the I/O error under it) stay in the chain.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let okta = client(
        &format!("http://127.0.0.1:{port}"),
        RetryConfig::default()
            .max_retries(0)
            .deadline(Duration::from_secs(5)),
    );
    let error = raw_call(&okta, "lbc11keklyNa6KhMi1d7").await.unwrap_err();
    let (text, chain) = report(&error);
    assert!(text.contains("cannot reach the org"), "{text}");
    assert!(!chain.is_empty(), "{text}");
    let sdk = error.downcast_ref::<okta_governance::Error>().unwrap();
    assert!(sdk.is_retryable());
    // A `Box<dyn Error>` main gets the same error, and so the same chain.
    let boxed: Box<dyn std::error::Error> =
        Box::new(okta.get_label().label_id("x").send().await.unwrap_err());
    assert!(boxed.source().is_some());
}

#[tokio::test]
async fn flows_and_raw_calls_return_the_same_error_type() {
    let org = MockServer::start().await;
    Mock::given(path("/governance/api/v1/labels/missing"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-okta-request-id", "req-404")
                .set_body_json(serde_json::json!({
                    "errorCode": "E0000007",
                    "errorSummary": "Not found: Resource not found: missing (Label)",
                    "errorId": "oaeA",
                    "errorCauses": []
                })),
        )
        .mount(&org)
        .await;
    let okta = client(&org.uri(), RetryConfig::default());
    let raw: Result<_, okta_governance::Error> = okta.get_label().label_id("missing").send().await;
    let error = raw.unwrap_err();
    assert!(error.is_not_found());
    assert_eq!(error.error_code(), Some("E0000007"));
    assert_eq!(error.request_id(), Some("req-404"));
    assert_eq!(error.api().and_then(|a| a.operation), Some("getLabel"));
}
