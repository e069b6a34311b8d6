//! Access-certification campaigns: create (from a typed body or a file kept in version
//! control, idempotently), launch and wait, watch the reviews and the progress, reassign in
//! bulk, end with or without remediation, and report the decisions.
//!
//! ```no_run
//! # async fn run(okta: okta_governance::Governance) -> Result<(), okta_governance::Error> {
//! use std::time::Duration;
//! use okta_governance::campaigns::{Reassign, Remediation};
//!
//! // The same file applied twice creates one campaign.
//! let applied = okta.campaigns().apply_file("campaigns/q3-salesforce.yaml").await?;
//! let campaign = okta.campaign(applied.campaign().id.as_str());
//! campaign.launch().await?;
//! campaign.wait_until_active(Duration::from_secs(600)).await?;
//! let progress = campaign.progress().await?;
//! println!("{} of {} reviews decided", progress.decided, progress.total);
//! // Everything a departed reviewer had, to their manager.
//! let report = campaign
//!     .reassign(Reassign::from_reviewer("00uDeparted"), "00uManager", "Reviewer left the company")
//!     .send()
//!     .await?;
//! campaign.end(Remediation::Run).await?;
//! for row in campaign.report().await? {
//!     println!("{} {} {:?}", row.principal, row.resource, row.decision);
//! }
//! # Ok(()) }
//! ```
//!
//! The typed builder is the spec's own, generated: `types::CampaignMutable::builder()`, with
//! one builder per settings object (resources: apps, groups or both; principal scope;
//! reviewers, with multi-level reviewers and fallbacks; a one-off or recurring schedule;
//! remediation; notifications). A value out of a string's range cannot be built; [`validate`]
//! checks the rest of [`LIMITS`] and what each type needs, naming the field:
//!
//! ```no_run
//! # async fn run(okta: okta_governance::Governance) -> Result<(), okta_governance::Error> {
//! use okta_governance::client::types;
//! let campaign: types::CampaignMutable = types::CampaignMutable::builder()
//!     .name("Q1 Salesforce access")
//!     .schedule_settings(
//!         types::ScheduleSettingsMutable::builder()
//!             .type_(types::ScheduleType::OneOff)
//!             .start_date("2027-01-04T09:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap())
//!             .duration_in_days(14.0)
//!             .time_zone("Europe/Paris"),
//!     )
//!     .resource_settings(
//!         types::ResourceSettingsMutable::builder()
//!             .type_(types::CampaignResourceType::Application)
//!             .target_resources(Some(
//!                 serde_json::from_value::<types::TargetResourcesRequest>(
//!                     serde_json::json!([{"resourceId": "0oa1salesforce000000"}]),
//!                 )
//!                 .unwrap(),
//!             )),
//!     )
//!     .reviewer_settings(
//!         types::ReviewerSettingsMutable::builder()
//!             .type_(types::CampaignReviewerType::User)
//!             .reviewer_id(Some("00u1owner00000000000".try_into().unwrap()))
//!             .fall_back_reviewer_id(Some("00u1fallback00000000".try_into().unwrap())),
//!     )
//!     .remediation_settings(
//!         types::RemediationSettings::builder()
//!             .access_approved(types::ApprovedRemediationAction::NoAction)
//!             .access_revoked(types::RevokedRemediationAction::Deny)
//!             .no_response(types::NoResponseRemediationAction::NoAction),
//!     )
//!     .try_into()
//!     .expect("every required setting is given");
//! okta.campaigns().create(campaign).await?;
//! # Ok(()) }
//! ```
//!
//! Reviewers decide in Okta's UI: the public API has no operation for a reviewer's decision.
//! Needs the `campaigns` and `reviews` features, the scopes
//! `okta.governance.accessCertifications.read` and `.manage`, and an admin role that may manage
//! access certifications.

mod handle;
mod reassign;
mod validate;

use std::path::Path;

use okta_governance_client::prelude::*;
use okta_governance_client::types;

use crate::error::Error;
use crate::filter::CampaignFilter;
use crate::governance::Governance;
use crate::paginate::List;

pub use handle::{CampaignHandle, Progress, Remediation, ReportRow};
pub use reassign::{Reassign, ReassignBuilder, ReviewId, MAX_REVIEWS_PER_CALL};
pub use validate::{validate, Limit, LimitKind, LIMITS};

/// The campaign calls of a client: `okta.campaigns()`. Owns a clone of the client.
#[derive(Debug, Clone)]
pub struct Campaigns {
    okta: Governance,
}

/// What [`Campaigns::apply`] did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Applied {
    /// No campaign had the name: this one was created.
    Created(types::CampaignFull),
    /// A campaign with the name exists (in any status but `DELETED`): nothing was sent.
    Existing(types::CampaignFull),
}

impl Applied {
    /// The campaign, created or found.
    pub fn campaign(&self) -> &types::CampaignFull {
        match self {
            Applied::Created(campaign) | Applied::Existing(campaign) => campaign,
        }
    }
}

impl Governance {
    /// Creating, listing and applying access-certification campaigns (see
    /// [`campaigns`](crate::campaigns)).
    pub fn campaigns(&self) -> Campaigns {
        Campaigns { okta: self.clone() }
    }

    /// One campaign, by id: launch, watch, reassign, end, report.
    pub fn campaign(&self, id: impl Into<String>) -> CampaignHandle {
        CampaignHandle {
            okta: self.clone(),
            id: id.into(),
        }
    }
}

impl Campaigns {
    /// The org's campaigns (those the list's filter matches).
    pub fn list(&self) -> List<types::CampaignSparse, CampaignFilter> {
        crate::paginate::operation_list!(self.okta, None, |okta| okta.list_campaigns(), |filter| {
            filter
        })
    }

    /// Creates a campaign after checking it against every limit the spec states
    /// ([`validate`]): a refusal names the field and the limit, and nothing is sent.
    pub async fn create(
        &self,
        campaign: types::CampaignMutable,
    ) -> Result<types::CampaignFull, Error> {
        validate(&campaign)?;
        Ok(self
            .okta
            .create_campaign()
            .body(campaign)
            .send()
            .await?
            .into_inner())
    }

    /// Creates `campaign` unless one with its name exists already (any status but `DELETED`):
    /// applying the same definition twice creates one campaign. Names are how Okta's UI tells
    /// campaigns apart; keep them unique (a quarter or a date in the name does it for
    /// recurring reviews).
    pub async fn apply(&self, campaign: types::CampaignMutable) -> Result<Applied, Error> {
        validate(&campaign)?;
        let name = campaign.name.to_string();
        let same: Vec<types::CampaignSparse> = self
            .list()
            .filter(CampaignFilter::name(&name))
            .collect()
            .await?;
        // The filter is the server's; the name is compared here too, exactly.
        if let Some(found) = same
            .iter()
            .find(|c| c.name.as_str() == name && c.status != types::CampaignStatus::Deleted)
        {
            let full = self
                .okta
                .get_campaign()
                .campaign_id(found.id.as_str())
                .send()
                .await?
                .into_inner();
            return Ok(Applied::Existing(full));
        }
        Ok(Applied::Created(self.create(campaign).await?))
    }

    /// [`apply`](Self::apply) with the campaign read from a YAML or JSON file of the
    /// `campaign-mutable` shape (the API's own field names: `name`, `scheduleSettings`,
    /// `resourceSettings`, …). A file that does not read, or does not fit the shape, is
    /// [`Error::InvalidInput`] naming the file and the field (`scheduleSettings.startDate`).
    /// YAML needs the `yaml` feature (on by default); without it the file is read as JSON, and
    /// anything else is refused with a reason that names the feature.
    pub async fn apply_file(&self, path: impl AsRef<Path>) -> Result<Applied, Error> {
        let campaign = read_file(path.as_ref())?;
        self.apply(campaign).await
    }
}

/// The largest campaign file read.
const MAX_FILE: u64 = 1024 * 1024;

/// A campaign definition from a YAML (or JSON, which YAML reads) file.
pub fn read_file(path: &Path) -> Result<types::CampaignMutable, Error> {
    let shown = okta_governance_client::error::redacted(&path.display().to_string());
    let refused = |limit: String| {
        crate::error::invalid("campaign file", Some(path.display().to_string()), limit)
    };
    let text = crate::files::read_text(path, MAX_FILE).map_err(|e| {
        refused(match e {
            crate::files::ReadError::Io(e) => format!("cannot be read: {e}"),
            crate::files::ReadError::TooLarge => format!("must be at most {MAX_FILE} bytes"),
            crate::files::ReadError::NotText => "must be UTF-8 text".to_string(),
        })
    })?;
    read_text(&text).map_err(|(field, reason)| {
        crate::error::invalid(
            if field.is_empty() {
                "campaign".to_string()
            } else {
                field
            },
            None,
            format!("{reason} (in {shown})"),
        )
    })
}

/// A campaign definition from YAML or JSON text: `Err((field path, reason))`.
pub(crate) fn read_text(text: &str) -> Result<types::CampaignMutable, (String, String)> {
    #[cfg(feature = "yaml")]
    let value: serde_json::Value = serde_yaml_ng::from_str(text)
        .map_err(|e| (String::new(), format!("not YAML or JSON: {e}")))?;
    #[cfg(not(feature = "yaml"))]
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        (
            String::new(),
            format!("not JSON ({e}; YAML needs the `yaml` feature of okta-governance)"),
        )
    })?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { String::new() } else { field };
        (field, e.into_inner().to_string())
    })
}
