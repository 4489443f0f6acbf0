#![recursion_limit = "256"]
//! Growthkit: a self-hostable monetization front for SaaS products.
//!
//! Pages are rendered on the server; only the interactive parts (islands) hydrate in the browser, which
//! keeps the WASM small. Server-only modules sit behind the `ssr` feature so the WASM build never sees
//! the database, HTTP client or runtime.
//!
//! Islands that only some pages need are lazy, declared with the pair
//! `#[cfg_attr(feature = "hydrate", island(lazy))]` and `#[cfg_attr(not(feature = "hydrate"), island)]`.
//! Laziness only means something to the browser build, where it puts the island in a WASM chunk of its
//! own (`cargo leptos --split`) fetched only by pages that show it; the server renders the island the same
//! either way and takes the plain attribute.

pub mod app;
pub mod auth;
pub mod credits;
pub mod dashboard;
pub mod error;
pub mod gifts;
pub mod mail;
pub mod offers;
pub mod studio;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod billing;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod csrf;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod signing;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod webhooks;

/// Browser entry point: hydrates the islands on the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
