//! The signed-in home page: who you are, your account and team, and where billing calls go.

pub mod api;
pub mod view;
