//! Presentational pieces shared by every feature.

pub mod feedback;
pub mod icons;
pub mod layout;
pub mod time;
