//! Workspace tests of the generated surface that need the generator's own code (syn,
//! progenitor): the ext crate's public API and module graph, the client's public types, and
//! the pipeline over every published spec version. One binary, built and run with `xtask`'s
//! tests (`cargo xtask test` runs them in the same `cargo test` as `-p xtask`), so they reuse
//! the build of `cargo xtask` instead of compiling the generator a second time with the
//! SDK's features.

mod ext_api;
mod public_types;
mod spec_history;
