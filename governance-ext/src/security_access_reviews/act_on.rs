//! Acting on many accesses of a review at once, with per-access outcomes.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use okta_governance_client::types;

use super::handle::SecurityAccessReviewHandle;
use super::targets::{check_supported, AccessAction};
use crate::error::Error;

/// Access actions in flight at once by default (under the client's throttle).
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most access actions in flight at once that [`ActOn::concurrency`] accepts.
pub const MAX_CONCURRENCY: usize = 16;

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

/// What happened to one access of an [`ActOn`], with the progress so far.
#[derive(Debug)]
#[non_exhaustive]
pub struct AccessOutcome {
    /// The access's id.
    pub access_id: String,
    /// The access's name (the app's, for application accesses).
    pub name: String,
    /// `Ok` when the action was accepted; [`SecurityAccessReviewError::ActionNotSupported`](crate::error::SecurityAccessReviewError::ActionNotSupported) when it was
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
