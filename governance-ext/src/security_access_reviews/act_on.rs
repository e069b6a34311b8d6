//! Acting on many accesses of a review at once, in the shape all bulk work shares
//! ([`bulk`](crate::bulk)).

use futures_util::stream::{self, StreamExt, TryStreamExt};
use okta_governance_client::types;

use super::handle::SecurityAccessReviewHandle;
use super::targets::{check_supported, AccessAction};
use crate::bulk::{check_concurrency, Outcome, Outcomes, Report, Tracker};

/// An access's id, as reports and outcomes key accesses.
pub type AccessId = types::SecurityAccessReviewAccessItemId;

/// The builder of [`SecurityAccessReviewHandle::act_on`].
#[must_use = "nothing happens until `send` is awaited or `outcomes` is polled"]
pub struct ActOn<F> {
    pub(super) review: SecurityAccessReviewHandle,
    pub(super) action: AccessAction,
    pub(super) select: F,
    pub(super) concurrency: usize,
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

impl<F> ActOn<F>
where
    F: FnMut(&types::SecurityAccessReviewAccessItem) -> bool + Send + 'static,
{
    /// Requests in flight at once: 1 to [`MAX_CONCURRENCY`](crate::bulk::MAX_CONCURRENCY)
    /// (default [`DEFAULT_CONCURRENCY`](crate::bulk::DEFAULT_CONCURRENCY)), all under the
    /// client's throttle. Another value is refused when the work starts
    /// ([`Error::InvalidInput`](crate::Error::InvalidInput) naming `concurrency`).
    pub fn concurrency(mut self, requests: usize) -> Self {
        self.concurrency = requests;
        self
    }

    /// Reads every access of the review (all pages), selects, and streams one [`Outcome`] per
    /// selected access as its action finishes. An action the access does not support is
    /// refused without a request
    /// ([`SecurityAccessReviewError::ActionNotSupported`](crate::error::SecurityAccessReviewError::ActionNotSupported)).
    pub fn outcomes(self) -> Outcomes<AccessId> {
        let concurrency = match check_concurrency(self.concurrency) {
            Ok(concurrency) => concurrency,
            Err(error) => return crate::bulk::refused(error),
        };
        let (review, action) = (self.review.clone(), self.action.clone());
        stream::once(self.select())
            .map_ok(move |chosen| act(review.clone(), action.clone(), chosen, concurrency))
            .try_flatten()
            .boxed()
    }

    /// Acts on every selected access: which succeeded and which failed, with why. The
    /// succeeded ids go straight to
    /// [`wait_for_remediation`](SecurityAccessReviewHandle::wait_for_remediation).
    pub async fn send(self) -> Result<Report<AccessId>, crate::Error> {
        let concurrency = check_concurrency(self.concurrency)?;
        let (review, action) = (self.review.clone(), self.action.clone());
        let chosen = self.select().await?;
        let ids: Vec<AccessId> = chosen.iter().map(|a| a.id.clone()).collect();
        crate::bulk::report(&ids, act(review, action, chosen, concurrency)).await
    }

    /// Every access of the review that `select` picks.
    async fn select(self) -> Result<Vec<types::SecurityAccessReviewAccessItem>, crate::Error> {
        let mut select = self.select;
        let accesses: Vec<types::SecurityAccessReviewAccessItem> =
            self.review.accesses().collect().await?;
        Ok(accesses.into_iter().filter(|a| select(a)).collect())
    }
}

/// One request per chosen access, `concurrency` at a time.
fn act(
    review: SecurityAccessReviewHandle,
    action: AccessAction,
    chosen: Vec<types::SecurityAccessReviewAccessItem>,
    concurrency: usize,
) -> Outcomes<AccessId> {
    let mut tracker = Tracker::new(chosen.iter().map(|_| (1, 1)));
    stream::iter(chosen.into_iter().enumerate())
        .map(move |(index, access)| {
            let review = review.clone();
            let action = action.clone();
            async move {
                let result = match check_supported(&access, &action) {
                    Ok(()) => review.send_access_action(access.id.as_str(), action).await,
                    Err(refused) => Err(refused),
                };
                (index, access.id, result.map_err(std::sync::Arc::new))
            }
        })
        .buffer_unordered(concurrency)
        .map(move |(index, id, result)| {
            let progress = tracker.record(index, result.is_ok());
            Ok(Outcome {
                items: vec![id],
                result,
                progress,
            })
        })
        .boxed()
}
