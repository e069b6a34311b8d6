//! One `use` line for the common case: `use okta_governance::prelude::*;`.
//!
//! The generated per-tag traits come in unnamed (`as _`): their methods are in scope on
//! [`Governance`], but the raw, unauthenticated `client::Client` is not (it is there, at
//! `okta_governance::client::Client`, for whoever means it).
//!
//! Brings in the client ([`Governance`]) and its configuration, the generated per-tag
//! extension traits (so every operation's method is in scope, `okta.list_labels()`),
//! [`Paginate`] for `.items(limit)` / `.pages(limit)` on paginated operations, the handles
//! (`okta.labels()`, `okta.security_access_reviews()`, `okta.security_access_review(id)`), the error type and the generated
//! `types` module.

pub use crate::config::Config;
pub use crate::error::Error;
pub use crate::governance::Governance;
#[cfg(feature = "labels")]
pub use crate::labels::Labels;
pub use crate::org::OrgUrl;
pub use crate::paginate::Paginate;
#[cfg(any(
    feature = "security-access-reviews",
    feature = "my-security-access-reviews"
))]
pub use crate::security_access_reviews::SecurityAccessReviewHandle;
#[cfg(feature = "security-access-reviews")]
pub use crate::security_access_reviews::SecurityAccessReviews;
pub use okta_governance_client::types;

// The generated per-tag traits, one per tag feature; kept in step with the client crate's
// prelude by `tests::every_generated_trait_is_in_the_prelude`.
#[cfg(feature = "campaigns")]
pub use okta_governance_client::prelude::ClientCampaignsExt as _;
#[cfg(feature = "catalogs")]
pub use okta_governance_client::prelude::ClientCatalogsExt as _;
#[cfg(feature = "collections")]
pub use okta_governance_client::prelude::ClientCollectionsExt as _;
#[cfg(feature = "delegates")]
pub use okta_governance_client::prelude::ClientDelegatesExt as _;
#[cfg(feature = "entitlement-bundles")]
pub use okta_governance_client::prelude::ClientEntitlementBundlesExt as _;
#[cfg(feature = "entitlement-settings")]
pub use okta_governance_client::prelude::ClientEntitlementSettingsExt as _;
#[cfg(feature = "entitlements")]
pub use okta_governance_client::prelude::ClientEntitlementsExt as _;
#[cfg(feature = "grants")]
pub use okta_governance_client::prelude::ClientGrantsExt as _;
#[cfg(feature = "labels")]
pub use okta_governance_client::prelude::ClientLabelsExt as _;
#[cfg(feature = "my-access-certification-reviews")]
pub use okta_governance_client::prelude::ClientMyAccessCertificationReviewsExt as _;
#[cfg(feature = "my-catalogs")]
pub use okta_governance_client::prelude::ClientMyCatalogsExt as _;
#[cfg(feature = "my-requests")]
pub use okta_governance_client::prelude::ClientMyRequestsExt as _;
#[cfg(feature = "my-security-access-reviews")]
pub use okta_governance_client::prelude::ClientMySecurityAccessReviewsExt as _;
#[cfg(feature = "my-settings")]
pub use okta_governance_client::prelude::ClientMySettingsExt as _;
#[cfg(feature = "org-governance-settings")]
pub use okta_governance_client::prelude::ClientOrgGovernanceSettingsExt as _;
#[cfg(feature = "principal-access")]
pub use okta_governance_client::prelude::ClientPrincipalAccessExt as _;
#[cfg(feature = "principal-access-v2")]
pub use okta_governance_client::prelude::ClientPrincipalAccessV2Ext as _;
#[cfg(feature = "principal-entitlements")]
pub use okta_governance_client::prelude::ClientPrincipalEntitlementsExt as _;
#[cfg(feature = "principal-settings")]
pub use okta_governance_client::prelude::ClientPrincipalSettingsExt as _;
#[cfg(feature = "request-conditions")]
pub use okta_governance_client::prelude::ClientRequestConditionsExt as _;
#[cfg(feature = "request-sequences")]
pub use okta_governance_client::prelude::ClientRequestSequencesExt as _;
#[cfg(feature = "request-settings")]
pub use okta_governance_client::prelude::ClientRequestSettingsExt as _;
#[cfg(feature = "request-types")]
pub use okta_governance_client::prelude::ClientRequestTypesExt as _;
#[cfg(feature = "requests")]
pub use okta_governance_client::prelude::ClientRequestsExt as _;
#[cfg(feature = "resource-owners")]
pub use okta_governance_client::prelude::ClientResourceOwnersExt as _;
#[cfg(feature = "reviews")]
pub use okta_governance_client::prelude::ClientReviewsExt as _;
#[cfg(feature = "risk-rules")]
pub use okta_governance_client::prelude::ClientRiskRulesExt as _;
#[cfg(feature = "security-access-reviews")]
pub use okta_governance_client::prelude::ClientSecurityAccessReviewsExt as _;

#[cfg(test)]
mod tests {
    #[test]
    fn every_generated_trait_is_in_the_prelude() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let generated =
            std::fs::read_to_string(root.join("../governance-client/src/generated.rs")).unwrap();
        let ours = std::fs::read_to_string(root.join("src/prelude.rs")).unwrap();
        let start = generated
            .find("\npub mod prelude {")
            .expect("the generated prelude");
        let prelude = &generated[start..];
        let end = prelude.find("\n}").unwrap_or(prelude.len());
        let traits: Vec<&str> = prelude[..end]
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub use super::"))
            .filter_map(|l| l.strip_suffix(';'))
            .filter(|name| name.ends_with("Ext"))
            .collect();
        assert!(traits.len() > 20, "{traits:?}");
        for name in traits {
            assert!(
                ours.contains(&format!("prelude::{name} as _;")),
                "{name} is missing from the ext crate's prelude"
            );
        }
    }
}
