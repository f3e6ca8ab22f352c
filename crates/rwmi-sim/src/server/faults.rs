//! Fault profiles that act on every call of a connection, whatever the interface.

use std::future::Future;

use rwmi::rpc::server::CallOutcome;

use crate::profile::Profiles;

/// Runs `call` under the host's profiles:
/// - `stall-after=N`: once N responses went out on this connection, never answer (the connection stays
///   open): a server hung in a provider, which clients see as a call timeout (MS-WMI 3.1.4.4.2 lTimeout
///   does not help the client when the transport itself stalls).
/// - `drop-after=N`: once N responses went out, close the TCP connection instead of answering, as a
///   middlebox or a crashed WmiPrvSE does (the client sees a reset in the middle of a call).
/// - `lag=MS`: delay each answer by MS milliseconds, a slow WAN link or an overloaded server.
pub async fn with_profiles<F>(profiles: &Profiles, responses_sent: u64, call: F) -> CallOutcome
where
    F: Future<Output = CallOutcome>,
{
    if let Some(n) = profiles.stall_after
        && responses_sent >= u64::from(n)
    {
        std::future::pending::<()>().await;
    }
    if let Some(n) = profiles.drop_after
        && responses_sent >= u64::from(n)
    {
        return CallOutcome::Close;
    }
    let outcome = call.await;
    if let Some(lag) = profiles.lag {
        tokio::time::sleep(lag).await;
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn reply() -> CallOutcome {
        CallOutcome::Reply(vec![1])
    }

    #[tokio::test]
    async fn drop_after_closes_from_the_nth_response() {
        let profiles = Profiles::parse("drop-after=2").unwrap();
        assert_eq!(
            with_profiles(&profiles, 1, async { reply() }).await,
            reply()
        );
        assert_eq!(
            with_profiles(&profiles, 2, async { reply() }).await,
            CallOutcome::Close
        );
    }

    #[tokio::test]
    async fn stall_after_never_answers_and_lag_delays() {
        let profiles = Profiles::parse("stall-after=0").unwrap();
        let stalled = tokio::time::timeout(
            Duration::from_millis(100),
            with_profiles(&profiles, 0, async { reply() }),
        )
        .await;
        assert!(stalled.is_err());

        let profiles = Profiles::parse("lag=50").unwrap();
        let start = Instant::now();
        assert_eq!(
            with_profiles(&profiles, 0, async { reply() }).await,
            reply()
        );
        assert!(start.elapsed() >= Duration::from_millis(50));
    }
}
