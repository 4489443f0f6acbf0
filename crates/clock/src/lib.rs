//! Time for Growthkit's app and engine: the one injected [`Clock`] (real time plus a forward-only travel
//! offset), and calendar arithmetic on Unix seconds that the server and the browser share without a date
//! library. A crate of its own because both sides read the same clock and neither may depend on the other.

pub mod calendar;
mod clock;

pub use clock::{Clock, ClockError, MAX_TIMESTAMP, Timestamp};
