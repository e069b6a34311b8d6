//! The chaos run: a seeded fault-injecting org against a few thousand mixed requests.
//!
//! A bare HTTP/1.1 server plays the org (token endpoint, a paged list, bulk label assignment)
//! and answers each request, at random from the seed, with a success or one of the faults a
//! broken network or server produces: a connection closed before or in the middle of the
//! body, truncated or malformed JSON, a body that trickles in, a `Content-Length` far over any
//! limit, 429s with odd rate-limit headers, 5xx, redirects within the org and away from it,
//! and refused access tokens. The callers mix paged lists, bulk assignments and token
//! fetches, and give up on some calls at random (the future is dropped mid-flight).
//!
//! It asserts: no panic; no call outlives its deadline (plus a slack for scheduling); every
//! call ends with a value or a typed error of the kinds expected here; no `POST` is sent again
//! after the server may have applied it; and memory stays flat across the rounds. It prints
//! the figures the README's reliability section quotes.
//!
//! A binary of its own: the memory check reads the process's resident size, which other tests
//! running beside it would disturb. `OIG_CHAOS_SEED` and `OIG_CHAOS_CALLS` change the seed and
//! the number of calls per round (the defaults are what CI runs).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use okta_governance::client::prelude::*;
use okta_governance::client::types;
use okta_governance::orn::Orn;
use okta_governance::paginate::{PageBounds, Paginate};
use okta_governance::{AuthError, Config, DpopMode, Error, Governance, RetryConfig, SigningKey};
use proptest::prelude::RngExt;
use proptest::test_runner::{RngAlgorithm, TestRng};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[path = "common/raw_http.rs"]
mod raw_http;
use raw_http::{read_request, response, RawRequest};

const TEAMS: &str = "/governance/api/v1/teams";
const ASSIGN: &str = "/governance/api/v1/resource-labels/assign";
const TOKEN: &str = "/oauth2/v1/token";
/// The teams list: 7 teams, 2 per page.
const TEAM_COUNT: usize = 7;
const PAGE: usize = 2;
const ROUNDS: usize = 4;
/// Each request's deadline (the client's retry deadline).
const DEADLINE: Duration = Duration::from_secs(3);
/// How late past its deadline a call may end (scheduling on a loaded 2-core machine).
const SLACK: Duration = Duration::from_secs(4);

fn seed() -> u64 {
    std::env::var("OIG_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0123_4567_89ab_cdef)
}

fn calls_per_round() -> usize {
    std::env::var("OIG_CHAOS_CALLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300)
}

fn rng(seed: u64, stream: u64) -> TestRng {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&stream.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

// ---------------------------------------------------------------------------------------------
// The chaotic org.

/// What the server did with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Fault {
    Ok,
    ClosedBeforeResponse,
    ClosedMidBody,
    TruncatedJson,
    MalformedJson,
    SlowBody,
    HugeLength,
    RateLimitedOddHeaders,
    ServerError,
    RedirectWithinOrg,
    RedirectAway,
    TokenRefused,
}

impl Fault {
    /// Whether a request answered this way may have taken effect on the server: everything
    /// but a refusal before any work (429, a redirect, an access token refused).
    fn may_have_applied(self) -> bool {
        !matches!(
            self,
            Fault::RateLimitedOddHeaders
                | Fault::RedirectWithinOrg
                | Fault::RedirectAway
                | Fault::TokenRefused
        )
    }
}

#[derive(Default)]
struct Ledger {
    requests: AtomicUsize,
    retries: AtomicUsize,
    token_requests: AtomicUsize,
    faults: Mutex<BTreeMap<Fault, usize>>,
    /// Each POST body, with how each delivery of it was answered.
    posts: Mutex<HashMap<String, Vec<Fault>>>,
}

struct Org {
    url: String,
    ledger: Arc<Ledger>,
}

async fn start_org(seed: u64) -> Org {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let ledger = Arc::new(Ledger::default());
    let (served, org_url) = (ledger.clone(), url.clone());
    tokio::spawn(async move {
        let mut connection = 0u64;
        while let Ok((socket, _)) = listener.accept().await {
            connection += 1;
            let rng = rng(seed, connection);
            tokio::spawn(serve(socket, rng, served.clone(), org_url.clone()));
        }
    });
    Org { url, ledger }
}

fn pick(rng: &mut TestRng, table: &[(u32, Fault)]) -> Fault {
    let total: u32 = table.iter().map(|(w, _)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (weight, fault) in table {
        if roll < *weight {
            return *fault;
        }
        roll -= weight;
    }
    Fault::Ok
}

const API_FAULTS: &[(u32, Fault)] = &[
    (55, Fault::Ok),
    (4, Fault::ClosedBeforeResponse),
    (4, Fault::ClosedMidBody),
    (4, Fault::TruncatedJson),
    (4, Fault::MalformedJson),
    (5, Fault::SlowBody),
    (2, Fault::HugeLength),
    (7, Fault::RateLimitedOddHeaders),
    (6, Fault::ServerError),
    (4, Fault::RedirectWithinOrg),
    (1, Fault::RedirectAway),
    (4, Fault::TokenRefused),
];

const TOKEN_FAULTS: &[(u32, Fault)] = &[
    (75, Fault::Ok),
    (4, Fault::ClosedBeforeResponse),
    (4, Fault::MalformedJson),
    (4, Fault::SlowBody),
    (5, Fault::RateLimitedOddHeaders),
    (8, Fault::ServerError),
];

async fn serve(mut socket: TcpStream, mut rng: TestRng, ledger: Arc<Ledger>, org: String) {
    let Some(RawRequest {
        method,
        target,
        head,
        body,
    }) = read_request(&mut socket).await
    else {
        return;
    };
    ledger.requests.fetch_add(1, Ordering::Relaxed);
    if head.to_ascii_lowercase().contains("x-okta-retry-count:") {
        ledger.retries.fetch_add(1, Ordering::Relaxed);
    }
    let path = target.split('?').next().unwrap_or_default().to_string();
    let is_token = path == TOKEN;
    if is_token {
        ledger.token_requests.fetch_add(1, Ordering::Relaxed);
    }
    let fault = pick(&mut rng, if is_token { TOKEN_FAULTS } else { API_FAULTS });
    *ledger.faults.lock().unwrap().entry(fault).or_default() += 1;
    if method == "POST" && !is_token {
        ledger
            .posts
            .lock()
            .unwrap()
            .entry(body)
            .or_default()
            .push(fault);
    }
    let good = if is_token {
        let expires_in = [0u64, 1, 5, 60, 3600, u64::MAX][rng.random_range(0..6usize)];
        serde_json::json!({"token_type": "Bearer", "access_token": format!("at-{}", rng.random_range(0..u32::MAX)), "expires_in": expires_in, "scope": "okta.governance.labels.manage okta.governance.accessRequests.read"}).to_string()
    } else if path == TEAMS {
        teams_page(&target)
    } else if path == ASSIGN {
        r#"{"data":[],"_links":{"self":{"href":"https://acme-admin.okta.com/governance/api/v1/resource-labels/assign"}}}"#.to_string()
    } else {
        let _ = socket
            .write_all(&response(404, &[], r#"{"errorCode":"E0000007"}"#))
            .await;
        return;
    };
    let out = match fault {
        Fault::Ok => response(200, &ok_headers(), &good),
        Fault::ClosedBeforeResponse => return,
        Fault::ClosedMidBody => {
            let mut bytes = response(200, &ok_headers(), &good);
            bytes.truncate(bytes.len() - good.len() / 2 - 1);
            bytes
        }
        Fault::TruncatedJson => response(200, &ok_headers(), &good[..good.len() / 2]),
        Fault::MalformedJson => {
            let junk = ["not json", "{\"data\": [1, 2", "<html>502</html>", "{\"data\": \"x\"}", "null"];
            response(200, &ok_headers(), junk[rng.random_range(0..junk.len())])
        }
        Fault::SlowBody => {
            let bytes = response(200, &ok_headers(), &good);
            let pause = Duration::from_millis(rng.random_range(5..150));
            for piece in bytes.chunks(bytes.len() / 8 + 1) {
                if socket.write_all(piece).await.is_err() {
                    return;
                }
                tokio::time::sleep(pause).await;
            }
            let _ = socket.shutdown().await;
            return;
        }
        Fault::HugeLength => format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 99999999999\r\n\r\n{good}"
        )
        .into_bytes(),
        Fault::RateLimitedOddHeaders => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let odd: Vec<(&str, String)> = match rng.random_range(0..7) {
                0 => vec![("x-rate-limit-reset", "soon".into())],
                1 => vec![("x-rate-limit-reset", "-5".into())],
                2 => vec![("x-rate-limit-reset", "99999999999999999999".into())],
                3 => vec![
                    ("x-rate-limit-reset", (now + 1).to_string()),
                    ("x-rate-limit-remaining", "0".into()),
                ],
                4 => vec![
                    ("x-rate-limit-reset", (now.saturating_sub(30)).to_string()),
                    ("date", "yesterday".into()),
                ],
                5 => vec![
                    ("x-rate-limit-limit", "abc".into()),
                    ("x-rate-limit-remaining", "-1".into()),
                ],
                _ => vec![("retry-after", "Thu, 01 Jan 1970 00:00:00 GMT".into())],
            };
            response(429, &odd, r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}"#)
        }
        Fault::ServerError => {
            let status = [500, 502, 503, 504][rng.random_range(0..4usize)];
            response(status, &[], "<html>upstream trouble</html>")
        }
        Fault::RedirectWithinOrg => {
            response(307, &[("location", format!("{org}{target}"))], "")
        }
        Fault::RedirectAway => response(
            302,
            &[("location", format!("http://127.0.0.2:9{target}"))],
            "",
        ),
        Fault::TokenRefused => response(
            401,
            &[(
                "www-authenticate",
                r#"Bearer error="invalid_token", error_description="The access token is invalid""#
                    .into(),
            )],
            r#"{"errorCode":"E0000011"}"#,
        ),
    };
    let _ = socket.write_all(&out).await;
    let _ = socket.shutdown().await;
}

fn ok_headers() -> Vec<(&'static str, String)> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    vec![
        ("x-okta-request-id", format!("req-{now}")),
        ("x-rate-limit-limit", "10000".into()),
        ("x-rate-limit-remaining", "9999".into()),
        ("x-rate-limit-reset", (now + 60).to_string()),
    ]
}

/// The page of teams the `after` cursor (a team id) asks for.
fn teams_page(target: &str) -> String {
    let after = target
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("after="))
        .and_then(|c| usize::from_str_radix(c, 16).ok())
        .unwrap_or(0);
    let items: Vec<serde_json::Value> = (after + 1..=TEAM_COUNT)
        .take(PAGE)
        .map(|n| serde_json::json!({"id": format!("{n:024x}"), "name": format!("Team {n}"), "created": "2025-01-01T00:00:00Z", "lastUpdated": "2025-01-02T00:00:00Z"}))
        .collect();
    let last = after + items.len();
    let mut links = serde_json::json!({"self": {"href": "https://acme-admin.okta.com/governance/api/v1/teams"}});
    if last < TEAM_COUNT {
        links["next"] = serde_json::json!({"href": format!("https://acme-admin.okta.com/governance/api/v1/teams?after={last:024x}&limit={PAGE}")});
    }
    serde_json::json!({"data": items, "_links": links}).to_string()
}

// ---------------------------------------------------------------------------------------------
// The callers.

/// How one call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Value,
    Cancelled,
    Error(&'static str),
}

fn kind(error: &Error) -> &'static str {
    match error {
        Error::Api(_) => "api (status)",
        Error::Decode { .. } => "decode",
        Error::Transport { .. } => "transport",
        Error::Timeout { .. } => "timeout",
        Error::RateLimited { .. } => "rate limited",
        Error::BodyTooLarge { .. } => "body too large",
        Error::Pagination { .. } => "pagination",
        Error::Auth(AuthError::TokenEndpoint { .. }) => "auth: token endpoint refused",
        Error::Auth(AuthError::BadTokenResponse { .. }) => "auth: unreadable token response",
        Error::Auth(AuthError::Unreachable { .. }) => "auth: token endpoint unreachable",
        Error::Auth(AuthError::Unauthorized(_)) => "auth: access token refused",
        Error::Auth(AuthError::TokenTimeout { .. }) => "auth: token timeout",
        Error::Auth(other) => {
            eprintln!("unexpected auth error: {other:?}");
            "auth: other"
        }
        _ => "other",
    }
}

/// The kinds a call may end with here; anything else (a configuration or input error, a
/// caller panic reported by the token machinery) would be a bug.
const EXPECTED: &[&str] = &[
    "api (status)",
    "decode",
    "transport",
    "timeout",
    "rate limited",
    "body too large",
    "pagination",
    "auth: token endpoint refused",
    "auth: unreadable token response",
    "auth: token endpoint unreachable",
    "auth: access token refused",
    "auth: token timeout",
];

#[derive(Clone, Copy, Debug)]
enum Work {
    List,
    Assign,
    Token,
}

/// One call, under a guard of its deadline (times the requests it may make) plus slack.
async fn call(
    okta: Governance,
    work: Work,
    id: usize,
    cancel_after: Option<Duration>,
) -> Result<Outcome, String> {
    let run = async {
        match work {
            Work::List => okta
                .list_all_request_teams()
                .items_within(PAGE as u32, PageBounds::default().max_pages(10))
                .map_err(|e| e.to_string())?
                .try_collect::<Vec<_>>()
                .await
                .map(|teams| {
                    assert_eq!(teams.len(), TEAM_COUNT, "a finished list has every team");
                    Outcome::Value
                })
                .or_else(|e| Ok::<_, String>(Outcome::Error(kind(&e)))),
            Work::Assign => {
                let orns: Vec<Orn> = (0..12)
                    .map(|n| {
                        format!("orn:okta:directory:00o1chaos:groups:00g{id:09}x{n:02}")
                            .parse()
                            .unwrap()
                    })
                    .collect();
                let value: types::LabelValueId = "lbl12h191hy4H2f711d7".parse().unwrap();
                Ok(match okta.labels().assign(&orns, &[value]).send().await {
                    Ok(report) => match report.failed.first() {
                        None => Outcome::Value,
                        Some((_, error)) => Outcome::Error(kind(error)),
                    },
                    Err(error) => Outcome::Error(kind(&error)),
                })
            }
            Work::Token => Ok(match okta.authenticate().await {
                Ok(_) => Outcome::Value,
                Err(e) => Outcome::Error(kind(&e)),
            }),
        }
    };
    let requests = match work {
        Work::List => TEAM_COUNT.div_ceil(PAGE) as u32,
        Work::Assign => 2,
        Work::Token => 1,
    };
    // A list's pages and an assignment's batches each have the deadline; a token is fetched
    // within the deadline of the request that needs it.
    let guard = DEADLINE * (requests + 1) + SLACK;
    let started = Instant::now();
    let outcome = match cancel_after {
        Some(after) if after < guard => match tokio::time::timeout(after, run).await {
            Ok(outcome) => outcome?,
            Err(_) => Outcome::Cancelled,
        },
        _ => match tokio::time::timeout(guard, run).await {
            Ok(outcome) => outcome?,
            Err(_) => return Err(format!("{work:?} call {id} hung past {guard:?}")),
        },
    };
    if outcome == Outcome::Cancelled {
        return Ok(outcome);
    }
    let took = started.elapsed();
    if took > guard {
        return Err(format!("{work:?} call {id} took {took:?}, past {guard:?}"));
    }
    Ok(outcome)
}

/// The resident size of this process, in bytes (Linux), or `None`.
fn resident() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_run() {
    let seed = seed();
    let per_round = calls_per_round();
    let org = start_org(seed).await;
    let okta = Governance::new(
        Config::builder()
            .org_url(&org.url)
            .private_key(okta_governance::PrivateKeyJwt::new(
                "0oachaos",
                SigningKey::generate_es256().unwrap(),
            ))
            .dpop(DpopMode::Never)
            .request_timeout(Duration::from_millis(800))
            .retry(
                RetryConfig::default()
                    .max_retries(3)
                    .deadline(DEADLINE)
                    .base_backoff(Duration::from_millis(20))
                    .max_backoff(Duration::from_millis(200)),
            )
            .build()
            .unwrap(),
    )
    .unwrap();

    let mut callers = rng(seed, u64::MAX);
    let mut outcomes: BTreeMap<Outcome, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut rss = Vec::new();
    let started = Instant::now();
    for round in 0..ROUNDS {
        let mut calls = tokio::task::JoinSet::new();
        for i in 0..per_round {
            let id = round * per_round + i;
            let work = match callers.random_range(0..100) {
                0..55 => Work::List,
                55..90 => Work::Assign,
                _ => Work::Token,
            };
            let cancel = (callers.random_range(0..100) < 15)
                .then(|| Duration::from_millis(callers.random_range(0..400)));
            // At most 32 calls at a time.
            while calls.len() >= 32 {
                collect(calls.join_next().await, &mut outcomes, &mut problems);
            }
            calls.spawn(call(okta.clone(), work, id, cancel));
        }
        while let Some(done) = calls.join_next().await {
            collect(Some(done), &mut outcomes, &mut problems);
        }
        rss.extend(resident());
        println!(
            "round {round}: resident {:?} MiB",
            resident().map(|b| b / (1 << 20))
        );
    }
    let took = started.elapsed();
    // Let the server record the last connections.
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Figures.
    let ledger = &org.ledger;
    let requests = ledger.requests.load(Ordering::Relaxed);
    let faults = ledger.faults.lock().unwrap().clone();
    let faulted: usize = faults
        .iter()
        .filter(|(f, _)| **f != Fault::Ok)
        .map(|(_, n)| n)
        .sum();
    println!(
        "\nchaos run: seed {seed:#x}, {} calls in {ROUNDS} rounds, {took:.1?}",
        per_round * ROUNDS
    );
    println!(
        "requests {requests} (token {}), faults {faulted}, retries {}",
        ledger.token_requests.load(Ordering::Relaxed),
        ledger.retries.load(Ordering::Relaxed)
    );
    println!("faults by kind:");
    for (fault, n) in &faults {
        println!("  {fault:?}: {n}");
    }
    println!("calls by outcome:");
    for (outcome, n) in &outcomes {
        println!("  {outcome:?}: {n}");
    }
    let mib: Vec<u64> = rss.iter().map(|b| b / (1 << 20)).collect();
    println!("resident MiB after each round: {mib:?}");

    // Assertions.
    assert!(problems.is_empty(), "{problems:#?}");
    for outcome in outcomes.keys() {
        if let Outcome::Error(kind) = outcome {
            assert!(EXPECTED.contains(kind), "unexpected error kind {kind}");
        }
    }
    assert!(requests >= 2000, "a few thousand requests: {requests}");
    assert!(
        faulted * 5 >= requests,
        "faults are a fair share: {faulted}/{requests}"
    );
    assert!(
        outcomes.get(&Outcome::Value).copied().unwrap_or(0) > per_round,
        "most calls still succeed: {outcomes:?}"
    );
    // No POST was sent again once the server may have applied it.
    for (body, deliveries) in ledger.posts.lock().unwrap().iter() {
        if let Some(applied) = deliveries.iter().position(|f| f.may_have_applied()) {
            assert_eq!(
                applied + 1,
                deliveries.len(),
                "a POST was repeated after {:?}: {deliveries:?} ({body})",
                deliveries[applied]
            );
        }
    }
    // Flat memory: the last round holds no more than the second (the first warms caches,
    // pools and the allocator) plus a margin far below what a per-request leak would add.
    if let [_, second, .., last] = rss.as_slice() {
        assert!(
            last.saturating_sub(*second) < 24 << 20,
            "resident size grew from {second} to {last} bytes"
        );
    }
}

fn collect(
    done: Option<Result<Result<Outcome, String>, tokio::task::JoinError>>,
    outcomes: &mut BTreeMap<Outcome, usize>,
    problems: &mut Vec<String>,
) {
    match done {
        Some(Ok(Ok(outcome))) => *outcomes.entry(outcome).or_default() += 1,
        Some(Ok(Err(problem))) => problems.push(problem),
        Some(Err(join)) => problems.push(format!("a call panicked: {join}")),
        None => {}
    }
}
