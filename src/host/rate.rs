//! A token bucket: `RATE_PER_SEC` packets sustained, `RATE_BURST` at once, per member
//! (and the same shape in bytes for chunk traffic).

use crate::protocol::limits::{FILE_BYTES_BURST, FILE_BYTES_PER_SEC, RATE_BURST, RATE_PER_SEC};
use std::time::Instant;

/// Counts what one member may still send right now.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: f64,
    last: Instant,
    rate: f64,
    burst: f64,
}

impl Default for TokenBucket {
    fn default() -> Self {
        Self::new(RATE_PER_SEC, RATE_BURST)
    }
}

impl TokenBucket {
    /// The byte budget for one member's chunk traffic.
    pub fn file_budget() -> Self {
        Self::new(FILE_BYTES_PER_SEC, FILE_BYTES_BURST)
    }

    pub fn new(per_sec: u32, burst: u32) -> Self {
        TokenBucket {
            tokens: f64::from(burst),
            last: Instant::now(),
            rate: f64::from(per_sec),
            burst: f64::from(burst),
        }
    }

    /// Takes one token at time `now`; false when the member is over the limit.
    pub fn take_at(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    pub fn take(&mut self) -> bool {
        self.take_at(Instant::now())
    }

    /// Takes `n` tokens at once (a packet sent in `n` frames), or none.
    pub fn take_n_at(&mut self, n: u32, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        let n = f64::from(n.max(1));
        if self.tokens >= n {
            self.tokens -= n;
            true
        } else {
            false
        }
    }

    /// Charges `n` tokens at `now` (bytes, for chunk traffic), going into debt if need
    /// be, and returns how long the member must wait before it may send again: the
    /// host stops reading its link that long, so chunk traffic is shaped to the
    /// budget by TCP backpressure and nothing is dropped.
    pub fn charge_at(&mut self, n: usize, now: Instant) -> std::time::Duration {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst) - n as f64;
        if self.tokens >= 0.0 {
            std::time::Duration::ZERO
        } else {
            std::time::Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }

    pub fn charge(&mut self, n: usize) -> std::time::Duration {
        self.charge_at(n, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_rate() {
        let mut b = TokenBucket::default();
        let t0 = Instant::now();
        for i in 0..RATE_BURST {
            assert!(b.take_at(t0), "packet {i} of the burst");
        }
        assert!(!b.take_at(t0), "one over the burst");
        // After one second, RATE_PER_SEC more.
        let t1 = t0 + Duration::from_secs(1);
        for _ in 0..RATE_PER_SEC {
            assert!(b.take_at(t1));
        }
        assert!(!b.take_at(t1));
        // Never more than the burst, however long the pause.
        let t2 = t1 + Duration::from_secs(3600);
        let n = (0..1000).filter(|_| b.take_at(t2)).count();
        assert_eq!(n, RATE_BURST as usize);
    }

    #[test]
    fn a_packet_in_many_frames_costs_a_token_per_frame() {
        let mut b = TokenBucket::default();
        let t0 = Instant::now();
        // The burst buys two 18-frame packets, not 50 of them.
        assert!(b.take_n_at(18, t0) && b.take_n_at(18, t0));
        assert!(!b.take_n_at(18, t0), "over the burst");
        assert!(b.take_n_at(1, t0), "what is left still serves small packets");
    }

    #[test]
    fn byte_budget_shapes_instead_of_dropping() {
        use crate::protocol::limits::{FILE_BYTES_BURST, FILE_BYTES_PER_SEC};
        let mut b = TokenBucket::file_budget();
        let t0 = Instant::now();
        // The burst passes with no wait.
        assert_eq!(b.charge_at(FILE_BYTES_BURST as usize, t0), Duration::ZERO);
        // One second of budget past it: a wait of one second, not a drop.
        let w = b.charge_at(FILE_BYTES_PER_SEC as usize, t0);
        assert!((w.as_secs_f64() - 1.0).abs() < 1e-6, "{w:?}");
        // Once that second has passed the member is even again, and sends on.
        assert_eq!(b.charge_at(0, t0 + Duration::from_secs(1)), Duration::ZERO);
        let w = b.charge_at(FILE_BYTES_PER_SEC as usize / 2, t0 + Duration::from_secs(1));
        assert!((w.as_secs_f64() - 0.5).abs() < 1e-6, "{w:?}");
    }
}
