//! A security access review from launch to close, the admin's side: launch it, wait until it
//! is generated, revoke every high-severity access (flagging for manual remediation the ones
//! Okta cannot revoke itself), wait for the remediation, comment and close.
//!
//! ```sh
//! cargo run -p okta-governance --example security_access_review_lifecycle
//! ```
//!
//! With no Okta configuration (`OKTA_CLIENT_*`, `okta.yaml`) it runs against the simulated org,
//! started in-process. With one, it runs against that org, and only with `--yes` and the
//! people to use (`--principal USER_ID --reviewer USER_ID`): it revokes real access.

use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use okta_governance::client::types::SecurityAccessReviewAccessItemSeverity as Severity;
use okta_governance::prelude::*;
use okta_governance::reviews::AccessAction;
use okta_governance::simulator::Simulator;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let configured = std::env::var("OKTA_CLIENT_ORGURL").is_ok_and(|v| !v.is_empty())
        || okta_governance::config::config_files()
            .iter()
            .any(|f| f.exists());
    // Kept alive for the whole run when simulated.
    let (_org, okta, principal, reviewer) = if configured {
        let (Some(principal), Some(reviewer), true) = (
            value("--principal"),
            value("--reviewer"),
            args.iter().any(|a| a == "--yes"),
        ) else {
            let okta = Governance::from_env()?;
            let stats = okta.reviews().stats().await?;
            println!("{}: {stats:?}", okta.org().as_str());
            println!("(read only: pass --yes --principal USER_ID --reviewer USER_ID to run the lifecycle; it revokes real access)");
            return Ok(());
        };
        (None, Governance::from_env()?, principal, reviewer)
    } else {
        let org = Simulator::builder()
            .review_activation(Duration::from_secs(1))
            .remediation(Duration::from_secs(2))
            .start()
            .await?;
        println!("simulated org at {}", org.url());
        let okta = org.governance()?;
        let users = &org.directory().users;
        let (principal, reviewer) = (users[0].id.clone(), users[1].id.clone());
        (Some(org), okta, principal, reviewer)
    };

    // 1. Launch, and wait until Okta has generated the review.
    let launched = okta
        .reviews()
        .launch(&principal, "Security access review (lifecycle example)")
        .reviewer(&reviewer)
        .send()
        .await?;
    let review = okta.review(launched.id.as_str());
    review.wait_until_active(Duration::from_secs(600)).await?;
    println!("review {} is ACTIVE", review.id());

    // 2. What the principal holds.
    let accesses: Vec<types::SecurityAccessReviewAccessItem> =
        review.accesses(200)?.try_collect().await?;
    for access in &accesses {
        let actions: Vec<String> = access
            .supported_actions
            .iter()
            .map(ToString::to_string)
            .collect();
        println!(
            "  {:<18} {:<6} {}",
            access.name.as_str(),
            access.severity.to_string(),
            actions.join(", ")
        );
    }

    // 3. Revoke the high-severity accesses, with progress; those Okta cannot revoke are
    //    refused before sending and flagged for a person instead.
    let high = |a: &types::SecurityAccessReviewAccessItem| a.severity == Severity::High;
    let mut outcomes = review
        .act_on(AccessAction::RevokeAccess, high)
        .outcomes()
        .await?;
    let mut acted = Vec::new();
    while let Some(outcome) = outcomes.next().await {
        let result = match &outcome.result {
            Ok(()) => "revoke requested".to_string(),
            Err(error) => error.to_string(),
        };
        println!(
            "  [{}/{}] {}: {result}",
            outcome.done, outcome.total, outcome.name
        );
        if outcome.result.is_ok() {
            acted.push(outcome.access_id);
        }
    }
    for access in accesses.iter().filter(|a| high(a)) {
        let revocable = access
            .supported_actions
            .contains(&AccessAction::RevokeAccess);
        let flaggable = access
            .supported_actions
            .contains(&AccessAction::FlagForManualRemediation);
        if !revocable && flaggable {
            review
                .act(access, AccessAction::FlagForManualRemediation)
                .await?;
            println!("  {}: flagged for manual remediation", access.name.as_str());
            acted.push(access.id.to_string());
        }
    }

    // 4. Remediation is asynchronous.
    let remediation = review
        .wait_for_remediation(&acted, Duration::from_secs(600))
        .await?;
    println!(
        "remediated: {}; waiting for a person: {}",
        remediation.finished.len(),
        remediation.manual.len()
    );

    // 5. Close.
    review
        .comment("High-severity accesses revoked or flagged for IT")
        .await?;
    review.close().await?;
    println!(
        "review {} is {}",
        review.id(),
        review.details().await?.status
    );
    Ok(())
}
