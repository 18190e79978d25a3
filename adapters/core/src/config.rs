//! The configuration every source shares: its mode and where its data comes from.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::snapshot::{EmbeddedFile, Origin};

/// How a source is served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The small dataset embedded in the binary (default): works offline, for demos and tests.
    #[default]
    Sample,
    /// The whole dataset held in memory, read from `path` or downloaded from `url`, reloaded every `refresh`.
    Snapshot,
    /// The producer's live API, asked per request behind the cache.
    Http,
}

/// `[sources.<id>]`: the keys every source understands.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// `sample` (default), `snapshot` or `http`.
    #[serde(default)]
    pub mode: Mode,
    /// Snapshot mode: a file or folder in the source's real format, or a list of them (`["a", "b"]`) for
    /// a source whose data comes in several publications.
    #[serde(default)]
    pub path: Option<OneOrMany<PathBuf>>,
    /// Snapshot mode: the URL of the source's file (conditional GET), or a list of them; http mode: the
    /// API's base URL.
    #[serde(default)]
    pub url: Option<OneOrMany<String>>,
    /// Snapshot mode: how often the data is reloaded (`30s`, `15m`, `6h`, `7d`). Default `24h`.
    #[serde(default = "default_refresh", deserialize_with = "deserialize_duration")]
    pub refresh: Duration,
    /// Snapshot mode: reject a load whole when the data has any anomaly (an invalid record, a malformed
    /// code), instead of serving the valid records and reporting the rest. Default `false`.
    #[serde(default)]
    pub strict: bool,
    /// Http mode: how the producer's API is called.
    #[serde(default)]
    pub http: HttpConfig,
    /// Http mode: the cache of the API's answers.
    #[serde(default)]
    pub cache: CacheConfig,
    /// Snapshot mode: sanity bound of a reload. A new snapshot with fewer records than this share of the
    /// one being served is refused whole (a truncated file); `0` turns the check off. Default `0.5`.
    #[serde(default = "default_min_records_ratio")]
    pub min_records_ratio: f64,
    /// What the server gives every source (the disk cache, the shared cache); never read from the file.
    #[serde(skip)]
    pub shared: Shared,
}

/// What the server shares with every source, set by the server rather than read from the file.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    /// Where the source keeps its last good snapshot (downloaded data only), so that a restart without
    /// upstream still serves.
    pub cache_dir: Option<PathBuf>,
    /// The second-level cache shared by several replicas (Redis), when configured.
    pub l2: Option<std::sync::Arc<crate::cache::RedisL2>>,
}

fn default_min_records_ratio() -> f64 {
    0.5
}

/// `[sources.<id>.cache]`: how long the answers of a live API are kept and served.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// How long an answer is fresh. Default `1h`.
    #[serde(default = "default_ttl", deserialize_with = "deserialize_duration")]
    pub ttl: Duration,
    /// After `ttl`, how long the stale answer is still served at once while one background refresh runs.
    /// Default `5m`.
    #[serde(default = "default_swr", deserialize_with = "deserialize_duration")]
    pub stale_while_revalidate: Duration,
    /// After `ttl`, how long the stale answer is served when the source fails (marked in the response's
    /// `extensions`). Default `24h`.
    #[serde(default = "default_sie", deserialize_with = "deserialize_duration")]
    pub stale_if_error: Duration,
    /// How long a « not found » is remembered. Default `1m`.
    #[serde(
        default = "default_negative_ttl",
        deserialize_with = "deserialize_duration"
    )]
    pub negative_ttl: Duration,
    /// Memory bound of the source's cache, in megabytes (bodies as received). Default 64; `0` disables
    /// the cache (every call goes upstream, still coalesced).
    #[serde(default = "default_capacity_mb")]
    pub capacity_mb: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            ttl: default_ttl(),
            stale_while_revalidate: default_swr(),
            stale_if_error: default_sie(),
            negative_ttl: default_negative_ttl(),
            capacity_mb: default_capacity_mb(),
        }
    }
}

fn default_ttl() -> Duration {
    Duration::from_secs(3600)
}
fn default_swr() -> Duration {
    Duration::from_secs(300)
}
fn default_sie() -> Duration {
    Duration::from_secs(24 * 3600)
}
fn default_negative_ttl() -> Duration {
    Duration::from_secs(60)
}
fn default_capacity_mb() -> u64 {
    64
}

/// One value or a list of them: `path = "a"` and `path = ["a", "b"]` are both accepted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "OneOrManyRepr<T>")]
pub struct OneOrMany<T>(pub Vec<T>);

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrManyRepr<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> From<OneOrManyRepr<T>> for OneOrMany<T> {
    fn from(r: OneOrManyRepr<T>) -> Self {
        match r {
            OneOrManyRepr::One(v) => Self(vec![v]),
            OneOrManyRepr::Many(v) => Self(v),
        }
    }
}

impl<T> From<T> for OneOrMany<T> {
    fn from(v: T) -> Self {
        Self(vec![v])
    }
}

impl<T> OneOrMany<T> {
    /// The one value, when there is exactly one.
    pub fn single(&self) -> Option<&T> {
        match self.0.as_slice() {
            [v] => Some(v),
            _ => None,
        }
    }
}

impl Default for SourceConfig {
    fn default() -> Self {
        Self {
            mode: Mode::Sample,
            path: None,
            url: None,
            refresh: default_refresh(),
            strict: false,
            http: HttpConfig::default(),
            cache: CacheConfig::default(),
            min_records_ratio: default_min_records_ratio(),
            shared: Shared::default(),
        }
    }
}

/// `[sources.<id>.http]`: calling a producer's live API. Credentials never appear here: they come from
/// environment variables the source documents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// OAuth2 token endpoint (client credentials); the source's documented default when absent.
    #[serde(default)]
    pub token_url: Option<String>,
    /// OAuth2 scopes, space-separated; the source's documented default when absent.
    #[serde(default)]
    pub scopes: Option<String>,
    /// Identifier of the dataset asked from an open-data API (ONISEP: `5fa5949243f97`, Idéo-Métiers, by
    /// default).
    #[serde(default)]
    pub dataset: Option<String>,
    /// Client-side rate limit, in requests per second (France Travail allows about 10). Default 10.
    #[serde(default = "default_rate")]
    pub rate_limit: f64,
    /// Timeout of one upstream request (`10s`). Default 10s.
    #[serde(default = "default_timeout", deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
    /// Retries of a request answered 429 or 5xx, or that failed to connect. Default 3.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Longest `Retry-After` waited out; a longer one fails the request at once. Default 30s.
    #[serde(
        default = "default_max_retry_after",
        deserialize_with = "deserialize_duration"
    )]
    pub max_retry_after: Duration,
    /// Most requests in flight to the API at once. Default 8.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// The circuit breaker opens when at least this share of the calls of the window failed. Default 0.5.
    #[serde(default = "default_failure_ratio")]
    pub circuit_failure_ratio: f64,
    /// … and the window holds at least this many calls. Default 5.
    #[serde(default = "default_min_calls")]
    pub circuit_min_calls: u32,
    /// The window of calls the breaker looks at. Default `30s`.
    #[serde(default = "default_window", deserialize_with = "deserialize_duration")]
    pub circuit_window: Duration,
    /// How long an open breaker answers at once before letting one probe through. Default `30s`.
    #[serde(default = "default_window", deserialize_with = "deserialize_duration")]
    pub circuit_open_for: Duration,
}

fn default_concurrency() -> usize {
    8
}
fn default_failure_ratio() -> f64 {
    0.5
}
fn default_min_calls() -> u32 {
    5
}
fn default_window() -> Duration {
    Duration::from_secs(30)
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            token_url: None,
            scopes: None,
            dataset: None,
            rate_limit: default_rate(),
            timeout: default_timeout(),
            retries: default_retries(),
            max_retry_after: default_max_retry_after(),
            concurrency: default_concurrency(),
            circuit_failure_ratio: default_failure_ratio(),
            circuit_min_calls: default_min_calls(),
            circuit_window: default_window(),
            circuit_open_for: default_window(),
        }
    }
}

fn default_rate() -> f64 {
    10.0
}
fn default_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_retries() -> u32 {
    3
}
fn default_max_retry_after() -> Duration {
    Duration::from_secs(30)
}

impl HttpConfig {
    /// Checks the values; `source` names the table in errors.
    pub fn check(&self, source: &'static str) -> Result<(), ConfigError> {
        let err = |message: String| ConfigError {
            source_id: source,
            message,
        };
        if !(self.rate_limit.is_finite() && self.rate_limit > 0.0) {
            return Err(err(format!(
                "http.rate_limit = {} : un nombre de requêtes par seconde strictement positif est attendu",
                self.rate_limit
            )));
        }
        if self.timeout.is_zero() {
            return Err(err("http.timeout : la durée doit être non nulle".into()));
        }
        if self.concurrency == 0 {
            return Err(err(
                "http.concurrency = 0 : au moins une requête à la fois est attendue".into(),
            ));
        }
        if !(self.circuit_failure_ratio > 0.0 && self.circuit_failure_ratio <= 1.0) {
            return Err(err(format!(
                "http.circuit_failure_ratio = {} : une part entre 0 (exclu) et 1 est attendue",
                self.circuit_failure_ratio
            )));
        }
        if self.circuit_min_calls == 0 {
            return Err(err(
                "http.circuit_min_calls = 0 : au moins un appel est attendu".into(),
            ));
        }
        if self.circuit_window.is_zero() || self.circuit_open_for.is_zero() {
            return Err(err(
                "http.circuit_window et http.circuit_open_for : les durées doivent être non nulles"
                    .into(),
            ));
        }
        if let Some(url) = &self.token_url {
            check_url(url).map_err(|m| err(format!("http.token_url : {m}")))?;
        }
        Ok(())
    }
}

/// Checks an absolute http(s) URL; the message names the rule.
pub fn check_http_url(url: &str) -> Result<(), String> {
    check_url(url)
}

fn default_refresh() -> Duration {
    Duration::from_secs(24 * 3600)
}

/// The configuration of a source could not be used; the message names the key and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[sources.{source_id}] {message}")]
pub struct ConfigError {
    /// Source id.
    pub source_id: &'static str,
    /// What is wrong.
    pub message: String,
}

impl SourceConfig {
    /// Checks the keys against the mode and says where a snapshot is read from. `http_supported` says
    /// whether the adapter has a live client yet.
    pub fn origin(
        &self,
        source: &'static str,
        sample: &'static [EmbeddedFile],
        http_supported: bool,
    ) -> Result<Origin, ConfigError> {
        let err = |message: String| ConfigError {
            source_id: source,
            message,
        };
        if !(0.0..=1.0).contains(&self.min_records_ratio) {
            return Err(err(format!(
                "min_records_ratio = {} : une part entre 0 et 1 est attendue (0 désactive le contrôle)",
                self.min_records_ratio
            )));
        }
        if self.refresh < Duration::from_secs(1) {
            return Err(err(format!(
                "refresh = {:?} : la période doit être d'au moins 1s",
                self.refresh
            )));
        }
        match self.mode {
            Mode::Sample => match (&self.path, &self.url) {
                (None, None) => Ok(Origin::Embedded(sample)),
                _ => Err(err("mode = \"sample\" sert l'échantillon embarqué : retirez path et url, ou choisissez mode = \"snapshot\"".into())),
            },
            Mode::Snapshot => match (&self.path, &self.url) {
                (Some(OneOrMany(paths)), None) if paths.is_empty() => Err(err("path = [] : au moins un fichier ou dossier est attendu".into())),
                (None, Some(OneOrMany(urls))) if urls.is_empty() => Err(err("url = [] : au moins une adresse est attendue".into())),
                (Some(paths), None) => Ok(Origin::Paths(paths.0.clone())),
                (None, Some(urls)) => {
                    for url in &urls.0 {
                        check_url(url).map_err(|m| err(format!("url : {m}")))?;
                    }
                    Ok(Origin::Urls(urls.0.clone()))
                }
                (None, None) => Err(err("mode = \"snapshot\" demande path (fichier ou dossier) ou url".into())),
                (Some(_), Some(_)) => Err(err("path et url s'excluent : donnez l'un ou l'autre".into())),
            },
            Mode::Http if !http_supported => Err(err(
                "mode = \"http\" : le client de l'API de cette source n'est pas encore disponible ; utilisez \"sample\" ou \"snapshot\"".into(),
            )),
            Mode::Http => Err(err("mode = \"http\" n'est pas géré par ce type de source".into())),
        }
    }
}

impl SourceConfig {
    /// Http mode: the API's base URL (`url`, or the source's `default`), without a trailing `/`, once the
    /// keys are checked: no `path`, one `url`, and valid `[sources.<id>.http]` values.
    pub fn api_base(&self, source: &'static str, default: &str) -> Result<String, ConfigError> {
        let err = |message: String| ConfigError {
            source_id: source,
            message,
        };
        if self.path.is_some() {
            return Err(err(
                "mode = \"http\" interroge l'API : retirez path (url donne l'adresse de l'API)"
                    .into(),
            ));
        }
        self.http.check(source)?;
        let base = match &self.url {
            None => default.to_owned(),
            Some(urls) => urls
                .single()
                .cloned()
                .ok_or_else(|| err("mode = \"http\" : url donne une seule adresse d'API".into()))?,
        };
        check_url(&base).map_err(|m| err(format!("url : {m}")))?;
        Ok(base.trim_end_matches('/').to_owned())
    }
}

fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            format!(
                "« {} » doit commencer par http:// ou https://",
                crate::error::redact_url(url)
            )
        })?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!(
            "« {} » n'a pas d'hôte",
            crate::error::redact_url(url)
        ));
    }
    Ok(())
}

/// Parses a duration written `<number><unit>` with unit `us`, `ms`, `s`, `m`, `h` or `d` (`30s`, `6h`).
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let s = input.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let rule = || {
        format!(
            "durée « {input} » invalide : un entier suivi de us, ms, s, m, h ou d (ex. 30s, 6h, 7d)"
        )
    };
    let n: u64 = number.parse().map_err(|_| rule())?;
    let secs = match unit {
        "us" | "µs" => return Ok(Duration::from_micros(n)),
        "ms" => return Ok(Duration::from_millis(n)),
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(rule()),
    };
    Ok(Duration::from_secs(secs))
}

/// Serde helper for durations written as strings (`"6h"`).
pub fn deserialize_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        let e = parse_duration("6 heures").unwrap_err();
        assert!(e.contains("6 heures") && e.contains("ex. 30s"), "{e}");
    }

    #[test]
    fn modes_and_keys() {
        let snap = SourceConfig {
            mode: Mode::Snapshot,
            ..SourceConfig::default()
        };
        assert!(
            snap.origin("rome", &[], false)
                .unwrap_err()
                .message
                .contains("path")
        );
        let with_path = SourceConfig {
            mode: Mode::Sample,
            path: Some(PathBuf::from("x").into()),
            ..SourceConfig::default()
        };
        assert!(with_path.origin("rome", &[], false).is_err());
        let url = SourceConfig {
            mode: Mode::Snapshot,
            url: Some(String::from("ftp://x").into()),
            ..SourceConfig::default()
        };
        assert!(
            url.origin("rome", &[], false)
                .unwrap_err()
                .message
                .contains("http://")
        );
        let http = SourceConfig {
            mode: Mode::Http,
            url: Some(String::from("http://127.0.0.1:1").into()),
            ..SourceConfig::default()
        };
        let e = http.origin("rome", &[], false).unwrap_err();
        assert_eq!(e.source_id, "rome");
        assert!(e.to_string().starts_with("[sources.rome]"), "{e}");
    }

    #[test]
    fn protections_are_checked_and_name_the_key() {
        let bad_ratio = SourceConfig {
            min_records_ratio: 1.5,
            ..SourceConfig::default()
        };
        let e = bad_ratio.origin("geo", &[], false).unwrap_err().to_string();
        assert!(
            e.contains("min_records_ratio = 1.5") && e.contains("entre 0 et 1"),
            "{e}"
        );
        let breaker = HttpConfig {
            circuit_failure_ratio: 0.0,
            ..HttpConfig::default()
        };
        let e = breaker.check("rome").unwrap_err().to_string();
        assert!(e.contains("http.circuit_failure_ratio = 0"), "{e}");
        let none = HttpConfig {
            concurrency: 0,
            ..HttpConfig::default()
        };
        assert!(
            none.check("rome")
                .unwrap_err()
                .to_string()
                .contains("http.concurrency")
        );
        let cache: CacheConfig = toml::from_str("ttl = \"10m\"\nstale_if_error = \"2d\"").unwrap();
        assert_eq!(cache.ttl, Duration::from_secs(600));
        assert_eq!(cache.stale_if_error, Duration::from_secs(2 * 86400));
        assert_eq!(cache.negative_ttl, Duration::from_secs(60));
        assert!(
            toml::from_str::<CacheConfig>("tll = \"1h\"").is_err(),
            "unknown keys are refused"
        );
        assert_eq!(parse_duration("500us"), Ok(Duration::from_micros(500)));
    }

    #[test]
    fn one_path_or_several() {
        #[derive(Deserialize)]
        struct T {
            path: OneOrMany<PathBuf>,
        }
        let one: T = toml::from_str(r#"path = "a""#).unwrap();
        assert_eq!(one.path.0, vec![PathBuf::from("a")]);
        let many: T = toml::from_str(r#"path = ["a", "b/c.xml"]"#).unwrap();
        assert_eq!(many.path.0.len(), 2);
        let none = SourceConfig {
            mode: Mode::Snapshot,
            path: Some(OneOrMany(Vec::new())),
            ..SourceConfig::default()
        };
        assert!(
            none.origin("rncp", &[], false)
                .unwrap_err()
                .message
                .contains("au moins")
        );
    }
}
