//! Per-address rate limits for the anonymous and login routes: a token bucket per client
//! address, in memory only. Addresses are never written to disk or to a log, and buckets that
//! have filled up again are forgotten every minute.
//!
//! IPv6 clients are keyed by their /64 network, which one household or phone usually owns in
//! whole; IPv4-mapped IPv6 addresses count as the IPv4 address.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use axum::http::HeaderMap;

/// More tracked addresses than this and the idle ones are dropped at once (and, if all are
/// busy, every bucket is reset) so a flood of addresses cannot grow memory without bound.
const MAX_TRACKED: usize = 100_000;

struct Bucket {
    tokens: f64,
    updated: Instant,
}

pub(crate) struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// `per_minute` requests a minute, with bursts of as many; 0 means no limit.
    pub(crate) fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
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
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&address) {
            buckets.retain(|_, bucket| is_busy(bucket, now, capacity, rate));
            if buckets.len() >= MAX_TRACKED {
                buckets.clear();
            }
        }
        let bucket = buckets.entry(address).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }

    /// Forgets the addresses whose buckets are full again.
    pub(crate) fn forget_idle(&self) {
        let now = Instant::now();
        let capacity = f64::from(self.per_minute);
        let rate = self.refill_per_second();
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        buckets.retain(|_, bucket| is_busy(bucket, now, capacity, rate));
    }
}

fn is_busy(bucket: &Bucket, now: Instant, capacity: f64, rate: f64) -> bool {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    bucket.tokens + elapsed * rate < capacity
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
    use std::time::Duration;

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
}
