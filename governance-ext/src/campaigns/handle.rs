//! One campaign: its lifecycle, its reviews, its progress and its report.

use std::time::Duration;

use chrono::{DateTime, Utc};
use okta_governance_client::prelude::*;
use okta_governance_client::types;

use crate::error::{CampaignError, Error};
use crate::filter::ReviewFilter;
use crate::governance::Governance;
use crate::paginate::List;
use crate::polling::{poll, Polled};

/// One campaign, by id (`okta.campaign(id)`). Owns a clone of the client: `'static` and
/// `Send`, so a long wait can be spawned.
#[derive(Debug, Clone)]
pub struct CampaignHandle {
    pub(super) okta: Governance,
    pub(super) id: String,
}

/// Whether ending a campaign remediates its revoked (and unanswered, if so configured)
/// reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remediation {
    /// Remediate as the campaign's `remediationSettings` say.
    Run,
    /// End without remediating anything (`skipRemediation`).
    Skip,
}

/// Where a campaign's reviews stand: what a progress line prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Every review of the campaign.
    pub total: usize,
    /// Reviews with a decision (approved or revoked).
    pub decided: usize,
    /// Approved.
    pub approved: usize,
    /// Revoked.
    pub revoked: usize,
    /// Still unreviewed.
    pub unreviewed: usize,
    /// Remediation open (not done yet).
    pub remediation_open: usize,
    /// Remediation done.
    pub remediation_succeeded: usize,
    /// Remediation failed.
    pub remediation_failed: usize,
    /// Left to an admin (manual remediation).
    pub remediation_manual: usize,
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{} decided ({} approved, {} revoked, {} unreviewed); remediation: {} open, {} done, {} failed, {} manual",
            self.decided,
            self.total,
            self.approved,
            self.revoked,
            self.unreviewed,
            self.remediation_open,
            self.remediation_succeeded,
            self.remediation_failed,
            self.remediation_manual
        )
    }
}

impl Progress {
    /// The progress of `reviews`.
    pub fn of<'r>(reviews: impl IntoIterator<Item = &'r types::ReviewSparse>) -> Self {
        let mut p = Progress::default();
        for review in reviews {
            p.total += 1;
            match review.decision {
                types::Decision::Approve => p.approved += 1,
                types::Decision::Revoke => p.revoked += 1,
                _ => p.unreviewed += 1,
            }
            match review.remediation_status {
                types::RemediationStatus::Open => p.remediation_open += 1,
                types::RemediationStatus::Success => p.remediation_succeeded += 1,
                types::RemediationStatus::Error => p.remediation_failed += 1,
                types::RemediationStatus::Manual => p.remediation_manual += 1,
                _ => {}
            }
        }
        p.decided = p.approved + p.revoked;
        p
    }
}

/// One decision of a campaign, as an auditor reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportRow {
    /// The review's id.
    pub review: String,
    /// Who has the access: login (or id).
    pub principal: String,
    /// The app or group reviewed (its id).
    pub resource: String,
    /// The entitlement value or bundle, when the review is of one.
    pub entitlement: Option<String>,
    /// The reviewer: login (or id), if one is assigned.
    pub reviewer: Option<String>,
    /// `APPROVE`, `REVOKE` or `UNREVIEWED`.
    pub decision: types::Decision,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// The reviewer's note, if any.
    pub note: Option<String>,
    /// Where remediation stands.
    pub remediation: types::RemediationStatus,
}

impl ReportRow {
    /// The CSV header matching [`csv`](Self::csv).
    pub const CSV_HEADER: &'static str =
        "review,principal,resource,entitlement,reviewer,decision,decided_at,note,remediation";

    /// The row as one CSV line (RFC 4180: fields with a comma, quote or line break quoted,
    /// quotes doubled; a field starting with `=`, `+`, `-` or `@` prefixed with `'` so a
    /// spreadsheet does not run it as a formula).
    pub fn csv(&self) -> String {
        let fields = [
            self.review.clone(),
            self.principal.clone(),
            self.resource.clone(),
            self.entitlement.clone().unwrap_or_default(),
            self.reviewer.clone().unwrap_or_default(),
            self.decision.to_string(),
            self.decided_at
                .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            self.note.clone().unwrap_or_default(),
            self.remediation.to_string(),
        ];
        fields
            .iter()
            .map(|f| csv_field(f))
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn who(profile: &types::PrincipalProfileEnriched) -> String {
    profile
        .login
        .as_ref()
        .map(|login| login.to_string())
        .unwrap_or_else(|| profile.id.to_string())
}

impl CampaignHandle {
    /// The campaign's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The campaign as it is now.
    pub async fn details(&self) -> Result<types::CampaignFull, Error> {
        Ok(self
            .okta
            .get_campaign()
            .campaign_id(self.id.as_str())
            .send()
            .await?
            .into_inner())
    }

    /// Launches the campaign (`SCHEDULED` → `LAUNCHING` → `ACTIVE`); see
    /// [`wait_until_active`](Self::wait_until_active).
    pub async fn launch(&self) -> Result<(), Error> {
        self.okta
            .launch_campaign()
            .campaign_id(self.id.as_str())
            .send()
            .await?;
        Ok(())
    }

    /// Polls (1 s, doubling to 15 s) until the campaign is `ACTIVE`; `ERROR` is
    /// [`CampaignError::Failed`], `deadline` passing [`CampaignError::NotYet`].
    pub async fn wait_until_active(
        &self,
        deadline: Duration,
    ) -> Result<types::CampaignFull, Error> {
        self.wait_for(types::CampaignStatus::Active, deadline).await
    }

    /// Ends the campaign, remediating or not; see
    /// [`wait_until_completed`](Self::wait_until_completed) and
    /// [`wait_for_remediation`](Self::wait_for_remediation).
    pub async fn end(&self, remediation: Remediation) -> Result<(), Error> {
        let body: types::CampaignEndSkipRemediation = crate::error::built(
            "body",
            types::builder::CampaignEndSkipRemediation::default()
                .skip_remediation(Some(remediation == Remediation::Skip)),
        )?;
        self.okta
            .end_campaign()
            .campaign_id(self.id.as_str())
            .body(body)
            .send()
            .await?;
        Ok(())
    }

    /// Polls until the campaign is `COMPLETED` (as [`wait_until_active`](Self::wait_until_active)).
    pub async fn wait_until_completed(
        &self,
        deadline: Duration,
    ) -> Result<types::CampaignFull, Error> {
        self.wait_for(types::CampaignStatus::Completed, deadline)
            .await
    }

    async fn wait_for(
        &self,
        wanted: types::CampaignStatus,
        deadline: Duration,
    ) -> Result<types::CampaignFull, Error> {
        let id = self.id.clone();
        let late_id = id.clone();
        let late_wanted = wanted.clone();
        poll(
            deadline,
            || self.details(),
            |campaign| match &campaign.status {
                status if *status == wanted => Polled::Ready(Ok(campaign)),
                types::CampaignStatus::Error => {
                    Polled::Ready(Err(CampaignError::Failed { id: id.clone() }.into()))
                }
                status => {
                    tracing::debug!(campaign = %id, ?status, "campaign not there yet");
                    Polled::Pending(status.clone())
                }
            },
            move |status, waited| {
                CampaignError::NotYet {
                    id: late_id,
                    status,
                    wanted: late_wanted,
                    waited,
                }
                .into()
            },
        )
        .await
    }

    /// Deletes a campaign that never launched; one that did is refused without a request
    /// ([`CampaignError::Launched`]).
    pub async fn delete(&self) -> Result<(), Error> {
        let status = self.details().await?.status;
        if status != types::CampaignStatus::Scheduled {
            return Err(CampaignError::Launched {
                id: self.id.clone(),
                status,
            }
            .into());
        }
        self.okta
            .delete_campaign()
            .campaign_id(self.id.as_str())
            .send()
            .await?;
        Ok(())
    }

    /// The campaign's reviews, streamed; narrow them with `.filter(ReviewFilter::…)` (by
    /// decision, reviewer, principal, resource, level).
    pub fn reviews(&self) -> List<types::ReviewSparse, ReviewFilter> {
        let okta = self.okta.clone();
        let id = self.id.clone();
        List::new(None, move |filter, cursor, limit| {
            let okta = okta.clone();
            let campaign = ReviewFilter::campaign(&id);
            async move {
                let filter = match filter {
                    // The caller's filter, within this campaign: `campaignId eq … and (…)`.
                    Some(extra) => format!("{campaign} and ({extra})"),
                    None => campaign.to_string(),
                };
                crate::paginate::fetch_page(okta.list_reviews().filter(filter), cursor, limit).await
            }
        })
    }

    /// Where the reviews stand (reads every review once).
    pub async fn progress(&self) -> Result<Progress, Error> {
        let reviews: Vec<types::ReviewSparse> = self.reviews().collect().await?;
        Ok(Progress::of(&reviews))
    }

    /// Polls until no review's remediation is `OPEN` (after [`end`](Self::end)), then the
    /// progress; `deadline` passing is [`CampaignError::RemediationPending`] naming the
    /// reviews still open.
    pub async fn wait_for_remediation(&self, deadline: Duration) -> Result<Progress, Error> {
        let id = self.id.clone();
        poll(
            deadline,
            || async { self.reviews().collect().await },
            |reviews: Vec<types::ReviewSparse>| {
                let open: Vec<String> = reviews
                    .iter()
                    .filter(|r| r.remediation_status == types::RemediationStatus::Open)
                    .map(|r| r.id.as_str().to_string())
                    .collect();
                if open.is_empty() {
                    Polled::Ready(Ok(Progress::of(&reviews)))
                } else {
                    Polled::Pending(open)
                }
            },
            move |open, waited| CampaignError::RemediationPending { id, open, waited }.into(),
        )
        .await
    }

    /// Every decision of the campaign as a row (principal, resource, entitlement, reviewer,
    /// decision, when, note, remediation): the evidence an auditor asks for. Reads every
    /// review, and each decided review's note.
    pub async fn report(&self) -> Result<Vec<ReportRow>, Error> {
        let reviews: Vec<types::ReviewSparse> = self.reviews().collect().await?;
        let mut rows = Vec::with_capacity(reviews.len());
        for review in reviews {
            // Notes are on the full review only; an undecided review has none.
            let note = if review.decision == types::Decision::Unreviewed {
                None
            } else {
                self.okta
                    .get_review()
                    .review_id(review.id.as_str())
                    .send()
                    .await?
                    .into_inner()
                    .note
                    .and_then(|n| n.note.map(|t| t.to_string()))
            };
            rows.push(ReportRow {
                review: review.id.as_str().to_string(),
                principal: who(&review.principal_profile),
                resource: review.resource_id.to_string(),
                entitlement: review
                    .entitlement_value
                    .as_ref()
                    .map(|v| v.name.to_string())
                    .or_else(|| {
                        review
                            .entitlement_bundle
                            .as_ref()
                            .map(|b| b.name.to_string())
                    }),
                reviewer: review.reviewer_profile.as_ref().map(who),
                decision: review.decision,
                decided_at: review.decided,
                note,
                remediation: review.remediation_status,
            });
        }
        Ok(rows)
    }

    /// Used by the reassign builder.
    pub(super) fn client(&self) -> &Governance {
        &self.okta
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_run_as_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("line\nbreak"), "\"line\nbreak\"");
    }
}
