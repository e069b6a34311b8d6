//! The workspace tests that link the SDK, as one binary (each binary links the whole client):
//! the generated client's behaviour, its operations table checked against the pinned spec, and
//! every example of the spec decoded into its generated type. They read the spec through
//! `oig-spec`, not the generator; the tests that need the generator are `tests/surface`'s.

mod campaign_limits;
mod client;
mod client_internals;
mod spec_examples;
mod surface;
