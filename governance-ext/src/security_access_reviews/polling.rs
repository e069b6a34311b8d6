//! Waiting on Okta: polling with a backoff until a value is final or a deadline passes.

use std::time::Duration;

use okta_governance_client::types;

use crate::error::{Error, SecurityAccessReviewError};

/// The longest [`poll`] waits between two reads.
const MAX_POLL: Duration = Duration::from_secs(15);

/// What one poll found: the final answer, or what is still pending.
pub(super) enum Polled<R, P> {
    Ready(Result<R, Error>),
    Pending(P),
}

/// Polls `fetch` (1 s, doubling to 15 s) until `settle` calls a value final, or until the next
/// wait would pass `deadline`: then the error `late` makes from what is still pending and the
/// time waited. On Tokio's clock, so tests run it on paused time.
pub(super) async fn poll<T, R, P, Fut>(
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
pub(super) async fn poll_until_active<F, Fut>(
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
            Status::Error => Polled::Ready(Err(SecurityAccessReviewError::Failed {
                id: id.to_string(),
            }
            .into())),
            status => {
                tracing::debug!(review = id, ?status, "review not active yet");
                Polled::Pending(status)
            }
        },
        |status, waited| {
            SecurityAccessReviewError::NotActiveYet {
                id: id.to_string(),
                status,
                waited,
            }
            .into()
        },
    )
    .await
}
