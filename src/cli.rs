//! The command line: `growthkit` serves (the default); `migrate` and `create-user` prepare a database
//! without demo data, so an install starts usable. Configuration comes from the environment (and `.env`).

use std::io::BufRead;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::{auth, db};

#[derive(Parser)]
#[command(name = "growthkit", version, about = "Self-hostable monetization front for SaaS products.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the app and the built-in engine's billing site (what a bare `growthkit` does).
    Serve,
    /// Apply the database migrations (the engine's and the app's) and exit.
    Migrate,
    /// Add a user who owns a new account. The password is read from standard input (one line).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The new account's name (default: "<name>'s account").
        #[arg(long)]
        account: Option<String>,
        /// Give the user the studio (the product team's pages).
        #[arg(long)]
        admin: bool,
    },
}

/// Runs a command other than `serve`.
pub async fn run(command: Command, config: &Config) -> Result<(), Box<dyn std::error::Error>> {
    let pool = db::connect(&config.database_url).await?;
    db::migrate(&pool).await?;
    match command {
        Command::Serve => unreachable!("serving is main's"),
        Command::Migrate => println!("migrations applied to {}", config.database_url),
        Command::CreateUser { email, name, account, admin } => {
            eprintln!("password for {email} (one line, at least 12 characters):");
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let account_name = account.unwrap_or_else(|| format!("{name}'s account"));
            let new = auth::service::NewMember { email, name, account_name, password, admin };
            let now = growthkit_clock::Clock::system().now();
            let id = auth::service::create_owner(&pool, &new, now).await.map_err(|e| e.to_string())?;
            println!(
                "created {id} ({}){}",
                new.email.trim().to_lowercase(),
                if new.admin { ", with the studio" } else { "" }
            );
        }
    }
    Ok(())
}
