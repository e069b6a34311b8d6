//! One security access review's handle: the calls made on it after launch, on the admin's
//! side or a reviewer's.

use std::time::Duration;

use okta_governance_client::prelude::*;
use okta_governance_client::types;

use super::act_on::ActOn;
use super::polling::{poll, poll_until_active, Polled};
use super::remediation::{RemediationReport, Status};
use super::targets::{check_supported, AccessAction, AccessIdLike, AccessTarget};
use super::Side;
use crate::bulk::DEFAULT_CONCURRENCY;
use crate::error::{typed, Error, SecurityAccessReviewError};
use crate::governance::Governance;
use crate::paginate::List;

/// The longest review comment the spec accepts.
const MAX_COMMENT: usize = 1000;

/// One security access review, with the calls you make on it after launch: the admin's side
/// (`okta.security_access_review(id)`) or, with feature `my-security-access-reviews`, a reviewer's
/// (`okta.my_security_access_review(id)`, a client signed in as the reviewer). The same calls serve both,
/// so a flow is written once.
#[derive(Debug, Clone)]
pub struct SecurityAccessReviewHandle {
    pub(super) okta: Governance,
    pub(super) id: String,
    pub(super) side: Side,
}

impl SecurityAccessReviewHandle {
    /// The review's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The review's details.
    pub async fn details(&self) -> Result<types::SecurityAccessReview, Error> {
        Ok(on_side!(
            self,
            get_security_access_review,
            get_my_security_access_review,
            |b| b
                .security_access_review_id(self.id.as_str())
                .send()
                .await?
                .into_inner()
        ))
    }

    /// Polls the review (1 s, doubling to 15 s) until it is `ACTIVE` or `CLOSED` (returned),
    /// `ERROR` ([`SecurityAccessReviewError::Failed`]) or `deadline` passes ([`SecurityAccessReviewError::NotActiveYet`]).
    pub async fn wait_until_active(
        &self,
        deadline: Duration,
    ) -> Result<types::SecurityAccessReview, Error> {
        poll_until_active(&self.id, deadline, || self.details()).await
    }

    /// The principal under review.
    pub async fn principal(&self) -> Result<types::SecurityAccessReviewPrincipal, Error> {
        Ok(on_side!(
            self,
            get_security_access_review_principal_details,
            get_my_security_access_review_principal_details,
            |b| b
                .security_access_review_id(self.id.as_str())
                .send()
                .await?
                .into_inner()
        ))
    }

    /// The accesses under review, streamed (`limit` 1-200 per page).
    pub fn accesses(&self) -> List<types::SecurityAccessReviewAccessItem> {
        owned_list!(
            self,
            list_security_access_review_accesses,
            list_my_security_access_review_accesses,
            [id = self.id.clone()],
            |b| b.security_access_review_id(id)
        )
    }

    /// The review's history, streamed.
    pub fn history(&self) -> List<types::SecurityAccessReviewHistoryItem> {
        owned_list!(
            self,
            list_security_access_review_history,
            list_my_security_access_review_history,
            [id = self.id.clone()],
            |b| b.security_access_review_id(id)
        )
    }

    /// The anomalies found for one access of the review.
    pub async fn anomalies(
        &self,
        target_id: &str,
    ) -> Result<types::SecurityAccessReviewAnomalies, Error> {
        Ok(on_side!(
            self,
            list_security_access_review_accesses_anomalies,
            list_my_security_access_review_accesses_anomalies,
            |b| b
                .security_access_review_id(self.id.as_str())
                .security_access_review_target_id(target_id)
                .send()
                .await?
                .into_inner()
        ))
    }

    /// The review-level actions available now (`CLOSE_REVIEW`, `RESTORE_ALL_ACCESS`), as the
    /// server lists them for this caller.
    pub async fn actions(&self) -> Result<Vec<types::SecurityAccessReviewActionType>, Error> {
        let actions = on_side!(
            self,
            list_security_access_review_actions,
            list_my_security_access_review_actions,
            |b| b
                .security_access_review_id(self.id.as_str())
                .send()
                .await?
                .into_inner()
        );
        Ok(actions.data.into_iter().map(|a| a.action_type).collect())
    }

    /// Closes the review (`CLOSE_REVIEW`).
    pub async fn close(&self) -> Result<(), Error> {
        self.action(types::SecurityAccessReviewActionType::CloseReview)
            .await
    }

    /// Restores every access the review revoked (`RESTORE_ALL_ACCESS`).
    pub async fn restore_all_access(&self) -> Result<(), Error> {
        self.action(types::SecurityAccessReviewActionType::RestoreAllAccess)
            .await
    }

    /// The sub-accesses of one access (its groups, entitlements, …), streamed. The access is
    /// named by its generated id (`item.id`) or its text.
    pub fn sub_accesses(
        &self,
        access_id: impl AccessIdLike,
    ) -> List<types::SecurityAccessReviewSubAccessItem> {
        owned_list!(
            self,
            list_security_access_review_sub_accesses,
            list_my_security_access_review_sub_accesses,
            [
                id = self.id.clone(),
                access = access_id.id_str().to_string()
            ],
            |b| b
                .security_access_review_id(id)
                .security_access_review_access_id(access)
        )
    }

    /// Acts on one access (`REVOKE_ACCESS`, `RESTORE_ACCESS`, `FLAG_FOR_MANUAL_REMEDIATION`,
    /// `FLAG_FOR_MANUAL_RESTORATION`). An action the access does not list in its
    /// `supportedActions` is refused before sending ([`SecurityAccessReviewError::ActionNotSupported`]).
    /// Remediation is asynchronous: see [`wait_for_remediation`](Self::wait_for_remediation).
    ///
    /// `access` is an access ([`types::SecurityAccessReviewAccessItem`]) or one of its
    /// sub-accesses ([`types::SecurityAccessReviewSubAccessItem`]: a group or an entitlement
    /// of the app), so a reviewer can revoke one entitlement and keep the app.
    pub async fn act<T: AccessTarget + ?Sized>(
        &self,
        access: &T,
        action: AccessAction,
    ) -> Result<(), Error> {
        check_supported(access, &action)?;
        self.send_access_action(access.target_id(), action).await
    }

    pub(super) async fn send_access_action(
        &self,
        access_id: &str,
        action: AccessAction,
    ) -> Result<(), Error> {
        on_side!(
            self,
            execute_security_access_review_accesses_action,
            execute_my_security_access_review_accesses_action,
            |b| b
                .security_access_review_id(self.id.as_str())
                .security_access_review_target_id(access_id)
                .body_map(|b| b.type_(action))
                .send()
                .await
        )?;
        Ok(())
    }

    /// Acts on every access that `select` picks (say, every access with an anomaly, or of high
    /// severity): one request per access, as the API requires, a few at a time under the
    /// client's throttle, in the shape all bulk work shares ([`bulk`](crate::bulk)). Send it
    /// for a [`Report`](crate::bulk::Report), or stream its
    /// [`outcomes`](ActOn::outcomes) to show progress.
    pub fn act_on<F>(&self, action: AccessAction, select: F) -> ActOn<F>
    where
        F: FnMut(&types::SecurityAccessReviewAccessItem) -> bool + Send + 'static,
    {
        ActOn {
            review: self.clone(),
            action,
            select,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// Polls the review's accesses (1 s, doubling to 15 s) until none of `access_ids` (accesses
    /// or sub-accesses; the sub-accesses are read only when an id is not an access) is
    /// `IN_PROGRESS` any more (remediation runs asynchronously after a revoke), or `deadline`
    /// passes ([`SecurityAccessReviewError::RemediationPending`], naming the ones still in progress). The
    /// report says which were remediated and which wait for a person
    /// (`PENDING_MANUAL_REMEDIATION`, `PENDING_MANUAL_RESTORATION`).
    ///
    /// `access_ids` takes a bulk report's ids as they are (`&report.succeeded`), or strings.
    pub fn wait_for_remediation<I>(
        &self,
        access_ids: I,
        deadline: Duration,
    ) -> impl std::future::Future<Output = Result<RemediationReport, Error>> + Send + '_
    where
        I: IntoIterator,
        I::Item: AccessIdLike,
    {
        let access_ids: Vec<String> = access_ids
            .into_iter()
            .map(|id| id.id_str().to_owned())
            .collect();
        async move { self.remediation_settled(&access_ids, deadline).await }
    }

    async fn remediation_settled(
        &self,
        access_ids: &[String],
        deadline: Duration,
    ) -> Result<RemediationReport, Error> {
        poll(
            deadline,
            || async {
                let accesses: Vec<types::SecurityAccessReviewAccessItem> =
                    self.accesses().collect().await?;
                let mut statuses: Vec<(String, Option<Status>)> = accesses
                    .iter()
                    .map(|a| (a.id.to_string(), a.remediation_status.clone()))
                    .collect();
                // Ids that are not accesses may be sub-accesses: read those of the accesses
                // that have any, only when asked for one.
                let known = |id: &String| statuses.iter().any(|(known, _)| known == id);
                if !access_ids.iter().all(known) {
                    for access in accesses.iter().filter(|a| !a.sub_access_types.is_empty()) {
                        let subs: Vec<types::SecurityAccessReviewSubAccessItem> =
                            self.sub_accesses(access.id.as_str()).collect().await?;
                        statuses.extend(
                            subs.into_iter()
                                .map(|s| (s.id.to_string(), s.remediation_status)),
                        );
                    }
                }
                Ok(RemediationReport::of(&statuses, access_ids))
            },
            |report| {
                if report.in_progress.is_empty() {
                    Polled::Ready(Ok(report))
                } else {
                    Polled::Pending(report.in_progress)
                }
            },
            |in_progress, waited| {
                SecurityAccessReviewError::RemediationPending {
                    id: self.id.clone(),
                    in_progress,
                    waited,
                }
                .into()
            },
        )
        .await
    }

    /// Adds a comment to the review.
    pub async fn comment(&self, text: &str) -> Result<(), Error> {
        let length = text.chars().count();
        if !(1..=MAX_COMMENT).contains(&length) {
            return Err(crate::error::invalid(
                "comment",
                Some(text.chars().take(64).collect()),
                "must be 1 to 1000 characters",
            ));
        }
        let comment: types::SecurityAccessReviewCommentRequestComment = typed("comment", text)?;
        on_side!(
            self,
            add_security_access_review_comment,
            add_my_security_access_review_comment,
            |b| b
                .security_access_review_id(self.id.as_str())
                .body_map(|b| b.comment(comment))
                .send()
                .await
        )?;
        Ok(())
    }

    async fn action(
        &self,
        action_type: types::SecurityAccessReviewActionType,
    ) -> Result<(), Error> {
        on_side!(
            self,
            execute_security_access_review_action,
            execute_my_security_access_review_action,
            |b| b
                .security_access_review_id(self.id.as_str())
                .body_map(|b| b.action_type(action_type))
                .send()
                .await
        )?;
        Ok(())
    }
}
