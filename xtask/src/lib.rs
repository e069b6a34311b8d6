//! The workspace's developer tasks, as a library so that the workspace tests can reuse the
//! spec loading, example enumeration and metadata code instead of repeating it.

pub mod builds;
pub mod diff;
pub mod features;
pub mod generate;
pub mod normalise;
pub mod postprocess;
pub mod public_api;
pub mod semver;
pub mod spec;
pub mod surface;
pub mod test;

pub use oig_spec::{examples, meta, workspace_root};
