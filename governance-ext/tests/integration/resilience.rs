//! Faults a real org produces, against local servers; each test counts the requests made and
//! checks the typed result.

use crate::common;

use std::time::{Duration, Instant, SystemTime};

use common::{client, epoch, fast_retries, labels_body, rate_limited, LABELS};

use okta_governance::client::prelude::*;
use okta_governance::client::types;
use okta_governance::{Config, Error, Governance};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn server_error(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"errorCode": "E0000009", "errorSummary": "Internal Server Error", "errorLink": "E0000009", "errorId": "oae2", "errorCauses": []}))
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap()
}

fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_429_storm_waits_for_the_reset_and_marks_the_retries() {
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(rate_limited("req-first", 1))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(path(LABELS))
        .respond_with(rate_limited("req-second", 1))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(path(LABELS))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels_body()))
        .mount(&org)
        .await;
    let started = Instant::now();
    client(&org.uri(), fast_retries())
        .list_labels()
        .send()
        .await
        .unwrap();
    let seen = requests(&org).await;
    assert_eq!(seen.len(), 3);
    assert_eq!(header(&seen[0], "x-okta-retry-count"), None);
    assert_eq!(header(&seen[1], "x-okta-retry-for"), Some("req-first"));
    assert_eq!(header(&seen[1], "x-okta-retry-count"), Some("1"));
    assert_eq!(header(&seen[2], "x-okta-retry-for"), Some("req-first"));
    assert_eq!(header(&seen[2], "x-okta-retry-count"), Some("2"));
    // Each retry waited for a reset that lay in the future (a lower bound only).
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn endless_429s_end_in_a_typed_rate_limit_error() {
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(rate_limited("req", 0))
        .mount(&org)
        .await;
    let retry = fast_retries().max_retries(2);
    let error = client(&org.uri(), retry)
        .list_labels()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::RateLimited { retries: 2, .. }),
        "{error:?}"
    );
    assert_eq!(requests(&org).await.len(), 3);
}

#[tokio::test]
async fn a_429_without_rate_limit_headers_backs_off_and_retries() {
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(path(LABELS))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels_body()))
        .mount(&org)
        .await;
    client(&org.uri(), fast_retries())
        .list_labels()
        .send()
        .await
        .unwrap();
    assert_eq!(requests(&org).await.len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_for_get() {
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(server_error(500))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(path(LABELS))
        .respond_with(server_error(503))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(path(LABELS))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels_body()))
        .mount(&org)
        .await;
    client(&org.uri(), fast_retries())
        .list_labels()
        .send()
        .await
        .unwrap();
    assert_eq!(requests(&org).await.len(), 3);
}

fn new_label() -> types::builder::LabelCreate {
    types::LabelCreate::builder()
        .name("Sensitivity")
        .values(vec![types::LabelValueCreate::try_from(
            types::LabelValueCreate::builder().name("High"),
        )
        .unwrap()])
}

#[tokio::test]
async fn a_failed_post_is_not_repeated() {
    let org = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LABELS))
        .respond_with(server_error(500))
        .mount(&org)
        .await;
    let error = client(&org.uri(), fast_retries())
        .create_label()
        .body(new_label())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api(api) if api.status == 500),
        "{error:?}"
    );
    assert_eq!(
        requests(&org).await.len(),
        1,
        "a POST that may have run is never sent again"
    );
}

#[tokio::test]
async fn a_rate_limited_post_is_retried() {
    let org = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LABELS))
        .respond_with(rate_limited("req", 0))
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(method("POST"))
        .and(path(LABELS))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "labelId": "lbc11keklyNa6KhMi1d7", "name": "Sensitivity",
            "values": [{"labelValueId": "lbl12h191hy4H2f711d7", "name": "High"}],
            "_links": {"self": {"href": "https://acme-admin.okta.com/governance/api/v1/labels/lbc1"}}
        })))
        .mount(&org)
        .await;
    client(&org.uri(), fast_retries())
        .create_label()
        .body(new_label())
        .send()
        .await
        .unwrap();
    assert_eq!(
        requests(&org).await.len(),
        2,
        "a 429 proves the POST did not run"
    );
}

#[tokio::test]
async fn a_slow_server_hits_the_deadline() {
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(labels_body())
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&org)
        .await;
    let retry = fast_retries().deadline(Duration::from_millis(300));
    let error = client(&org.uri(), retry)
        .list_labels()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(requests(&org).await.len(), 1);
}

#[tokio::test]
async fn each_attempt_has_the_request_timeout_and_a_timed_out_get_is_retried() {
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(labels_body())
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&org)
        .await;
    let okta = Governance::new(
        Config::builder()
            .org_url(org.uri())
            .ssws_token("00tok")
            .request_timeout(Duration::from_millis(200))
            .retry(fast_retries().max_retries(2))
            .build()
            .unwrap(),
    )
    .unwrap();
    // Were attempts not cut at 200 ms, the first would succeed after 5 s, inside the deadline.
    let error = okta.list_labels().send().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(
        requests(&org).await.len(),
        3,
        "the first attempt and two retries"
    );
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_and_not_retried() {
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"data": [{"labelId": "lb"#, "application/json"),
        )
        .mount(&org)
        .await;
    let error = client(&org.uri(), fast_retries())
        .list_labels()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Decode { operation: Some("listLabels"), status: Some(200), excerpt, path, .. }
            if excerpt.starts_with("{\"data\"") && path == "$.data[0].labelId"),
        "{error:?}"
    );
    assert_eq!(requests(&org).await.len(), 1);
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_names_operation_status_and_path() {
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": [{"labelId": "lbc11keklyNa6KhMi1d7", "name": "Crown Jewel", "values": "not a list",
                      "_links": {"self": {"href": "https://acme-admin.okta.com/x"}}}],
            "_links": {"self": {"href": "https://acme-admin.okta.com/x"}}
        })))
        .mount(&org)
        .await;
    let error = client(&org.uri(), fast_retries())
        .list_labels()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot decode the listLabels response (200) at $.data[0].values"
    );
    // serde's own words are the cause, for error reporters that walk the chain.
    let cause = std::error::Error::source(&error).expect("the serde error");
    assert!(cause.to_string().contains("invalid type"), "{cause}");
}

#[tokio::test]
async fn a_connection_reset_mid_body_is_retried_for_get() {
    // A raw server: the first connection promises 500 bytes, sends 20 and closes.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut connections = 0;
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            connections += 1;
            let mut buffer = vec![0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            if connections == 1 {
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"data\": [{\"label")
                    .await;
                drop(socket);
            } else {
                let body = labels_body().to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                return connections;
            }
        }
    });
    client(&format!("http://{address}"), fast_retries())
        .list_labels()
        .send()
        .await
        .unwrap();
    assert_eq!(server.await.unwrap(), 2);
}

#[tokio::test]
async fn an_exhausted_budget_is_waited_out_instead_of_drawing_a_429() {
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-rate-limit-limit", "50")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", epoch(1).as_str())
                .insert_header("date", httpdate::fmt_http_date(SystemTime::now()).as_str())
                .set_body_json(labels_body()),
        )
        .mount(&org)
        .await;
    let okta = client(&org.uri(), fast_retries());
    okta.list_labels().send().await.unwrap();
    let first = Instant::now();
    okta.list_labels().send().await.unwrap();
    assert!(
        first.elapsed() >= Duration::from_millis(200),
        "the second call waited for the reset: {:?}",
        first.elapsed()
    );
    assert_eq!(requests(&org).await.len(), 2);
}

#[tokio::test]
async fn errors_keep_their_causes_for_reporters() {
    // Nothing listens on port 9 here: the connection is refused at once.
    let error = client("http://127.0.0.1:9", fast_retries())
        .list_labels()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    let cause = std::error::Error::source(&error).expect("a cause");
    assert!(
        cause.downcast_ref::<reqwest::Error>().is_some(),
        "the reqwest error itself: {cause:?}"
    );
    // `anyhow`-style reporters walk the chain down to the I/O error.
    let mut chain = 0;
    let mut next: Option<&dyn std::error::Error> = Some(&error);
    while let Some(current) = next {
        chain += 1;
        next = current.source();
    }
    assert!(
        chain >= 3,
        "error, reqwest error, and what reqwest saw: {chain}"
    );
    fn is_send_sync_static<T: Send + Sync + 'static>(_: &T) {}
    is_send_sync_static(&error);
}
