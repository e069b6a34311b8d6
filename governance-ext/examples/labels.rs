//! The labels flow of the seed guide against your org (`OKTA_CLIENT_*` or `okta.yaml`):
//! list the labels (predefined ones marked), ensure a label, assign it to an app and a group,
//! list what carries it.
//!
//! ```sh
//! cargo run -p okta-governance --example labels -- <app ORN> <group ORN> [--yes]
//! ```
//! Without `--yes` it only lists (nothing is created or assigned).

use futures_util::TryStreamExt;
use okta_governance::labels::{self, Color};
use okta_governance::orn::Orn;
use okta_governance::Governance;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = args.iter().any(|a| a == "--yes");
    let okta = Governance::from_env()?;
    println!("org: {}", okta.org().as_str());

    println!("\n== labels");
    for label in labels::list(&okta).await? {
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
    let label = labels::ensure(
        &okta,
        "Sensitivity",
        &[("High", Some(Color::Red)), ("Low", Some(Color::Green))],
    )
    .await?;
    let high = label
        .values
        .iter()
        .find(|v| v.name.as_str().eq_ignore_ascii_case("High"))
        .ok_or("the label has no High value")?
        .label_value_id
        .to_string();
    println!("  {} ({})", label.name.as_str(), label.label_id.as_str());

    println!("\n== assign High to {} resource(s)", orns.len());
    let report = labels::assign(&okta, &orns, std::slice::from_ref(&high)).await;
    for (orn, result) in &report.results {
        println!(
            "  {orn}: {}",
            result
                .as_ref()
                .map(|_| "ok".to_string())
                .unwrap_or_else(|e| e.to_string())
        );
    }

    println!("\n== resources carrying High");
    let mut holders = labels::resources_with_value(&okta, &high, 200)?;
    while let Some(resource) = holders.try_next().await? {
        println!(
            "  {}",
            resource.orn.as_ref().map(|o| o.as_str()).unwrap_or("?")
        );
    }
    Ok(())
}
