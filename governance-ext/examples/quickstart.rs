//! The seed guide's flow in one command: get a token with `private_key_jwt`, list the labels,
//! ensure a label, assign it to an app and a group, list what carries it, launch a security
//! access review and wait until it is `ACTIVE`.
//!
//! ```sh
//! cargo run -p okta-governance --example quickstart
//! ```
//!
//! With no Okta configuration (`OKTA_CLIENT_*`, `./okta.yaml`, `~/.okta/okta.yaml`) it starts
//! the simulated org in-process. With one, it says so and runs against that org: read-only
//! unless you pass `--yes`, and then it also needs the resources and people to use:
//!
//! ```sh
//! cargo run -p okta-governance --example quickstart -- --yes \
//!     --app orn:okta:idp:{orgId}:apps:{appType}:{appId} \
//!     --group orn:okta:directory:{orgId}:groups:{groupId} \
//!     --principal 00u... --reviewer 00u...
//! ```

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use okta_governance::client::types;
use okta_governance::labels::{self, Color};
use okta_governance::orn::Orn;
use okta_governance::reviews::{self, LaunchReview};
use okta_governance::simulator::Simulator;
use okta_governance::{Config, ConfigBuilder, Governance, PrivateKeyJwt, Scopes};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The operations this flow calls: the token asks for their scopes and no others.
const OPERATIONS: &[&str] = &[
    "listLabels",
    "createLabel",
    "updateLabel",
    "assignResourceLabels",
    "listLabelResources",
    "createSecurityAccessReview",
    "getSecurityAccessReview",
];

/// Terminal styling (plain when not a terminal or when `NO_COLOR` is set).
struct Style {
    color: bool,
    tty: bool,
}

impl Style {
    fn detect() -> Self {
        let tty = std::io::stdout().is_terminal();
        Self {
            color: tty && std::env::var_os("NO_COLOR").is_none(),
            tty,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    fn step(&self, n: usize, total: usize, title: &str, why: &str) {
        println!();
        println!(
            "{} {}  {}",
            self.paint("36", &format!("[{n}/{total}]")),
            self.bold(title),
            self.dim(why)
        );
    }

    fn sent(&self, label: &str, json: &serde_json::Value) {
        let text = serde_json::to_string(json).unwrap_or_default();
        println!("      {} {}", self.dim(&format!("{label}:")), text);
    }
}

static STYLE: std::sync::OnceLock<Style> = std::sync::OnceLock::new();

fn style() -> &'static Style {
    STYLE.get_or_init(Style::detect)
}

/// While set, requests are counted instead of printed (the progress line is showing).
static QUIET: AtomicBool = AtomicBool::new(false);
static REQUESTS: AtomicUsize = AtomicUsize::new(0);

/// Prints one line per request from the SDK's own `okta.request` spans: what was sent, what
/// came back, and the rate-limit budget left.
struct WireLog;

struct Fields(BTreeMap<&'static str, String>, Instant);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_string());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name(), value.to_string());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for WireLog {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != "okta.request" {
            return;
        }
        let mut fields = Fields(BTreeMap::new(), Instant::now());
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<Fields>() {
                values.record(fields);
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let extensions = span.extensions();
        let Some(Fields(fields, started)) = extensions.get::<Fields>() else {
            return;
        };
        REQUESTS.fetch_add(1, Ordering::Relaxed);
        if QUIET.load(Ordering::Relaxed) {
            return;
        }
        let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("?");
        let style = style();
        let status = fields
            .get("status")
            .map(String::as_str)
            .unwrap_or("no answer");
        let status = if status.starts_with('2') {
            style.green(status)
        } else {
            style.paint("31", status)
        };
        let mut notes = vec![get("operation").to_string()];
        if let Some(left) = fields.get("rate_limit_remaining") {
            notes.push(format!("{left} left in this rate-limit window"));
        }
        if let Some(attempt) = fields.get("attempt").filter(|a| a.as_str() != "1") {
            notes.push(format!("attempt {attempt}"));
        }
        notes.push(format!("{} ms", started.elapsed().as_millis()));
        println!(
            "  {} {} {}   {} {}  {}",
            style.dim("→"),
            get("method"),
            get("path"),
            style.dim("←"),
            status,
            style.dim(&notes.join(" · "))
        );
    }
}

/// Where the flow runs.
enum Target {
    Simulated(Simulator),
    Org,
}

/// The flow's arguments (real org only).
#[derive(Default)]
struct Args {
    yes: bool,
    app: Option<String>,
    group: Option<String>,
    principal: Option<String>,
    reviewers: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--yes" => args.yes = true,
            "--app" => args.app = Some(value("--app")?),
            "--group" => args.group = Some(value("--group")?),
            "--principal" => args.principal = Some(value("--principal")?),
            "--reviewer" => args.reviewers.push(value("--reviewer")?),
            "-h" | "--help" => {
                return Err(
                    "usage: quickstart [--yes --app ORN --group ORN --principal USER_ID --reviewer USER_ID...]"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument `{other}` (see --help)")),
        }
    }
    Ok(args)
}

/// Whether any Okta configuration source is present.
fn configured() -> Option<String> {
    if std::env::var("OKTA_CLIENT_ORGURL").is_ok_and(|v| !v.is_empty()) {
        return Some("OKTA_CLIENT_* environment variables".into());
    }
    // The file that wins is the last one present.
    okta_governance::config::config_files()
        .into_iter()
        .rev()
        .find(|file| file.exists())
        .map(|file| file.display().to_string())
}

fn color_name(value: &types::LabelValue) -> String {
    value
        .metadata
        .as_ref()
        .and_then(|m| serde_json::to_value(m).ok())
        .and_then(|m| {
            m.pointer("/additionalProperties/backgroundColor")
                .and_then(|c| c.as_str().map(str::to_string))
        })
        .unwrap_or_else(|| "no colour".into())
}

/// An enum value as Okta spells it on the wire (`ACTIVE`).
fn wire_name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> ExitCode {
    let subscriber = tracing_subscriber::registry().with(WireLog);
    let _ = tracing::subscriber::set_global_default(subscriber);
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\n{} {error}", style().paint("31", "error:"));
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let style = style();
    let scopes = Scopes::for_operation_ids(OPERATIONS.iter().copied())?;
    println!(
        "{}",
        style.bold("Okta Identity Governance · Rust SDK quickstart")
    );

    let (target, builder): (Target, ConfigBuilder) = match configured() {
        Some(source) => {
            println!("Okta configuration found in {source}: running against that org.");
            (Target::Org, ConfigBuilder::from_sources()?)
        }
        None => {
            let org = Simulator::builder()
                .review_activation(Duration::from_secs(3))
                .start()
                .await?;
            println!(
                "No Okta configuration (OKTA_CLIENT_* or okta.yaml) found, so this runs against a\nsimulated org started in this process at {}. It speaks Okta's protocol:\nprivate_key_jwt, rate-limit headers, -admin links, Okta error bodies.",
                org.url()
            );
            let builder = org.config();
            (Target::Simulated(org), builder)
        }
    };
    let config: Config = builder.default_scopes(scopes).build()?;
    let okta = Governance::new(config.clone())?;
    let simulated = matches!(target, Target::Simulated(_));
    let write = simulated || args.yes;
    println!("Org: {}", style.bold(okta.org().as_str()));
    let total = 6;

    // 1. Token.
    style.step(
        1,
        total,
        "Get an access token",
        "OAuth 2.0 client credentials with a private_key_jwt client assertion",
    );
    let endpoint = okta.org().token_endpoint();
    if let okta_governance::Credentials::PrivateKey(jwt) = &config.credentials {
        print_assertion(jwt, &endpoint, &config.scopes)?;
    }
    let started = Instant::now();
    let auth = okta.authenticate().await?;
    if auth.expires_in.is_none() {
        println!(
            "      {} credentials from your configuration: no token request needed",
            auth.scheme
        );
    } else {
        println!(
            "  {} {}  {}",
            style.dim("←"),
            style.green("200"),
            style.dim(&format!(
                "{} token, expires in {} s, {} ms (the token itself is never printed)",
                auth.scheme,
                auth.expires_in.map(|d| d.as_secs()).unwrap_or_default(),
                started.elapsed().as_millis()
            ))
        );
    }

    // 2. Labels.
    style.step(
        2,
        total,
        "List the labels",
        "Crown Jewel and Privileged are predefined in every OIG org",
    );
    let all = labels::list(&okta).await?;
    for label in &all {
        let values: Vec<String> = label
            .values
            .iter()
            .map(|v| format!("{} ({})", v.name.as_str(), color_name(v)))
            .collect();
        let kind = if labels::is_predefined(label) {
            style.dim("  predefined")
        } else {
            String::new()
        };
        println!(
            "      {:<14} {}{kind}",
            label.name.as_str(),
            values.join(", ")
        );
    }

    if !write {
        println!(
            "\nRead-only run: nothing is created against a real org without --yes (see --help)."
        );
        return Ok(());
    }

    // 3. Ensure a label.
    style.step(
        3,
        total,
        "Ensure the label Sensitivity = High, Low",
        "created if missing; an existing one (any case) is reused",
    );
    let wanted = [("High", Some(Color::Red)), ("Low", Some(Color::Green))];
    if labels::find(&all, "Sensitivity").is_none() {
        style.sent(
            "body of createLabel",
            &serde_json::json!({"name": "Sensitivity", "values": [
                {"name": "High", "metadata": {"additionalProperties": {"backgroundColor": "red"}}},
                {"name": "Low", "metadata": {"additionalProperties": {"backgroundColor": "green"}}}
            ]}),
        );
    }
    let label = labels::ensure(&okta, "Sensitivity", &wanted).await?;
    let high = label
        .values
        .iter()
        .find(|v| v.name.as_str().eq_ignore_ascii_case("High"))
        .ok_or("the label has no High value")?;
    let high_id = high.label_value_id.to_string();
    println!(
        "      {} {}  High = {}",
        label.name.as_str(),
        style.dim(label.label_id.as_str()),
        high_id
    );

    // 4. Assign.
    style.step(
        4,
        total,
        "Assign High to an app and a group",
        "every listed resource gets every listed value (≤ 10 × 10 per call)",
    );
    let (targets, people) = match &target {
        Target::Simulated(org) => {
            let directory = org.directory();
            let orns = vec![
                directory.apps[0].orn.clone().ok_or("no app")?,
                directory.groups[0].orn.clone().ok_or("no group")?,
            ];
            let people = (
                directory.users[0].id.clone(),
                directory.users[1..3]
                    .iter()
                    .map(|u| u.id.clone())
                    .collect::<Vec<_>>(),
            );
            (orns, Some(people))
        }
        Target::Org => {
            let (Some(app), Some(group)) = (&args.app, &args.group) else {
                return Err("against a real org, --yes needs --app ORN and --group ORN".into());
            };
            let orns = vec![app.parse::<Orn>()?, group.parse::<Orn>()?];
            let people = args.principal.clone().map(|p| (p, args.reviewers.clone()));
            (orns, people)
        }
    };
    style.sent(
        "body of assignResourceLabels",
        &serde_json::json!({"resourceOrns": targets.iter().map(Orn::to_string).collect::<Vec<_>>(), "labelValueIds": [high_id]}),
    );
    let report = labels::assign(&okta, &targets, std::slice::from_ref(&high_id)).await;
    for (orn, result) in &report.results {
        match result {
            Ok(()) => println!("      {} {orn}", style.green("✓")),
            Err(error) => println!("      {} {orn}: {error}", style.paint("31", "✗")),
        }
    }

    // 5. What carries it.
    style.step(
        5,
        total,
        "List what carries High",
        "a stream over every page; cursors come from links to the -admin host",
    );
    let holders: Vec<types::ResourceLabel> = labels::resources_with_value(&okta, &high_id, 200)?
        .try_collect()
        .await?;
    for resource in &holders {
        let name = resource
            .profile
            .as_ref()
            .and_then(|p| p.name.as_ref())
            .map(|n| n.as_str().to_string())
            .unwrap_or_default();
        let orn = resource.orn.as_ref().map(|o| o.as_str()).unwrap_or("?");
        println!("      {name:<14} {}", style.dim(orn));
    }

    // 6. Review.
    style.step(
        6,
        total,
        "Launch a security access review and wait until it is ACTIVE",
        "202 PENDING while Okta generates it",
    );
    let Some((principal, reviewers)) = people else {
        println!("      skipped: pass --principal USER_ID and --reviewer USER_ID to launch one");
        return Ok(());
    };
    let launch = LaunchReview::new(&principal, "Quickstart security access review")
        .reviewers(reviewers.iter());
    let body = launch.validate(chrono::Utc::now())?;
    style.sent(
        "body of createSecurityAccessReview",
        &serde_json::to_value(&body)?,
    );
    let review = launch.send(&okta).await?;
    println!(
        "      {} is {}, ends {}",
        review.id.as_str(),
        wire_name(&review.status),
        review
            .end_time
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| "in 7 days".into())
    );
    let started = Instant::now();
    let before = REQUESTS.load(Ordering::Relaxed);
    QUIET.store(true, Ordering::Relaxed);
    let wait = reviews::wait_until_active(&okta, &review.id, Duration::from_secs(300));
    tokio::pin!(wait);
    let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut frame = 0;
    if !style.tty {
        println!("      waiting for the review to be generated…");
    }
    let result = loop {
        tokio::select! {
            result = &mut wait => break result,
            _ = tick.tick() => if style.tty {
                frame = (frame + 1) % frames.len();
                print!(
                    "\r      {} waiting for the review to be generated… {:.1} s, {} polls",
                    frames[frame],
                    started.elapsed().as_secs_f32(),
                    REQUESTS.load(Ordering::Relaxed) - before
                );
                let _ = std::io::stdout().flush();
            },
        }
    };
    QUIET.store(false, Ordering::Relaxed);
    if style.tty {
        print!("\r\x1b[2K");
    }
    let active = result?;
    println!(
        "      {} {} after {:.1} s ({} polls of getSecurityAccessReview)",
        style.green("✓"),
        wire_name(&active.status),
        started.elapsed().as_secs_f32(),
        REQUESTS.load(Ordering::Relaxed) - before
    );

    println!();
    let mut summary = format!(
        "Done: {} API requests, {} token request(s)",
        REQUESTS.load(Ordering::Relaxed),
        okta.token_requests()
    );
    if let Target::Simulated(org) = &target {
        summary.push_str(&format!(", {} answered 429", org.stats().rate_limited));
    }
    println!("{}", style.bold(&summary));
    println!(
        "Next: point OKTA_CLIENT_ORGURL, OKTA_CLIENT_CLIENTID and OKTA_CLIENT_PRIVATEKEY at your\norg and run this again; the README walks through the rest."
    );
    Ok(())
}

/// Shows the token request the SDK is about to make, with a freshly signed example of the
/// client assertion (header and claims; the signature is left out).
fn print_assertion(
    jwt: &PrivateKeyJwt,
    endpoint: &url::Url,
    scopes: &Scopes,
) -> Result<(), Box<dyn std::error::Error>> {
    use base64::Engine as _;
    let style = style();
    let assertion = jwt.assertion(endpoint)?;
    let mut parts = assertion.expose().split('.');
    let mut decode = || -> Result<serde_json::Value, Box<dyn std::error::Error>> {
        let part = parts.next().ok_or("not a JWT")?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part)?;
        Ok(serde_json::from_slice(&bytes)?)
    };
    let header = decode()?;
    let claims = decode()?;
    println!("  {} POST {endpoint}", style.dim("→"));
    println!("      grant_type=client_credentials");
    println!("      scope={scopes}");
    println!("      client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    println!(
        "      client_assertion={}",
        style.dim("a JWT signed with the app's private key; each request signs a new one:")
    );
    style.sent("header", &header);
    style.sent("claims", &claims);
    Ok(())
}
