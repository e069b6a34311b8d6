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

mod display;

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use display::{color_name, print_assertion, style, wire_name, WireLog, QUIET, REQUESTS};
use futures_util::TryStreamExt;
use okta_governance::labels::{self, Color};
use okta_governance::orn::Orn;
use okta_governance::prelude::*;
use okta_governance::{ConfigBuilder, Scopes};
use okta_governance_simulator::Simulator;
use tracing_subscriber::layer::SubscriberExt;

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

    let sources = ConfigBuilder::from_sources()?;
    // The source that wins is the last one present.
    let (target, builder): (Target, ConfigBuilder) = match sources.sources().last() {
        Some(source) => {
            println!("Okta configuration found in {source}: running against that org.");
            (Target::Org, sources)
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
    if let okta_governance::Credentials::PrivateKey(jwt) = config.credentials() {
        print_assertion(jwt, &endpoint, config.scopes())?;
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
    let all = okta.labels().list().collect().await?;
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
    if labels::find_in(&all, "Sensitivity").is_none() {
        style.sent(
            "body of createLabel",
            &serde_json::json!({"name": "Sensitivity", "values": [
                {"name": "High", "metadata": {"additionalProperties": {"backgroundColor": "red"}}},
                {"name": "Low", "metadata": {"additionalProperties": {"backgroundColor": "green"}}}
            ]}),
        );
    }
    let label = okta
        .labels()
        .ensure("Sensitivity")
        .value("High", Color::Red)
        .value("Low", Color::Green)
        .send()
        .await?;
    let high = label
        .values
        .iter()
        .find(|v| v.name.as_str().eq_ignore_ascii_case("High"))
        .ok_or("the label has no High value")?;
    let high_id = high.label_value_id.clone();
    println!(
        "      {} {}  High = {}",
        label.name.as_str(),
        style.dim(label.label_id.as_str()),
        high_id.as_str()
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
    let report = okta
        .labels()
        .assign(&targets, std::slice::from_ref(&high_id))
        .send()
        .await?;
    for orn in &report.succeeded {
        println!("      {} {orn}", style.green("✓"));
    }
    for (orn, error) in &report.failed {
        println!("      {} {orn}: {error}", style.paint("31", "✗"));
    }

    // 5. What carries it.
    style.step(
        5,
        total,
        "List what carries High",
        "a stream over every page; cursors come from links to the -admin host",
    );
    let holders: Vec<types::ResourceLabel> = okta
        .labels()
        .resources_with_value(&high_id)
        .page_size(200)
        .stream()
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

    // 6. SecurityAccessReviewHandle.
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
    let launch = okta
        .security_access_reviews()
        .launch(&principal, "Quickstart security access review")
        .reviewers(reviewers.iter());
    let body = launch.validate(chrono::Utc::now())?;
    style.sent(
        "body of createSecurityAccessReview",
        &serde_json::to_value(&body)?,
    );
    let review = launch.send().await?;
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
    let handle = okta.security_access_review(review.id.as_str());
    let wait = handle.wait_until_active(Duration::from_secs(300));
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
        "Next: point OKTA_CLIENT_ORGURL, OKTA_CLIENT_CLIENTID and OKTA_CLIENT_PRIVATEKEY at your\norg and run this again; the README walks through the rest. What follows a launch\n(revoke, remediate, close): `cargo run -p okta-governance --example security_access_review_lifecycle`."
    );
    Ok(())
}
