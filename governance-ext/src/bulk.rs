//! One shape for bulk work, in every flow: label assignment ([`Labels::assign`],
//! [`Labels::unassign`]) and actions on many accesses of a security access review
//! ([`SecurityAccessReviewHandle::act_on`]).
//!
//! A bulk builder takes [`concurrency`](crate::labels::Bulk::concurrency) (1 to
//! [`MAX_CONCURRENCY`], default [`DEFAULT_CONCURRENCY`]; anything else is refused with
//! [`Error::InvalidInput`] naming `concurrency`, as an out-of-range page size is) and then
//! either:
//! - `send()`: runs everything and answers a [`Report`]: which items succeeded and which failed
//!   with why, keyed by the flow's typed ids ([`Orn`](crate::orn::Orn) for resources, the
//!   generated access id for accesses), so the report feeds the next call directly;
//! - `outcomes()`: a `'static` stream of one [`Outcome`] per call as it finishes (not in
//!   order), each with the [`Progress`] so far, for a progress line.
//!
//! Calls run a few at a time under the client's throttle; one failed call does not stop the
//! others. An error before any call (an invalid setting, the accesses that could not be read)
//! is the stream's only item, or `send()`'s error.
//!
//! [`Labels::assign`]: crate::labels::Labels::assign
//! [`Labels::unassign`]: crate::labels::Labels::unassign
//! [`SecurityAccessReviewHandle::act_on`]: crate::security_access_reviews::SecurityAccessReviewHandle::act_on

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use futures_util::stream::{BoxStream, StreamExt};

use crate::error::Error;

/// Calls in flight at once by default (under the client's throttle).
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most calls in flight at once a bulk builder accepts.
pub const MAX_CONCURRENCY: usize = 16;

/// How far bulk work has come, after one of its calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// Items whose every call has finished.
    pub done: usize,
    /// Items in all (repeats dropped).
    pub total: usize,
    /// Items done whose calls all succeeded.
    pub succeeded: usize,
    /// Items done with a failed call.
    pub failed: usize,
    /// Calls finished, this one included.
    pub calls: usize,
    /// Calls in all.
    pub calls_total: usize,
}

/// What one call of bulk work did: the items it covered, its result, and the progress so far.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome<K> {
    /// The items the call covered.
    pub items: Vec<K>,
    /// `Ok` when the call succeeded; why not otherwise (shared by the call's items).
    pub result: Result<(), Arc<Error>>,
    /// How far the whole work has come.
    pub progress: Progress,
}

/// The outcomes of bulk work, as its calls finish.
pub type Outcomes<K> = BoxStream<'static, Result<Outcome<K>, Error>>;

/// What bulk work did to each item.
#[derive(Debug)]
#[non_exhaustive]
pub struct Report<K> {
    /// The items whose calls all succeeded, in the order they were given.
    pub succeeded: Vec<K>,
    /// The items with a failed call, with the (first) error, in the order they were given.
    pub failed: Vec<(K, Arc<Error>)>,
    /// Calls made.
    pub calls: usize,
}

impl<K> Default for Report<K> {
    fn default() -> Self {
        Self {
            succeeded: Vec::new(),
            failed: Vec::new(),
            calls: 0,
        }
    }
}

impl<K> Report<K> {
    /// Whether every item succeeded.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }

    /// Adds another report's items and calls (a flow made of several bulk steps).
    pub fn merge(&mut self, other: Report<K>) {
        self.succeeded.extend(other.succeeded);
        self.failed.extend(other.failed);
        self.calls = self.calls.saturating_add(other.calls);
    }
}

/// Runs `outcomes` to the end and reports on `items` (in their order).
pub(crate) async fn report<K: Clone + Eq + Hash>(
    items: &[K],
    mut outcomes: Outcomes<K>,
) -> Result<Report<K>, Error> {
    let mut failed: HashMap<K, Arc<Error>> = HashMap::new();
    let mut calls = 0usize;
    while let Some(outcome) = outcomes.next().await {
        let outcome = outcome?;
        calls = calls.saturating_add(1);
        if let Err(error) = outcome.result {
            for item in outcome.items {
                failed.entry(item).or_insert_with(|| error.clone());
            }
        }
    }
    let mut report = Report {
        calls,
        ..Report::default()
    };
    for item in items {
        match failed.remove(item) {
            Some(error) => report.failed.push((item.clone(), error)),
            None => report.succeeded.push(item.clone()),
        }
    }
    Ok(report)
}

/// The concurrency a builder was given, or [`Error::InvalidInput`].
pub(crate) fn check_concurrency(calls: usize) -> Result<usize, Error> {
    if (1..=MAX_CONCURRENCY).contains(&calls) {
        Ok(calls)
    } else {
        Err(crate::error::invalid(
            "concurrency",
            Some(calls.to_string()),
            "must be 1 to 16 calls in flight",
        ))
    }
}

/// Counts progress: the items come in groups, each done when its calls have all finished.
pub(crate) struct Tracker {
    /// Per group: calls left, items, whether a call failed.
    groups: Vec<(usize, usize, bool)>,
    progress: Progress,
}

impl Tracker {
    /// `groups`: (calls, items) per group.
    pub(crate) fn new(groups: impl IntoIterator<Item = (usize, usize)>) -> Self {
        let groups: Vec<(usize, usize, bool)> =
            groups.into_iter().map(|(c, i)| (c, i, false)).collect();
        let progress = Progress {
            total: groups.iter().map(|g| g.1).sum(),
            calls_total: groups.iter().map(|g| g.0).sum(),
            ..Progress::default()
        };
        Self { groups, progress }
    }

    /// Records a finished call of `group`.
    pub(crate) fn record(&mut self, group: usize, ok: bool) -> Progress {
        let p = &mut self.progress;
        p.calls = p.calls.saturating_add(1);
        if let Some((left, items, failed)) = self.groups.get_mut(group) {
            *left = left.saturating_sub(1);
            *failed |= !ok;
            if *left == 0 {
                p.done = p.done.saturating_add(*items);
                if *failed {
                    p.failed = p.failed.saturating_add(*items);
                } else {
                    p.succeeded = p.succeeded.saturating_add(*items);
                }
            }
        }
        *p
    }
}

/// A stream whose only item is `error`.
pub(crate) fn refused<K: Send + 'static>(error: Error) -> Outcomes<K> {
    futures_util::stream::once(async move { Err(error) }).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_done_when_every_call_of_its_group_is() {
        // Two groups: 3 items over 2 calls, 1 item over 1 call.
        let mut tracker = Tracker::new([(2, 3), (1, 1)]);
        let p = tracker.record(0, true);
        assert_eq!((p.done, p.calls, p.total, p.calls_total), (0, 1, 4, 3));
        let p = tracker.record(1, false);
        assert_eq!((p.done, p.failed, p.succeeded), (1, 1, 0));
        let p = tracker.record(0, true);
        assert_eq!((p.done, p.failed, p.succeeded, p.calls), (4, 1, 3, 3));
    }

    #[test]
    fn concurrency_outside_1_to_16_is_refused_naming_the_field() {
        assert_eq!(check_concurrency(1).unwrap(), 1);
        assert_eq!(check_concurrency(16).unwrap(), 16);
        for bad in [0, 17, usize::MAX] {
            assert_eq!(
                check_concurrency(bad).unwrap_err().invalid_field(),
                Some("concurrency")
            );
        }
    }

    #[tokio::test]
    async fn the_report_keeps_the_items_order_and_the_first_error() {
        let error = |m: &str| Arc::new(crate::error::transport(m.to_string()));
        let outcomes: Outcomes<u32> = futures_util::stream::iter([
            Ok(Outcome {
                items: vec![3, 1],
                result: Err(error("first")),
                progress: Progress::default(),
            }),
            Ok(Outcome {
                items: vec![1, 2],
                result: Err(error("second")),
                progress: Progress::default(),
            }),
        ])
        .boxed();
        let report = report(&[1, 2, 3, 4], outcomes).await.unwrap();
        assert_eq!(report.succeeded, [4]);
        let failed: Vec<u32> = report.failed.iter().map(|(k, _)| *k).collect();
        assert_eq!(failed, [1, 2, 3]);
        assert!(report.failed[0].1.to_string().contains("reach"));
        assert_eq!(report.calls, 2);
    }
}
