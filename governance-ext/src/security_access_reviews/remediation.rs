//! Where revoked (or restored) access stands while Okta remediates it.

use okta_governance_client::types;

/// Where the acted-on accesses stand (see [`SecurityAccessReviewHandle::wait_for_remediation`](super::SecurityAccessReviewHandle::wait_for_remediation)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemediationReport {
    /// `REMEDIATED` (or back to `NONE` after a restore).
    pub finished: Vec<String>,
    /// Waiting for a person: `PENDING_MANUAL_REMEDIATION` or `PENDING_MANUAL_RESTORATION`,
    /// with the status.
    pub manual: Vec<(String, String)>,
    /// Still `IN_PROGRESS`.
    pub in_progress: Vec<String>,
    /// Not among the review's accesses (any more).
    pub missing: Vec<String>,
}

impl RemediationReport {
    pub(super) fn of(statuses: &[(String, Option<Status>)], ids: &[String]) -> Self {
        let mut report = Self::default();
        for id in ids {
            match statuses.iter().find(|(known, _)| known == id) {
                None => report.missing.push(id.clone()),
                Some((_, status)) => match status {
                    Some(Status::InProgress) => report.in_progress.push(id.clone()),
                    Some(
                        status @ (Status::PendingManualRemediation
                        | Status::PendingManualRestoration),
                    ) => report.manual.push((id.clone(), status.to_string())),
                    _ => report.finished.push(id.clone()),
                },
            }
        }
        report
    }
}

/// Where an access or sub-access stands after an action.
pub(super) type Status = types::SecurityAccessReviewAccessItemRemediationStatus;
