//! `cargo xtask test`: the one test entry point (the README's test command; `.ci/run` calls it).
//!
//! 1. Makes sure the pinned spec is in the cache, fetching it from the pinned URL when it is
//!    missing (CI fetches it from a local copy first, as there is no network there).
//! 2. Runs every test of the workspace with snapshot updates disabled, so a snapshot that
//!    changed without review fails the run, like `cargo insta test --check`.
//! 3. Fails if any `.snap.new` file was left behind.
//!
//! Later work adds the local servers the tests need (started here, stopped by PID).

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{spec, workspace_root};

/// Runs the workspace tests; `args` go to `cargo test` after `--workspace`.
pub fn run(args: &[String]) -> Result<()> {
    if spec::pinned_spec_path().is_err() {
        eprintln!("pinned spec not cached; fetching it from the pinned URL");
        spec::fetch(None)?;
    }
    let root = workspace_root();
    remove_pending_snapshots(&root)?;
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&root)
        .args(["test", "--workspace"])
        .args(args)
        .env("INSTA_UPDATE", "no")
        .env_remove("INSTA_FORCE_PASS")
        .status()
        .context("running cargo test")?;
    let pending = pending_snapshots(&root)?;
    if !pending.is_empty() {
        bail!(
            "unreviewed snapshot changes: {}\nReview them (e.g. `cargo insta review`) and commit the accepted .snap files.",
            pending.join(", ")
        );
    }
    if !status.success() {
        bail!("cargo test failed ({status})");
    }
    Ok(())
}

fn snapshot_dirs(root: &Path) -> Vec<std::path::PathBuf> {
    vec![root.join("tests/tests/snapshots")]
}

fn pending_snapshots(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for dir in snapshot_dirs(root) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().to_string();
            if name.ends_with(".snap.new") || name.ends_with(".pending-snap") {
                out.push(name);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn remove_pending_snapshots(root: &Path) -> Result<()> {
    for dir in snapshot_dirs(root) {
        for name in pending_snapshots(root)? {
            let _ = std::fs::remove_file(dir.join(name));
        }
    }
    Ok(())
}
