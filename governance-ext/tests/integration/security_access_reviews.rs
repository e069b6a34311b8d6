//! The security-access-review flow against a local server: what is sent, and when polling stops.

use std::time::Duration;

use okta_governance::security_access_reviews::SecurityAccessReviewError;
use okta_governance::{Config, Error, Governance};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID: &str = "sar1lo5X9wmNTFX7x0g4";

/// How many requests of `method` the server received.
async fn requests_with(org: &MockServer, method: &str) -> usize {
    org.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == method)
        .count()
}

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
        .security_access_reviews()
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
        .security_access_review(launched.id.as_str())
        .wait_until_active(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        active.status,
        okta_governance::client::types::SecurityAccessReviewStatus::Active
    );
    let polls = requests_with(&org, "GET").await;
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
        .security_access_review(ID)
        .wait_until_active(Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::SecurityAccessReview(SecurityAccessReviewError::Failed { id }) if id == ID),
        "{error:?}"
    );

    let pending = MockServer::start().await;
    Mock::given(path(&detail))
        .respond_with(ResponseTemplate::new(200).set_body_json(review("PENDING")))
        .mount(&pending)
        .await;
    let error = client(&pending)
        .security_access_review(ID)
        .wait_until_active(Duration::from_millis(1500))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::SecurityAccessReview(SecurityAccessReviewError::NotActiveYet { id, status, .. }) if id == ID && *status == okta_governance::client::types::SecurityAccessReviewStatus::Pending),
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
        .security_access_reviews()
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
    let review = okta.security_access_review(ID);
    review.close().await.unwrap();
    review.restore_all_access().await.unwrap();
}

/// One access of the review, as Okta lists it.
fn access(
    id: &str,
    name: &str,
    severity: &str,
    actions: &[&str],
    status: &str,
) -> serde_json::Value {
    json!({
        "id": id,
        "name": name,
        "type": "APPLICATION",
        "severity": severity,
        "supportedActions": actions,
        "remediationStatus": status,
        "_links": {"self": {"href": format!("https://acme-admin.okta.com/governance/api/v2/security-access-reviews/{ID}/accesses/{id}")}}
    })
}

fn accesses(items: Vec<serde_json::Value>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"data": items, "_links": {"self": {"href": "https://acme-admin.okta.com/x"}}}),
    )
}

const SALESFORCE: &str = "0oa1salesforce000001";
const SLACK: &str = "0oa1slack00000000002";
const ZOOM: &str = "0oa1zoom000000000003";

fn three_accesses(status: &str) -> Vec<serde_json::Value> {
    vec![
        access(
            SALESFORCE,
            "Salesforce",
            "HIGH",
            &["REVOKE_ACCESS", "FLAG_FOR_MANUAL_REMEDIATION"],
            status,
        ),
        access(
            SLACK,
            "Slack",
            "HIGH",
            &["FLAG_FOR_MANUAL_REMEDIATION"],
            status,
        ),
        access(ZOOM, "Zoom", "LOW", &["REVOKE_ACCESS"], status),
    ]
}

#[tokio::test]
async fn acting_on_selected_accesses_refuses_unsupported_actions_before_sending() {
    use futures_util::StreamExt;
    use okta_governance::client::types::{
        SecurityAccessReviewAccessItemSeverity as Severity,
        SecurityAccessReviewAccessItemSupportedAction as Action,
    };
    let org = MockServer::start().await;
    let list = format!("/governance/api/v2/security-access-reviews/{ID}/accesses");
    Mock::given(method("GET"))
        .and(path(&list))
        .respond_with(accesses(three_accesses("NONE")))
        .mount(&org)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{list}/{SALESFORCE}/actions")))
        .and(body_json(json!({"type": "REVOKE_ACCESS"})))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&org)
        .await;
    let okta = client(&org);
    let review = okta.security_access_review(ID);
    // Every high-severity access: Salesforce can be revoked, Slack cannot (refused, not sent),
    // Zoom is not selected.
    let mut outcomes = review
        .act_on(Action::RevokeAccess, |a| a.severity == Severity::High)
        .concurrency(2)
        .outcomes();
    let mut seen = Vec::new();
    while let Some(outcome) = outcomes.next().await {
        let outcome = outcome.unwrap();
        assert_eq!(outcome.progress.total, 2);
        seen.push((
            outcome.progress.done,
            outcome.items[0].to_string(),
            outcome.result.is_ok(),
        ));
        if let Err(error) = &outcome.result {
            assert!(
                matches!(&**error, Error::SecurityAccessReview(SecurityAccessReviewError::ActionNotSupported { access_id, supported, .. })
                    if access_id == SLACK && supported == &[okta_governance::client::types::SecurityAccessReviewAccessItemSupportedAction::FlagForManualRemediation]),
                "{error:?}"
            );
            assert!(error.to_string().contains("Slack"), "{error}");
        }
    }
    seen.sort();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [1, 2]);
    assert!(seen.iter().any(|s| s.1 == SALESFORCE && s.2));
    assert!(seen.iter().any(|s| s.1 == SLACK && !s.2));

    // One access at a time: refused before sending as well.
    let all: Vec<okta_governance::client::types::SecurityAccessReviewAccessItem> =
        futures_util::TryStreamExt::try_collect(review.accesses().page_size(200).stream())
            .await
            .unwrap();
    let zoom = all.iter().find(|a| a.id.as_str() == ZOOM).unwrap();
    let refused = review
        .act(zoom, Action::FlagForManualRemediation)
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        Error::SecurityAccessReview(SecurityAccessReviewError::ActionNotSupported { .. })
    ));
    let posts = requests_with(&org, "POST").await;
    assert_eq!(posts, 1, "only the supported action was sent");
}

#[tokio::test]
async fn waiting_for_remediation_reports_manual_and_finished_accesses() {
    let org = MockServer::start().await;
    let list = format!("/governance/api/v2/security-access-reviews/{ID}/accesses");
    Mock::given(method("GET"))
        .and(path(&list))
        .respond_with(accesses(three_accesses("IN_PROGRESS")))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    let mut settled = three_accesses("REMEDIATED");
    settled[1] = access(SLACK, "Slack", "HIGH", &[], "PENDING_MANUAL_REMEDIATION");
    Mock::given(method("GET"))
        .and(path(&list))
        .respond_with(accesses(settled))
        .mount(&org)
        .await;
    let okta = client(&org);
    let ids = [SALESFORCE, SLACK, "0oa1gone000000000004"].map(String::from);
    let report = okta
        .security_access_review(ID)
        .wait_for_remediation(&ids, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(report.finished, [SALESFORCE]);
    assert_eq!(
        report.manual,
        [(SLACK.to_string(), "PENDING_MANUAL_REMEDIATION".to_string())]
    );
    assert_eq!(report.missing, ["0oa1gone000000000004"]);
    assert!(report.in_progress.is_empty());

    // Still in progress at the deadline: a typed error naming them.
    let stuck = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(&list))
        .respond_with(accesses(three_accesses("IN_PROGRESS")))
        .mount(&stuck)
        .await;
    let error = client(&stuck)
        .security_access_review(ID)
        .wait_for_remediation(&ids[..1], Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::SecurityAccessReview(SecurityAccessReviewError::RemediationPending { in_progress, .. }) if in_progress == &[SALESFORCE]),
        "{error:?}"
    );
}

#[tokio::test]
async fn comments_are_checked_against_the_spec_limit() {
    let org = MockServer::start().await;
    let comment = format!("/governance/api/v2/security-access-reviews/{ID}/comment");
    Mock::given(method("POST"))
        .and(path(&comment))
        .and(body_json(
            json!({"comment": "Revoked Salesforce: no longer on the team"}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&org)
        .await;
    let review = client(&org);
    let review = review.security_access_review(ID);
    review
        .comment("Revoked Salesforce: no longer on the team")
        .await
        .unwrap();
    for bad in [String::new(), "x".repeat(1001)] {
        let error = review.comment(&bad).await.unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput { field, .. } if field == "comment"),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn the_review_level_actions_are_listed() {
    use okta_governance::client::types::SecurityAccessReviewActionType as Action;
    let org = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/governance/api/v2/security-access-reviews/{ID}/actions"
        )))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"actionType": "CLOSE_REVIEW"}]})),
        )
        .mount(&org)
        .await;
    let actions = client(&org)
        .security_access_review(ID)
        .actions()
        .await
        .unwrap();
    assert_eq!(actions, [Action::CloseReview]);
}
