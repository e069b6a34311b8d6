//! The security-access-review flow against a local server: what is sent, and when polling stops.

use std::time::Duration;

use okta_governance::reviews::ReviewError;
use okta_governance::{Config, Error, Governance};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID: &str = "sar1lo5X9wmNTFX7x0g4";

fn review(status: &str) -> serde_json::Value {
    json!({
        "id": ID,
        "createdBy": "00ucfd4IQoH6YBZgA0g4",
        "created": "2025-08-19T22:10:34Z",
        "lastUpdated": "2025-08-19T22:10:34Z",
        "lastUpdatedBy": "00ucfd4IQoH6YBZgA0g4",
        "_links": {"securityAccessReviewDetails": {"href": format!("https://acme-admin.okta.com/governance/api/v2/security-access-reviews/{ID}"), "hints": {}}},
        "status": status,
        "name": "Security access review for Test user",
        "endTime": "2025-08-26T22:10:33.882Z",
        "reviewerSettings": {"type": "USER", "userSettings": {"includedUserIds": ["00ucpjbi6JMmDvdN40g5"]}}
    })
}

fn client(org: &MockServer) -> Governance {
    Governance::new(
        Config::builder()
            .org_url(org.uri())
            .bearer_token("token")
            .build()
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn launch_sends_the_documented_body_and_waits_for_active() {
    let org = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/governance/api/v2/security-access-reviews"))
        .and(body_json(json!({
            "principalId": "00ucpjbi6JMmDvdN40g4",
            "name": "Security access review for Test user",
            "reviewerSettings": {"type": "USER", "userSettings": {"includedUserIds": ["00ucpjbi6JMmDvdN40g5"]}}
        })))
        .respond_with(ResponseTemplate::new(202).set_body_json(review("PENDING")))
        .expect(1)
        .mount(&org)
        .await;
    let detail = format!("/governance/api/v2/security-access-reviews/{ID}");
    Mock::given(method("GET"))
        .and(path(&detail))
        .respond_with(ResponseTemplate::new(200).set_body_json(review("PENDING")))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(method("GET"))
        .and(path(&detail))
        .respond_with(ResponseTemplate::new(200).set_body_json(review("ACTIVE")))
        .mount(&org)
        .await;
    let okta = client(&org);
    let launched = okta
        .reviews()
        .launch(
            "00ucpjbi6JMmDvdN40g4",
            "Security access review for Test user",
        )
        .reviewer("00ucpjbi6JMmDvdN40g5")
        .send()
        .await
        .unwrap();
    let sent: Vec<serde_json::Value> = org
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    insta::assert_json_snapshot!("review_launch_body", sent);
    let active = okta
        .review(launched.id.as_str())
        .wait_until_active(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        active.status,
        okta_governance::client::types::SecurityAccessReviewStatus::Active
    );
    let polls = org
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count();
    assert_eq!(polls, 2, "polling stops at ACTIVE");
}

#[tokio::test]
async fn an_error_review_is_a_typed_error_and_a_deadline_stops_polling() {
    let org = MockServer::start().await;
    let detail = format!("/governance/api/v2/security-access-reviews/{ID}");
    Mock::given(path(&detail))
        .respond_with(ResponseTemplate::new(200).set_body_json(review("ERROR")))
        .mount(&org)
        .await;
    let error = client(&org)
        .review(ID)
        .wait_until_active(Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Review(ReviewError::Failed { id }) if id == ID),
        "{error:?}"
    );

    let pending = MockServer::start().await;
    Mock::given(path(&detail))
        .respond_with(ResponseTemplate::new(200).set_body_json(review("PENDING")))
        .mount(&pending)
        .await;
    let error = client(&pending)
        .review(ID)
        .wait_until_active(Duration::from_millis(1500))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Review(ReviewError::NotActiveYet { id, status, .. }) if id == ID && status == "PENDING"),
        "{error:?}"
    );
    assert_eq!(
        pending.received_requests().await.unwrap().len(),
        2,
        "polls at 0 s and 1 s, then the deadline"
    );
}

#[tokio::test]
async fn the_seed_request_never_leaves_the_client() {
    let org = MockServer::start().await;
    let error = client(&org)
        .reviews()
        .launch(
            "00ucpjbi6JMmDvdN40g4",
            "Security access review for Test user",
        )
        .reviewers(["00ucpjbi6JMmDvdN40g4", "00ucpjbi6JMmDvdN40g5"])
        .send()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("cannot review their own access"),
        "{error}"
    );
    assert!(org.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn close_and_restore_send_their_actions() {
    let org = MockServer::start().await;
    let actions = format!("/governance/api/v2/security-access-reviews/{ID}/actions");
    Mock::given(method("POST"))
        .and(path(&actions))
        .and(body_json(json!({"actionType": "CLOSE_REVIEW"})))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&org)
        .await;
    Mock::given(method("POST"))
        .and(path(&actions))
        .and(body_json(json!({"actionType": "RESTORE_ALL_ACCESS"})))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&org)
        .await;
    let okta = client(&org);
    let review = okta.review(ID);
    review.close().await.unwrap();
    review.restore_all_access().await.unwrap();
}
