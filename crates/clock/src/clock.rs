//! The one source of "now". Everything time-based (sessions aside) asks this clock, so tests and the
//! studio's time travel can move time forward instead of waiting for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Unix seconds, UTC — Chargebee's wire format for timestamps.
pub type Timestamp = i64;

/// The latest time anything may be set to: 9999-12-31 23:59:59 UTC. Timestamps from outside are held to
/// 0..=this at the edge, so sums of stored times (a date plus a claim window, now plus an offset) stay far
/// from overflowing.
pub const MAX_TIMESTAMP: Timestamp = 253_402_300_799;

/// Wall-clock time plus a travel offset that only ever grows. Cheap to clone; clones share the offset.
#[derive(Clone, Debug)]
pub struct Clock {
    base: Base,
    offset: Arc<AtomicI64>,
}

#[derive(Clone, Debug)]
enum Base {
    System,
    Fixed(Timestamp),
}

impl Clock {
    /// Real time.
    pub fn system() -> Self {
        Clock { base: Base::System, offset: Arc::new(AtomicI64::new(0)) }
    }

    /// Time that stands still at `at` until advanced: for tests.
    pub fn fixed(at: Timestamp) -> Self {
        Clock { base: Base::Fixed(at), offset: Arc::new(AtomicI64::new(0)) }
    }

    /// The current time in Unix seconds.
    pub fn now(&self) -> Timestamp {
        let base = match self.base {
            Base::System => SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0),
            Base::Fixed(at) => at,
        };
        base.saturating_add(self.offset.load(Ordering::Relaxed))
    }

    /// Moves time forward by `seconds` (time travel). Negative values are refused: rules such as
    /// cooldowns and expiry assume time never runs backwards.
    pub fn advance(&self, seconds: i64) -> Result<Timestamp, ClockError> {
        if seconds < 0 {
            return Err(ClockError::Backwards);
        }
        if self.now().checked_add(seconds).is_none_or(|t| t > MAX_TIMESTAMP) {
            return Err(ClockError::TooFar);
        }
        self.offset.fetch_add(seconds, Ordering::Relaxed);
        Ok(self.now())
    }

    /// Starts the clock over at `at` (a test site's "start afresh"): the one way time goes back, for a
    /// caller that has just deleted everything dated by it. Not before the base (real time), which a
    /// travel offset cannot undercut, nor past [`MAX_TIMESTAMP`].
    pub fn restart_at(&self, at: Timestamp) -> Result<Timestamp, ClockError> {
        let base = self.now().saturating_sub(self.offset());
        if at < base {
            return Err(ClockError::Backwards);
        }
        if at > MAX_TIMESTAMP {
            return Err(ClockError::TooFar);
        }
        self.offset.store(at - base, Ordering::Relaxed);
        Ok(self.now())
    }

    /// How far this clock has travelled ahead of its base, in seconds.
    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }

    /// Restores a travel offset saved earlier (e.g. from the database at start-up). A stored value that
    /// would put the clock past [`MAX_TIMESTAMP`] is held there rather than trusted, so a bad row can never
    /// stop a start.
    pub fn restore_offset(&self, seconds: i64) {
        self.offset.store(0, Ordering::Relaxed);
        let room = MAX_TIMESTAMP.saturating_sub(self.now()).max(0);
        self.offset.store(seconds.clamp(0, room), Ordering::Relaxed);
    }
}

/// A refused clock change.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClockError {
    #[error("time can only move forward")]
    Backwards,
    #[error("time cannot move past 9999-12-31 23:59:59 UTC")]
    TooFar,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_advanced_and_clones_share_it() {
        let clock = Clock::fixed(1_000);
        let other = clock.clone();
        assert_eq!(clock.now(), 1_000);
        assert_eq!(other.advance(86_400), Ok(87_400));
        assert_eq!(clock.now(), 87_400);
        assert_eq!(clock.advance(-1), Err(ClockError::Backwards));
        assert_eq!(clock.offset(), 86_400);
    }

    #[test]
    fn the_clock_never_leaves_its_range() {
        let clock = Clock::fixed(1_000);
        assert_eq!(clock.advance(i64::MAX), Err(ClockError::TooFar));
        assert_eq!(clock.advance(MAX_TIMESTAMP - 999), Err(ClockError::TooFar));
        assert_eq!(clock.advance(MAX_TIMESTAMP - 1_000), Ok(MAX_TIMESTAMP));
        assert_eq!(clock.advance(1), Err(ClockError::TooFar));
        let restored = Clock::fixed(1_000);
        restored.restore_offset(i64::MAX);
        assert_eq!(restored.now(), MAX_TIMESTAMP, "a stored offset out of range is held at the limit");
        restored.restore_offset(-5);
        assert_eq!(restored.now(), 1_000);
    }

    #[test]
    fn system_clock_is_near_wall_time() {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        assert!((Clock::system().now() - wall).abs() <= 1);
    }
}
