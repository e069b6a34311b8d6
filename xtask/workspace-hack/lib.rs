//! No code: this crate exists for its `[dependencies]` (see its `Cargo.toml`), which give the
//! generator's build and the SDK's test build the same features on every shared dependency.
