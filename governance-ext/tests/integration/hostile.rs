//! The fault-injection suite: the client against careless callers and hostile servers. Each
//! test is named after the property it proves; governance-ext/README.md ("Security
//! properties") lists them. The hostile server is either wiremock or `RawServer` below, a
//! bare HTTP/1.1 server that records request lines exactly as they arrive (wiremock parses
//! the target into a URL first, which would resolve `..` itself) and answers whatever bytes a
//! test gives it.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{client, fast_retries, labels_body, LABELS};
use futures_util::future::BoxFuture;
use futures_util::TryStreamExt;
use okta_governance::client::prelude::*;
use okta_governance::paginate::Paginate;
use okta_governance::{
    AuthError, BodyLimits, Config, DpopMode, Error, Governance, RetryConfig, SigningKey,
};
use proptest::prelude::*;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::raw_http::{read_request, response, RawRequest};
use wiremock::matchers::{path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------------------------
// A raw HTTP server.

/// One request as it arrived.
type Seen = RawRequest;

type Handler = Arc<dyn Fn(Seen) -> BoxFuture<'static, Vec<u8>> + Send + Sync>;

struct RawServer {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl RawServer {
    async fn start(handler: Handler) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let handler = handler.clone();
                let record = record.clone();
                tokio::spawn(async move {
                    let Some(raw) = read_request(&mut socket).await else {
                        return;
                    };
                    let request = raw;
                    record.lock().unwrap().push(request.clone());
                    let response = handler(request).await;
                    let _ = socket.write_all(&response).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Self { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn handler<F>(f: F) -> Handler
where
    F: Fn(Seen) -> Vec<u8> + Send + Sync + 'static,
{
    let f = Arc::new(f);
    Arc::new(move |seen| {
        let f = f.clone();
        Box::pin(async move { f(seen) })
    })
}

const NOT_FOUND: &str = r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found","errorLink":"E0000007","errorId":"oae1","errorCauses":[]}"#;

fn ssws(url: &str) -> Governance {
    client(url, fast_retries())
}

/// A service-app client of `url` (private_key_jwt, no DPoP) with the given retry settings.
fn service_app(url: &str, retry: RetryConfig) -> Governance {
    Governance::new(
        Config::builder()
            .org_url(url)
            .private_key(okta_governance::PrivateKeyJwt::new(
                "0oa1",
                SigningKey::generate_es256().unwrap(),
            ))
            .dpop(DpopMode::Never)
            .retry(retry)
            .build()
            .unwrap(),
    )
    .unwrap()
}

fn token_body(token: &str, expires_in: u64) -> String {
    json!({"token_type": "Bearer", "access_token": token, "expires_in": expires_in, "scope": "okta.governance.labels.read"}).to_string()
}

// ---------------------------------------------------------------------------------------------
// 1. Path parameters never change which endpoint is called.

/// Values a hostile caller (or a user whose id a service passes on) may give.
fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("..".to_string()),
        Just(".".to_string()),
        Just(r"..\..\..\..\api\v1\users\00uVICTIM".to_string()),
        Just("%2e%2e".to_string()),
        Just("%2E%2E/%2e%2e".to_string()),
        Just("a/b".to_string()),
        Just(r"a\b".to_string()),
        Just("?x=1".to_string()),
        Just("#f".to_string()),
        Just(String::new()),
        Just("\u{ff0e}\u{ff0e}".to_string()),
        Just("..;/admin".to_string()),
        Just("x".repeat(5000)),
        "[./\\\\%?#a-z0-9 ]{0,12}",
        "\\PC{0,16}",
    ]
}

/// The segments of a raw request target's path.
fn segments(target: &str) -> Vec<String> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    path.split('/').skip(1).map(str::to_string).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn path_values_never_change_the_endpoint(value in hostile_value()) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let server = RawServer::start(handler(|_| response(404, &[], NOT_FOUND))).await;
            let okta = ssws(&server.url);
            let _ = okta.delete_label().label_id(value.as_str()).send().await;
            let _ = okta.get_security_access_review().security_access_review_id(value.as_str()).send().await;
            let _ = okta
                .delete_collection_resource()
                .collection_id("col1")
                .resource_id(value.as_str())
                .send()
                .await;
            for seen in server.seen() {
                let segments = segments(&seen.target);
                let expected: &[&[&str]] = &[
                    &["governance", "api", "v1", "labels", "*"],
                    &["governance", "api", "v2", "security-access-reviews", "*"],
                    &["governance", "api", "v1", "collections", "col1", "resources", "*"],
                ];
                let fits = expected.iter().any(|template| {
                    template.len() == segments.len()
                        && template.iter().zip(&segments).all(|(t, s)| {
                            if *t == "*" {
                                !s.is_empty() && s != "." && s != ".."
                                    && !s.eq_ignore_ascii_case("%2e")
                                    && !s.eq_ignore_ascii_case("%2e%2e")
                            } else {
                                t == s
                            }
                        })
                });
                prop_assert!(fits, "{value:?} reached {}", seen.target);
                prop_assert!(!seen.target.contains('#'), "{}", seen.target);
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}

#[test]
fn every_path_parameter_of_every_operation_is_one_segment_or_refused() {
    use okta_governance::client::hooks::{check_path, path_segment};
    use okta_governance::client::operations::OPERATIONS;
    let values = [
        "..",
        ".",
        r"..\..\api\v1\users\00u1",
        "%2e%2e",
        "a/b",
        r"a\b",
        "?x=1",
        "#f",
        "",
        "\u{ff0e}\u{ff0e}",
        "lbl12h191hy4H2f711d7",
    ];
    let mut checked = 0;
    for op in OPERATIONS {
        let params: Vec<_> = op
            .params
            .iter()
            .filter(|p| p.location == okta_governance::client::ParamLocation::Path)
            .collect();
        for value in values {
            // The URL the generated code builds: each `{param}` replaced by the hook's answer.
            let mut path = op.path.to_string();
            let mut refused = false;
            for param in &params {
                match path_segment(value, param.name) {
                    Ok(segment) => {
                        path = path.replace(&format!("{{{}}}", param.name), &segment);
                    }
                    Err(error) => {
                        assert_eq!(error.invalid_field(), Some(param.name), "{error}");
                        refused = true;
                    }
                }
            }
            if refused {
                continue;
            }
            let url = reqwest::Url::parse(&format!("https://acme.okta.com{path}")).unwrap();
            assert_eq!(
                check_path(op.path, url.path()),
                Ok(()),
                "{}: {value:?} -> {}",
                op.id,
                url.path()
            );
            assert_eq!(url.fragment(), None);
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked}");
}

#[tokio::test]
async fn a_refused_path_value_is_a_typed_error_naming_the_parameter_and_nothing_is_sent() {
    let server = RawServer::start(handler(|_| response(204, &[], ""))).await;
    let okta = ssws(&server.url);
    for value in ["..", ".", ""] {
        let error = okta
            .delete_label()
            .label_id(value)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput { field, .. } if field == "labelId"),
            "{value:?}: {error:?}"
        );
        assert!(error.to_string().contains("labelId"), "{error}");
    }
    assert!(server.seen().is_empty());
}

// ---------------------------------------------------------------------------------------------
// 2. Nothing from the network panics the client.

#[tokio::test]
async fn a_reset_of_u64_max_neither_panics_nor_locks_the_bucket() {
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-rate-limit-limit", "50")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", "18446744073709551615")
                .set_body_json(labels_body()),
        )
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(path(LABELS))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-rate-limit-limit", "50")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header(
                    "x-rate-limit-reset",
                    common::epoch(1_000_000_000_000).as_str(),
                )
                .set_body_json(labels_body()),
        )
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(path(LABELS))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels_body()))
        .mount(&org)
        .await;
    let okta = ssws(&org.uri());
    let started = Instant::now();
    for _ in 0..4 {
        okta.list_labels().send().await.unwrap();
    }
    // Neither reset was believed: no wait for a window that never ends (4 calls, 10 s deadline).
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(org.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_429_with_an_absurd_reset_falls_back_to_backoff() {
    let org = MockServer::start().await;
    Mock::given(path(LABELS))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", "18446744073709551615"),
        )
        .up_to_n_times(1)
        .mount(&org)
        .await;
    Mock::given(path(LABELS))
        .respond_with(ResponseTemplate::new(200).set_body_json(labels_body()))
        .mount(&org)
        .await;
    ssws(&org.uri()).list_labels().send().await.unwrap();
    assert_eq!(org.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_token_lifetime_of_u64_max_is_capped_not_a_panic() {
    let server = RawServer::start(handler(|seen| {
        if seen.target.starts_with("/oauth2/v1/token") {
            response(200, &[], &token_body("tok", u64::MAX))
        } else {
            response(200, &[], &labels_body().to_string())
        }
    }))
    .await;
    let okta = service_app(&server.url, fast_retries());
    let auth = okta.authenticate().await.unwrap();
    let left = auth.expires_in.unwrap();
    assert!(left <= Duration::from_secs(24 * 3600), "{left:?}");
    okta.list_labels().send().await.unwrap();
}

/// Header values a hostile server may send for every header the stack reads.
fn hostile_header() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("18446744073709551615".to_string()),
        Just("18446744073709551616".to_string()),
        Just("-1".to_string()),
        Just("0".to_string()),
        Just(String::new()),
        Just("Sun, 06 Nov 1994 08:49:37 GMT".to_string()),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_string()),
        Just("<https://a/x?after=a,b>; rel=\"next\"".to_string()),
        Just("<https://a/x?after=1".to_string()),
        Just("<>; rel=next".to_string()),
        Just("DPoP error=\"use_dpop_nonce\"".to_string()),
        Just("Bearer error=\"invalid_token\", DPoP error=\"use_dpop_nonce\"".to_string()),
        "[ -~]{0,64}",
        "[0-9]{1,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn hostile_response_headers_never_panic_the_stack(
        status in prop::sample::select(vec![200u16, 401, 403, 429, 500, 503]),
        values in prop::collection::vec(hostile_header(), 8),
    ) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let names = [
                "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "date",
                "dpop-nonce", "www-authenticate", "link", "x-okta-request-id",
            ];
            let headers: Vec<(&str, String)> = names.iter().copied().zip(values).collect();
            let server = RawServer::start(handler(move |seen| {
                if seen.target.starts_with("/oauth2/v1/token") {
                    return response(200, &headers, &token_body("tok", 3600));
                }
                let body = if status == 200 { labels_body().to_string() } else { NOT_FOUND.to_string() };
                response(status, &headers, &body)
            }))
            .await;
            let retry = RetryConfig::default().max_retries(2).deadline(Duration::from_secs(1)).base_backoff(Duration::from_millis(1)).max_backoff(Duration::from_millis(5));
            for okta in [client(&server.url, retry), service_app(&server.url, retry)] {
                let _ = okta.list_labels().send().await;
                if let Ok(items) = okta.list_all_request_teams().items(50) {
                    let _ = items.try_collect::<Vec<_>>().await;
                }
                // And the client still works for the next call.
                let _ = okta.list_labels().send().await;
            }
        });
    }

    #[test]
    fn arbitrary_token_endpoint_bodies_never_panic(
        status in prop::sample::select(vec![200u16, 400, 401, 429, 500]),
        body in prop_oneof![
            "\\PC{0,80}",
            (any::<u64>(), "[a-zA-Z]{0,8}").prop_map(|(n, t)| json!({"access_token": "a", "token_type": t, "expires_in": n}).to_string()),
            Just(r#"{"access_token": 5}"#.to_string()),
            Just(r#"{"error": "invalid_client"}"#.to_string()),
        ],
    ) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let server = RawServer::start(handler(move |_| response(status, &[], &body))).await;
            let retry = RetryConfig::default().max_retries(1).deadline(Duration::from_millis(150)).base_backoff(Duration::from_millis(1)).max_backoff(Duration::from_millis(5));
            let okta = service_app(&server.url, retry);
            let _ = okta.authenticate().await;
        });
    }
}

// ---------------------------------------------------------------------------------------------
// 3. A failing token endpoint does not cascade.

/// A token endpoint that answers `answer` after `delay`, counting requests and the most in
/// flight at once; every API request succeeds.
async fn slow_token_endpoint(
    delay: Duration,
    answer: impl Fn(usize) -> Vec<u8> + Send + Sync + 'static,
) -> (RawServer, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let requests = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let answer = Arc::new(answer);
    let (r, f, m) = (requests.clone(), in_flight.clone(), most.clone());
    let server = RawServer::start(Arc::new(move |seen: Seen| {
        let (requests, in_flight, most, answer) = (r.clone(), f.clone(), m.clone(), answer.clone());
        Box::pin(async move {
            if !seen.target.starts_with("/oauth2/v1/token") {
                return response(200, &[], &labels_body().to_string());
            }
            let n = requests.fetch_add(1, Ordering::SeqCst);
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(delay).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
            answer(n)
        })
    }))
    .await;
    (server, requests, most)
}

fn unavailable() -> Vec<u8> {
    response(503, &[], r#"{"error":"temporarily_unavailable"}"#)
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request_and_its_failure() {
    let (server, requests, most) =
        slow_token_endpoint(Duration::from_millis(200), |_| unavailable()).await;
    let retry = RetryConfig::default()
        .max_retries(4)
        .deadline(Duration::from_millis(1500))
        .base_backoff(Duration::from_millis(100))
        .max_backoff(Duration::from_millis(400));
    let okta = service_app(&server.url, retry);
    let started = Instant::now();
    let calls = (0..20).map(|_| {
        let okta = okta.clone();
        tokio::spawn(async move { okta.list_labels().send().await })
    });
    let results = futures_util::future::join_all(calls).await;
    for result in results {
        let error = result.unwrap().unwrap_err();
        assert!(
            matches!(
                error,
                Error::Auth(AuthError::TokenEndpoint { status: 503, .. }) | Error::Timeout { .. }
            ),
            "{error:?}"
        );
    }
    assert_eq!(
        most.load(Ordering::SeqCst),
        1,
        "one token request at a time"
    );
    // 20 sequential requests of 200 ms would take 4 s; spaced retries within 1.5 s make at
    // most a handful.
    let made = requests.load(Ordering::SeqCst);
    assert!((1..=6).contains(&made), "{made} token requests");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_token_wait_counts_against_the_call_deadline() {
    let (server, _, _) = slow_token_endpoint(Duration::from_secs(10), |_| {
        response(200, &[], &token_body("late", 3600))
    })
    .await;
    let retry = fast_retries().deadline(Duration::from_millis(300));
    let okta = service_app(&server.url, retry);
    let started = Instant::now();
    let error = okta.list_labels().send().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn transient_token_failures_are_retried_within_the_deadline() {
    let (server, requests, _) = slow_token_endpoint(Duration::ZERO, |n| match n {
        0 => unavailable(),
        1 => response(429, &[], r#"{"error":"too_many_requests"}"#),
        _ => response(200, &[], &token_body("tok", 3600)),
    })
    .await;
    let okta = service_app(&server.url, fast_retries());
    okta.list_labels().send().await.unwrap();
    assert_eq!(requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn token_requests_wait_for_the_token_endpoints_rate_limit_reset() {
    // The 429 says the token bucket is empty for 2 s (by the server's clock); the retry waits
    // for that reset through the client's throttle, not just the 10 ms backoff.
    let now = std::time::SystemTime::now();
    let secs = now.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let times = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = times.clone();
    let (server, requests, _) = slow_token_endpoint(Duration::ZERO, move |n| {
        seen.lock().unwrap().push(Instant::now());
        match n {
            0 => response(
                429,
                &[
                    ("date", httpdate::fmt_http_date(now)),
                    ("x-rate-limit-limit", "600".into()),
                    ("x-rate-limit-remaining", "0".into()),
                    ("x-rate-limit-reset", (secs + 2).to_string()),
                ],
                r#"{"error":"too_many_requests"}"#,
            ),
            _ => response(200, &[], &token_body("tok", 3600)),
        }
    })
    .await;
    let okta = service_app(&server.url, fast_retries());
    okta.list_labels().send().await.unwrap();
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    let times = times.lock().unwrap();
    let gap = times[1] - times[0];
    assert!(gap >= Duration::from_millis(1500), "{gap:?}");
}

#[tokio::test]
async fn a_permanent_token_refusal_is_not_retried() {
    let (server, requests, _) = slow_token_endpoint(Duration::ZERO, |_| {
        response(
            401,
            &[],
            r#"{"error":"invalid_client","error_description":"bad key"}"#,
        )
    })
    .await;
    let okta = service_app(&server.url, fast_retries());
    let error = okta.list_labels().send().await.unwrap_err();
    assert!(
        matches!(&error, Error::Auth(AuthError::TokenEndpoint { error, .. }) if error == "invalid_client"),
        "{error:?}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failed_early_refresh_keeps_using_the_still_valid_token() {
    // The first token lives 120 s and is refreshed 119 s early, i.e. after 1 s; the refresh
    // fails, and the call goes on with the first token.
    let (server, requests, _) = slow_token_endpoint(Duration::ZERO, |n| match n {
        0 => response(200, &[], &token_body("first", 120)),
        _ => unavailable(),
    })
    .await;
    let okta = Governance::new(
        Config::builder()
            .org_url(&server.url)
            .private_key(okta_governance::PrivateKeyJwt::new(
                "0oa1",
                SigningKey::generate_es256().unwrap(),
            ))
            .dpop(DpopMode::Never)
            .refresh_margin(Duration::from_secs(119))
            // A backoff after the failed refresh long enough that the third call surely
            // falls inside it, however loaded the machine.
            .retry(
                fast_retries()
                    .base_backoff(Duration::from_secs(10))
                    .max_backoff(Duration::from_secs(20)),
            )
            .build()
            .unwrap(),
    )
    .unwrap();
    okta.list_labels().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    okta.list_labels().send().await.unwrap();
    okta.list_labels().send().await.unwrap();
    let api: Vec<Seen> = server
        .seen()
        .into_iter()
        .filter(|s| s.target.starts_with(LABELS))
        .collect();
    assert_eq!(api.len(), 3);
    assert!(api.iter().all(|s| s
        .head
        .to_ascii_lowercase()
        .contains("authorization: bearer first")));
    // One refresh was tried; the failure spaced the next try, so the third call did not
    // hammer the endpoint.
    assert_eq!(requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_non_json_token_error_keeps_an_excerpt_of_the_body() {
    let (server, _, _) = slow_token_endpoint(Duration::ZERO, |_| {
        response(
            400,
            &[("content-type", "text/html".into())],
            "<html><body>Request blocked by the corporate proxy</body></html>",
        )
    })
    .await;
    let okta = service_app(&server.url, fast_retries());
    let error = okta.authenticate().await.unwrap_err().to_string();
    assert!(
        error.contains("Request blocked by the corporate proxy"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Pagination never loops and never truncates silently.

const TEAMS: &str = "/governance/api/v1/teams";

fn team(n: u32) -> serde_json::Value {
    json!({"id": format!("{n:024x}"), "name": format!("Team {n}"), "created": "2025-01-01T00:00:00Z", "lastUpdated": "2025-01-02T00:00:00Z"})
}

fn teams_page(n: u32, next: Option<&str>) -> ResponseTemplate {
    let mut links =
        json!({"self": {"href": "https://acme-admin.okta.com/governance/api/v1/teams"}});
    if let Some(next) = next {
        links["next"] = json!({ "href": next });
    }
    ResponseTemplate::new(200).set_body_json(json!({"data": [team(n)], "_links": links}))
}

#[tokio::test]
async fn a_paging_loop_ends_with_an_error() {
    let org = MockServer::start().await;
    let link = |c: &str| format!("https://acme-admin.okta.com{TEAMS}?after={c}");
    let (a, b) = ("0000000000000000000000aa", "0000000000000000000000bb");
    Mock::given(path(TEAMS))
        .and(query_param_is_missing("after"))
        .respond_with(teams_page(1, Some(&link(a))))
        .mount(&org)
        .await;
    Mock::given(path(TEAMS))
        .and(query_param("after", a))
        .respond_with(teams_page(2, Some(&link(b))))
        .mount(&org)
        .await;
    Mock::given(path(TEAMS))
        .and(query_param("after", b))
        .respond_with(teams_page(3, Some(&link(a))))
        .mount(&org)
        .await;
    let okta = ssws(&org.uri());
    let mut items = okta.list_all_request_teams().items(1).unwrap();
    let mut names = Vec::new();
    let error = loop {
        match items.try_next().await {
            Ok(Some(team)) => names.push(team.name.to_string()),
            Ok(None) => panic!("the stream ended instead of reporting the loop"),
            Err(error) => break error,
        }
    };
    assert_eq!(names, ["Team 1", "Team 2", "Team 3"]);
    assert!(matches!(error, Error::Pagination { .. }), "{error:?}");
    assert_eq!(org.received_requests().await.unwrap().len(), 3);
}

/// Every page names a cursor never seen before (`n` counts the requests).
fn fresh_cursor_page(n: &AtomicUsize, with_item: bool) -> ResponseTemplate {
    let i = n.fetch_add(1, Ordering::SeqCst);
    let links = json!({
        "self": {"href": "https://acme-admin.okta.com/governance/api/v1/teams"},
        "next": {"href": format!("https://acme-admin.okta.com{TEAMS}?after={i:024x}")}
    });
    let data = if with_item {
        json!([team(1)])
    } else {
        json!([])
    };
    ResponseTemplate::new(200).set_body_json(json!({"data": data, "_links": links}))
}

#[tokio::test]
async fn empty_pages_with_fresh_cursors_end_the_stream() {
    let org = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    Mock::given(path(TEAMS))
        .respond_with(move |_: &wiremock::Request| fresh_cursor_page(&seen, false))
        .mount(&org)
        .await;
    let okta = ssws(&org.uri());
    let result: Result<Vec<_>, Error> = okta
        .list_all_request_teams()
        .items(200)
        .unwrap()
        .try_collect()
        .await;
    let error = result.unwrap_err();
    assert!(
        error.to_string().contains("empty pages in a row"),
        "{error}"
    );
    assert_eq!(
        count.load(Ordering::SeqCst),
        3,
        "three empty pages, then the end"
    );
}

#[tokio::test]
async fn a_stream_ends_at_its_page_and_time_bounds() {
    use okta_governance::paginate::PageBounds;
    let org = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    Mock::given(path(TEAMS))
        .respond_with(move |_: &wiremock::Request| fresh_cursor_page(&seen, true))
        .mount(&org)
        .await;
    let okta = ssws(&org.uri());
    let result: Result<Vec<_>, Error> = okta
        .list_all_request_teams()
        .items_within(1, PageBounds::default().max_pages(25))
        .unwrap()
        .try_collect()
        .await;
    let error = result.unwrap_err();
    assert!(error.to_string().contains("limit of 25 pages"), "{error}");
    assert_eq!(count.load(Ordering::SeqCst), 25);

    // A slow server and a time bound: the stream ends with a paging error, not a hang.
    let slow = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    Mock::given(path(TEAMS))
        .respond_with(move |_: &wiremock::Request| {
            fresh_cursor_page(&seen, true).set_delay(Duration::from_millis(400))
        })
        .mount(&slow)
        .await;
    let started = Instant::now();
    let result: Result<Vec<_>, Error> = ssws(&slow.uri())
        .list_all_request_teams()
        .items_within(1, PageBounds::default().max_time(Duration::from_secs(1)))
        .unwrap()
        .try_collect()
        .await;
    assert!(
        matches!(result, Err(Error::Pagination { .. })),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    // Bounds that cannot work are refused, naming the field.
    for (bounds, field) in [
        (PageBounds::default().max_pages(0), "max_pages"),
        (
            PageBounds::default().max_empty_in_a_row(0),
            "max_empty_in_a_row",
        ),
        (PageBounds::default().max_time(Duration::MAX), "max_time"),
    ] {
        let error = okta
            .list_all_request_teams()
            .pages_within(1, bounds)
            .err()
            .expect("refused");
        assert_eq!(error.invalid_field(), Some(field));
    }
}

#[tokio::test]
async fn an_unfollowable_next_link_is_an_error_not_the_end() {
    for next in [
        "https://acme-admin.okta.com/governance/api/v1/teams?limit=1",
        "http://[::1",
    ] {
        let org = MockServer::start().await;
        Mock::given(path(TEAMS))
            .respond_with(teams_page(1, Some(next)))
            .mount(&org)
            .await;
        let result: Result<Vec<_>, Error> = ssws(&org.uri())
            .list_all_request_teams()
            .items(1)
            .unwrap()
            .try_collect()
            .await;
        assert!(
            matches!(result, Err(Error::Pagination { .. })),
            "{next}: {result:?}"
        );
    }
}

#[tokio::test]
async fn link_headers_with_commas_in_urls_are_followed() {
    let org = MockServer::start().await;
    // A comma in the URL (here in another query parameter) is part of the link.
    let cursor = "0000000000000000000000c1";
    Mock::given(path(TEAMS))
        .and(query_param_is_missing("after"))
        .respond_with(teams_page(1, None).insert_header(
            "link",
            format!("<https://acme-admin.okta.com{TEAMS}?limit=1>; rel=\"self\", <https://acme-admin.okta.com{TEAMS}?filter=a,b&after={cursor}&limit=1>; rel=\"next\"").as_str(),
        ))
        .mount(&org)
        .await;
    Mock::given(path(TEAMS))
        .and(query_param("after", cursor))
        .respond_with(teams_page(2, None))
        .mount(&org)
        .await;
    let teams: Vec<_> = ssws(&org.uri())
        .list_all_request_teams()
        .items(1)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(teams.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// 8. Every buffer is bounded.

fn limited(url: &str, limits: BodyLimits) -> Governance {
    Governance::new(
        Config::builder()
            .org_url(url)
            .ssws_token("00tok")
            .retry(fast_retries())
            .max_body(limits)
            .build()
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn oversized_bodies_are_refused_whether_announced_or_streamed() {
    let big = labels_body().to_string() + &" ".repeat(4096);
    let announced = big.clone();
    let server = RawServer::start(handler(move |seen| {
        if seen.target.contains("labels") {
            response(200, &[], &announced)
        } else {
            // No Content-Length: chunked, the size known only while reading.
            let chunk = "x".repeat(1000);
            let mut out =
                b"HTTP/1.1 500 X\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
                    .to_vec();
            for _ in 0..10 {
                out.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
            }
            out.extend_from_slice(b"0\r\n\r\n");
            out
        }
    }))
    .await;
    let okta = limited(&server.url, BodyLimits::new(1024, 512));
    let error = okta.list_labels().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::BodyTooLarge {
                status: 200,
                limit: 1024
            }
        ),
        "{error:?}"
    );
    let error = okta
        .get_security_access_review()
        .security_access_review_id("sar1")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::BodyTooLarge {
                status: 500,
                limit: 512
            }
        ),
        "{error:?}"
    );
    // Within the limits, the same answer is read.
    let roomy = limited(&server.url, BodyLimits::new(big.len(), 512));
    roomy.list_labels().send().await.unwrap();
}

#[tokio::test]
async fn an_oversized_token_response_is_refused() {
    let server = RawServer::start(handler(|_| {
        response(200, &[], &token_body(&"t".repeat(100_000), 3600))
    }))
    .await;
    let error = service_app(&server.url, fast_retries())
        .authenticate()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("over the limit"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Careless callers: configuration.

#[test]
fn absurd_durations_are_refused_naming_the_field() {
    for (retry, field) in [
        (
            RetryConfig::default().deadline(Duration::MAX),
            "retry.deadline",
        ),
        (
            RetryConfig::default().deadline(Duration::ZERO),
            "retry.deadline",
        ),
        (
            RetryConfig::default().max_backoff(Duration::MAX),
            "retry.max_backoff",
        ),
        (
            RetryConfig::default().max_retries(u32::MAX),
            "retry.max_retries",
        ),
    ] {
        let error = Config::builder()
            .org_url("https://acme.okta.com")
            .ssws_token("00tok")
            .retry(retry)
            .build()
            .unwrap_err();
        assert!(error.to_string().contains(field), "{error}");
    }
    let error = Config::builder()
        .org_url("https://acme.okta.com")
        .ssws_token("00tok")
        .request_timeout(Duration::MAX)
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("requestTimeout"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// 5. The code exchange never follows a redirect with the code and the PKCE verifier.

/// A user's refresh goes through the one token-endpoint client: the server's own status in
/// the typed error (not one made up), and the token endpoint's rate-limit budget honoured.
#[tokio::test]
async fn user_refreshes_report_the_servers_status_and_are_paced() {
    use okta_governance::auth::user::UserTokens;
    use okta_governance::auth::Credentials;
    use okta_governance::{AuthError, OrgUrl};
    let refused = RawServer::start(handler(|_| {
        response(
            401,
            &[],
            r#"{"error":"invalid_client","error_description":"no such client"}"#,
        )
    }))
    .await;
    // A signed-in user's client of `url`: tokens from a refresh token, no DPoP.
    let user_client = |url: &str| {
        let org = OrgUrl::parse(url).unwrap();
        Governance::new(
            Config::builder()
                .org_url(&org)
                .credentials(Credentials::User(UserTokens::from_refresh_token(
                    &org,
                    "0oa1",
                    "refresh-1",
                )))
                .dpop(DpopMode::Never)
                .refresh_margin(Duration::from_secs(5))
                .build()
                .unwrap(),
        )
        .unwrap()
    };
    let okta = user_client(&refused.url);
    let error = okta.authenticate().await.unwrap_err();
    assert!(
        matches!(&error, Error::Auth(AuthError::TokenEndpoint { status: 401, error, .. }) if error == "invalid_client"),
        "{error:?}"
    );
    let form = &refused.seen()[0];
    assert!(form.target.ends_with("/oauth2/v1/token"), "{form:?}");
    assert_eq!(form.method, "POST");
    assert!(
        form.body.contains("grant_type=refresh_token") && form.body.contains("client_id=0oa1"),
        "{}",
        form.body
    );

    // A budget of zero left until a reset 2-3 s away: the second refresh waits for it.
    let now_secs = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let reset = now_secs() + 3;
    let paced = RawServer::start(handler(move |_| {
        response(
            200,
            &[
                ("x-rate-limit-limit", "1".into()),
                ("x-rate-limit-remaining", "0".into()),
                ("x-rate-limit-reset", reset.to_string()),
            ],
            &json!({"token_type": "Bearer", "access_token": "a", "expires_in": 1, "refresh_token": "refresh-2"}).to_string(),
        )
    }))
    .await;
    let okta = user_client(&paced.url);
    okta.authenticate().await.unwrap();
    // The token lives 1 s: after it, the next call refreshes, and waits for the window.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    okta.authenticate().await.unwrap();
    assert_eq!(paced.seen().len(), 2);
    // Unpaced, the second refresh would be back at most 2 s after `reset` was set, before
    // the reset's second.
    assert!(
        now_secs() >= reset,
        "the second refresh did not wait for the rate-limit window"
    );
}

#[tokio::test]
async fn the_code_exchange_follows_no_redirect() {
    use okta_governance::auth::user::UserSignIn;
    let elsewhere =
        RawServer::start(handler(|_| response(200, &[], &token_body("stolen", 3600)))).await;
    let target = format!("{}/steal", elsewhere.url);
    let org = RawServer::start(handler(move |_| {
        response(307, &[("location", target.clone())], "")
    }))
    .await;
    let org_url = okta_governance::OrgUrl::parse(&org.url).unwrap();
    let sign_in = UserSignIn::new(&org_url, "0oa1", "http://127.0.0.1/callback").unwrap();
    let request = sign_in.authorize_url(&okta_governance::Scopes::new(["openid"]));
    let state = request
        .url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let result = sign_in.exchange("the-code", &state, request).await;
    assert!(result.is_err(), "{result:?}");
    assert_eq!(org.seen().len(), 1, "the org got the code");
    assert!(
        elsewhere.seen().is_empty(),
        "nothing, code or verifier, reached the redirect's target"
    );
}
