//! Waiting on Okta: polling with a backoff until a value is final or a deadline passes.

use std::time::Duration;

use okta_governance_client::types;

use crate::error::{Error, SecurityAccessReviewError};
pub(super) use crate::polling::{poll, Polled};

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
