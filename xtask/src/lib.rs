//! The workspace's developer tasks, as a library so that the workspace tests can reuse the
//! spec loading, example enumeration and metadata code instead of repeating it.

pub mod diff;
pub mod examples;
pub mod features;
pub mod generate;
pub mod meta;
pub mod normalise;
pub mod postprocess;
pub mod public_api;
pub mod spec;
pub mod surface;
pub mod test;

use std::path::PathBuf;

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}
