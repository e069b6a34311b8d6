//! Reading the pinned governance spec: the pin (`openapi/pin.toml`), the verified local
//! cache, the operations and the examples of a document.
//!
//! Split from `xtask` so that the workspace tests that only read the spec (the example
//! decoding, the operations cross-check) do not compile the generator (progenitor, syn).

pub mod examples;
pub mod meta;
pub mod spec;

use std::path::PathBuf;

/// The workspace root (two folders above `xtask/spec/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask/spec lives inside the workspace")
        .to_path_buf()
}
