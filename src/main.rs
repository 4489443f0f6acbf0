//! Boot only: configuration → state (pool, migrations, demo data) → worker → router → serve until a signal.

use std::process::ExitCode;

use growthkit::config::Config;
use growthkit::server;
use growthkit_clock::Clock;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("growthkit stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    let addr = config.addr;
    let state = server::boot(config, Clock::system()).await?;
    tracing::info!(billing = %state.billing.describe(), "database ready");
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let engine_listener = tokio::net::TcpListener::bind(state.config.engine_addr).await?;
    server::connect_engine_webhooks(&state, listener.local_addr()?).await?;
    let engine_site = server::engine_site(&state);
    // The router first: it creates the session table the worker's housekeeping clears.
    let app = server::router(state.clone()).await?;
    let worker = growthkit::jobs::spawn_worker(state.clone());
    let sender = growthkit_engine::events::spawn_sender(state.engine.clone());
    let mail = growthkit::mail::sender::spawn_sender(state);

    tracing::info!("listening on http://{addr}; the engine's billing site on http://{}", engine_listener.local_addr()?);
    // One signal stops both listeners.
    let (stop, mut stopped) = tokio::sync::watch::channel(());
    let engine = axum::serve(engine_listener, engine_site).with_graceful_shutdown(async move {
        let _ = stopped.changed().await;
    });
    let app = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            growthkit_engine::sandbox::shutdown_signal().await;
            let _ = stop.send(());
        });
    tokio::try_join!(async { app.await }, async { engine.await })?;
    worker.abort();
    sender.abort();
    mail.abort();
    tracing::info!("shut down cleanly");
    Ok(())
}
