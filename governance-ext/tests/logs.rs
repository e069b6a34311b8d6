//! What the SDK logs. These tests run in their own binary, each under its own subscriber, so
//! that no test without a subscriber can make tracing cache a callsite as disabled meanwhile.

mod common;

use common::{client, epoch, fast_retries, labels_body, rate_limited, LABELS};
use okta_governance::client::prelude::*;
use okta_governance::{Config, Governance, SigningKey};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn every_request_gets_a_span_with_its_facts_and_no_secrets() {
    let (logs, _guard) = common::capture_logs();
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(rate_limited("req", 0))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(path(LABELS))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-rate-limit-remaining", "41")
                .insert_header("x-rate-limit-reset", epoch(60).as_str())
                .set_body_json(labels_body()),
        )
        .mount(&org)
        .await;
    client(&org.uri(), fast_retries())
        .list_labels()
        .send()
        .await
        .unwrap();
    let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    for needle in [
        "okta.request",
        "operation=\"listLabels\"",
        "method=GET",
        "path=\"/governance/api/v1/labels\"",
        "status=200",
        "attempt=2",
        "rate_limit_remaining=41",
        "waiting for the rate-limit reset",
    ] {
        assert!(logs.contains(needle), "missing {needle} in:\n{logs}");
    }
    assert!(
        !logs.contains("00tok"),
        "the token leaked into the logs:\n{logs}"
    );
}

#[tokio::test]
async fn the_switch_to_dpop_is_announced_and_no_jwt_is_logged() {
    let (Ok(url), Ok(keys)) = (
        std::env::var("OIG_OIDC_URL"),
        std::env::var("OIG_OIDC_KEYS"),
    ) else {
        if std::env::var_os("CI").is_some() {
            panic!("OIG_OIDC_URL is not set: run the tests with `cargo xtask test`");
        }
        eprintln!("SKIPPED: no local OpenID provider (run `cargo xtask test`)");
        return;
    };
    let keys: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(keys).unwrap()).unwrap();
    let (logs, _guard) = common::capture_logs();
    let key = SigningKey::from_pem(keys["dpop"]["pem"]["pkcs8"].as_str().unwrap()).unwrap();
    let config = Config::builder()
        .org_url(&url)
        .scopes(okta_governance::Scopes::new([
            "okta.governance.labels.read",
        ]))
        .private_key(okta_governance::PrivateKeyJwt::new("dpop-client", key).with_key_id("dpop-1"))
        .build()
        .unwrap();
    Governance::new(config)
        .unwrap()
        .list_labels()
        .send()
        .await
        .unwrap();
    let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("switching to DPoP-bound tokens"),
        "the switch is announced: {logs}"
    );
    assert!(
        !logs.contains("eyJ"),
        "no JWT (assertion or proof) in the logs: {logs}"
    );
}
