//! Security access reviews: launch one with [`Governance::security_access_reviews`], then
//! follow it with [`Governance::security_access_review`] (details, principal, accesses,
//! history, anomalies, actions on accesses, remediation, comments, close), or, signed in as a
//! reviewer, with [`Governance::my_security_access_review`]: the same handle and calls.
//!
//! Not to be confused with access-certification reviews (the spec's `reviews` tag, feature
//! `reviews`: `okta.list_reviews()`), which belong to campaigns.
//!
//! ```no_run
//! use okta_governance::prelude::*;
//! # async fn run(okta: Governance) -> Result<(), Error> {
//! let review = okta
//!     .security_access_reviews()
//!     .launch("00ucpjbi6JMmDvdN40g4", "Security access review for Test user")
//!     .reviewer("00ucpjbi6JMmDvdN40g5")
//!     .send()
//!     .await?;
//! let active = okta
//!     .security_access_review(review.id.as_str())
//!     .wait_until_active(std::time::Duration::from_secs(300))
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! The admin's side (feature `security-access-reviews`) needs the
//! `okta.governance.securityAccessReviews.admin.manage` scope (and `.read` to poll) and the
//! super admin role or a custom role with *Manage security access reviews as admin*. The
//! reviewer's side (feature `my-security-access-reviews`, which builds without the admin
//! feature) needs the `okta.governance.securityAccessReviews.endUser.*` scopes.
//!
//! The module's files, by concern: `launch` (launching and its validation), `handle` (one
//! review's calls), `polling` (waiting on Okta), `targets` (what an action is taken on),
//! `act_on` (actions on many accesses), `remediation` (where revoked access stands).

use okta_governance_client::prelude::*;
use okta_governance_client::types;

#[cfg(feature = "security-access-reviews")]
use crate::error::Error;
pub use crate::error::SecurityAccessReviewError;
#[cfg(feature = "my-security-access-reviews")]
use crate::filter::SecurityAccessReviewFilter;
use crate::governance::Governance;
#[cfg(feature = "my-security-access-reviews")]
use crate::paginate::List;

/// Which side of a review a handle acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// `/security-access-reviews/…`: a service app with the `.admin.*` scopes.
    #[cfg(feature = "security-access-reviews")]
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
            #[cfg(feature = "security-access-reviews")]
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
    ($review:expr, $admin:ident, $mine:ident, [$($v:ident = $init:expr),*], |$b:ident| $build:expr) => {{
        let okta = $review.okta.clone();
        let side = $review.side;
        $(let $v = $init;)*
        crate::paginate::List::new(None, move |_filter, cursor, limit| {
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

mod act_on;
mod handle;
#[cfg(feature = "security-access-reviews")]
mod launch;
mod polling;
mod remediation;
mod targets;

pub use act_on::{AccessId, ActOn};
pub use handle::SecurityAccessReviewHandle;
#[cfg(feature = "security-access-reviews")]
pub use launch::{Launch, MAX_REVIEWERS};
pub use remediation::RemediationReport;
pub use targets::{AccessAction, AccessIdLike, AccessTarget};

/// The security-access-review calls of a client: `okta.security_access_reviews()`.
///
/// It owns a clone of the client, as do its builders, review handles and streams: each is
/// `'static` and `Send`, so it can be returned, stored or spawned.
#[derive(Debug, Clone)]
pub struct SecurityAccessReviews {
    pub(super) okta: Governance,
}

impl Governance {
    /// Launching and listing security access reviews (see [`reviews`](crate::security_access_reviews)).
    pub fn security_access_reviews(&self) -> SecurityAccessReviews {
        SecurityAccessReviews { okta: self.clone() }
    }

    /// One security access review, by id, as its admin: its details and the calls made on it
    /// after launch (`okta.governance.securityAccessReviews.admin.*` scopes).
    #[cfg(feature = "security-access-reviews")]
    #[cfg_attr(docsrs, doc(cfg(feature = "security-access-reviews")))]
    pub fn security_access_review(&self, id: impl Into<String>) -> SecurityAccessReviewHandle {
        SecurityAccessReviewHandle {
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
    pub fn my_security_access_review(&self, id: impl Into<String>) -> SecurityAccessReviewHandle {
        SecurityAccessReviewHandle {
            okta: self.clone(),
            id: id.into(),
            side: Side::Reviewer,
        }
    }
}

impl SecurityAccessReviews {
    /// The reviews assigned to the signed-in user (`/my/security-access-reviews`), streamed.
    #[cfg(feature = "my-security-access-reviews")]
    #[cfg_attr(docsrs, doc(cfg(feature = "my-security-access-reviews")))]
    pub fn mine(&self) -> List<types::SecurityAccessReviewSparse, SecurityAccessReviewFilter> {
        crate::paginate::operation_list!(
            self.okta,
            None,
            |okta| okta.list_my_security_access_reviews(),
            |filter| filter
        )
    }

    #[cfg(feature = "security-access-reviews")]
    #[cfg_attr(docsrs, doc(cfg(feature = "security-access-reviews")))]
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
