//! Launch a security access review and wait until it is active, against your org
//! (`OKTA_CLIENT_*` or `okta.yaml`).
//!
//! ```sh
//! cargo run -p okta-governance --example security_access_review -- <principal user id> <reviewer user id>... --yes
//! ```
//! Without `--yes` the request is only validated and printed (the configuration is still
//! read: the client is built, but nothing is sent).

use std::time::Duration;

use chrono::Utc;
use okta_governance::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--yes").collect();
    let write = std::env::args().any(|a| a == "--yes");
    let (principal, reviewers) = args
        .split_first()
        .ok_or("usage: security_access_review <principal> <reviewer>... [--yes]")?;
    let okta = Governance::from_env()?;
    let launch = okta
        .security_access_reviews()
        .launch(
            principal.clone(),
            format!("Security access review for {principal}"),
        )
        .reviewers(reviewers.iter().cloned());
    let body = launch.validate(Utc::now())?;
    println!("request body:\n{}", serde_json::to_string_pretty(&body)?);
    if !write {
        println!("\n(validated only; pass --yes to launch)");
        return Ok(());
    }
    let review = launch.send().await?;
    println!(
        "\nlaunched {} ({:?}); waiting until it is active...",
        review.id.as_str(),
        review.status
    );
    let active = okta
        .security_access_review(review.id.as_str())
        .wait_until_active(Duration::from_secs(600))
        .await?;
    println!(
        "{} is {:?}, ends {:?}",
        active.id.as_str(),
        active.status,
        active.end_time
    );
    Ok(())
}
