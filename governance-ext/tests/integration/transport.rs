//! The ext crate's request path against local test servers: which credentials go where.

use okta_governance::client::prelude::*;
use okta_governance::{Config, Error, Governance};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn labels() -> serde_json::Value {
    json!({
        "data": [{
            "labelId": "lbc11keklyNa6KhMi1d7",
            "name": "Crown Jewel",
            "values": [{"labelValueId": "lbl12h191hy4H2f711d7", "name": "Crown Jewel"}],
            "_links": {"self": {"href": "https://acme-admin.okta.com/governance/api/v1/labels/lbc11keklyNa6KhMi1d7"}}
        }],
        "_links": {"self": {"href": "https://acme-admin.okta.com/governance/api/v1/labels"}}
    })
}

/// A valid `createSecurityAccessReview` body.
fn review_request() -> okta_governance::client::types::SecurityAccessReviewRequest {
    serde_json::from_value(json!({
        "principalId": "00ucpjbi6JMmDvdN40g4",
        "name": "SecurityAccessReviewHandle",
        "reviewerSettings": {"type": "USER", "userSettings": {"includedUserIds": ["00ucpjbi6JMmDvdN40g5"]}}
    }))
    .unwrap()
}

fn ssws(org: &MockServer) -> Governance {
    Governance::new(
        Config::builder()
            .org_url(org.uri())
            .ssws_token("00ssws-token")
            .build()
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn ssws_tokens_are_sent_as_ssws() {
    let org = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/governance/api/v1/labels"))
        .and(header("authorization", "SSWS 00ssws-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels()))
        .expect(1)
        .mount(&org)
        .await;
    let labels = ssws(&org).list_labels().send().await.unwrap();
    assert_eq!(labels.data[0].name.as_str(), "Crown Jewel");
}

#[tokio::test]
async fn redirects_to_another_host_are_not_followed() {
    let org = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(path("/governance/api/v1/labels"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/steal", elsewhere.uri())),
        )
        .mount(&org)
        .await;
    let error = ssws(&org).list_labels().send().await.unwrap_err();
    assert!(
        matches!(&error, Error::Api(api) if api.status == 302),
        "{error:?}"
    );
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "nothing may reach the other host"
    );
}

#[tokio::test]
async fn redirects_within_the_org_keep_working() {
    let org = MockServer::start().await;
    Mock::given(path("/governance/api/v1/labels"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/moved/labels", org.uri())),
        )
        .mount(&org)
        .await;
    Mock::given(path("/moved/labels"))
        .and(header("authorization", "SSWS 00ssws-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels()))
        .expect(1)
        .mount(&org)
        .await;
    ssws(&org).list_labels().send().await.unwrap();
}

#[tokio::test]
async fn okta_error_bodies_become_typed_errors() {
    let org = MockServer::start().await;
    Mock::given(path("/governance/api/v1/labels"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("x-okta-request-id", "req-123")
                .insert_header("www-authenticate", "SSWS realm=\"IOKTA\"")
                .set_body_json(json!({
                    "errorCode": "E0000011",
                    "errorSummary": "Invalid token provided",
                    "errorLink": "E0000011",
                    "errorId": "oae123",
                    "errorCauses": []
                })),
        )
        .expect(1)
        .mount(&org)
        .await;
    let error = ssws(&org).list_labels().send().await.unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (
            api.status,
            api.error_code.as_deref(),
            api.error_summary.as_deref(),
            api.error_id.as_deref(),
            api.error_causes.is_empty(),
            api.request_id.as_deref(),
        ),
        (
            401,
            Some("E0000011"),
            Some("Invalid token provided"),
            Some("oae123"),
            true,
            Some("req-123"),
        )
    );
    assert_eq!(
        error.to_string(),
        "Okta answered 401 E0000011: Invalid token provided (request req-123)"
    );
}

#[tokio::test]
async fn undeclared_error_statuses_still_come_back_typed() {
    // createSecurityAccessReview declares no 400; Okta sends one for a bad request.
    let org = MockServer::start().await;
    Mock::given(path("/governance/api/v2/security-access-reviews"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-okta-request-id", "req-400")
                .set_body_json(json!({
                    "errorCode": "E0000001",
                    "errorSummary": "Api validation failed: endTime",
                    "errorId": "oae400",
                    "errorCauses": [{"errorSummary": "endTime must be at least 1 day in the future"}]
                })),
        )
        .mount(&org)
        .await;
    let error = ssws(&org)
        .create_security_access_review()
        .body(review_request())
        .send()
        .await
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 400);
    assert_eq!(api.error_code.as_deref(), Some("E0000001"));
    assert_eq!(
        api.error_causes,
        ["endTime must be at least 1 day in the future"]
    );
    assert_eq!(api.request_id.as_deref(), Some("req-400"));
}

#[tokio::test]
async fn an_undeclared_status_is_an_api_error_with_its_status_and_request_id() {
    // The stack reads every body (to retry a connection broken mid-body); a status the
    // operation does not declare reaches the caller as `Error::Api` with the status, Okta's
    // request id and whatever of Okta's error body there is, success and error alike.
    let org = MockServer::start().await;
    Mock::given(path("/governance/api/v1/labels"))
        .respond_with(
            ResponseTemplate::new(202)
                .insert_header("x-okta-request-id", "req-202")
                .set_body_string("accepted, later"),
        )
        .mount(&org)
        .await;
    Mock::given(path("/governance/api/v2/security-access-reviews"))
        .respond_with(ResponseTemplate::new(400).set_body_string("not json at all"))
        .mount(&org)
        .await;
    let okta = ssws(&org);
    let error = okta.list_labels().send().await.unwrap_err();
    assert_eq!(error.status(), Some(202), "{error:?}");
    assert_eq!(error.request_id(), Some("req-202"));
    assert_eq!(
        error.api().and_then(|api| api.operation),
        Some("listLabels")
    );
    assert!(!error.is_retryable());

    let error = okta
        .create_security_access_review()
        .body(review_request())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error:?}");
    assert_eq!(error.error_code(), None);
    assert!(error.to_string().contains("Okta answered 400"), "{error}");
}

/// The `DPoP` proofs the org received, decoded (`htm`, `htu`, `jti`), by request path.
async fn proofs(org: &MockServer) -> Vec<(String, serde_json::Value)> {
    let mut proofs = Vec::new();
    for request in org.received_requests().await.unwrap() {
        if let Some(proof) = request.headers.get("dpop") {
            let claims = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(
                proof.to_str().unwrap(),
            )
            .unwrap()
            .claims;
            proofs.push((request.url.path().to_string(), claims));
        }
    }
    proofs
}

/// A service app of `org` whose tokens are DPoP-bound.
async fn dpop_service(org: &MockServer) -> Governance {
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "DPoP", "access_token": "at-1", "expires_in": 3600,
            "scope": "okta.governance.labels.read okta.governance.securityAccessReviews.admin.manage"
        })))
        .mount(org)
        .await;
    Governance::new(
        Config::builder()
            .org_url(org.uri())
            .private_key(okta_governance::PrivateKeyJwt::new(
                "0oa1",
                okta_governance::auth::SigningKey::generate_es256().unwrap(),
            ))
            .dpop(okta_governance::DpopMode::Always)
            .build()
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn each_redirect_hop_of_a_dpop_request_carries_its_own_proof() {
    let org = MockServer::start().await;
    let okta = dpop_service(&org).await;
    Mock::given(path("/governance/api/v1/labels"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/moved/labels#frag"))
        .mount(&org)
        .await;
    Mock::given(path("/moved/labels"))
        .and(header("authorization", "DPoP at-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels()))
        .expect(1)
        .mount(&org)
        .await;
    okta.list_labels().send().await.unwrap();

    let proofs = proofs(&org).await;
    let api: Vec<_> = proofs
        .iter()
        .filter(|(p, _)| p != "/oauth2/v1/token")
        .collect();
    assert_eq!(api.len(), 2, "{proofs:?}");
    let (first, second) = (&api[0].1, &api[1].1);
    assert_eq!(
        first["htu"],
        format!("{}/governance/api/v1/labels", org.uri())
    );
    assert_eq!(second["htu"], format!("{}/moved/labels", org.uri()));
    assert_eq!(second["htm"], "GET");
    assert_ne!(first["jti"], second["jti"], "a proof is never sent twice");
}

#[tokio::test]
async fn a_303_after_a_post_is_followed_as_a_get_with_a_proof_for_get() {
    let org = MockServer::start().await;
    let okta = dpop_service(&org).await;
    Mock::given(method("POST"))
        .and(path("/governance/api/v2/security-access-reviews"))
        .respond_with(ResponseTemplate::new(303).insert_header("location", "/see/other"))
        .expect(1)
        .mount(&org)
        .await;
    Mock::given(method("GET"))
        .and(path("/see/other"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&org)
        .await;
    let result = okta
        .create_security_access_review()
        .body(review_request())
        .send()
        .await;
    assert_eq!(result.unwrap_err().status(), Some(404));
    let proofs = proofs(&org).await;
    let hop = proofs.iter().find(|(p, _)| p == "/see/other");
    let hop = hop.unwrap_or_else(|| panic!("{proofs:?}"));
    assert_eq!(hop.1["htm"], "GET");
    let posted = org.received_requests().await.unwrap();
    let followed = posted
        .iter()
        .find(|r| r.url.path() == "/see/other")
        .unwrap();
    assert!(followed.body.is_empty(), "the POST body is not sent on");
}

#[tokio::test]
async fn redirect_loops_within_the_org_end_after_five_hops() {
    let org = MockServer::start().await;
    Mock::given(path("/governance/api/v1/labels"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "/governance/api/v1/labels"),
        )
        .mount(&org)
        .await;
    let error = ssws(&org).list_labels().send().await.unwrap_err();
    assert_eq!(error.status(), Some(302), "{error:?}");
    assert_eq!(
        org.received_requests().await.unwrap().len(),
        6,
        "the first request and five hops"
    );
}

#[tokio::test]
async fn token_requests_follow_no_redirect() {
    let org = MockServer::start().await;
    let elsewhere_in_org = "/oauth2/v1/token-moved";
    Mock::given(path("/oauth2/v1/token"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", elsewhere_in_org))
        .mount(&org)
        .await;
    let okta = Governance::new(
        Config::builder()
            .org_url(org.uri())
            .private_key(okta_governance::PrivateKeyJwt::new(
                "0oa1",
                okta_governance::auth::SigningKey::generate_es256().unwrap(),
            ))
            .dpop(okta_governance::DpopMode::Never)
            .retry(okta_governance::RetryConfig::default().max_retries(0))
            .build()
            .unwrap(),
    )
    .unwrap();
    assert!(okta.list_labels().send().await.is_err());
    let paths: Vec<String> = org
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert!(!paths.iter().any(|p| p == elsewhere_in_org), "{paths:?}");
}

/// A caller's HTTP client that marks its requests, follows no redirect and has no timeout.
fn corporate_client(follow_redirects: bool) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-corp-proxy-tag", "tagged".parse().unwrap());
    let policy = if follow_redirects {
        reqwest::redirect::Policy::limited(5)
    } else {
        reqwest::redirect::Policy::none()
    };
    okta_governance::Governance::http_client_builder()
        .unwrap()
        .default_headers(headers)
        .redirect(policy)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_callers_http_client_carries_api_and_token_requests() {
    let org = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .and(header("x-corp-proxy-tag", "tagged"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "access_token": "at-1", "expires_in": 3600,
            "scope": "okta.governance.labels.read"
        })))
        .expect(1)
        .mount(&org)
        .await;
    Mock::given(path("/governance/api/v1/labels"))
        .and(header("x-corp-proxy-tag", "tagged"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels()))
        .expect(1)
        .mount(&org)
        .await;
    let config = Config::builder()
        .org_url(org.uri())
        .private_key(okta_governance::PrivateKeyJwt::new(
            "0oa1",
            okta_governance::auth::SigningKey::generate_es256().unwrap(),
        ))
        .dpop(okta_governance::DpopMode::Never)
        .build()
        .unwrap();
    let okta = Governance::builder(config)
        .http_client(corporate_client(false))
        .build()
        .unwrap();
    okta.list_labels().send().await.unwrap();
}

#[tokio::test]
async fn a_callers_client_that_follows_redirects_itself_is_refused() {
    let org = MockServer::start().await;
    Mock::given(path("/governance/api/v1/labels"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/moved/labels"))
        .mount(&org)
        .await;
    Mock::given(path("/moved/labels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels()))
        .mount(&org)
        .await;
    let config = Config::builder()
        .org_url(org.uri())
        .ssws_token("00ssws-token")
        .build()
        .unwrap();
    let okta = Governance::builder(config)
        .http_client(corporate_client(true))
        .build()
        .unwrap();
    let error = okta.list_labels().send().await.unwrap_err();
    assert!(
        matches!(&error, Error::Config(okta_governance::ConfigError::Invalid { field, .. }) if *field == "http_client"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_callers_client_without_a_timeout_still_gets_one_per_attempt() {
    let org = MockServer::start().await;
    Mock::given(path("/governance/api/v1/labels"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(labels())
                .set_delay(std::time::Duration::from_secs(30)),
        )
        .mount(&org)
        .await;
    let config = Config::builder()
        .org_url(org.uri())
        .ssws_token("00ssws-token")
        .request_timeout(std::time::Duration::from_millis(300))
        .retry(okta_governance::RetryConfig::default().max_retries(0))
        .build()
        .unwrap();
    let okta = Governance::builder(config)
        .http_client(corporate_client(false))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = okta.list_labels().send().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
