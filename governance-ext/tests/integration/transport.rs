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
        "name": "Review",
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
