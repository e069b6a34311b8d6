//! The certification-campaign flow against a local server: validation before sending, the
//! idempotent apply, launch and the `ERROR` state, reassignment batches and partial failures,
//! end, delete, progress and the report. Bodies are the spec's own examples (fixtures/).

use std::time::Duration;

use okta_governance::campaigns::{Applied, Progress, Reassign, Remediation, ReportRow};
use okta_governance::error::CampaignError;
use okta_governance::Error;

use crate::common::default_client as client;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ID: &str = "ici2b0ozhrs1S9sVf0g4";
const CAMPAIGNS: &str = "/governance/api/v1/campaigns";

fn campaign(status: &str) -> Value {
    let mut c: Value = serde_json::from_str(include_str!("fixtures/campaign.json")).unwrap();
    c["status"] = json!(status);
    c
}

fn review(n: usize, reviewer: &str, decision: &str, remediation: &str) -> Value {
    let mut r: Value = serde_json::from_str(include_str!("fixtures/review.json")).unwrap();
    r["id"] = json!(format!("icr{n:017}"));
    r["campaignId"] = json!(ID);
    r["reviewerProfile"]["id"] = json!(reviewer);
    r["decision"] = json!(decision);
    r["remediationStatus"] = json!(remediation);
    r
}

fn page(items: Vec<Value>) -> Value {
    json!({"data": items, "_links": {"self": {"href": "https://acme.okta.com/governance/api/v1/reviews"}}})
}

fn definition() -> &'static str {
    r#"
name: Monthly access review of sales team
scheduleSettings:
  type: ONE_OFF
  startDate: "2026-12-10T00:00:00Z"
  durationInDays: 14
  timeZone: America/Los_Angeles
resourceSettings:
  type: APPLICATION
  targetResources:
    - resourceId: 0oa1salesforce000000
reviewerSettings:
  type: USER
  reviewerId: 00ub0oNGTSWTBKOLGLNR
remediationSettings:
  accessApproved: NO_ACTION
  accessRevoked: DENY
  noResponse: NO_ACTION
"#
}

#[tokio::test]
async fn an_invalid_campaign_is_refused_before_sending() {
    let org = MockServer::start().await;
    let okta = client(&org);
    let dir = std::env::temp_dir().join(format!("oig-campaign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.yaml");
    for (from, to, field) in [
        (
            "durationInDays: 14",
            "durationInDays: 0",
            "scheduleSettings.durationInDays",
        ),
        ("type: ONE_OFF", "type: SOMETIMES", "scheduleSettings.type"),
    ] {
        std::fs::write(&file, definition().replace(from, to)).unwrap();
        let error = okta.campaigns().apply_file(&file).await.unwrap_err();
        assert_eq!(error.invalid_field(), Some(field), "{error}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(org.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn applying_the_same_file_twice_creates_one_campaign() {
    let org = MockServer::start().await;
    let created = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = created.clone();
    Mock::given(method("GET"))
        .and(path(CAMPAIGNS))
        .and(query_param(
            "filter",
            r#"name eq "Monthly access review of sales team""#,
        ))
        .respond_with(move |_: &Request| {
            let data = if seen.load(std::sync::atomic::Ordering::SeqCst) {
                let mut sparse = campaign("SCHEDULED");
                sparse.as_object_mut().unwrap().retain(|k, _| {
                    [
                        "id",
                        "status",
                        "name",
                        "created",
                        "createdBy",
                        "lastUpdated",
                        "lastUpdatedBy",
                        "_links",
                    ]
                    .contains(&k.as_str())
                });
                sparse["startDate"] = json!("2026-12-10T00:00:00Z");
                sparse["endDate"] = json!("2026-12-24T00:00:00Z");
                sparse["scheduleType"] = json!("ONE_OFF");
                sparse["reviewerType"] = json!("USER");
                vec![sparse]
            } else {
                vec![]
            };
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": data, "_links": {"self": {"href": "x"}}}))
        })
        .mount(&org)
        .await;
    let flag = created.clone();
    Mock::given(method("POST"))
        .and(path(CAMPAIGNS))
        .respond_with(move |_: &Request| {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            ResponseTemplate::new(201).set_body_json(campaign("SCHEDULED"))
        })
        .expect(1)
        .mount(&org)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{CAMPAIGNS}/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(campaign("SCHEDULED")))
        .mount(&org)
        .await;
    let okta = client(&org);
    let dir = std::env::temp_dir().join(format!("oig-apply-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("q3.yaml");
    std::fs::write(&file, definition()).unwrap();
    let first = okta.campaigns().apply_file(&file).await.unwrap();
    assert!(matches!(first, Applied::Created(_)), "{first:?}");
    let second = okta.campaigns().apply_file(&file).await.unwrap();
    assert!(matches!(second, Applied::Existing(_)), "{second:?}");
    assert_eq!(second.campaign().id.as_str(), ID);
    std::fs::remove_dir_all(&dir).unwrap();
}

// Real time: paused time would run the client's request timeout while wiremock answers.
#[tokio::test]
async fn launch_waits_for_active_and_reports_error() {
    let org = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{CAMPAIGNS}/{ID}/launch")))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&org)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{CAMPAIGNS}/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(campaign("LAUNCHING")))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{CAMPAIGNS}/{ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(campaign("ERROR")))
        .mount(&org)
        .await;
    let okta = client(&org);
    let handle = okta.campaign(ID);
    handle.launch().await.unwrap();
    let error = handle
        .wait_until_active(Duration::from_secs(600))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Campaign(CampaignError::Failed { id }) if id == ID),
        "{error:?}"
    );
    // Deleting a campaign that launched is refused without a request.
    let error = handle.delete().await.unwrap_err();
    assert!(
        matches!(&error, Error::Campaign(CampaignError::Launched { .. })),
        "{error:?}"
    );
    let deletes = org
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .count();
    assert_eq!(deletes, 0);
}

#[tokio::test]
async fn reassignment_goes_in_batches_of_fifty_and_reports_each_review() {
    let org = MockServer::start().await;
    let reviews: Vec<Value> = (0..120)
        .map(|n| review(n, "00uDeparted000000000", "UNREVIEWED", "NONE"))
        .collect();
    Mock::given(method("GET"))
        .and(path("/governance/api/v1/reviews"))
        .and(query_param(
            "filter",
            format!(r#"campaignId eq "{ID}" and (reviewerId eq "00uDeparted000000000")"#),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(reviews)))
        .expect(1)
        .mount(&org)
        .await;
    // The second batch fails; the others succeed.
    Mock::given(method("POST"))
        .and(path(format!("{CAMPAIGNS}/{ID}/reviews/reassign")))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let ids = body["reviewIds"].as_array().unwrap();
            assert!(ids.len() <= 50);
            assert_eq!(body["note"], "Reviewer left");
            assert_eq!(body["reviewerId"], "00uManager0000000000");
            if ids.iter().any(|id| id == "icr00000000000000060") {
                ResponseTemplate::new(400).set_body_json(json!({"errorCode": "E0000001", "errorSummary": "Api validation failed", "errorLink": "E0000001", "errorId": "x", "errorCauses": []}))
            } else {
                ResponseTemplate::new(200).set_body_json(json!({"data": [], "_links": {"self": {"href": "x"}, "reviews": {"href": "y"}}}))
            }
        })
        .expect(3)
        .mount(&org)
        .await;
    let okta = client(&org);
    let report = okta
        .campaign(ID)
        .reassign(
            Reassign::from_reviewer("00uDeparted000000000"),
            "00uManager0000000000",
            "Reviewer left",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(report.calls, 3);
    assert_eq!(report.succeeded.len(), 70);
    assert_eq!(report.failed.len(), 50);
    assert!(report
        .failed
        .iter()
        .any(|(id, _)| id.as_str() == "icr00000000000000060"));
    // A note over the spec's limit is refused before anything is sent.
    let error = okta
        .campaign(ID)
        .reassign(
            Reassign::from_reviewer("x"),
            "00uManager0000000000",
            "n".repeat(301),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.invalid_field(), Some("note"));
}

#[tokio::test]
async fn progress_end_and_report() {
    let org = MockServer::start().await;
    let reviews = vec![
        review(1, "00uA", "APPROVE", "NONE"),
        review(2, "00uA", "REVOKE", "SUCCESS"),
        review(3, "00uB", "REVOKE", "OPEN"),
        review(4, "00uB", "UNREVIEWED", "NONE"),
    ];
    Mock::given(method("GET"))
        .and(path("/governance/api/v1/reviews"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(reviews.clone())))
        .mount(&org)
        .await;
    for r in &reviews {
        let mut full = r.clone();
        full["note"] = json!({"id": "note1", "note": "=left, \"the team\""});
        Mock::given(method("GET"))
            .and(path(format!(
                "/governance/api/v1/reviews/{}",
                r["id"].as_str().unwrap()
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(full))
            .mount(&org)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(format!("{CAMPAIGNS}/{ID}/end")))
        .and(wiremock::matchers::body_json(
            json!({"skipRemediation": false}),
        ))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&org)
        .await;
    let okta = client(&org);
    let handle = okta.campaign(ID);
    let progress: Progress = handle.progress().await.unwrap();
    assert_eq!(
        (
            progress.total,
            progress.decided,
            progress.approved,
            progress.revoked,
            progress.unreviewed
        ),
        (4, 3, 1, 2, 1)
    );
    assert_eq!(
        (progress.remediation_open, progress.remediation_succeeded),
        (1, 1)
    );
    assert!(
        progress.to_string().starts_with("3/4 decided"),
        "{progress}"
    );
    handle.end(Remediation::Run).await.unwrap();
    let rows: Vec<ReportRow> = handle.report().await.unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0].reviewer.as_deref(), Some("00uA"));
    assert_eq!(rows[0].note.as_deref(), Some("=left, \"the team\""));
    assert_eq!(rows[3].note, None, "an undecided review has no note");
    let line = rows[0].csv();
    assert!(line.contains(r#""'=left, ""the team""""#), "{line}");
    assert_eq!(
        ReportRow::CSV_HEADER.split(',').count(),
        9,
        "one header per column"
    );
}
