//! When to try again: full-jitter exponential backoff that honours the hub's `Retry-After`.
//!
//! `delay = random(0 ..= min(cap, base × 2^attempt))` (the "full jitter" of AWS's study), so a
//! hundred tablets coming back online at once do not retry in lock-step. A `Retry-After` from the
//! hub (429, 503) is a floor: the client never comes back sooner than it was asked to.

use std::time::Duration;

use crate::error::Result;
use crate::secret::random_array;

/// The longest `Retry-After` the client accepts; a larger one is treated as this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(6 * 60 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    /// 2 s doubling up to 15 minutes: a phone on a flaky network retries soon, one that is
    /// offline for days costs a wake-up every quarter hour at most.
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(15 * 60),
        }
    }
}

impl Backoff {
    /// The ceiling of the random delay after `failures` failed attempts (1 = the first failure).
    pub fn ceiling(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(31);
        self.base
            .checked_mul(1u32 << exponent)
            .map_or(self.cap, |delay| delay.min(self.cap))
    }

    /// The delay before the next attempt, from a uniformly random `draw`.
    pub fn delay_with(&self, failures: u32, retry_after: Option<Duration>, draw: u64) -> Duration {
        let ceiling_ms = self.ceiling(failures).as_millis().min(u64::MAX as u128) as u64;
        let jittered = Duration::from_millis(if ceiling_ms == 0 { 0 } else { draw % (ceiling_ms + 1) });
        match retry_after {
            Some(floor) => jittered.max(floor.min(MAX_RETRY_AFTER)),
            None => jittered,
        }
    }

    /// The delay before the next attempt, drawn from the operating system's random generator.
    pub fn delay(&self, failures: u32, retry_after: Option<Duration>) -> Result<Duration> {
        Ok(self.delay_with(failures, retry_after, u64::from_le_bytes(random_array()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_doubles_up_to_the_cap() {
        let backoff = Backoff::default();
        assert_eq!(backoff.ceiling(1), Duration::from_secs(2));
        assert_eq!(backoff.ceiling(2), Duration::from_secs(4));
        assert_eq!(backoff.ceiling(5), Duration::from_secs(32));
        assert_eq!(backoff.ceiling(10), Duration::from_secs(900));
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(900));
    }

    #[test]
    fn delays_spread_over_the_whole_range_and_never_exceed_the_ceiling() {
        let backoff = Backoff::default();
        let delays: Vec<Duration> = (0..2000).map(|_| backoff.delay(4, None).unwrap()).collect();
        assert!(delays.iter().all(|delay| *delay <= Duration::from_secs(16)));
        assert!(delays.iter().any(|delay| *delay < Duration::from_secs(4)));
        assert!(delays.iter().any(|delay| *delay > Duration::from_secs(12)));
    }

    #[test]
    fn retry_after_is_a_floor_and_is_capped() {
        let backoff = Backoff::default();
        let asked = Some(Duration::from_secs(120));
        assert!((0..100).all(|_| backoff.delay(1, asked).unwrap() >= Duration::from_secs(120)));
        assert_eq!(
            backoff.delay_with(1, Some(Duration::from_secs(10 * 86_400)), 0),
            MAX_RETRY_AFTER
        );
    }
}
