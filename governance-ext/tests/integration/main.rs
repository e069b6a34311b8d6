//! The ext crate's integration tests, one binary (each binary links the whole SDK, so one
//! link instead of ten). `logs.rs` stays a binary of its own: its tests set tracing
//! subscribers, and a test without one elsewhere in the process could make tracing cache a
//! callsite as disabled meanwhile.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/raw_http.rs"]
mod raw_http;

mod auth_oidc;
mod callback_listener;
mod campaigns;
mod campaigns_simulated;
mod conformance;
mod errors;
mod hostile;
mod labels;
mod paginate;
mod resilience;
mod secrets_in_errors;
mod security_access_review_lifecycle;
mod security_access_reviews;
mod send_bounds;
mod simulator;
mod simulator_conformance;
mod token_flights;
mod transport;
