//! Helpers shared by the integration tests (each test binary uses a subset).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use okta_governance::{Config, Governance, RetryConfig};
use serde_json::json;
use wiremock::ResponseTemplate;

/// Everything logged (every level, span closes included) while the returned guard lives.
pub fn capture_logs() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let logs = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(logs.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || sink.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

pub const LABELS: &str = "/governance/api/v1/labels";

pub fn labels_body() -> serde_json::Value {
    json!({"data": [], "_links": {"self": {"href": "https://acme-admin.okta.com/governance/api/v1/labels"}}})
}

pub fn fast_retries() -> RetryConfig {
    RetryConfig::default()
        .max_retries(3)
        .deadline(Duration::from_secs(10))
        .base_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(40))
}

pub fn client(org: &str, retry: RetryConfig) -> Governance {
    Governance::new(
        Config::builder()
            .org_url(org)
            .ssws_token("00tok")
            .retry(retry)
            .build()
            .unwrap(),
    )
    .unwrap()
}

/// A client for `org` with an SSWS token and the default retry settings.
pub fn default_client(org: &wiremock::MockServer) -> Governance {
    client(&org.uri(), RetryConfig::default())
}

pub fn epoch(offset: u64) -> String {
    (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + offset)
        .to_string()
}

pub fn rate_limited(id: &str, reset_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("x-okta-request-id", id)
        .insert_header("x-rate-limit-limit", "50")
        .insert_header("x-rate-limit-remaining", "0")
        .insert_header("x-rate-limit-reset", epoch(reset_in).as_str())
        .insert_header("date", httpdate::fmt_http_date(SystemTime::now()).as_str())
        .set_body_json(json!({"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests.", "errorLink": "E0000047", "errorId": "oae1", "errorCauses": []}))
}
