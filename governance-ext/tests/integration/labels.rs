//! Label flows against a local server: exact requests, batching, idempotence.

use crate::common;

use common::default_client;
use okta_governance::client::types::LabelValueId;
use okta_governance::labels::{self, Color, LabelError};
use okta_governance::orn::{Orn, Partition};
use okta_governance::Error;
use serde_json::{json, Value};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const LABELS: &str = "/governance/api/v1/labels";

fn label(id: &str, name: &str, values: &[(&str, &str)]) -> Value {
    json!({
        "labelId": id,
        "name": name,
        "values": values.iter().map(|(vid, vname)| json!({"labelValueId": vid, "name": vname})).collect::<Vec<_>>(),
        "_links": {"self": {"href": format!("https://acme-admin.okta.com{LABELS}/{id}")}}
    })
}

fn predefined() -> Vec<Value> {
    vec![
        label(
            "lbc11keklyNa6KhMi1d7",
            "Crown Jewel",
            &[("lbl12h191hy4H2f711d7", "Crown Jewel")],
        ),
        label(
            "lbc11keklyNa6KhMi1d8",
            "Privileged",
            &[("lbl12h191hy4H2f711d8", "Privileged")],
        ),
    ]
}

fn list(labels: Vec<Value>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"data": labels, "_links": {"self": {"href": "https://acme-admin.okta.com/governance/api/v1/labels"}}}))
}

#[tokio::test]
async fn ensure_creates_a_missing_label_once() {
    let org = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(LABELS))
        .respond_with(list(predefined()))
        .mount(&org)
        .await;
    Mock::given(method("POST"))
        .and(path(LABELS))
        .and(body_json(json!({"name": "Sensitivity", "values": [
            {"name": "High", "metadata": {"additionalProperties": {"backgroundColor": "red"}}},
            {"name": "Low"}
        ]})))
        .respond_with(ResponseTemplate::new(201).set_body_json(label(
            "lbc11keklyNa6KhMi1d9",
            "Sensitivity",
            &[
                ("lbl12h191hy4H2f711d1", "High"),
                ("lbl12h191hy4H2f711d2", "Low"),
            ],
        )))
        .expect(1)
        .mount(&org)
        .await;
    let created = default_client(&org)
        .labels()
        .ensure("Sensitivity")
        .value("High", Color::Red)
        .value("Low", None)
        .send()
        .await
        .unwrap();
    assert_eq!(created.values.len(), 2);
    let listed = default_client(&org)
        .labels()
        .list()
        .collect()
        .await
        .unwrap();
    assert!(listed.iter().all(labels::is_predefined));
}

#[tokio::test]
async fn ensure_adds_only_missing_values_and_never_duplicates() {
    let org = MockServer::start().await;
    let mut existing = predefined();
    existing.push(label(
        "lbc11keklyNa6KhMi1d9",
        "Sensitivity",
        &[("lbl12h191hy4H2f711d1", "High")],
    ));
    Mock::given(method("GET"))
        .and(path(LABELS))
        .respond_with(list(existing))
        .mount(&org)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{LABELS}/lbc11keklyNa6KhMi1d9")))
        .and(body_json(json!([{"op": "ADD", "path": "/values/-", "value": {"name": "Low"}, "refType": "LABEL-VALUE"}])))
        .respond_with(ResponseTemplate::new(200).set_body_json(label("lbc11keklyNa6KhMi1d9", "Sensitivity", &[("lbl12h191hy4H2f711d1", "High"), ("lbl12h191hy4H2f711d2", "Low")])))
        .expect(1)
        .mount(&org)
        .await;
    // "sensitivity" and "HIGH" match case-insensitively, as on the server.
    let label = default_client(&org)
        .labels()
        .ensure("sensitivity")
        .value("HIGH", None)
        .value("Low", None)
        .send()
        .await
        .unwrap();
    assert_eq!(label.values.len(), 2);
    let posts = org
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 0, "an existing label is never created again");
}

/// Accepts every assign call except those naming a poisoned resource.
struct Assign;
impl Respond for Assign {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let orns = body["resourceOrns"].as_array().unwrap();
        if orns.iter().any(|o| o.as_str().unwrap().ends_with("poison")) {
            return ResponseTemplate::new(400).set_body_json(json!({"errorCode": "E0000001", "errorSummary": "Api validation failed", "errorId": "oae1", "errorCauses": []}));
        }
        ResponseTemplate::new(200).set_body_json(json!({"data": []}))
    }
}

#[tokio::test]
async fn assign_batches_10_by_10_and_reports_per_resource() {
    let org = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/governance/api/v1/resource-labels/assign"))
        .respond_with(Assign)
        .mount(&org)
        .await;
    let mut orns: Vec<Orn> = (0..24)
        .map(|i| {
            Orn::group(
                Partition::Okta,
                "00o11edPwGqbUrsDm0g4",
                &format!("00g{i:017}"),
            )
            .unwrap()
        })
        .collect();
    orns.push(Orn::group(Partition::Okta, "00o11edPwGqbUrsDm0g4", "poison").unwrap());
    let values: Vec<LabelValueId> = (0..12)
        .map(|i| format!("lbl{i:017}").parse().unwrap())
        .collect();
    let report = default_client(&org)
        .labels()
        .assign(&orns, &values)
        .send()
        .await
        .unwrap();
    assert_eq!(report.calls, 6, "25 resources x 12 values = 3 x 2 batches");
    let seen = org.received_requests().await.unwrap();
    assert_eq!(seen.len(), 6);
    for request in &seen {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert!(body["resourceOrns"].as_array().unwrap().len() <= 10);
        assert!(body["labelValueIds"].as_array().unwrap().len() <= 10);
    }
    let first_batch: Value = serde_json::from_slice(&seen[0].body).unwrap();
    let shape = json!({
        "resourceOrns": first_batch["resourceOrns"].as_array().unwrap().len(),
        "labelValueIds": first_batch["labelValueIds"].as_array().unwrap().len(),
        "first": {"resourceOrn": first_batch["resourceOrns"][0], "labelValueId": first_batch["labelValueIds"][0]},
    });
    insta::assert_json_snapshot!("label_assign_first_batch", shape);
    // The last batch holds resources 20-24, poisoned by the last one: those 5 failed.
    assert_eq!(report.failed.len(), 5);
    assert_eq!(report.succeeded.len() + report.failed.len(), 25);
}

/// The request bodies a flow sent, in order, for a reviewable snapshot.
async fn bodies(org: &MockServer) -> Vec<Value> {
    org.received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| !r.body.is_empty())
        .map(|r| json!({"method": r.method.as_str(), "path": r.url.path(), "body": serde_json::from_slice::<Value>(&r.body).unwrap()}))
        .collect()
}

#[tokio::test]
async fn updates_are_patch_operations_of_at_most_ten() {
    let org = MockServer::start().await;
    let sensitivity = label(
        "lbc11keklyNa6KhMi1d9",
        "Sensitivity",
        &[("lbl12h191hy4H2f711d1", "High")],
    );
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sensitivity.clone()))
        .mount(&org)
        .await;
    let current: okta_governance::client::types::Label =
        serde_json::from_value(sensitivity).unwrap();
    let high: LabelValueId = "lbl12h191hy4H2f711d1".parse().unwrap();
    fn changes(update: labels::Update, high: &LabelValueId) -> labels::Update {
        (0..8).fold(
            update
                .rename("Data sensitivity")
                .rename_value(high, "Very high")
                .set_color(high, Color::Purple)
                .remove_value(&"lbl12h191hy4H2f711d0".parse().unwrap()),
            |update, i| update.add_value(format!("Tier {i}"), None),
        )
    }
    let okta = default_client(&org);
    changes(okta.labels().update(&current), &high)
        .send()
        .await
        .unwrap();
    insta::assert_json_snapshot!("label_update_bodies", bodies(&org).await);

    let bad = okta
        .labels()
        .update(&current)
        .rename("x".repeat(51))
        .send()
        .await;
    assert!(
        matches!(&bad, Err(Error::InvalidInput { field, .. }) if field == "name"),
        "{bad:?}"
    );
    let crown: okta_governance::client::types::Label =
        serde_json::from_value(predefined()[0].clone()).unwrap();
    let refused = changes(okta.labels().update(&crown), &high).send().await;
    assert!(
        matches!(refused, Err(Error::Label(LabelError::Predefined { .. }))),
        "predefined labels are read-only: {refused:?}"
    );
}

#[tokio::test]
async fn a_label_in_use_is_not_deleted_unless_asked() {
    let org = MockServer::start().await;
    let in_use = label(
        "lbc11keklyNa6KhMi1d9",
        "Sensitivity",
        &[("lbl12h191hy4H2f711d1", "High")],
    );
    let holder = json!({"orn": "orn:okta:directory:00o11edPwGqbUrsDm0g4:groups:00g1emaKYZTWRYYRRTSK", "labels": [in_use.clone()]});
    Mock::given(method("GET"))
        .and(path("/governance/api/v1/resource-labels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [holder], "_links": {"self": {"href": "https://acme-admin.okta.com/x"}}})))
        .up_to_n_times(2)
        .mount(&org)
        .await;
    Mock::given(method("GET"))
        .and(path("/governance/api/v1/resource-labels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": [], "_links": {"self": {"href": "https://acme-admin.okta.com/x"}}}),
        ))
        .mount(&org)
        .await;
    Mock::given(method("POST"))
        .and(path("/governance/api/v1/resource-labels/unassign"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&org)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{LABELS}/lbc11keklyNa6KhMi1d9")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&org)
        .await;
    let label: okta_governance::client::types::Label = serde_json::from_value(in_use).unwrap();
    let refused = default_client(&org).labels().delete(&label).await;
    assert!(
        matches!(&refused, Err(Error::Label(LabelError::InUse { .. }))),
        "{refused:?}"
    );
    let report = default_client(&org)
        .labels()
        .delete_unassigning_first(&label)
        .await
        .unwrap();
    assert_eq!(report.calls, 1);
    insta::assert_json_snapshot!("label_delete_unassign_bodies", bodies(&org).await);
}

#[tokio::test]
async fn ensure_tolerates_a_concurrent_creator() {
    let org = MockServer::start().await;
    // Our list: not there yet. Someone else creates it; our POST is refused as a duplicate.
    Mock::given(method("GET"))
        .and(path(LABELS))
        .respond_with(list(predefined()))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(method("POST"))
        .and(path(LABELS))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"errorCode": "E0000001", "errorSummary": "Api validation failed: name already exists", "errorId": "oae1", "errorCauses": []})))
        .expect(1)
        .mount(&org)
        .await;
    let mut after = predefined();
    after.push(label(
        "lbc11keklyNa6KhMi1d9",
        "Sensitivity",
        &[("lbl12h191hy4H2f711d1", "High")],
    ));
    Mock::given(method("GET"))
        .and(path(LABELS))
        .respond_with(list(after))
        .mount(&org)
        .await;
    let label = default_client(&org)
        .labels()
        .ensure("Sensitivity")
        .value("High", None)
        .send()
        .await
        .unwrap();
    assert_eq!(label.label_id.as_str(), "lbc11keklyNa6KhMi1d9");
}
