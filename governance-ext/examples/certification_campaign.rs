//! A quarterly access certification, end to end:
//!
//! ```sh
//! cargo run -p okta-governance --example certification_campaign
//! ```
//!
//! With no Okta configuration (no `OKTA_CLIENT_*`, no `okta.yaml`) it runs against a simulated
//! org started in this process: it applies `examples/campaigns/quarterly-salesforce.yaml`
//! (twice: the second time creates nothing), launches the campaign and waits until it is
//! active, shows progress while simulated reviewers decide, moves a departed reviewer's
//! reviews to another reviewer, ends the campaign with remediation, waits until remediation
//! settles, and writes every decision as CSV (`--csv PATH`, default stdout).
//!
//! Against a configured org it is read-only unless told otherwise: it lists the org's campaigns
//! with the progress of each active one. With `--yes --file PATH` it applies the campaign in
//! `PATH` (creating it only if no campaign has its name), launches it if it is still
//! scheduled, waits until it is active and prints its progress. Real reviewers decide in
//! Okta's UI; the public API has no operation for a decision.

use std::io::Write as _;
use std::time::Duration;

use okta_governance::campaigns::{Reassign, Remediation, ReportRow};
use okta_governance::client::types;
use okta_governance::{ConfigBuilder, Governance};
use okta_governance_simulator::{Decision, Simulator};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let csv_path = args
        .iter()
        .position(|a| a == "--csv")
        .and_then(|i| args.get(i + 1).cloned());
    let sources = ConfigBuilder::from_sources()?;
    if let Some(source) = sources.sources().last() {
        println!("Okta configuration found in {source}: listing campaigns (read-only).");
        let okta = Governance::new(sources.build()?)?;
        let file = args
            .iter()
            .position(|a| a == "--file")
            .and_then(|i| args.get(i + 1).cloned());
        return match (args.iter().any(|a| a == "--yes"), file) {
            (true, Some(file)) => launch_from_file(&okta, &file).await,
            _ => read_only(&okta).await,
        };
    }

    let org = Simulator::builder()
        .review_activation(Duration::from_secs(1))
        .start()
        .await?;
    println!(
        "No Okta configuration: running against a simulated org at {}.",
        org.url()
    );
    let okta = org.governance()?;
    let directory = org.directory();
    let app = &directory.apps[0];
    let (departed, reviewer) = (&directory.users[2], &directory.users[1]);

    // 1. The campaign, from a file kept in version control.
    let text = include_str!("campaigns/quarterly-salesforce.yaml")
        .replace("REVIEWED_APP", &app.id)
        .replace("FALLBACK_REVIEWER", &reviewer.id)
        .replace("REVIEWER", &departed.id);
    let dir = std::env::temp_dir().join(format!("certification-campaign-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("quarterly-salesforce.yaml");
    std::fs::write(&file, text)?;
    let applied = okta.campaigns().apply_file(&file).await?;
    let again = okta.campaigns().apply_file(&file).await?;
    let id = applied.campaign().id.to_string();
    println!(
        "1. applied {}: {} ({}); applied again: {}",
        file.display(),
        applied.campaign().name.as_str(),
        label(&applied),
        label(&again)
    );

    // 2. Launch, and wait until Okta has generated the reviews.
    let campaign = okta.campaign(&id);
    campaign.launch().await?;
    let active = campaign.wait_until_active(Duration::from_secs(120)).await?;
    println!("2. launched {} for {}: {}", id, app.name, active.status);

    // 3. A departed reviewer's reviews go to another reviewer.
    let moved = campaign
        .reassign(
            Reassign::from_reviewer(&departed.id),
            &reviewer.id,
            "The reviewer left the company",
        )
        .send()
        .await?;
    println!(
        "3. reassigned {} review(s) from {} to {} in {} call(s), {} failed",
        moved.succeeded.len(),
        departed.name,
        reviewer.name,
        moved.calls,
        moved.failed.len()
    );

    // 4. Simulated reviewers decide, in two rounds, with a progress line after each.
    println!("4. {}", campaign.progress().await?);
    let first_user = directory.users[0].id.clone();
    org.decide(&id, |review| {
        (review.principal == first_user).then(|| {
            (
                Decision::Revoke,
                Some("No longer in the sales team".to_string()),
            )
        })
    });
    println!("   {}", campaign.progress().await?);
    org.decide(&id, |_| Some((Decision::Approve, None)));
    println!("   {}", campaign.progress().await?);

    // 5. End with remediation, and wait until it settles.
    campaign.end(Remediation::Run).await?;
    let settled = campaign
        .wait_for_remediation(Duration::from_secs(120))
        .await?;
    let status = campaign.details().await?.status;
    println!("5. ended ({status}): {settled}");

    // 6. The decisions, as an auditor asks for them.
    let rows = campaign.report().await?;
    let mut out: Box<dyn std::io::Write> = match &csv_path {
        Some(path) => Box::new(std::fs::File::create(path)?),
        None => Box::new(std::io::stdout()),
    };
    println!(
        "6. {} decision(s){}",
        rows.len(),
        csv_path
            .as_deref()
            .map(|p| format!(" written to {p}"))
            .unwrap_or_else(|| ":".into())
    );
    writeln!(out, "{}", ReportRow::CSV_HEADER)?;
    for row in &rows {
        writeln!(out, "{}", row.csv())?;
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

fn label(applied: &okta_governance::campaigns::Applied) -> &'static str {
    match applied {
        okta_governance::campaigns::Applied::Created(_) => "created",
        _ => "already there, nothing created",
    }
}

/// A configured org, told to write: applies the file, launches a scheduled campaign, waits.
async fn launch_from_file(okta: &Governance, file: &str) -> Result<(), Box<dyn std::error::Error>> {
    let applied = okta.campaigns().apply_file(file).await?;
    let id = applied.campaign().id.to_string();
    println!(
        "{} {id} ({})",
        label(&applied),
        applied.campaign().name.as_str()
    );
    let campaign = okta.campaign(&id);
    if campaign.details().await?.status == types::CampaignStatus::Scheduled {
        campaign.launch().await?;
    }
    campaign.wait_until_active(Duration::from_secs(900)).await?;
    println!("active: {}", campaign.progress().await?);
    Ok(())
}

/// A configured org: its campaigns, and the progress of each active one. Nothing is changed.
async fn read_only(okta: &Governance) -> Result<(), Box<dyn std::error::Error>> {
    let campaigns = okta.campaigns().list().collect().await?;
    println!("{} campaign(s)", campaigns.len());
    for c in campaigns {
        print!("- {} {} ({})", c.id.as_str(), c.name.as_str(), c.status);
        if c.status == types::CampaignStatus::Active {
            print!(": {}", okta.campaign(c.id.as_str()).progress().await?);
        }
        println!();
    }
    Ok(())
}
