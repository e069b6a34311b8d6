//! `cargo xtask test`: the one test entry point.

use anyhow::Result;

/// Runs the workspace tests.
pub fn run(_args: &[String]) -> Result<()> {
    anyhow::bail!("not yet")
}
