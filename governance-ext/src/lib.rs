//! Hand-written layer over the generated Okta Identity Governance client (filled in by later
//! work: authentication, retries, paging, label and access-review flows).
#![deny(missing_docs)]

pub use governance_client as client;
