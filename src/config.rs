//! Typed configuration: one TOML file, overridden by `PASSERELLE_…` environment variables, validated at
//! load. Every key has a default, so no file at all serves the embedded samples on 127.0.0.1:8080.
//!
//! Environment overrides: `PASSERELLE_SERVER__LISTEN=0.0.0.0:8080`,
//! `PASSERELLE_SOURCES__OFFRE_INFO__PATH=/data/lheo.xml` — `__` separates levels and, in a source id,
//! `_` stands for `-`. `PASSERELLE_TODAY` is short for `PASSERELLE_SERVER__TODAY`; `PASSERELLE_CONFIG`
//! names the file. Unknown keys, in the file or the environment, are errors naming the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use passerelle_core::config::SourceConfig;
use serde::{Deserialize, Deserializer};

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[server]`.
    #[serde(default)]
    pub server: ServerConfig,
    /// `[sources.*]`.
    #[serde(default)]
    pub sources: SourcesConfig,
    /// `[export]`.
    #[serde(default)]
    pub export: ExportConfig,
    /// `[cache]`.
    #[serde(default)]
    pub cache: SharedCacheConfig,
    /// `[limits]`.
    #[serde(default)]
    pub limits: crate::graphql::limits::LimitsConfig,
    /// `[persisted]`.
    #[serde(default)]
    pub persisted: crate::http::persisted::PersistedConfig,
    /// `[[partners]]`.
    #[serde(default)]
    pub partners: Vec<crate::http::partners::PartnerConfig>,
    /// `[rate_limit]`.
    #[serde(default)]
    pub rate_limit: crate::http::partners::RateLimitConfig,
    /// `[security]`.
    #[serde(default)]
    pub security: SecurityConfig,
    /// `[metrics]`.
    #[serde(default)]
    pub metrics: crate::metrics::MetricsConfig,
    /// `[telemetry]`.
    #[serde(default)]
    pub telemetry: crate::telemetry::TelemetryConfig,
}

/// `[security]`: what a production deployment turns off or restricts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Answers introspection (`__schema`, `__type`). Default `true`.
    pub introspection: bool,
    /// Suggests field names in validation errors (« Did you mean … »). Default `true`.
    pub suggestions: bool,
    /// Masks the details of source failures and internal errors (no upstream address, status or body):
    /// the code and the source stay. Default `false`.
    pub mask_errors: bool,
    /// Origins allowed to call the API from a browser (CORS); `["*"]` allows any. Default: none (no
    /// CORS headers: same origin only).
    pub cors_origins: Vec<String>,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            introspection: true,
            suggestions: true,
            mask_errors: false,
            cors_origins: Vec::new(),
        }
    }
}

/// `[cache]`: the second-level cache shared by several replicas. Its `Debug` never shows a password.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedCacheConfig {
    /// `redis://[:password@]host:port[/db]`: the Redis shared by the replicas (the variable
    /// `PASSERELLE_CACHE__REDIS_URL` keeps a password out of the file). Default: none (each replica
    /// caches alone).
    #[serde(default)]
    pub redis_url: Option<String>,
    /// Timeout of one Redis call; past it the replica goes on without Redis. Default `250ms`.
    #[serde(
        default = "default_redis_timeout",
        deserialize_with = "passerelle_core::config::deserialize_duration"
    )]
    pub redis_timeout: Duration,
}

impl std::fmt::Debug for SharedCacheConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedCacheConfig")
            .field(
                "redis_url",
                &self
                    .redis_url
                    .as_deref()
                    .map(passerelle_core::error::redact_url),
            )
            .field("redis_timeout", &self.redis_timeout)
            .finish()
    }
}

impl Default for SharedCacheConfig {
    fn default() -> Self {
        Self {
            redis_url: None,
            redis_timeout: default_redis_timeout(),
        }
    }
}

fn default_redis_timeout() -> Duration {
    Duration::from_millis(250)
}

/// `[export]`: `/export` and `passerelle export`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportConfig {
    /// Most rows one export writes (1 to 10 000 000). Default 200 000. Beyond, the export stops and says
    /// so (`X-Export-Tronque` header, a warning on the command line).
    #[serde(default = "default_max_rows", deserialize_with = "max_rows")]
    pub max_rows: usize,
    /// Rows fetched per page while walking the list (1 to 10 000). Default 1 000.
    #[serde(default = "default_page_size", deserialize_with = "page_size")]
    pub page_size: usize,
}

impl Default for ExportConfig {
    fn default() -> Self {
        Self {
            max_rows: default_max_rows(),
            page_size: default_page_size(),
        }
    }
}

fn default_max_rows() -> usize {
    200_000
}

fn default_page_size() -> usize {
    1_000
}

fn bounded<'de, D: Deserializer<'de>>(d: D, max: usize) -> Result<usize, D::Error> {
    let n = i64::deserialize(d)?;
    usize::try_from(n)
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            serde::de::Error::custom(format!("{n} : un nombre de 1 à {max} est attendu"))
        })
}

fn max_rows<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    bounded(d, 10_000_000)
}

fn page_size<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    bounded(d, 10_000)
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on. Default `127.0.0.1:8080`; port 0 picks a free port.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Pins "today" for all date logic (upcoming sessions and events), as `AAAA-MM-JJ`. Default: the
    /// system date.
    #[serde(default, deserialize_with = "deserialize_date")]
    pub today: Option<NaiveDate>,
    /// Serves the playground page at `/`. Default `true`.
    #[serde(default = "yes")]
    pub playground: bool,
    /// Folder where the last good snapshot of each downloaded source is kept (`<dossier>/<source>`),
    /// so that a restart without upstream still serves. Default: none.
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
    /// How long a request's batch loader waits to gather keys before one call to the source. Default
    /// `0us`: the keys a list asks for in one pass are gathered anyway, and waiting lengthens every
    /// request (measured by `bench/batch_delay.sh`, see the README).
    #[serde(
        default = "default_batch_delay",
        deserialize_with = "passerelle_core::config::deserialize_duration"
    )]
    pub batch_delay: Duration,
    /// How requests are spread over the cores: `shared` (default) or `per-core`. See [`Scheduling`].
    #[serde(default)]
    pub scheduling: Scheduling,
    /// Number of serving threads in `per-core` scheduling. Default: one per core.
    #[serde(default, deserialize_with = "threads")]
    pub threads: Option<usize>,
    /// Bearer token of the `/admin` routes, from `PASSERELLE_ADMIN_TOKEN` only (never from the file);
    /// the routes do not exist without it.
    #[serde(skip)]
    pub admin_token: Option<passerelle_core::http::Secret>,
}

fn default_batch_delay() -> Duration {
    Duration::ZERO
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            today: None,
            playground: true,
            cache_dir: None,
            batch_delay: default_batch_delay(),
            scheduling: Scheduling::default(),
            threads: None,
            admin_token: None,
        }
    }
}

/// How requests are spread over the cores (`[server] scheduling`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheduling {
    /// One work-stealing pool (tokio's multi-threaded runtime, sized by `TOKIO_WORKER_THREADS`) for
    /// everything: an idle thread takes work from a busy one, so that a long request (an export, an
    /// analysis) never holds up the others while a core is free, at the cost of hand-offs between
    /// threads.
    #[default]
    Shared,
    /// One single-threaded runtime per serving thread (`threads`, default one per core), each
    /// accepting connections on its own socket of the port (`SO_REUSEPORT`: the kernel spreads them)
    /// and serving them to the end: a request, its batch
    /// loads and the upstream connections it opens stay on one thread. More throughput for short
    /// queries (no hand-offs, no stealing), but a long request delays the other requests of its
    /// thread even when another core is idle.
    PerCore,
}

fn threads<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    bounded(d, 1_024).map(Some)
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn yes() -> bool {
    true
}

/// `[sources.rome]`, `[sources.onisep]`, `[sources.rncp]`, `[sources.offre-info]`,
/// `[sources.repere-metiers]`, `[sources.geo]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesConfig {
    /// ROME 4.0 (France Travail).
    #[serde(default)]
    pub rome: SourceConfig,
    /// Idéo-Métiers and Idéo-Fiches métiers (ONISEP).
    #[serde(default)]
    pub onisep: SourceConfig,
    /// Certifications: RNCP export (France compétences) and ONISEP's table de passage.
    #[serde(default)]
    pub rncp: SourceConfig,
    /// Offre Info (Carif-Oref, LHEO).
    #[serde(default, rename = "offre-info")]
    pub offre_info: SourceConfig,
    /// Repère Métiers (Auvergne-Rhône-Alpes).
    #[serde(default, rename = "repere-metiers")]
    pub repere_metiers: SourceConfig,
    /// Communes (La Poste).
    #[serde(default)]
    pub geo: SourceConfig,
}

/// The configuration could not be loaded; the message names the file or variable, the key and the rule.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("lecture de la configuration {path} impossible : {reason}")]
    Read {
        /// File.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file or a value is not valid TOML.
    #[error("{origin} : TOML invalide : {reason}")]
    Syntax {
        /// File or variable.
        origin: String,
        /// Why.
        reason: String,
    },
    /// A key is unknown or its value breaks its rule.
    #[error("configuration invalide, clé {key} : {reason}")]
    Invalid {
        /// Dotted key path.
        key: String,
        /// Why.
        reason: String,
    },
    /// A source's keys do not fit together.
    #[error(transparent)]
    Source(#[from] passerelle_core::config::ConfigError),
}

/// `today = 2026-01-15` (a TOML date) or `today = "2026-01-15"`.
fn deserialize_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Text(String),
        Toml(toml::value::Datetime),
    }
    let text = match Option::<Repr>::deserialize(d)? {
        None => return Ok(None),
        Some(Repr::Text(s)) => s,
        Some(Repr::Toml(dt)) => dt.to_string(),
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            serde::de::Error::custom(format!(
                "date « {text} » invalide : format AAAA-MM-JJ attendu"
            ))
        })
}

impl Config {
    /// Loads the file (if any) and applies the `PASSERELLE_*` variables of `env`.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut root = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| ConfigError::Read {
                    path: p.display().to_string(),
                    reason: e.to_string(),
                })?;
                toml::from_str::<toml::Table>(&text).map_err(|e| ConfigError::Syntax {
                    origin: p.display().to_string(),
                    reason: e.to_string(),
                })?
            }
            None => toml::Table::new(),
        };
        let mut admin_token = None;
        let mut overrides: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, v)| {
                if k == "PASSERELLE_ADMIN_TOKEN" {
                    let v = v.trim();
                    admin_token = (!v.is_empty()).then(|| passerelle_core::http::Secret::new(v));
                }
                k.starts_with("PASSERELLE_")
            })
            .collect();
        overrides.sort();
        for (name, value) in overrides {
            apply_override(&mut root, &name, &value)?;
        }
        let mut config: Config = serde_path_to_error::deserialize(toml::Value::Table(root))
            .map_err(|e| ConfigError::Invalid {
                key: e.path().to_string(),
                reason: e.inner().to_string(),
            })?;
        config.server.admin_token = admin_token;
        config
            .telemetry
            .validate()
            .map_err(|reason| ConfigError::Invalid {
                key: "telemetry".into(),
                reason,
            })?;
        Ok(config)
    }
}

/// The key path a `PASSERELLE_*` variable overrides, or `None` for the variables that are not keys.
fn override_path(name: &str) -> Option<Vec<String>> {
    let rest = name.strip_prefix("PASSERELLE_")?;
    match rest {
        "CONFIG" | "ADMIN_TOKEN" => None,
        "TODAY" => Some(vec!["server".into(), "today".into()]),
        _ => {
            let mut path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
            if path.len() >= 2 && path[0] == "sources" {
                path[1] = path[1].replace('_', "-");
            }
            Some(path)
        }
    }
}

fn apply_override(root: &mut toml::Table, name: &str, raw: &str) -> Result<(), ConfigError> {
    let Some(path) = override_path(name) else {
        return Ok(());
    };
    if path.iter().any(String::is_empty) {
        return Err(ConfigError::Invalid {
            key: name.into(),
            reason: "variable mal formée : niveaux séparés par __, ex. PASSERELLE_SERVER__LISTEN"
                .into(),
        });
    }
    let (last, parents) = path.split_last().unwrap_or((&path[0], &[]));
    let mut table = root;
    for key in parents {
        let entry = table
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = entry.as_table_mut().ok_or_else(|| ConfigError::Invalid {
            key: name.into(),
            reason: format!("« {key} » n'est pas une table"),
        })?;
    }
    table.insert(last.clone(), env_value(raw));
    Ok(())
}

/// A variable's value: a boolean or a number when it reads as one, a list when written as a TOML array
/// (`["a", "b"]`), a string otherwise.
fn env_value(raw: &str) -> toml::Value {
    if raw.trim_start().starts_with('[')
        && let Ok(mut t) = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        && let Some(v) = t.remove("v")
    {
        return v;
    }
    if let Ok(b) = raw.parse::<bool>() {
        return toml::Value::Boolean(b);
    }
    if let Ok(i) = raw.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    toml::Value::String(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use passerelle_core::config::Mode;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_serve_the_samples_locally() {
        let c = Config::load(None, Vec::new()).unwrap();
        assert_eq!(c.server.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.sources.rome.mode, Mode::Sample);
        assert!(c.server.playground);
    }

    #[test]
    fn environment_overrides_with_source_ids() {
        let c = Config::load(
            None,
            env(&[
                ("PASSERELLE_SERVER__LISTEN", "127.0.0.1:0"),
                ("PASSERELLE_SOURCES__OFFRE_INFO__MODE", "snapshot"),
                ("PASSERELLE_SOURCES__OFFRE_INFO__PATH", "/tmp/lheo.xml"),
                ("PASSERELLE_TODAY", "2026-03-01"),
                ("PASSERELLE_SOURCES__RNCP__MODE", "snapshot"),
                (
                    "PASSERELLE_SOURCES__RNCP__PATH",
                    r#"["/data/rncp", "/data/table.xml"]"#,
                ),
                ("PASSERELLE_CONFIG", "ignored.toml"),
                ("HOME", "/root"),
            ]),
        )
        .unwrap();
        assert_eq!(c.server.listen.port(), 0);
        assert_eq!(c.sources.offre_info.mode, Mode::Snapshot);
        assert_eq!(
            c.sources.offre_info.path.as_ref().and_then(|p| p.single()),
            Some(&Path::new("/tmp/lheo.xml").to_path_buf())
        );
        assert_eq!(c.server.today, NaiveDate::from_ymd_opt(2026, 3, 1));
        assert_eq!(c.sources.rncp.path.map(|p| p.0.len()), Some(2));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key() {
        let e = Config::load(None, env(&[("PASSERELLE_SOURCES__ROME__MDOE", "sample")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("sources.rome") && e.contains("mdoe"), "{e}");
        let e = Config::load(None, env(&[("PASSERELLE_SERVER__LISTEN", "partout")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("server.listen"), "{e}");
        let e = Config::load(None, env(&[("PASSERELLE_TODAY", "01/03/2026")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("server.today") && e.contains("AAAA-MM-JJ"),
            "{e}"
        );
        let e = Config::load(
            None,
            env(&[("PASSERELLE_SOURCES__ROME__REFRESH", "6 heures")]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("sources.rome.refresh") && e.contains("6 heures"),
            "{e}"
        );
    }

    #[test]
    fn export_limits_are_bounded() {
        let c = Config::load(None, Vec::new()).unwrap();
        assert_eq!((c.export.max_rows, c.export.page_size), (200_000, 1_000));
        let c = Config::load(None, env(&[("PASSERELLE_EXPORT__MAX_ROWS", "500")])).unwrap();
        assert_eq!(c.export.max_rows, 500);
        for (var, value) in [
            ("PASSERELLE_EXPORT__MAX_ROWS", "0"),
            ("PASSERELLE_EXPORT__PAGE_SIZE", "20000"),
            ("PASSERELLE_EXPORT__PAGE_SIZE", "-1"),
        ] {
            let e = Config::load(None, env(&[(var, value)]))
                .unwrap_err()
                .to_string();
            assert!(e.contains("export.") && e.contains(value), "{e}");
        }
    }

    #[test]
    fn scheduling_is_shared_unless_per_core_is_asked_with_a_bounded_thread_count() {
        let c = Config::load(None, Vec::new()).unwrap();
        assert_eq!(
            (c.server.scheduling, c.server.threads),
            (Scheduling::Shared, None)
        );
        let c = Config::load(
            None,
            env(&[
                ("PASSERELLE_SERVER__SCHEDULING", "per-core"),
                ("PASSERELLE_SERVER__THREADS", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(
            (c.server.scheduling, c.server.threads),
            (Scheduling::PerCore, Some(3))
        );
        for (var, value, rule) in [
            ("PASSERELLE_SERVER__THREADS", "0", "de 1 à 1024"),
            ("PASSERELLE_SERVER__SCHEDULING", "par-coeur", "per-core"),
        ] {
            let e = Config::load(None, env(&[(var, value)]))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("server.") && e.contains(value) && e.contains(rule),
                "{e}"
            );
        }
    }

    #[test]
    fn the_example_configuration_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/passerelle.toml");
        let c = Config::load(Some(&path), Vec::new()).unwrap();
        assert_eq!(c.server.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.sources.rome.mode, Mode::Sample);
        assert_eq!(c.server.batch_delay, Duration::ZERO);
        assert_eq!(c.server.scheduling, Scheduling::Shared);
        assert_eq!(c.sources.rome.cache.ttl, Duration::from_secs(3600));
        assert_eq!(c.sources.rome.http.circuit_min_calls, 5);
        assert!(c.cache.redis_url.is_none());
    }

    #[test]
    fn the_admin_token_comes_from_the_environment_only() {
        let c = Config::load(None, env(&[("PASSERELLE_ADMIN_TOKEN", " s3cret ")])).unwrap();
        assert_eq!(
            c.server.admin_token.as_ref().map(|t| t.expose()),
            Some("s3cret")
        );
        assert!(!format!("{c:?}").contains("s3cret"), "never printed");
        let e = Config::load(None, env(&[("PASSERELLE_SERVER__ADMIN_TOKEN", "x")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("admin_token"), "{e}");
        let c = Config::load(
            None,
            env(&[("PASSERELLE_CACHE__REDIS_URL", "redis://127.0.0.1:1/")]),
        )
        .unwrap();
        assert_eq!(c.cache.redis_url.as_deref(), Some("redis://127.0.0.1:1/"));
    }
}
