//! The scale check of BENCHMARKS.md, against the simulated org with Okta's governance limit of
//! 50 requests per 1-second window:
//!
//! 1. label 1,000 ORNs with one value: 100 assign calls of 10 ORNs; errors surfaced, 429s the
//!    server sent, and wall time against the rate-limit bound (100 calls ÷ 50 per s = 2 s,
//!    and the earliest moment the clock-aligned windows let the last call through);
//! 2. stream 10,000 labelled resources (50 pages of 200) and sample the process's resident
//!    memory as items arrive: constant memory means no growth with the number of items.
//!
//! ```sh
//! cargo run --release -p okta-governance --example scale [ORNS] [STREAMED]
//! ```

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use okta_governance::orn::{Orn, Partition};

use okta_governance_simulator::Simulator;

/// Resident set size in KiB (Linux; `None` elsewhere).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn groups(
    org_id: &str,
    prefix: &str,
    count: usize,
) -> Result<Vec<Orn>, Box<dyn std::error::Error>> {
    (0..count)
        .map(|i| {
            Orn::group(Partition::Okta, org_id, &format!("{prefix}{i:016}")).map_err(|e| e.into())
        })
        .collect()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let orn_count: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let streamed: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let (limit, window) = (50u32, Duration::from_secs(1));

    let org = Simulator::builder()
        .rate_limit(limit, window)
        .start()
        .await?;
    let okta = org.governance()?;
    let org_id = org.directory().org_id.clone();

    // 1. Bulk assignment.
    let label = okta
        .labels()
        .ensure("Scale")
        .value("Bulk", None)
        .value("Streamed", None)
        .send()
        .await?;
    let bulk = label.values[0].label_value_id.clone();
    let orns = groups(&org_id, "00g0", orn_count)?;
    let before = org.stats();
    // The simulator's windows are aligned to the clock, like Okta's: how far into the current
    // window the run starts decides how soon the next one opens.
    let phase = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs_f64()
        % window.as_secs_f64();
    let started = Instant::now();
    let report = okta
        .labels()
        .assign(&orns, std::slice::from_ref(&bulk))
        .send()
        .await?;
    let wall = started.elapsed().as_secs_f64();
    let after = org.stats();
    let calls = report.calls;
    // Sustained rate: calls ÷ limit × window. Earliest possible: the opening of the last window
    // needed, counted from this start.
    let sustained = calls as f64 / f64::from(limit) * window.as_secs_f64();
    let earliest =
        ((calls.div_ceil(limit as usize) - 1) as f64 * window.as_secs_f64() - phase).max(0.0);
    println!("== label {orn_count} ORNs with one value (limit {limit} per {window:?})");
    println!("   assign calls            {calls}");
    println!("   errors surfaced         {}", report.failed.len());
    println!(
        "   429s sent by the server {}",
        after.rate_limited - before.rate_limited
    );
    println!("   wall time               {wall:.2} s");
    println!(
        "   sustained-rate bound    {sustained:.2} s  (wall / bound {:.3})",
        wall / sustained
    );
    println!(
        "   earliest the limit lets the last call through: {earliest:.2} s (started {phase:.2} s into a window)"
    );

    // 2. Streaming.
    let value = label.values[1].label_value_id.clone();
    let seeded = groups(&org_id, "00g1", streamed)?;
    org.label_resources(value.as_str(), &seeded)?;
    drop(seeded);
    let baseline = rss_kib();
    let mut samples = Vec::new();
    let started = Instant::now();
    let requests_before = org.stats().requests;
    let mut stream = okta
        .labels()
        .resources_with_value(&value)
        .page_size(200)
        .stream();
    let mut count = 0usize;
    while let Some(item) = stream.next().await {
        item?;
        count += 1;
        if count.is_multiple_of((streamed / 10).max(1)) {
            samples.push((count, rss_kib()));
        }
    }
    let elapsed = started.elapsed();
    println!("\n== stream {streamed} labelled resources (pages of 200)");
    println!("   items                   {count}");
    println!(
        "   requests                {}",
        org.stats().requests - requests_before
    );
    println!("   wall time               {:.2} s", elapsed.as_secs_f64());
    if let Some(base) = baseline {
        println!("   resident memory before  {:.1} MiB", base as f64 / 1024.0);
        for (items, rss) in samples {
            if let Some(rss) = rss {
                println!(
                    "   after {items:>6} items      {:+.1} MiB",
                    (rss as f64 - base as f64) / 1024.0
                );
            }
        }
    }
    if count != streamed {
        return Err(format!("streamed {count} of {streamed}").into());
    }
    Ok(())
}
