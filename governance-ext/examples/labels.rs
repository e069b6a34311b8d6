//! The labels flow of the seed guide against your org (`OKTA_CLIENT_*` or `okta.yaml`):
//! list the labels (predefined ones marked), ensure a label, assign it to the resources given
//! (with a progress line as the batches finish), list what carries it.
//!
//! ```sh
//! cargo run -p okta-governance --example labels -- <app ORN> <group ORN> [--yes]
//! ```
//! Without `--yes` it only lists (nothing is created or assigned).

use futures_util::{StreamExt, TryStreamExt};
use okta_governance::labels::{self, Color};
use okta_governance::orn::Orn;
use okta_governance::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = args.iter().any(|a| a == "--yes");
    let okta = Governance::from_env()?;
    println!("org: {}", okta.org().as_str());

    println!("\n== labels");
    for label in okta.labels().list().collect().await? {
        let values: Vec<&str> = label.values.iter().map(|v| v.name.as_str()).collect();
        let kind = if labels::is_predefined(&label) {
            " (predefined)"
        } else {
            ""
        };
        println!("  {}{kind}: {}", label.name.as_str(), values.join(", "));
    }
    if !write {
        println!("\n(read only; pass an app ORN, a group ORN and --yes to create and assign)");
        return Ok(());
    }
    let orns: Vec<Orn> = args
        .iter()
        .filter(|a| a.starts_with("orn:"))
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;

    println!("\n== ensure label Sensitivity = High (red), Low (green)");
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
        .ok_or("the label has no High value")?
        .label_value_id
        .clone();
    println!("  {} ({})", label.name.as_str(), label.label_id.as_str());

    println!("\n== assign High to {} resource(s)", orns.len());
    let mut outcomes = okta
        .labels()
        .assign(&orns, std::slice::from_ref(&high))
        .outcomes();
    let mut failed = Vec::new();
    while let Some(outcome) = outcomes.next().await {
        let outcome = outcome?;
        let progress = outcome.progress;
        eprint!(
            "\r  {}/{} resources, {}/{} calls",
            progress.done, progress.total, progress.calls, progress.calls_total
        );
        if let Err(error) = outcome.result {
            failed.extend(outcome.items.into_iter().map(|orn| (orn, error.clone())));
        }
    }
    eprintln!();
    for (orn, error) in &failed {
        println!("  {orn}: {error}");
    }

    println!("\n== resources carrying High");
    let mut holders = okta
        .labels()
        .resources_with_value(&high)
        .page_size(200)
        .stream();
    while let Some(resource) = holders.try_next().await? {
        println!(
            "  {}",
            resource.orn.as_ref().map(|o| o.as_str()).unwrap_or("?")
        );
    }
    Ok(())
}
