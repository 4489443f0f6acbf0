//! `growthkit-engine`: the engine alone, as an offline Chargebee sandbox. Boot only: configuration →
//! database → engine → worker and webhook sender → serve `/api/v2` until a signal.

use std::process::ExitCode;

use growthkit_clock::Clock;
use growthkit_engine::{events, sandbox};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("growthkit-engine stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = sandbox::SandboxConfig::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))?;
    let engine = sandbox::start(&config, Clock::system()).await?;
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let worker = sandbox::spawn_worker(engine.clone());
    let sender = events::spawn_sender(engine.clone());
    tracing::info!("Chargebee-compatible sandbox at http://{}/api/v2", listener.local_addr()?);
    axum::serve(listener, sandbox::router(engine, &config.api_key, &config.publishable_key))
        .with_graceful_shutdown(sandbox::shutdown_signal())
        .await?;
    worker.abort();
    sender.abort();
    tracing::info!("shut down cleanly");
    Ok(())
}
