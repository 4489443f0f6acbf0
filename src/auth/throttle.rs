//! Bounds on sign-in: how often one address and one account may try (token buckets from `governor`), and
//! how many password checks run at once. Argon2 takes about 19 MiB and tens of milliseconds a check, so
//! a flood of wrong passwords would otherwise grow memory without limit and starve everything else.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

type Keyed<K, C> = RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Sign-in attempts one address may make: 20 at once, then one every 3 seconds.
const PER_ADDRESS: (u32, Duration) = (20, Duration::from_secs(3));
/// Sign-in attempts for one e-mail address, from anywhere: 10 at once, then one every 6 seconds.
const PER_ACCOUNT: (u32, Duration) = (10, Duration::from_secs(6));
/// Password checks allowed to wait for a free slot; past this, sign-in answers "busy" at once.
const MAX_WAITING: usize = 64;

/// Why an attempt was not even checked.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Too many attempts from this address or for this account; try again after this many seconds.
    TooMany { retry_after: u64 },
    /// Too many password checks already waiting.
    Busy,
}

/// Shared by every request (cheap to clone).
#[derive(Clone)]
pub struct LoginThrottle<C: Clock + Clone = DefaultClock> {
    clock: C,
    by_address: Arc<Keyed<IpAddr, C>>,
    by_account: Arc<Keyed<String, C>>,
    checks: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
}

impl LoginThrottle {
    /// Real time; as many concurrent password checks as the machine has cores.
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::with_clock(DefaultClock::default(), cores)
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Clock + Clone> LoginThrottle<C> {
    pub fn with_clock(clock: C, concurrent_checks: usize) -> Self {
        let quota = |(burst, every): (u32, Duration)| {
            Quota::with_period(every)
                .expect("non-zero period")
                .allow_burst(NonZeroU32::new(burst).expect("non-zero burst"))
        };
        LoginThrottle {
            by_address: Arc::new(RateLimiter::dashmap_with_clock(quota(PER_ADDRESS), clock.clone())),
            by_account: Arc::new(RateLimiter::dashmap_with_clock(quota(PER_ACCOUNT), clock.clone())),
            clock,
            checks: Arc::new(Semaphore::new(concurrent_checks.max(1))),
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Counts an attempt from `address` for `email` (case and spaces ignored), or says how long to wait.
    pub fn attempt(&self, address: IpAddr, email: &str) -> Result<(), Refused> {
        let account = email.trim().to_lowercase();
        let wait = |not_until: governor::NotUntil<C::Instant>| Refused::TooMany {
            retry_after: not_until.wait_time_from(self.clock.now()).as_secs().max(1),
        };
        self.by_address.check_key(&address).map_err(wait)?;
        self.by_account.check_key(&account).map_err(wait)
    }

    /// A slot to check a password in, waiting for one while few others wait; held until dropped.
    pub async fn check_slot(&self) -> Result<OwnedSemaphorePermit, Refused> {
        if let Ok(permit) = self.checks.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Refused::Busy);
        }
        let permit = self.checks.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit.map_err(|_| Refused::Busy)
    }

    /// Forgets buckets that have filled up again, so addresses seen once do not stay in memory.
    pub fn forget_idle(&self) {
        self.by_address.retain_recent();
        self.by_account.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 7));

    #[test]
    fn one_account_is_limited_from_every_address_and_refills() {
        let clock = FakeRelativeClock::default();
        let throttle = LoginThrottle::with_clock(clock.clone(), 1);
        for i in 0..PER_ACCOUNT.0 {
            let from = if i % 2 == 0 { HOME } else { AWAY };
            assert_eq!(throttle.attempt(from, " Owner@Acme.test"), Ok(()), "attempt {i}");
        }
        assert_eq!(throttle.attempt(AWAY, "owner@acme.test"), Err(Refused::TooMany { retry_after: 6 }));
        assert_eq!(throttle.attempt(AWAY, "other@acme.test"), Ok(()), "another account is not affected");
        clock.advance(PER_ACCOUNT.1);
        assert_eq!(throttle.attempt(HOME, "owner@acme.test"), Ok(()), "one more after the refill period");
    }

    #[test]
    fn one_address_is_limited_across_accounts() {
        let throttle = LoginThrottle::with_clock(FakeRelativeClock::default(), 1);
        for i in 0..PER_ADDRESS.0 {
            assert_eq!(throttle.attempt(HOME, &format!("user{i}@acme.test")), Ok(()));
        }
        assert!(matches!(throttle.attempt(HOME, "new@acme.test"), Err(Refused::TooMany { retry_after: 3 })));
        assert_eq!(throttle.attempt(AWAY, "new@acme.test"), Ok(()));
    }

    #[tokio::test]
    async fn checks_beyond_the_slots_wait_and_a_crowd_is_turned_away() {
        let throttle = LoginThrottle::with_clock(FakeRelativeClock::default(), 1);
        let held = throttle.check_slot().await.expect("the one slot");
        let mut waiting = Vec::new();
        for _ in 0..MAX_WAITING {
            let t = throttle.clone();
            waiting.push(tokio::spawn(async move { t.check_slot().await.map(drop) }));
        }
        while throttle.waiting.load(Ordering::SeqCst) < MAX_WAITING {
            tokio::task::yield_now().await;
        }
        assert_eq!(throttle.check_slot().await.err(), Some(Refused::Busy));
        drop(held);
        for w in waiting {
            assert_eq!(w.await.unwrap(), Ok(()), "every waiting check gets its turn");
        }
    }
}
