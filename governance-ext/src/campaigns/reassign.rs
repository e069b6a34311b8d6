//! Moving reviews to another reviewer, in as many calls as the spec's limit needs, in the
//! shape all bulk work shares ([`bulk`](crate::bulk)).

use futures_util::stream::{self, StreamExt, TryStreamExt};
use okta_governance_client::prelude::*;
use okta_governance_client::types;

use super::handle::CampaignHandle;
use crate::bulk::{check_concurrency, Outcome, Outcomes, Report, Tracker, DEFAULT_CONCURRENCY};
use crate::error::Error;
use crate::filter::ReviewFilter;

/// A review's id, as reassignment reports key reviews.
pub type ReviewId = types::ReviewSparseId;

/// The most reviews one `reassignReviews` call takes (the spec's `maxItems`).
pub const MAX_REVIEWS_PER_CALL: usize = 50;

/// The longest note a reassignment takes (the spec's `maxLength`).
const MAX_NOTE: usize = 300;

/// Which reviews to move.
pub enum Reassign {
    /// Every review currently assigned to this reviewer (a user id).
    FromReviewer(String),
    /// The reviews a predicate selects, from all of the campaign's.
    Selected(Box<dyn FnMut(&types::ReviewSparse) -> bool + Send>),
}

impl std::fmt::Debug for Reassign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reassign::FromReviewer(id) => f.debug_tuple("FromReviewer").field(id).finish(),
            Reassign::Selected(_) => f.write_str("Selected(..)"),
        }
    }
}

impl Reassign {
    /// Every review of `reviewer` (a departed reviewer's, say).
    pub fn from_reviewer(reviewer: impl Into<String>) -> Self {
        Reassign::FromReviewer(reviewer.into())
    }

    /// The reviews `select` picks.
    pub fn selected(select: impl FnMut(&types::ReviewSparse) -> bool + Send + 'static) -> Self {
        Reassign::Selected(Box::new(select))
    }
}

/// The builder of [`CampaignHandle::reassign`].
#[derive(Debug)]
#[must_use = "nothing happens until `send` is awaited or `outcomes` is polled"]
pub struct ReassignBuilder {
    campaign: CampaignHandle,
    which: Reassign,
    to: String,
    note: String,
    level: Option<types::ReviewerLevelType>,
    concurrency: usize,
}

impl CampaignHandle {
    /// Moves the reviews `which` names to reviewer `to` (a user id), with the `note` the spec
    /// requires (1-300 characters), in calls of at most [`MAX_REVIEWS_PER_CALL`] reviews,
    /// paced by the client's throttle; one [`Outcome`] per call.
    pub fn reassign(
        &self,
        which: Reassign,
        to: impl Into<String>,
        note: impl Into<String>,
    ) -> ReassignBuilder {
        ReassignBuilder {
            campaign: self.clone(),
            which,
            to: to.into(),
            note: note.into(),
            level: None,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

impl ReassignBuilder {
    /// The reviewer level to reassign at, in a multi-level campaign (`FIRST` or `SECOND`).
    pub fn level(mut self, level: types::ReviewerLevelType) -> Self {
        self.level = Some(level);
        self
    }

    /// Calls in flight at once: 1 to [`MAX_CONCURRENCY`](crate::bulk::MAX_CONCURRENCY)
    /// (default [`DEFAULT_CONCURRENCY`]). Another value is refused when the work starts.
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls;
        self
    }

    fn check(&self) -> Result<usize, Error> {
        let concurrency = check_concurrency(self.concurrency)?;
        let length = self.note.chars().count();
        if !(1..=MAX_NOTE).contains(&length) {
            return Err(crate::error::invalid(
                "note",
                Some(self.note.clone()),
                format!("must be 1 to {MAX_NOTE} characters ({length})"),
            ));
        }
        if self.to.is_empty() || self.to.len() > 20 {
            return Err(crate::error::invalid(
                "reviewerId",
                Some(self.to.clone()),
                "must be an Okta user id (1 to 20 characters)",
            ));
        }
        Ok(concurrency)
    }

    /// Selects the reviews, then streams one [`Outcome`] per call as it finishes.
    pub fn outcomes(self) -> Outcomes<ReviewId> {
        let concurrency = match self.check() {
            Ok(concurrency) => concurrency,
            Err(error) => return crate::bulk::refused(error),
        };
        let (campaign, to, note, level) = (
            self.campaign.clone(),
            self.to.clone(),
            self.note.clone(),
            self.level.clone(),
        );
        stream::once(select(self.campaign, self.which))
            .map_ok(move |ids| {
                calls(
                    campaign.clone(),
                    ids,
                    to.clone(),
                    note.clone(),
                    level.clone(),
                    concurrency,
                )
            })
            .try_flatten()
            .boxed()
    }

    /// Moves every selected review: which succeeded and which failed, with why.
    pub async fn send(self) -> Result<Report<ReviewId>, Error> {
        let concurrency = self.check()?;
        let ids = select(self.campaign.clone(), self.which).await?;
        let outcomes = calls(
            self.campaign,
            ids.clone(),
            self.to,
            self.note,
            self.level,
            concurrency,
        );
        crate::bulk::report(&ids, outcomes).await
    }
}

/// The ids of the reviews `which` names.
async fn select(campaign: CampaignHandle, which: Reassign) -> Result<Vec<ReviewId>, Error> {
    let reviews = match which {
        Reassign::FromReviewer(reviewer) => {
            campaign
                .reviews()
                .filter(ReviewFilter::reviewer(&reviewer))
                .collect()
                .await?
        }
        Reassign::Selected(mut select) => {
            let all: Vec<types::ReviewSparse> = campaign.reviews().collect().await?;
            all.into_iter().filter(|r| select(r)).collect()
        }
    };
    Ok(reviews.into_iter().map(|r| r.id).collect())
}

/// One call per chunk of at most [`MAX_REVIEWS_PER_CALL`] reviews, `concurrency` at a time.
fn calls(
    campaign: CampaignHandle,
    ids: Vec<ReviewId>,
    to: String,
    note: String,
    level: Option<types::ReviewerLevelType>,
    concurrency: usize,
) -> Outcomes<ReviewId> {
    let chunks: Vec<Vec<ReviewId>> = ids
        .chunks(MAX_REVIEWS_PER_CALL)
        .map(<[ReviewId]>::to_vec)
        .collect();
    let mut tracker = Tracker::new(chunks.iter().map(|c| (1, c.len())));
    stream::iter(chunks.into_iter().enumerate())
        .map(move |(index, chunk)| {
            let (campaign, to, note, level) =
                (campaign.clone(), to.clone(), note.clone(), level.clone());
            async move {
                let result = send_chunk(&campaign, &chunk, to, note, level).await;
                (index, chunk, result.map_err(std::sync::Arc::new))
            }
        })
        .buffer_unordered(concurrency)
        .map(move |(index, items, result)| {
            let progress = tracker.record(index, result.is_ok());
            Ok(Outcome {
                items,
                result,
                progress,
            })
        })
        .boxed()
}

async fn send_chunk(
    campaign: &CampaignHandle,
    chunk: &[ReviewId],
    to: String,
    note: String,
    level: Option<types::ReviewerLevelType>,
) -> Result<(), Error> {
    let body: types::ReviewsReassign = crate::error::built(
        "body",
        types::builder::ReviewsReassign::default()
            .note(crate::error::typed::<types::ReviewsReassignNote>(
                "note", &note,
            )?)
            .review_ids(
                chunk
                    .iter()
                    .map(|id| id.as_str().to_string())
                    .collect::<Vec<_>>(),
            )
            .reviewer_id(crate::error::typed::<types::ReviewsReassignReviewerId>(
                "reviewerId",
                &to,
            )?)
            .reviewer_level(level),
    )?;
    campaign
        .client()
        .reassign_reviews()
        .campaign_id(campaign.id())
        .body(body)
        .send()
        .await?;
    Ok(())
}
