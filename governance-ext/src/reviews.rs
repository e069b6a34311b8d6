//! Security access reviews: launch one with [`Governance::reviews`], then follow it with
//! [`Governance::review`] (details, principal, accesses, history, anomalies, close, restore,
//! and waiting for it to become active).
//!
//! ```no_run
//! use okta_governance::prelude::*;
//! # async fn run(okta: Governance) -> Result<(), Error> {
//! let review = okta
//!     .reviews()
//!     .launch("00ucpjbi6JMmDvdN40g4", "Security access review for Test user")
//!     .reviewer("00ucpjbi6JMmDvdN40g5")
//!     .send()
//!     .await?;
//! let active = okta
//!     .review(review.id.as_str())
//!     .wait_until_active(std::time::Duration::from_secs(300))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! Needs the `okta.governance.securityAccessReviews.admin.manage` scope (and `.read` to poll)
//! and the super admin role or a custom role with *Manage security access reviews as admin*.

use std::time::Duration;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Months, Utc};
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use okta_governance_client::prelude::*;
use okta_governance_client::types;

pub use crate::error::ReviewError;
use crate::error::{built, typed, Error};
use crate::filter::ReviewFilter;
use crate::governance::Governance;
use crate::paginate::{Items, PageBounds};

/// Field names as the API spells them, for errors.
const PRINCIPAL: &str = "principalId";
const NAME: &str = "name";
const REVIEWERS: &str = "reviewerSettings.userSettings.includedUserIds";
const END_TIME: &str = "endTime";
/// The most reviewers a review may have.
pub const MAX_REVIEWERS: usize = 10;
/// The longest [`Review::wait_until_active`] polls between two reads.
const MAX_POLL: Duration = Duration::from_secs(15);

/// The security-access-review calls of a client: `okta.reviews()`.
///
/// It owns a clone of the client, as do its builders, review handles and streams: each is
/// `'static` and `Send`, so it can be returned, stored or spawned.
#[derive(Debug, Clone)]
pub struct Reviews {
    okta: Governance,
}

impl Governance {
    /// Launching and listing security access reviews (see [`reviews`](crate::reviews)).
    pub fn reviews(&self) -> Reviews {
        Reviews { okta: self.clone() }
    }

    /// One security access review, by id, as its admin: its details and the calls made on it
    /// after launch (`okta.governance.securityAccessReviews.admin.*` scopes).
    pub fn review(&self, id: impl Into<String>) -> Review {
        Review {
            okta: self.clone(),
            id: id.into(),
            side: Side::Admin,
        }
    }

    /// One security access review, by id, as one of its reviewers
    /// (`/my/security-access-reviews`): the client must be signed in as that user (a
    /// [`UserTokens`](crate::auth::user::UserTokens) or bearer credential with the
    /// `okta.governance.securityAccessReviews.endUser.*` scopes). A user who is not one of the
    /// review's reviewers gets Okta's 403.
    #[cfg(feature = "my-security-access-reviews")]
    #[cfg_attr(docsrs, doc(cfg(feature = "my-security-access-reviews")))]
    pub fn my_review(&self, id: impl Into<String>) -> Review {
        Review {
            okta: self.clone(),
            id: id.into(),
            side: Side::Reviewer,
        }
    }
}

impl Reviews {
    /// A review of `principal_id`'s access, called `name`, to set up and send.
    pub fn launch(&self, principal_id: impl Into<String>, name: impl Into<String>) -> Launch {
        Launch {
            okta: self.okta.clone(),
            principal_id: principal_id.into(),
            name: name.into(),
            reviewers: Vec::new(),
            end_time: None,
        }
    }

    /// The org's reviews (those matching `filter`, if given), streamed (`limit` 1-200 per
    /// page).
    pub fn list(
        &self,
        filter: Option<ReviewFilter>,
        limit: u32,
    ) -> Result<Items<types::SecurityAccessReviewSparse>, Error> {
        let okta = self.okta.clone();
        let filter = filter.map(String::from);
        crate::paginate::owned_items(limit, PageBounds::default(), move |cursor, limit| {
            let (okta, filter) = (okta.clone(), filter.clone());
            async move {
                let builder = okta.list_security_access_reviews();
                let builder = match filter {
                    Some(filter) => builder.filter(filter),
                    None => builder,
                };
                crate::paginate::fetch_page(builder, cursor, limit).await
            }
        })
    }
}

/// A security access review to launch, validated before anything is sent (the builder of
/// [`Reviews::launch`]).
#[derive(Debug, Clone)]
#[must_use = "nothing happens until `send` is awaited"]
pub struct Launch {
    okta: Governance,
    principal_id: String,
    name: String,
    reviewers: Vec<String>,
    end_time: Option<DateTime<Utc>>,
}

fn is_user_id(id: &str) -> bool {
    id.len() == 20 && id.chars().all(|c| c.is_ascii_alphanumeric())
}

fn invalid(field: &'static str, value: impl Into<String>, limit: &'static str) -> Error {
    crate::error::invalid(field, Some(value.into()), limit)
}

impl Launch {
    /// Adds a reviewer (an Okta user id).
    pub fn reviewer(mut self, user_id: impl Into<String>) -> Self {
        self.reviewers.push(user_id.into());
        self
    }

    /// Adds reviewers.
    pub fn reviewers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, user_ids: I) -> Self {
        self.reviewers.extend(user_ids.into_iter().map(Into::into));
        self
    }

    /// When the review ends (default: 7 days after creation, set by Okta).
    pub fn end_time(mut self, at: DateTime<Utc>) -> Self {
        self.end_time = Some(at);
        self
    }

    /// Checks every documented rule against `now` and builds the request body; nothing is
    /// sent.
    pub fn validate(
        &self,
        now: DateTime<Utc>,
    ) -> Result<types::SecurityAccessReviewRequest, Error> {
        if !is_user_id(&self.principal_id) {
            return Err(invalid(
                PRINCIPAL,
                &self.principal_id,
                "must be an Okta user id (20 letters and digits)",
            ));
        }
        let name_length = self.name.chars().count();
        if !(1..=255).contains(&name_length) {
            return Err(invalid(NAME, &self.name, "must be 1 to 255 characters"));
        }
        if self.reviewers.is_empty() || self.reviewers.len() > MAX_REVIEWERS {
            return Err(invalid(
                REVIEWERS,
                self.reviewers.len().to_string(),
                "must list 1 to 10 reviewers",
            ));
        }
        for reviewer in &self.reviewers {
            if !is_user_id(reviewer) {
                return Err(invalid(
                    REVIEWERS,
                    reviewer,
                    "must hold Okta user ids (20 letters and digits)",
                ));
            }
            if *reviewer == self.principal_id {
                return Err(invalid(
                    REVIEWERS,
                    reviewer,
                    "must not include the principal under review: a user cannot review their own access",
                ));
            }
        }
        if let Some(end) = self.end_time {
            let earliest = now
                .checked_add_signed(chrono::Duration::days(1))
                .unwrap_or(now);
            if end < earliest {
                return Err(invalid(
                    END_TIME,
                    end.to_rfc3339(),
                    "must be at least 1 day from now",
                ));
            }
            let limit = now.checked_add_months(Months::new(6)).unwrap_or(now);
            if end >= limit {
                return Err(invalid(
                    END_TIME,
                    end.to_rfc3339(),
                    "must be less than 6 months from now",
                ));
            }
        }
        let mut reviewers = self.reviewers.clone();
        crate::dedup::unique(&mut reviewers);
        let included_user_ids = reviewers
            .iter()
            .map(|id| typed(REVIEWERS, id))
            .collect::<Result<Vec<_>, Error>>()?;
        let user_settings: types::SecurityAccessReviewUserReviewerSettings = built(
            "reviewerSettings.userSettings",
            types::builder::SecurityAccessReviewUserReviewerSettings::default()
                .included_user_ids(included_user_ids),
        )?;
        let reviewer_settings: types::SecurityAccessReviewReviewerSettings = built(
            "reviewerSettings",
            types::builder::SecurityAccessReviewReviewerSettings::default()
                .type_(types::SecurityAccessReviewReviewerType::User)
                .user_settings(user_settings),
        )?;
        built(
            "body",
            types::builder::SecurityAccessReviewRequest::default()
                .principal_id(typed::<types::SecurityAccessReviewRequestPrincipalId>(
                    PRINCIPAL,
                    &self.principal_id,
                )?)
                .name(typed::<types::SecurityAccessReviewRequestName>(
                    NAME, &self.name,
                )?)
                .end_time(self.end_time)
                .reviewer_settings(reviewer_settings),
        )
    }

    /// Validates and sends `POST /governance/api/v2/security-access-reviews`; the review comes
    /// back `PENDING` (see [`Review::wait_until_active`]).
    pub async fn send(self) -> Result<types::SecurityAccessReview, Error> {
        let body = self.validate(Utc::now())?;
        Ok(self
            .okta
            .create_security_access_review()
            .body(body)
            .send()
            .await?
            .into_inner())
    }
}

/// What one poll found: the final answer, or what is still pending.
enum Polled<R, P> {
    Ready(Result<R, Error>),
    Pending(P),
}

/// Polls `fetch` (1 s, doubling to 15 s) until `settle` calls a value final, or until the next
/// wait would pass `deadline`: then the error `late` makes from what is still pending and the
/// time waited. On Tokio's clock, so tests run it on paused time.
async fn poll<T, R, P, Fut>(
    deadline: Duration,
    mut fetch: impl FnMut() -> Fut,
    mut settle: impl FnMut(T) -> Polled<R, P>,
    late: impl FnOnce(P, Duration) -> Error,
) -> Result<R, Error>
where
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_secs(1);
    loop {
        let pending = match settle(fetch().await?) {
            Polled::Ready(result) => return result,
            Polled::Pending(pending) => pending,
        };
        if started.elapsed().saturating_add(pause) > deadline {
            return Err(late(pending, started.elapsed()));
        }
        tokio::time::sleep(pause).await;
        pause = pause.saturating_mul(2).min(MAX_POLL);
    }
}

/// Polls `fetch` until the review is `ACTIVE` or `CLOSED`, `ERROR`, or `deadline` passes.
async fn poll_until_active<F, Fut>(
    id: &str,
    deadline: Duration,
    fetch: F,
) -> Result<types::SecurityAccessReview, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<types::SecurityAccessReview, Error>>,
{
    use types::SecurityAccessReviewStatus as Status;
    poll(
        deadline,
        fetch,
        |review| match review.status {
            Status::Active | Status::Closed => Polled::Ready(Ok(review)),
            Status::Error => Polled::Ready(Err(ReviewError::Failed { id: id.to_string() }.into())),
            status => {
                tracing::debug!(review = id, ?status, "review not active yet");
                Polled::Pending(status)
            }
        },
        |status, waited| {
            ReviewError::NotActiveYet {
                id: id.to_string(),
                status: status.to_string(),
                waited,
            }
            .into()
        },
    )
    .await
}

/// Which side of a review a handle acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// `/security-access-reviews/…`: a service app with the `.admin.*` scopes.
    Admin,
    /// `/my/security-access-reviews/…`: a signed-in reviewer with the `.endUser.*` scopes.
    #[cfg(feature = "my-security-access-reviews")]
    Reviewer,
}

/// Calls the admin operation or the reviewer's (`my`) one of the same shape, by the handle's
/// side; `$rest` is applied to the builder in each branch.
macro_rules! on_side {
    ($review:expr, $admin:ident, $mine:ident, |$b:ident| $rest:expr) => {
        on_side!(@ $review.okta, $review.side, $admin, $mine, |$b| $rest)
    };
    (@ $okta:expr, $side:expr, $admin:ident, $mine:ident, |$b:ident| $rest:expr) => {
        match $side {
            Side::Admin => {
                let $b = $okta.$admin();
                $rest
            }
            #[cfg(feature = "my-security-access-reviews")]
            Side::Reviewer => {
                let $b = $okta.$mine();
                $rest
            }
        }
    };
}

/// A list of the review on the handle's side as an owned stream: the client, the side and the
/// `captures` are moved into the stream, and `$build` makes the request for each page.
macro_rules! owned_list {
    ($review:expr, $limit:expr, $admin:ident, $mine:ident, [$($v:ident = $init:expr),*], |$b:ident| $build:expr) => {{
        let okta = $review.okta.clone();
        let side = $review.side;
        $(let $v = $init;)*
        crate::paginate::owned_items($limit, PageBounds::default(), move |cursor, limit| {
            let okta = okta.clone();
            $(let $v = $v.clone();)*
            async move {
                on_side!(@ okta, side, $admin, $mine, |$b| {
                    crate::paginate::fetch_page($build, cursor, limit).await
                })
            }
        })
    }};
}

/// One security access review, with the calls you make on it after launch: the admin's side
/// (`okta.review(id)`) or, with feature `my-security-access-reviews`, a reviewer's
/// (`okta.my_review(id)`, a client signed in as the reviewer). The same calls serve both,
/// so a flow is written once.
#[derive(Debug, Clone)]
pub struct Review {
    okta: Governance,
    id: String,
    side: Side,
}

impl Review {
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
    /// `ERROR` ([`ReviewError::Failed`]) or `deadline` passes ([`ReviewError::NotActiveYet`]).
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
    pub fn accesses(
        &self,
        limit: u32,
    ) -> Result<Items<types::SecurityAccessReviewAccessItem>, Error> {
        owned_list!(
            self,
            limit,
            list_security_access_review_accesses,
            list_my_security_access_review_accesses,
            [id = self.id.clone()],
            |b| b.security_access_review_id(id)
        )
    }

    /// The review's history, streamed.
    pub fn history(
        &self,
        limit: u32,
    ) -> Result<Items<types::SecurityAccessReviewHistoryItem>, Error> {
        owned_list!(
            self,
            limit,
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

    /// The sub-accesses of one access (its groups, entitlements, …), streamed.
    pub fn sub_accesses(
        &self,
        access_id: &str,
        limit: u32,
    ) -> Result<Items<types::SecurityAccessReviewSubAccessItem>, Error> {
        owned_list!(
            self,
            limit,
            list_security_access_review_sub_accesses,
            list_my_security_access_review_sub_accesses,
            [id = self.id.clone(), access = access_id.to_string()],
            |b| b
                .security_access_review_id(id)
                .security_access_review_access_id(access)
        )
    }

    /// Acts on one access (`REVOKE_ACCESS`, `RESTORE_ACCESS`, `FLAG_FOR_MANUAL_REMEDIATION`,
    /// `FLAG_FOR_MANUAL_RESTORATION`). An action the access does not list in its
    /// `supportedActions` is refused before sending ([`ReviewError::ActionNotSupported`]).
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

    async fn send_access_action(&self, access_id: &str, action: AccessAction) -> Result<(), Error> {
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
    /// client's throttle. Send it for an [`ActionReport`], or stream its
    /// [`outcomes`](ActOn::outcomes) to show progress.
    pub fn act_on<F>(&self, action: AccessAction, select: F) -> ActOn<F>
    where
        F: FnMut(&types::SecurityAccessReviewAccessItem) -> bool + Send,
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
    /// passes ([`ReviewError::RemediationPending`], naming the ones still in progress). The
    /// report says which were remediated and which wait for a person
    /// (`PENDING_MANUAL_REMEDIATION`, `PENDING_MANUAL_RESTORATION`).
    pub async fn wait_for_remediation(
        &self,
        access_ids: &[String],
        deadline: Duration,
    ) -> Result<RemediationReport, Error> {
        poll(
            deadline,
            || async {
                let accesses: Vec<types::SecurityAccessReviewAccessItem> = self
                    .accesses(crate::paginate::MAX_LIMIT)?
                    .try_collect()
                    .await?;
                let mut statuses: Vec<(String, Option<Status>)> = accesses
                    .iter()
                    .map(|a| (a.id.to_string(), a.remediation_status.clone()))
                    .collect();
                // Ids that are not accesses may be sub-accesses: read those of the accesses
                // that have any, only when asked for one.
                let known = |id: &String| statuses.iter().any(|(known, _)| known == id);
                if !access_ids.iter().all(known) {
                    for access in accesses.iter().filter(|a| !a.sub_access_types.is_empty()) {
                        let subs: Vec<types::SecurityAccessReviewSubAccessItem> = self
                            .sub_accesses(access.id.as_str(), crate::paginate::MAX_LIMIT)?
                            .try_collect()
                            .await?;
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
                ReviewError::RemediationPending {
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

/// An action on one access of a review (the spec's `supportedActions`).
pub type AccessAction = types::SecurityAccessReviewAccessItemSupportedAction;

/// Access actions in flight at once by default (under the client's throttle).
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most access actions in flight at once that [`ActOn::concurrency`] accepts.
pub const MAX_CONCURRENCY: usize = 16;

/// The longest review comment the spec accepts.
const MAX_COMMENT: usize = 1000;

fn check_supported<T: AccessTarget + ?Sized>(
    access: &T,
    action: &AccessAction,
) -> Result<(), Error> {
    let supported = access.supported_actions();
    if supported.contains(action) {
        return Ok(());
    }
    Err(ReviewError::ActionNotSupported {
        access_id: access.target_id().to_string(),
        access: access.target_name().to_string(),
        action: action.to_string(),
        supported: supported.iter().map(ToString::to_string).collect(),
    }
    .into())
}

/// What an access action can be taken on: an access of a review, or one of its sub-accesses.
/// Implemented for the two generated types; sealed.
pub trait AccessTarget: sealed::Sealed {
    /// The id the action is sent to (`securityAccessReviewTargetId`).
    fn target_id(&self) -> &str;
    /// Its name, for reports.
    fn target_name(&self) -> &str;
    /// The actions the server says it supports.
    fn supported_actions(&self) -> &[AccessAction];
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::types::SecurityAccessReviewAccessItem {}
    impl Sealed for super::types::SecurityAccessReviewSubAccessItem {}
}

impl AccessTarget for types::SecurityAccessReviewAccessItem {
    fn target_id(&self) -> &str {
        self.id.as_str()
    }
    fn target_name(&self) -> &str {
        self.name.as_str()
    }
    fn supported_actions(&self) -> &[AccessAction] {
        &self.supported_actions
    }
}

impl AccessTarget for types::SecurityAccessReviewSubAccessItem {
    fn target_id(&self) -> &str {
        self.id.as_str()
    }
    fn target_name(&self) -> &str {
        self.name.as_str()
    }
    fn supported_actions(&self) -> &[AccessAction] {
        &self.supported_actions
    }
}

/// The builder of [`Review::act_on`].
#[must_use = "nothing happens until `send` is awaited or `outcomes` is polled"]
pub struct ActOn<F> {
    review: Review,
    action: AccessAction,
    select: F,
    concurrency: usize,
}

impl<F> std::fmt::Debug for ActOn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActOn")
            .field("review", &self.review.id)
            .field("action", &self.action)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// What happened to one access of an [`ActOn`], with the progress so far.
#[derive(Debug)]
#[non_exhaustive]
pub struct AccessOutcome {
    /// The access's id.
    pub access_id: String,
    /// The access's name (the app's, for application accesses).
    pub name: String,
    /// `Ok` when the action was accepted; [`ReviewError::ActionNotSupported`] when it was
    /// refused before sending; the server's or the transport's error otherwise.
    pub result: Result<(), Arc<Error>>,
    /// Accesses finished, this one included.
    pub done: usize,
    /// Accesses selected.
    pub total: usize,
}

/// What an [`ActOn`] did to each selected access.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ActionReport {
    /// Access id -> `Ok(())` or why not.
    pub results: BTreeMap<String, Result<(), Arc<Error>>>,
}

impl ActionReport {
    /// The accesses acted on.
    pub fn done(&self) -> Vec<&str> {
        self.results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// The accesses refused or failed, with why.
    pub fn failed(&self) -> Vec<(&str, &Error)> {
        self.results
            .iter()
            .filter_map(|(id, r)| r.as_ref().err().map(|e| (id.as_str(), &**e)))
            .collect()
    }
}

impl<F> ActOn<F>
where
    F: FnMut(&types::SecurityAccessReviewAccessItem) -> bool + Send,
{
    /// Requests in flight at once (1 to 16, default 4), all under the client's throttle.
    pub fn concurrency(mut self, requests: usize) -> Self {
        self.concurrency = requests.clamp(1, MAX_CONCURRENCY);
        self
    }

    /// Reads every access of the review (all pages), selects, and streams one outcome per
    /// selected access as it finishes.
    pub async fn outcomes(mut self) -> Result<BoxStream<'static, AccessOutcome>, Error> {
        let accesses: Vec<types::SecurityAccessReviewAccessItem> = self
            .review
            .accesses(crate::paginate::MAX_LIMIT)?
            .try_collect()
            .await?;
        let selected: Vec<types::SecurityAccessReviewAccessItem> =
            accesses.into_iter().filter(|a| (self.select)(a)).collect();
        let total = selected.len();
        let review = self.review;
        let action = self.action;
        let mut done = 0usize;
        Ok(stream::iter(selected)
            .map(move |access| {
                let review = review.clone();
                let action = action.clone();
                async move {
                    let result = match check_supported(&access, &action) {
                        Ok(()) => review.send_access_action(access.id.as_str(), action).await,
                        Err(refused) => Err(refused),
                    };
                    (
                        access.id.to_string(),
                        access.name.to_string(),
                        result.map_err(Arc::new),
                    )
                }
            })
            .buffer_unordered(self.concurrency)
            .map(move |(access_id, name, result)| {
                done = done.saturating_add(1);
                AccessOutcome {
                    access_id,
                    name,
                    result,
                    done,
                    total,
                }
            })
            .boxed())
    }

    /// Acts on every selected access; what happened to each.
    pub async fn send(self) -> Result<ActionReport, Error> {
        let mut outcomes = self.outcomes().await?;
        let mut report = ActionReport::default();
        while let Some(outcome) = outcomes.next().await {
            report.results.insert(outcome.access_id, outcome.result);
        }
        Ok(report)
    }
}

/// Where the acted-on accesses stand (see [`Review::wait_for_remediation`]).
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
    fn of(statuses: &[(String, Option<Status>)], ids: &[String]) -> Self {
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
type Status = types::SecurityAccessReviewAccessItemRemediationStatus;

impl Reviews {
    /// The reviews assigned to the signed-in user (`/my/security-access-reviews`), streamed.
    #[cfg(feature = "my-security-access-reviews")]
    #[cfg_attr(docsrs, doc(cfg(feature = "my-security-access-reviews")))]
    pub fn mine(&self, limit: u32) -> Result<Items<types::SecurityAccessReviewSparse>, Error> {
        let okta = self.okta.clone();
        crate::paginate::owned_items(limit, PageBounds::default(), move |cursor, limit| {
            let okta = okta.clone();
            async move {
                crate::paginate::fetch_page(okta.list_my_security_access_reviews(), cursor, limit)
                    .await
            }
        })
    }

    /// The org's review counts by status (`getSecurityAccessReviewsStats`).
    pub async fn stats(&self) -> Result<types::SecurityAccessReviewsStats, Error> {
        Ok(self
            .okta
            .get_security_access_reviews_stats()
            .send()
            .await?
            .into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRINCIPAL_ID: &str = "00ucpjbi6JMmDvdN40g4";
    const OTHER: &str = "00ucpjbi6JMmDvdN40g5";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn launch(principal: impl Into<String>, name: impl Into<String>) -> Launch {
        crate::governance::test_client()
            .reviews()
            .launch(principal, name)
    }

    fn field_of(
        result: Result<types::SecurityAccessReviewRequest, Error>,
    ) -> (String, Option<String>) {
        match result {
            Err(Error::InvalidInput { field, value, .. }) => (field, value),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn the_seed_guides_request_is_refused_because_the_principal_reviews_itself() {
        let seed = launch(PRINCIPAL_ID, "Security access review for Test user")
            .reviewers([PRINCIPAL_ID, OTHER]);
        let error = seed.validate(now()).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(REVIEWERS)
                && message.contains(&okta_governance_client::error::redacted(PRINCIPAL_ID)),
            "{message}"
        );
        assert!(
            message.contains("cannot review their own access"),
            "{message}"
        );
    }

    #[test]
    fn a_valid_review_builds_the_documented_body() {
        let body = launch(PRINCIPAL_ID, "Review")
            .reviewer(OTHER)
            .end_time(now() + chrono::Duration::days(7))
            .validate(now())
            .unwrap();
        assert_eq!(
            serde_json::to_value(body).unwrap(),
            serde_json::json!({
                "principalId": PRINCIPAL_ID,
                "name": "Review",
                "endTime": "2026-01-08T00:00:00Z",
                "reviewerSettings": {"type": "USER", "userSettings": {"includedUserIds": [OTHER]}}
            })
        );
    }

    #[test]
    fn every_rule_names_its_field() {
        let base = || launch(PRINCIPAL_ID, "Review").reviewer(OTHER);
        assert_eq!(
            field_of(launch("00u1", "n").reviewer(OTHER).validate(now())).0,
            PRINCIPAL
        );
        assert_eq!(
            field_of(launch(PRINCIPAL_ID, "").reviewer(OTHER).validate(now())).0,
            NAME
        );
        assert_eq!(
            field_of(
                launch(PRINCIPAL_ID, "x".repeat(256))
                    .reviewer(OTHER)
                    .validate(now())
            )
            .0,
            NAME
        );
        assert!(launch(PRINCIPAL_ID, "x".repeat(255))
            .reviewer(OTHER)
            .validate(now())
            .is_ok());
        assert_eq!(
            field_of(launch(PRINCIPAL_ID, "n").validate(now())).0,
            REVIEWERS
        );
        let eleven: Vec<String> = (0..11).map(|i| format!("00u{i:017}")).collect();
        assert_eq!(
            field_of(launch(PRINCIPAL_ID, "n").reviewers(eleven).validate(now())).0,
            REVIEWERS
        );
        assert_eq!(
            field_of(base().reviewer("bad id").validate(now())).0,
            REVIEWERS
        );
        let (field, _) = field_of(
            base()
                .end_time(now() + chrono::Duration::hours(23))
                .validate(now()),
        );
        assert_eq!(field, END_TIME);
        assert!(base()
            .end_time(now() + chrono::Duration::days(1))
            .validate(now())
            .is_ok());
        let six_months = now().checked_add_months(Months::new(6)).unwrap();
        assert_eq!(
            field_of(base().end_time(six_months).validate(now())).0,
            END_TIME
        );
        assert!(base()
            .end_time(six_months - chrono::Duration::minutes(1))
            .validate(now())
            .is_ok());
    }

    fn review(status: &str) -> types::SecurityAccessReview {
        serde_json::from_value(serde_json::json!({
            "id": "sar1", "name": "n", "status": status,
            "createdBy": "00u1", "lastUpdatedBy": "00u1",
            "created": "2026-01-01T00:00:00Z", "lastUpdated": "2026-01-01T00:00:00Z",
            "endTime": "2026-01-08T00:00:00Z",
            "reviewerSettings": {"type": "USER", "userSettings": {"includedUserIds": [OTHER]}},
            "_links": {"securityAccessReviewDetails": {"href": "https://acme-admin.okta.com/x", "hints": {}}}
        }))
        .unwrap()
    }

    /// On paused time: the backoff (1, 2, 4, 8, 15, 15 s…) and the deadline, without waiting.
    #[tokio::test(start_paused = true)]
    async fn polling_backs_off_and_stops_at_the_deadline() {
        let started = tokio::time::Instant::now();
        let mut polls = Vec::new();
        let error = poll_until_active("sar1", Duration::from_secs(60), || {
            polls.push(started.elapsed().as_secs());
            async { Ok(review("PENDING")) }
        })
        .await
        .unwrap_err();
        assert_eq!(polls, [0, 1, 3, 7, 15, 30, 45, 60]);
        assert!(
            matches!(&error, Error::Review(ReviewError::NotActiveYet { status, waited, .. })
                if status == "PENDING" && *waited == Duration::from_secs(60)),
            "{error:?}"
        );

        let mut answers = ["PENDING", "PENDING", "ACTIVE"].into_iter();
        let active = poll_until_active("sar1", Duration::from_secs(60), || {
            let status = answers.next().unwrap();
            async move { Ok(review(status)) }
        })
        .await
        .unwrap();
        assert_eq!(active.status, types::SecurityAccessReviewStatus::Active);
        assert_eq!(started.elapsed(), Duration::from_secs(60 + 3));
    }
}
