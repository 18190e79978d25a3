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

// GraphQL execution allocates many small objects per field: mimalloc does it with less contention
// between threads than the system allocator (measured by bench/run.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Exporte la première liste d'une requête GraphQL (toutes ses pages) en CSV ou NDJSON sur la sortie
    /// standard, sur les sources configurées, sans serveur : les mêmes octets que `/export`.
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// Fichier de la requête GraphQL (`-` : l'entrée standard).
    #[arg(long)]
    query: PathBuf,
    /// Variables : un objet JSON, ou `@fichier.json`.
    #[arg(long)]
    variables: Option<String>,
    /// Opération à exporter, quand le fichier en a plusieurs.
    #[arg(long = "operation")]
    operation: Option<String>,
    /// Format : csv ou ndjson.
    #[arg(long, default_value = "csv")]
    format: String,
    /// Séparateur CSV : « , » (défaut), « ; » ou « tab ».
    #[arg(long)]
    separateur: Option<String>,
    /// Commence le CSV par une marque d'ordre des octets UTF-8 (pour les tableurs).
    #[arg(long)]
    bom: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let load = || Config::load(cli.config.as_deref(), std::env::vars()).context("configuration");
    // The logs and traces follow the configuration's `[telemetry]` (the default one for `schema`).
    let config = match cli.command {
        Some(Command::Schema) => None,
        _ => Some(load()?),
    };
    let to_stderr = matches!(cli.command, Some(Command::Export(_)));
    let _telemetry = passerelle::telemetry::init(
        &config
            .as_ref()
            .map(|c| c.telemetry.clone())
            .unwrap_or_default(),
        to_stderr,
    )?;
    let load = || config.clone().context("configuration");
    match cli.command.unwrap_or(Command::Serve) {
        Command::Schema => {
            print!("{}", passerelle::graphql::sdl());
        }
        Command::CheckConfig => {
            let config = load()?;
            passerelle::sources::Sources::build(&config).context("configuration des sources")?;
            println!("configuration valide : {config:#?}");
        }
        Command::Export(args) => export(load()?, args).await?,
        Command::Serve => {
            let app = Application::build(load()?).await?;
            match passerelle::http::playground::graphiql_versions() {
                Ok(versions) => {
                    tracing::info!("playground : http://{}/ ({versions})", app.local_addr())
                }
                Err(why) => tracing::warn!(
                    "playground : http://{}/ — page minimale, GraphiQL non intégré ({why}) : installez npm puis `cargo build --release`",
                    app.local_addr()
                ),
            }
            app.run_until_stopped(shutdown_signal()).await?;
        }
    }
    Ok(())
}

/// `passerelle export`: loads the sources, then writes the export on stdout.
async fn export(config: Config, args: ExportArgs) -> anyhow::Result<()> {
    use std::io::Write as _;

    let format = passerelle::export::Format::parse(
        Some(&args.format),
        args.separateur.as_deref(),
        args.bom.then_some("true"),
    )
    .map_err(anyhow::Error::msg)?;
    let query = if args.query.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .context("lecture de la requête sur l'entrée standard")?
    } else {
        std::fs::read_to_string(&args.query)
            .with_context(|| format!("lecture de la requête {}", args.query.display()))?
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(v) = &args.variables {
        let text = match v.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("lecture des variables {path}"))?,
            None => v.clone(),
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).context("--variables : un objet JSON est attendu")?;
        anyhow::ensure!(value.is_object(), "--variables : un objet JSON est attendu");
        request = request.variables(async_graphql::Variables::from_json(value));
    }
    if let Some(op) = args.operation {
        request = request.operation_name(op);
    }

    let sources = std::sync::Arc::new(
        passerelle::sources::Sources::build(&config).context("configuration des sources")?,
    );
    let loading = sources.spawn_loading(&config);
    sources.first_loads().await;
    let schema = passerelle::graphql::build_schema(std::sync::Arc::clone(&sources));
    let exporter = passerelle::export::Exporter::new(schema, sources, config.export);
    let mut export = exporter
        .start(request, format)
        .await
        .map_err(|e| anyhow::anyhow!("export impossible : {e}"))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    while let Some(chunk) = export
        .next_chunk()
        .await
        .map_err(|e| anyhow::anyhow!("export interrompu après {} lignes : {e}", export.written()))?
    {
        out.write_all(&chunk).context("écriture de l'export")?;
    }
    out.flush().context("écriture de l'export")?;
    if export.truncated() {
        eprintln!(
            "export tronqué : {} lignes sur {} (limite export.max_rows)",
            export.written(),
            export.total().unwrap_or_default()
        );
    }
    for task in loading {
        task.abort();
    }
    Ok(())
}
