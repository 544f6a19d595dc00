//! When to try a lost link again: capped exponential backoff with jitter, and how many
//! requests may wait meanwhile. Plain data, shared by the runner and the link logic.

use std::time::Duration;

/// First delay before reconnecting.
pub const RECONNECT_BASE_DELAY: Duration = Duration::from_millis(250);

/// Longest delay between reconnect attempts (the doubling stops here).
pub const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(10);

/// Requests that may wait while offline; one more is reported failed at once.
pub const OUTBOX_LIMIT: usize = 256;

/// Delay before attempt `attempt` (from 1): doubling from the base, capped, with
/// ±25% jitter so many clients of one host do not come back in lockstep.
pub fn backoff(attempt: u32) -> Duration {
    let exp = RECONNECT_BASE_DELAY.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let capped = exp.min(RECONNECT_MAX_DELAY);
    let jitter = rand::random_range(0.75..=1.25);
    capped.mul_f64(jitter)
}

/// A reconnect in progress.
pub(crate) struct Reconnect {
    pub attempt: u32,
    pub at: tokio::time::Instant,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for _ in 0..50 {
            let d1 = backoff(1);
            assert!(d1 >= RECONNECT_BASE_DELAY.mul_f64(0.75) && d1 <= RECONNECT_BASE_DELAY.mul_f64(1.25));
            let d3 = backoff(3);
            assert!(d3 >= RECONNECT_BASE_DELAY.mul_f64(3.0) && d3 <= RECONNECT_BASE_DELAY.mul_f64(5.0));
            assert!(backoff(1000) <= RECONNECT_MAX_DELAY.mul_f64(1.25));
            assert!(backoff(1000) >= RECONNECT_MAX_DELAY.mul_f64(0.75));
        }
    }
}
