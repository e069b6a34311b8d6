//! Waiting on Okta: polling with a backoff until a value is final or a deadline passes (a
//! review or a campaign becoming active, remediation settling).

use std::time::Duration;

use crate::error::Error;

/// The longest [`poll`] waits between two reads.
const MAX_POLL: Duration = Duration::from_secs(15);

/// What one poll found: the final answer, or what is still pending.
pub(crate) enum Polled<R, P> {
    Ready(Result<R, Error>),
    Pending(P),
}

/// Polls `fetch` (1 s, doubling to 15 s) until `settle` calls a value final, or until the next
/// wait would pass `deadline`: then the error `late` makes from what is still pending and the
/// time waited. On Tokio's clock, so tests run it on paused time.
pub(crate) async fn poll<T, R, P, Fut>(
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
