//! The hub's in-memory limits, never written to disk or to a log:
//!
//! - [`RateLimiter`]: a token bucket per client address for the anonymous and login routes.
//!   IPv6 clients are keyed by their /64 network, which one household or phone usually owns in
//!   whole; IPv4-mapped IPv6 addresses count as the IPv4 address.
//! - [`LoginFailures`]: consecutive failed logins per username (known or not, keyed by a keyed
//!   hash so the map holds no username). After [`LOCK_AFTER_FAILURES`] the username is locked for
//!   a window that doubles with each further failure, up to an hour; a success clears it.
//! - [`GlobalBudget`]: one token bucket for every password verification the hub runs, so a
//!   guesser with many addresses and many usernames is still held to a fixed rate.
//!
//! Every map is bounded. When one is full, the entries that tell least are evicted first (full
//! buckets, expired locks, the least recently used), never everything at once, so a flood of
//! fresh addresses or usernames cannot reset the counter of the one being attacked.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

/// At most this many addresses (and, separately, usernames) are tracked.
const MAX_TRACKED: usize = 100_000;
/// When a full map must make room, this share of it is evicted at once, so the ranking (a pass
/// over the map) is paid once per many insertions.
const EVICT_DIVISOR: usize = 8;

/// Consecutive failed logins after which a username is locked.
pub(crate) const LOCK_AFTER_FAILURES: u32 = 5;
/// The longest lock (unless the configured first lock is longer).
const LOCK_MAX: Duration = Duration::from_secs(3600);
/// A username's failures are forgotten this long after its last attempt (once no lock holds).
const FORGET_FAILURES_AFTER: Duration = Duration::from_secs(24 * 3600);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here panics while holding a lock; if something did, the counters are still usable.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Seconds until `until`, rounded up, at least 1 (a `Retry-After` value).
fn seconds_until(until: Instant, now: Instant) -> u64 {
    let left = until.saturating_duration_since(now);
    (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1)
}

/// Removes the `share` entries ranked first by `rank` (lowest first) among those it ranks at all.
fn evict<K: Copy + Eq + Hash, V, R: Ord>(map: &mut HashMap<K, V>, share: usize, rank: impl Fn(&V) -> Option<R>) {
    let mut ranked: Vec<(R, K)> = map
        .iter()
        .filter_map(|(key, value)| rank(value).map(|rank| (rank, *key)))
        .collect();
    let count = share.min(ranked.len());
    if count == 0 {
        return;
    }
    if count < ranked.len() {
        ranked.select_nth_unstable_by(count - 1, |a, b| a.0.cmp(&b.0));
    }
    for (_, key) in ranked.into_iter().take(count) {
        map.remove(&key);
    }
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    /// The tokens the bucket holds at `now`.
    fn level(&self, now: Instant, capacity: f64, rate: f64) -> f64 {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        (self.tokens + elapsed * rate).min(capacity)
    }

    /// Takes one token; `Err` holds the seconds until one is free.
    fn take(&mut self, now: Instant, capacity: f64, rate: f64) -> Result<(), u64> {
        self.tokens = self.level(now, capacity, rate);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - self.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

pub(crate) struct RateLimiter {
    per_minute: u32,
    max_tracked: usize,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// `per_minute` requests a minute, with bursts of as many; 0 means no limit.
    pub(crate) fn new(per_minute: u32) -> Self {
        RateLimiter::with_capacity(per_minute, MAX_TRACKED)
    }

    fn with_capacity(per_minute: u32, max_tracked: usize) -> Self {
        RateLimiter {
            per_minute,
            max_tracked: max_tracked.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refill_per_second(&self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }

    /// Takes one request from the address's bucket; `Err` holds the seconds until one is free.
    pub(crate) fn check(&self, address: IpAddr) -> Result<(), u64> {
        self.check_at(address, Instant::now())
    }

    fn check_at(&self, address: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let rate = self.refill_per_second();
        let mut buckets = lock(&self.buckets);
        if buckets.len() >= self.max_tracked && !buckets.contains_key(&address) {
            buckets.retain(|_, bucket| bucket.level(now, capacity, rate) < capacity);
            if buckets.len() >= self.max_tracked {
                // Every tracked address is busy: drop the fullest buckets (those closest to what
                // a fresh bucket would give anyway), the least recently used among equals. A
                // drained bucket, such as a guesser's own, goes last.
                let share = (self.max_tracked / EVICT_DIVISOR).max(1);
                evict(&mut buckets, share, |bucket| {
                    let missing_milli_tokens = ((capacity - bucket.level(now, capacity, rate)) * 1000.0) as u64;
                    Some((missing_milli_tokens, bucket.updated))
                });
            }
        }
        buckets
            .entry(address)
            .or_insert(Bucket {
                tokens: capacity,
                updated: now,
            })
            .take(now, capacity, rate)
    }

    /// Forgets the addresses whose buckets are full again.
    pub(crate) fn forget_idle(&self) {
        let now = Instant::now();
        let capacity = f64::from(self.per_minute);
        let rate = self.refill_per_second();
        lock(&self.buckets).retain(|_, bucket| bucket.level(now, capacity, rate) < capacity);
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        lock(&self.buckets).len()
    }
}

/// One bucket for every password verification, whoever asks: a burst of `per_minute`, refilled
/// at `per_minute` a minute; 0 means no limit.
pub(crate) struct GlobalBudget {
    per_minute: u32,
    bucket: Mutex<Bucket>,
}

impl GlobalBudget {
    pub(crate) fn new(per_minute: u32) -> Self {
        GlobalBudget {
            per_minute,
            bucket: Mutex::new(Bucket {
                tokens: f64::from(per_minute),
                updated: Instant::now(),
            }),
        }
    }

    /// Takes one verification; `Err` holds the seconds until one is free.
    pub(crate) fn take(&self) -> Result<(), u64> {
        self.take_at(Instant::now())
    }

    fn take_at(&self, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        lock(&self.bucket).take(now, capacity, capacity / 60.0)
    }
}

/// A username's recent failures.
struct Failures {
    /// Consecutive failures since the last success.
    count: u32,
    locked_until: Option<Instant>,
    /// Attempts admitted and not yet settled.
    in_flight: u32,
    last_seen: Instant,
}

impl Failures {
    fn locked_at(&self, now: Instant) -> Option<Instant> {
        self.locked_until.filter(|until| *until > now)
    }

    /// Worth keeping: an attempt is running, a lock holds, or failures are recent.
    fn matters(&self, now: Instant) -> bool {
        self.in_flight > 0
            || self.locked_at(now).is_some()
            || (self.count > 0 && now.saturating_duration_since(self.last_seen) < FORGET_FAILURES_AFTER)
    }
}

type UsernameKey = [u8; 32];

/// Consecutive failed logins per username. See the module documentation.
pub(crate) struct LoginFailures {
    /// Keys the hash of a username, so the map holds no username and a guesser cannot aim for
    /// hash collisions.
    key: ring::hmac::Key,
    first_lock: Duration,
    max_tracked: usize,
    entries: Mutex<HashMap<UsernameKey, Failures>>,
}

/// An admitted login attempt for a username. Settle it with [`LoginAttempt::failed`] or
/// [`LoginAttempt::succeeded`]; dropped unsettled (the check itself failed), it counts neither.
pub(crate) struct LoginAttempt {
    limiter: Arc<LoginFailures>,
    key: UsernameKey,
    settled: bool,
}

impl LoginFailures {
    /// `first_lock` is the lock after [`LOCK_AFTER_FAILURES`] failures; each further failure
    /// doubles it, up to an hour (or `first_lock`, if longer).
    pub(crate) fn new(first_lock: Duration, secret: &[u8; 32]) -> Self {
        LoginFailures::with_capacity(first_lock, secret, MAX_TRACKED)
    }

    fn with_capacity(first_lock: Duration, secret: &[u8; 32], max_tracked: usize) -> Self {
        LoginFailures {
            key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret),
            first_lock,
            max_tracked: max_tracked.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn key_of(&self, username: &str) -> UsernameKey {
        let tag = ring::hmac::sign(&self.key, username.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    fn lock_for(&self, count: u32) -> Duration {
        let doublings = count.saturating_sub(LOCK_AFTER_FAILURES).min(24);
        self.first_lock
            .saturating_mul(1u32 << doublings)
            .min(LOCK_MAX.max(self.first_lock))
    }

    /// Admits an attempt for `username`, or `Err` with the seconds to wait: while the username
    /// is locked, and while the attempts already running could reach the lock by themselves.
    pub(crate) fn begin(self: &Arc<Self>, username: &str) -> Result<LoginAttempt, u64> {
        self.begin_at(username, Instant::now())
    }

    fn begin_at(self: &Arc<Self>, username: &str, now: Instant) -> Result<LoginAttempt, u64> {
        let key = self.key_of(username);
        let mut entries = lock(&self.entries);
        if entries.len() >= self.max_tracked && !entries.contains_key(&key) {
            entries.retain(|_, failures| failures.matters(now));
            if entries.len() >= self.max_tracked {
                // Unlocked before locked, then the least recently used; never one with an
                // attempt running (its settlement would find nothing).
                let share = (self.max_tracked / EVICT_DIVISOR).max(1);
                evict(&mut entries, share, |failures| {
                    (failures.in_flight == 0).then(|| (failures.locked_at(now).is_some(), failures.last_seen))
                });
            }
        }
        let failures = entries.entry(key).or_insert(Failures {
            count: 0,
            locked_until: None,
            in_flight: 0,
            last_seen: now,
        });
        if let Some(until) = failures.locked_at(now) {
            return Err(seconds_until(until, now));
        }
        let room = if failures.count < LOCK_AFTER_FAILURES {
            failures.count + failures.in_flight < LOCK_AFTER_FAILURES
        } else {
            failures.in_flight == 0
        };
        if !room {
            return Err(1);
        }
        failures.in_flight += 1;
        failures.last_seen = now;
        Ok(LoginAttempt {
            limiter: Arc::clone(self),
            key,
            settled: false,
        })
    }

    fn settle(&self, key: &UsernameKey, outcome: Option<bool>, now: Instant) {
        let mut entries = lock(&self.entries);
        let Some(failures) = entries.get_mut(key) else {
            return;
        };
        failures.in_flight = failures.in_flight.saturating_sub(1);
        match outcome {
            Some(true) => {
                failures.count = 0;
                failures.locked_until = None;
            }
            Some(false) => {
                failures.count = failures.count.saturating_add(1);
                failures.last_seen = now;
                if failures.count >= LOCK_AFTER_FAILURES {
                    failures.locked_until = Some(now + self.lock_for(failures.count));
                }
            }
            None => {}
        }
        if !failures.matters(now) {
            entries.remove(key);
        }
    }

    /// Forgets the usernames with no lock, no attempt running and no recent failure.
    pub(crate) fn forget_idle(&self) {
        let now = Instant::now();
        lock(&self.entries).retain(|_, failures| failures.matters(now));
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        lock(&self.entries).len()
    }
}

impl LoginAttempt {
    /// The password was wrong (or the user unknown or disabled).
    pub(crate) fn failed(mut self) {
        self.settled = true;
        self.limiter.settle(&self.key, Some(false), Instant::now());
    }

    /// The password was right: the username's failures are cleared.
    pub(crate) fn succeeded(mut self) {
        self.settled = true;
        self.limiter.settle(&self.key, Some(true), Instant::now());
    }

    #[cfg(test)]
    fn settle_at(mut self, success: bool, now: Instant) {
        self.settled = true;
        self.limiter.settle(&self.key, Some(success), now);
    }
}

impl Drop for LoginAttempt {
    fn drop(&mut self) {
        if !self.settled {
            self.limiter.settle(&self.key, None, Instant::now());
        }
    }
}

/// The address a request is counted against: the TCP peer, or with `trust_forwarded_for` the
/// last `X-Forwarded-For` entry (the one the proxy in front of the hub appended).
pub(crate) fn client_address(peer: SocketAddr, headers: &HeaderMap, trust_forwarded_for: bool) -> IpAddr {
    let address = if trust_forwarded_for {
        last_forwarded_for(headers).unwrap_or(peer.ip())
    } else {
        peer.ip()
    };
    bucket_key(address)
}

fn last_forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last_header = headers.get_all("x-forwarded-for").iter().next_back()?;
    let entry = last_header.to_str().ok()?.rsplit(',').next()?.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
}

fn bucket_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(network))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills() {
        let limiter = RateLimiter::new(3);
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(address, start).is_ok());
        }
        assert_eq!(limiter.check_at(address, start), Err(20));
        assert!(limiter.check_at("192.0.2.2".parse().unwrap(), start).is_ok());
        assert!(limiter.check_at(address, start + Duration::from_secs(20)).is_ok());
        assert!(limiter.check_at(address, start + Duration::from_secs(20)).is_err());
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = RateLimiter::new(0);
        for _ in 0..1000 {
            assert!(limiter.check("192.0.2.1".parse().unwrap()).is_ok());
        }
    }

    #[test]
    fn forwarded_for_is_read_only_when_trusted() {
        let peer: SocketAddr = "10.0.0.1:4000".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", "203.0.113.9, 198.51.100.7".parse().unwrap());
        assert_eq!(client_address(peer, &headers, false), peer.ip());
        assert_eq!(
            client_address(peer, &headers, true),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(client_address(peer, &headers, true), peer.ip());
    }

    #[test]
    fn ipv6_clients_share_their_64_bit_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(bucket_key(a), bucket_key(b));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(bucket_key(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_full_map_keeps_a_drained_bucket() {
        let limiter = RateLimiter::with_capacity(2, 16);
        let guesser: IpAddr = "192.0.2.1".parse().unwrap();
        let start = Instant::now();
        assert!(limiter.check_at(guesser, start).is_ok());
        assert!(limiter.check_at(guesser, start).is_ok());
        assert!(limiter.check_at(guesser, start).is_err());
        // A flood of fresh addresses, each spending one request, fills the map many times over.
        for n in 0..1000u32 {
            let fresh = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + n));
            assert!(limiter.check_at(fresh, start + Duration::from_millis(1)).is_ok());
            assert!(limiter.tracked() <= 16);
        }
        assert!(limiter.check_at(guesser, start + Duration::from_millis(2)).is_err());
    }

    #[test]
    fn the_global_budget_is_one_bucket_for_everyone() {
        let budget = GlobalBudget::new(2);
        let start = Instant::now();
        assert!(budget.take_at(start).is_ok());
        assert!(budget.take_at(start).is_ok());
        assert_eq!(budget.take_at(start), Err(30));
        assert!(budget.take_at(start + Duration::from_secs(30)).is_ok());
        let unlimited = GlobalBudget::new(0);
        for _ in 0..1000 {
            assert!(unlimited.take_at(start).is_ok());
        }
    }

    fn failures(first_lock: Duration, max_tracked: usize) -> Arc<LoginFailures> {
        Arc::new(LoginFailures::with_capacity(first_lock, &[7; 32], max_tracked))
    }

    #[test]
    fn five_failures_lock_a_username_for_a_doubling_window() {
        let limiter = failures(Duration::from_secs(60), 100);
        let start = Instant::now();
        for _ in 0..LOCK_AFTER_FAILURES {
            limiter.begin_at("thandi", start).unwrap().settle_at(false, start);
        }
        assert_eq!(limiter.begin_at("thandi", start).err(), Some(60));
        assert_eq!(
            limiter.begin_at("thandi", start + Duration::from_millis(59_500)).err(),
            Some(1)
        );
        // Another username is not affected.
        assert!(limiter.begin_at("lindiwe", start).is_ok());
        // After the lock one attempt is admitted; its failure locks for twice as long.
        let after = start + Duration::from_secs(60);
        limiter.begin_at("thandi", after).unwrap().settle_at(false, after);
        assert_eq!(limiter.begin_at("thandi", after).err(), Some(120));
        let mut now = after + Duration::from_secs(120);
        for _ in 0..10 {
            limiter.begin_at("thandi", now).unwrap().settle_at(false, now);
            let wait = limiter.begin_at("thandi", now).err().unwrap();
            assert!(wait <= 3600, "{wait}");
            now += Duration::from_secs(wait);
        }
        assert_eq!(limiter.begin_at("thandi", now - Duration::from_secs(1)).err(), Some(1));
        // A success clears the count: the next failure does not lock.
        limiter.begin_at("thandi", now).unwrap().settle_at(true, now);
        limiter.begin_at("thandi", now).unwrap().settle_at(false, now);
        assert!(limiter.begin_at("thandi", now).is_ok());
    }

    #[test]
    fn attempts_running_at_once_cannot_overshoot_the_lock() {
        let limiter = failures(Duration::from_secs(60), 100);
        let start = Instant::now();
        let running: Vec<_> = (0..LOCK_AFTER_FAILURES)
            .map(|_| limiter.begin_at("thandi", start).unwrap())
            .collect();
        assert_eq!(limiter.begin_at("thandi", start).err(), Some(1));
        for attempt in running {
            attempt.settle_at(false, start);
        }
        assert_eq!(limiter.begin_at("thandi", start).err(), Some(60));
        // An attempt dropped unsettled (the check failed) counts neither way.
        let limiter = failures(Duration::from_secs(60), 100);
        for _ in 0..20 {
            drop(limiter.begin_at("thandi", start).unwrap());
        }
        assert!(limiter.begin_at("thandi", start).is_ok());
        assert_eq!(limiter.tracked(), 0);
    }

    #[test]
    fn a_full_map_keeps_a_locked_username() {
        let limiter = failures(Duration::from_secs(60), 16);
        let start = Instant::now();
        for _ in 0..LOCK_AFTER_FAILURES {
            limiter.begin_at("thandi", start).unwrap().settle_at(false, start);
        }
        for n in 0..1000 {
            let now = start + Duration::from_millis(1);
            limiter
                .begin_at(&format!("user{n}"), now)
                .unwrap()
                .settle_at(false, now);
            assert!(limiter.tracked() <= 16);
        }
        assert!(limiter.begin_at("thandi", start + Duration::from_secs(1)).is_err());
        // Only usernames with failures are kept: a success leaves nothing behind.
        let limiter = failures(Duration::from_secs(60), 16);
        limiter.begin_at("thandi", start).unwrap().settle_at(true, start);
        assert_eq!(limiter.tracked(), 0);
    }
}
