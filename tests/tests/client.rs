//! The generated client's behaviour that the ext crate relies on: strict request validation
//! before anything is sent, and every request routed through the transport seam with its
//! operation metadata.

use std::sync::{Arc, Mutex};

use okta_governance_client::hooks::{BoxFuture, Inner, Transport};
use okta_governance_client::prelude::*;
use okta_governance_client::{types, Client, Error, Operation};

/// Records every request and answers with a canned response.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(String, String, Option<&'static str>)>>,
    fail_with: Option<&'static str>,
}

impl Transport for Recorder {
    fn execute<'a>(
        &'a self,
        _client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> BoxFuture<'a, Result<http::Response<bytes::Bytes>, Error>> {
        self.seen.lock().unwrap().push((
            request.method().to_string(),
            request.url().to_string(),
            operation.map(|op| op.id),
        ));
        let fail_with = self.fail_with;
        Box::pin(async move {
            if let Some(reason) = fail_with {
                return Err(Error::Transport {
                    source: reason.into(),
                });
            }
            let body = r#"{"data":[{"labelId":"lbc11keklyNa6KhMi1d7","name":"Crown Jewel","values":[{"labelValueId":"lbl12h191hy4H2f711d7","name":"Crown Jewel","metadata":{"additionalProperties":{"backgroundColor":"green"}}}],"_links":{"self":{"href":"https://x-admin.okta.com/governance/api/v1/labels/lbc11keklyNa6KhMi1d7"}}}],"_links":{"self":{"href":"https://x-admin.okta.com/governance/api/v1/labels","hints":{}}}}"#;
            let response = http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(bytes::Bytes::from_static(body.as_bytes()))
                .unwrap();
            Ok(response)
        })
    }
}

fn client(recorder: Arc<Recorder>) -> Client {
    Client::new("https://example.okta.com", Inner::with_transport(recorder))
}

#[tokio::test]
async fn requests_go_through_the_transport_with_their_metadata() {
    let recorder = Arc::new(Recorder::default());
    let labels = client(recorder.clone()).list_labels().send().await.unwrap();
    assert_eq!(labels.data.len(), 1);
    assert_eq!(labels.data[0].values[0].name.as_str(), "Crown Jewel");
    let seen = recorder.seen.lock().unwrap();
    assert_eq!(
        *seen,
        vec![(
            "GET".to_string(),
            "https://example.okta.com/governance/api/v1/labels".to_string(),
            Some("listLabels")
        )]
    );
}

#[tokio::test]
async fn transport_failures_come_back_typed() {
    let recorder = Arc::new(Recorder {
        fail_with: Some("token endpoint refused"),
        ..Default::default()
    });
    let err = client(recorder).list_labels().send().await.unwrap_err();
    // The transport's own error, unchanged: no synthetic response in between.
    let Error::Transport { source } = &err else {
        panic!("expected the transport's error, got {err:?}");
    };
    assert_eq!(source.to_string(), "token endpoint refused");
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn a_label_name_over_50_characters_fails_before_sending() {
    let recorder = Arc::new(Recorder::default());
    let body = types::LabelCreate::builder()
        .name("x".repeat(51))
        .values(vec![]);
    let err = client(recorder.clone())
        .create_label()
        .body(body)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(err.invalid_field(), Some("body"));
    assert!(err.to_string().contains("longer than 50"), "{err}");
    assert!(
        recorder.seen.lock().unwrap().is_empty(),
        "nothing may be sent"
    );

    let ok = types::LabelCreate::builder()
        .name("x".repeat(50))
        .values(vec![]);
    client(recorder.clone())
        .create_label()
        .body(ok)
        .send()
        .await
        .ok();
    assert_eq!(
        recorder.seen.lock().unwrap().len(),
        1,
        "50 characters is allowed"
    );
}

#[test]
fn unknown_enum_values_decode_and_keep_their_value() {
    let status: types::CampaignStatus = serde_json::from_str(r#""ARCHIVED""#).unwrap();
    assert_eq!(
        status,
        types::CampaignStatus::Unrecognized("ARCHIVED".into())
    );
    assert_eq!(serde_json::to_string(&status).unwrap(), r#""ARCHIVED""#);
    assert_eq!(status.to_string(), "ARCHIVED");
    let known: types::CampaignStatus = serde_json::from_str(r#""ACTIVE""#).unwrap();
    assert_eq!(known, types::CampaignStatus::Active);
    // Typed input stays strict.
    assert!("ARCHIVED".parse::<types::CampaignStatus>().is_err());
}
