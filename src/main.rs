//! The `passerelle` command: `serve` (default), `schema`, `check-config`.
#![allow(
    clippy::print_stdout,
    reason = "a command-line tool prints its results"
)]

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use passerelle::app::{Application, shutdown_signal};
use passerelle::config::Config;

/// Passerelle GraphQL sur les données publiques de l'orientation.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Fichier de configuration TOML (voir examples/passerelle.toml).
    #[arg(long, global = true, env = "PASSERELLE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sert l'API (par défaut).
    Serve,
    /// Affiche le schéma GraphQL (SDL), tel que committé dans schema.graphql.
    Schema,
    /// Vérifie la configuration et l'affiche.
    CheckConfig,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        // Colours only on a terminal: log files and collectors get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let load = || Config::load(cli.config.as_deref(), std::env::vars()).context("configuration");
    match cli.command.unwrap_or(Command::Serve) {
        Command::Schema => {
            print!("{}", passerelle::graphql::sdl());
        }
        Command::CheckConfig => {
            let config = load()?;
            passerelle::sources::Sources::build(&config).context("configuration des sources")?;
            println!("configuration valide : {config:#?}");
        }
        Command::Serve => {
            let app = Application::build(load()?).await?;
            tracing::info!("playground : http://{}/", app.local_addr());
            app.run_until_stopped(shutdown_signal()).await?;
        }
    }
    Ok(())
}
