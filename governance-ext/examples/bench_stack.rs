//! Figures for BENCHMARKS.md (run: `cargo run --release -p okta-governance --example bench_stack`).
//!
//! 1. Per-request overhead of the ext stack (auth, throttle, retry bookkeeping, span, buffered
//!    body) against plain reqwest doing the same request and decoding the same type, both on a
//!    loopback server.
//! 2. Sustained throughput against a server that allows N requests per window and answers 429
//!    beyond: requests per second achieved, as a share of the limit, and 429s seen.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use okta_governance::client::prelude::*;
use okta_governance::client::types;
use okta_governance::{Config, Governance};
use serde_json::json;
use wiremock::matchers::path as path_is;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const LABELS: &str = "/governance/api/v1/labels";

fn labels() -> serde_json::Value {
    json!({
        "data": [{
            "labelId": "lbc11keklyNa6KhMi1d7",
            "name": "Crown Jewel",
            "values": [{"labelValueId": "lbl12h191hy4H2f711d7", "name": "Crown Jewel", "metadata": {"additionalProperties": {"backgroundColor": "green"}}}],
            "_links": {"self": {"href": "https://acme-admin.okta.com/governance/api/v1/labels/lbc11keklyNa6KhMi1d7"}}
        }],
        "_links": {"self": {"href": "https://acme-admin.okta.com/governance/api/v1/labels"}}
    })
}

/// N requests per window, 429 beyond, with Okta's headers.
struct Limited {
    limit: u64,
    window: u64,
    state: std::sync::Mutex<(u64, u64)>,
    rejected: Arc<AtomicU64>,
}

impl Respond for Limited {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let window = now / self.window;
        let mut state = self.state.lock().unwrap();
        if state.0 != window {
            *state = (window, 0);
        }
        state.1 += 1;
        let reset = (window + 1) * self.window;
        let remaining = self.limit.saturating_sub(state.1);
        let template = if state.1 > self.limit {
            self.rejected.fetch_add(1, Ordering::Relaxed);
            ResponseTemplate::new(429)
        } else {
            ResponseTemplate::new(200).set_body_json(labels())
        };
        template
            .insert_header("x-rate-limit-limit", self.limit.to_string().as_str())
            .insert_header("x-rate-limit-remaining", remaining.to_string().as_str())
            .insert_header("x-rate-limit-reset", reset.to_string().as_str())
            .insert_header("date", httpdate::fmt_http_date(SystemTime::now()).as_str())
    }
}

/// The baseline: plain reqwest set up as the stack's client is (user agent, request timeout),
/// sending the same request the generated client sends (same headers on the wire), so that the
/// difference is the stack alone.
fn raw_client() -> reqwest::Client {
    okta_governance::Governance::http_client_builder()
        .unwrap()
        .user_agent(concat!("okta-governance-rust/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn raw_list_labels(raw: &reqwest::Client, url: &str) -> types::ListLabels {
    let body = raw
        .get(url)
        .header("accept", "application/json")
        .header(
            "api-version",
            okta_governance::client::Client::api_version(),
        )
        .header("authorization", "SSWS 00bench")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// A 200 with the headers Okta sends on every response; the window never runs out.
fn okta_ok() -> ResponseTemplate {
    let now = SystemTime::now();
    let reset = now.duration_since(UNIX_EPOCH).unwrap().as_secs() + 3600;
    ResponseTemplate::new(200)
        .set_body_json(labels())
        .insert_header("x-rate-limit-limit", "1000000000")
        .insert_header("x-rate-limit-remaining", "999999999")
        .insert_header("x-rate-limit-reset", reset.to_string().as_str())
        .insert_header("x-okta-request-id", "aBcD1234efGh5678")
        .insert_header("date", httpdate::fmt_http_date(now).as_str())
}

/// The ext stack with SSWS auth, for the server at `server`.
fn stack(server: &MockServer) -> Governance {
    Governance::new(
        Config::builder()
            .org_url(server.uri())
            .ssws_token("00bench")
            .build()
            .unwrap(),
    )
    .unwrap()
}

/// The three ways of sending the same `listLabels` request that the figures compare.
#[derive(Clone, Copy)]
enum Path {
    /// Plain reqwest and serde.
    Raw,
    /// The generated client without a transport.
    Generated,
    /// The generated client through the ext stack.
    Ext,
}

/// A server answering `listLabels` as Okta does, and a client for each [`Path`].
struct Paths {
    // Kept alive: dropping it stops the server.
    _server: MockServer,
    raw: reqwest::Client,
    url: String,
    generated: okta_governance::client::Client,
    okta: Governance,
}

impl Paths {
    async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(path_is(LABELS))
            .respond_with(okta_ok())
            .mount(&server)
            .await;
        // Built in this order on purpose: building the generated client before the stack
        // moved the stack's and the generated client's counts by ~3,300 instructions per
        // request (the heap is laid out differently); BENCHMARKS.md was counted with this one.
        Self {
            raw: raw_client(),
            url: format!("{}{LABELS}", server.uri()),
            okta: stack(&server),
            generated: okta_governance::client::Client::new(
                &server.uri(),
                okta_governance::client::hooks::Inner::default(),
            ),
            _server: server,
        }
    }

    /// `requests` requests on `path`, one after another. The path is chosen once, outside the
    /// loop, so that each request costs what it would in a caller's own loop.
    async fn run(&self, path: Path, requests: u32) {
        match path {
            Path::Raw => {
                for _ in 0..requests {
                    std::hint::black_box(raw_list_labels(&self.raw, &self.url).await);
                }
            }
            Path::Generated => {
                for _ in 0..requests {
                    std::hint::black_box(self.generated.list_labels().send().await.unwrap());
                }
            }
            Path::Ext => {
                for _ in 0..requests {
                    std::hint::black_box(self.okta.list_labels().send().await.unwrap());
                }
            }
        }
    }
}

async fn overhead(requests: u32) {
    let paths = Paths::start().await;
    // Warm up both paths (connections, first-use allocations).
    paths.run(Path::Raw, 200).await;
    paths.run(Path::Ext, 200).await;
    let mut raw_total = Duration::ZERO;
    let mut ext_total = Duration::ZERO;
    let mut generated_total = Duration::ZERO;
    // Interleaved rounds so that drift on a noisy machine hits both sides alike.
    for _ in 0..requests / 100 {
        for (path, total) in [
            (Path::Raw, &mut raw_total),
            (Path::Ext, &mut ext_total),
            (Path::Generated, &mut generated_total),
        ] {
            let started = Instant::now();
            paths.run(path, 100).await;
            *total += started.elapsed();
        }
    }
    let raw_each = raw_total / requests;
    let ext_each = ext_total / requests;
    println!("overhead ({requests} sequential GETs each, loopback)");
    println!("  raw reqwest + decode: {raw_each:?} per request");
    println!(
        "  generated client:     {:?} per request (no stack)",
        generated_total / requests
    );
    println!("  ext stack:            {ext_each:?} per request");
    println!(
        "  ratio ext / raw:      {:.3}x",
        ext_total.as_secs_f64() / raw_total.as_secs_f64()
    );
    println!(
        "  ratio ext / generated:{:.3}x",
        ext_total.as_secs_f64() / generated_total.as_secs_f64()
    );
}

async fn throughput(limit: u64, window: u64, windows: u64, concurrency: usize) {
    let server = MockServer::start().await;
    let rejected = Arc::new(AtomicU64::new(0));
    Mock::given(path_is(LABELS))
        .respond_with(Limited {
            limit,
            window,
            state: std::sync::Mutex::new((0, 0)),
            rejected: rejected.clone(),
        })
        .mount(&server)
        .await;
    let okta = stack(&server);
    // Start on a window boundary so that the run covers whole windows.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let next = (now.as_secs() / window + 1) * window;
    tokio::time::sleep(Duration::from_secs(next) - now).await;
    let total = limit * windows;
    let done = Arc::new(AtomicU64::new(0));
    let surfaced = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (okta, done, surfaced) = (okta.clone(), done.clone(), surfaced.clone());
        tasks.spawn(async move {
            while done.fetch_add(1, Ordering::Relaxed) < total {
                if okta.list_labels().send().await.is_err() {
                    surfaced.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    let bound = Duration::from_secs(window * (windows - 1));
    println!(
        "throughput (limit {limit} per {window} s window, {total} requests, {concurrency} tasks)"
    );
    println!("  wall time:            {elapsed:.2?} (rate-limit bound: {bound:?} plus the last window's requests)");
    // The first window's budget is spent at once and the last window's requests go out at its
    // start, so `windows` budgets take (windows - 1) window lengths at best.
    println!(
        "  efficiency:           {:.1}% of the rate-limit bound",
        100.0 * bound.as_secs_f64() / elapsed.as_secs_f64()
    );
    println!(
        "  429s from the server: {}",
        rejected.load(Ordering::Relaxed)
    );
    println!(
        "  errors surfaced:      {}",
        surfaced.load(Ordering::Relaxed)
    );
}

/// One path only, for instruction counting: `valgrind --tool=callgrind` on
/// `bench_stack count raw|generated|ext N` for two paths gives each path's instructions per
/// request as the difference of the totals divided by N (the server's share is the same).
async fn count(name: &str, requests: u32) {
    let path = match name {
        "raw" => Path::Raw,
        "generated" => Path::Generated,
        _ => Path::Ext,
    };
    Paths::start().await.run(path, requests).await;
    println!("{requests} requests on the {name} path");
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("count") {
        let path = args.nth(1).unwrap_or_else(|| "ext".into());
        let requests = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
        // One thread for the client and its connections: the count then does not depend on
        // how often worker threads happened to sleep and be woken (the server has its own).
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(count(&path, requests));
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(timed());
}

/// The wall-clock figures, on the default multi-threaded runtime.
async fn timed() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    overhead(args.first().copied().unwrap_or(2000) as u32).await;
    throughput(50, 5, args.get(1).copied().unwrap_or(4), 8).await;
}
