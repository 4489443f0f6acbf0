//! Boot only: command line and `.env` → configuration → state (pool, migrations, demo data) → router →
//! worker → serve until a signal. Other commands (`migrate`, `create-user`) live in `cli`.

use std::process::ExitCode;

use clap::Parser;
use growthkit::cli::{Cli, Command};
use growthkit::config::Config;
use growthkit::server;
use growthkit_clock::Clock;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Variables already set win over the file's.
    let dotenv = dotenvy::dotenv();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")));
    if std::env::var("GROWTHKIT_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().init();
    } else {
        logs.init();
    }
    if let Err(err) = &dotenv
        && !err.not_found()
    {
        tracing::error!(".env could not be read: {err}");
        return ExitCode::FAILURE;
    }
    let Some(command) = cli.command.filter(|c| !matches!(c, Command::Serve)) else {
        return match run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!("growthkit stopped: {err}");
                ExitCode::FAILURE
            }
        };
    };
    // A command's failure is for the person at the terminal.
    let outcome = match Config::from_env() {
        Ok(config) => growthkit::cli::run(command, &config).await,
        Err(err) => Err(err.into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("growthkit: {err}");
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
