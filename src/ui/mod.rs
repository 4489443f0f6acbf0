//! Presentational pieces shared by every feature.

pub mod card;
pub mod choice;
pub mod feedback;
pub mod format;
pub mod icons;
pub mod layout;
pub mod payment;
