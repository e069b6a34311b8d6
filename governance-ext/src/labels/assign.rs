//! Assigning label values to many resources, and removing them, in batches.

use std::sync::Arc;

use futures_util::stream::{self, StreamExt};
use okta_governance_client::prelude::*;
use okta_governance_client::types;

use super::{LabelError, MAX_BATCH};
use crate::bulk::{check_concurrency, Outcome, Outcomes, Report, Tracker, DEFAULT_CONCURRENCY};
use crate::dedup::unique;
use crate::error::{built, Error};
use crate::governance::Governance;
use crate::orn::Orn;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Assign,
    Unassign,
}

/// An assign or unassign of label values to many resources, in batches of at most 10
/// resources × 10 values (one call each): [`send`](Self::send) it for the whole
/// [`Report`], or stream its [`outcomes`](Self::outcomes) to show progress (see
/// [`bulk`](crate::bulk), the shape every flow's bulk work shares).
///
/// ```no_run
/// # use okta_governance::prelude::*;
/// # use okta_governance::orn::Orn;
/// # use okta_governance::client::types::LabelValueId;
/// # async fn run(okta: Governance, orns: Vec<Orn>, value: LabelValueId) -> Result<(), Error> {
/// use futures_util::StreamExt;
/// let mut outcomes = okta.labels().assign(&orns, &[value]).outcomes();
/// while let Some(outcome) = outcomes.next().await {
///     let progress = outcome?.progress;
///     eprint!("\r{}/{} resources", progress.done, progress.total);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "nothing happens until `send` is awaited or `outcomes` is polled"]
pub struct Bulk {
    okta: Governance,
    resources: Vec<Orn>,
    values: Vec<types::LabelValueId>,
    direction: Direction,
    concurrency: usize,
}

impl Bulk {
    pub(super) fn new(
        okta: Governance,
        orns: &[Orn],
        value_ids: &[types::LabelValueId],
        direction: Direction,
    ) -> Self {
        let mut resources = orns.to_vec();
        unique(&mut resources);
        let mut values = value_ids.to_vec();
        unique(&mut values);
        Self {
            okta,
            resources,
            values,
            direction,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// Calls in flight at once: 1 to [`MAX_CONCURRENCY`](crate::bulk::MAX_CONCURRENCY)
    /// (default [`DEFAULT_CONCURRENCY`]),
    /// all under the client's throttle. Another value is refused when the work starts
    /// ([`Error::InvalidInput`] naming `concurrency`).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls;
        self
    }

    /// One [`Outcome`] per call (batch) as it finishes (not in order), covering the batch's
    /// resources, with the progress so far; a resource is done when every batch of its values
    /// is.
    pub fn outcomes(self) -> Outcomes<Orn> {
        let Bulk {
            okta,
            resources,
            values,
            direction,
            concurrency,
        } = self;
        let concurrency = match check_concurrency(concurrency) {
            Ok(concurrency) => concurrency,
            Err(error) => return crate::bulk::refused(error),
        };
        let mut plan = Vec::new();
        let value_batches = values.len().div_ceil(MAX_BATCH);
        for (group, resource_chunk) in resources.chunks(MAX_BATCH).enumerate() {
            for value_chunk in values.chunks(MAX_BATCH) {
                plan.push((group, resource_chunk.to_vec(), value_chunk.to_vec()));
            }
        }
        let mut tracker = Tracker::new(
            resources
                .chunks(MAX_BATCH)
                .map(|chunk| (value_batches, chunk.len())),
        );
        stream::iter(plan)
            .map(move |(group, resources, values)| {
                let okta = okta.clone();
                async move {
                    let body: Result<types::AssignResourceLabels, Error> = built(
                        "body",
                        types::builder::AssignResourceLabels::default()
                            .resource_orns(
                                resources
                                    .iter()
                                    .map(|orn| types::ResourceLabelResourceOrn(orn.to_string()))
                                    .collect::<Vec<_>>(),
                            )
                            .label_value_ids(values),
                    );
                    let result = match (direction, body) {
                        (_, Err(error)) => Err(error),
                        (Direction::Assign, Ok(body)) => okta
                            .assign_resource_labels()
                            .body(body)
                            .send()
                            .await
                            .map(drop),
                        (Direction::Unassign, Ok(body)) => okta
                            .remove_resource_labels()
                            .body(body)
                            .send()
                            .await
                            .map(drop),
                    };
                    (group, resources, result.map_err(Arc::new))
                }
            })
            .buffer_unordered(concurrency)
            .map(move |(group, items, result)| {
                let progress = tracker.record(group, result.is_ok());
                Ok(Outcome {
                    items,
                    result,
                    progress,
                })
            })
            .boxed()
    }

    /// Runs every batch: which resources succeeded and which failed, with why.
    pub async fn send(self) -> Result<Report<Orn>, Error> {
        let resources = self.resources.clone();
        crate::bulk::report(&resources, self.outcomes()).await
    }
}

/// The first failed resource of `report` as the error of a flow that stops on a failed batch.
pub(super) fn first_error(report: &Report<Orn>) -> Option<Error> {
    let (orn, source) = report.failed.first()?;
    Some(
        LabelError::BatchFailed {
            resource: orn.to_string(),
            failed: report.failed.len(),
            source: Arc::clone(source),
        }
        .into(),
    )
}
