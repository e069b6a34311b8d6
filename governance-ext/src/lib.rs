//! The Rust SDK for the Okta Identity Governance (OIG) API.
//!
//! [`Governance`] is the generated client (every OIG operation as a builder) with this crate's
//! stack applied to each request: credentials attached for the configured org only, OAuth 2.0
//! tokens fetched, cached and refreshed, DPoP proofs, typed errors.
//!
//! ```no_run
//! use governance_ext::client::prelude::*;
//! use governance_ext::{Config, Governance, Scopes, SigningKey};
//! use governance_ext::client::operations::{CREATE_LABEL, LIST_LABELS};
//!
//! # async fn run() -> Result<(), governance_ext::Error> {
//! let key = SigningKey::from_pem(&std::fs::read_to_string("private-key.pem").unwrap())?;
//! let config = Config::builder()
//!     .org_url("https://acme.okta.com")
//!     .private_key("0oa1service2app3id", key)
//!     .key_id("my-key-id")
//!     .scopes(Scopes::for_operations([&LIST_LABELS, &CREATE_LABEL]))
//!     .build()?;
//! let okta = Governance::new(config)?;
//! for label in okta.list_labels().send().await?.into_inner().data {
//!     println!("{}", label.name.as_str());
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod auth;
pub mod config;
pub mod error;
mod governance;
pub mod scopes;
pub mod secret;
mod transport;

pub use auth::{Credentials, DpopMode, PrivateKeyJwt, SigningKey};
pub use config::{Config, ConfigBuilder, OrgUrl};
pub use error::{ApiError, AuthError, ConfigError, Error};
pub use governance::Governance;
pub use governance_client as client;
pub use scopes::Scopes;
pub use secret::Secret;
