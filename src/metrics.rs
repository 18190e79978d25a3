//! Prometheus metrics on `/metrics` (text format 0.0.4): HTTP responses by route and status, GraphQL
//! operations by name (bounded) and outcome with latency histograms, and per source: upstream calls,
//! latency and errors, cache hits, misses and stale answers, circuit state, snapshot age and records.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use passerelle_core::metrics::{Histogram, label};
use serde::Deserialize;

/// `[metrics]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serves `/metrics`. Default `true`.
    pub enabled: bool,
    /// Serves `/metrics` on its own address (e.g. `127.0.0.1:9464`) instead of the API's. Default: none.
    pub listen: Option<std::net::SocketAddr>,
    /// Distinct operation names given their own label; the others share `autre`. Default 100.
    pub max_operations: usize,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: None,
            max_operations: 100,
        }
    }
}

/// The label of operations without a name.
pub const ANONYMOUS: &str = "anonyme";
/// The label shared by operation names past `max_operations`.
pub const OTHER: &str = "autre";

/// The counters of the HTTP server and of GraphQL execution.
#[derive(Debug)]
pub struct Metrics {
    max_operations: usize,
    /// (route, status) → responses.
    responses: Mutex<HashMap<(String, u16), u64>>,
    /// Operation name → (outcome → count, latency).
    operations: Mutex<HashMap<String, Operation>>,
    /// Documents validated in full, and requests whose document was validated in full before.
    validations: [std::sync::atomic::AtomicU64; 2],
}

#[derive(Debug, Default)]
struct Operation {
    outcomes: HashMap<&'static str, u64>,
    latency: Histogram,
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Data and no error.
    Ok,
    /// Data with errors (a source unavailable, an argument refused in one field).
    Partial,
    /// Refused before execution (syntax, validation, limits).
    Refused,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Partial => "partiel",
            Self::Refused => "refuse",
        }
    }
}

impl Metrics {
    /// Counters with at most `max_operations` operation names.
    pub fn new(max_operations: usize) -> Self {
        Self {
            max_operations,
            responses: Mutex::default(),
            operations: Mutex::default(),
            validations: Default::default(),
        }
    }

    /// Counts one validation: in full (`true`), or of the request alone for a document validated in
    /// full before (`false`).
    pub fn validation(&self, full: bool) {
        self.validations[usize::from(!full)].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts one HTTP response.
    pub fn response(&self, route: &str, status: u16) {
        let mut responses = self
            .responses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *responses.entry((route.to_owned(), status)).or_default() += 1;
    }

    /// Counts one GraphQL operation. `name` comes from the parsed document (never from the client's
    /// free text); past `max_operations` names, new ones are counted as `autre`.
    pub fn operation(&self, name: Option<&str>, outcome: Outcome, took: Duration) {
        let mut operations = self
            .operations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let name = name.unwrap_or(ANONYMOUS);
        let key = if operations.contains_key(name) || operations.len() < self.max_operations {
            name
        } else {
            OTHER
        };
        let entry = operations.entry(key.to_owned()).or_default();
        *entry.outcomes.entry(outcome.name()).or_default() += 1;
        entry.latency.observe(took);
    }

    /// The exposition: these counters, then the sources'.
    pub fn render(&self, sources: &crate::sources::Sources) -> String {
        let mut out = String::with_capacity(16 * 1024);
        out.push_str("# HELP passerelle_http_responses_total Réponses HTTP par route et statut.\n");
        out.push_str("# TYPE passerelle_http_responses_total counter\n");
        {
            let responses = self
                .responses
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let mut rows: Vec<_> = responses.iter().collect();
            rows.sort();
            for ((route, status), n) in rows {
                let _ = writeln!(
                    out,
                    "passerelle_http_responses_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    label(route)
                );
            }
        }
        {
            let operations = self
                .operations
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let mut names: Vec<_> = operations.keys().collect();
            names.sort();
            out.push_str("# HELP passerelle_graphql_operations_total Opérations GraphQL par nom (borné) et issue (ok, partiel, refuse).\n");
            out.push_str("# TYPE passerelle_graphql_operations_total counter\n");
            for name in &names {
                let mut outcomes: Vec<_> = operations[*name].outcomes.iter().collect();
                outcomes.sort();
                for (outcome, n) in outcomes {
                    let _ = writeln!(
                        out,
                        "passerelle_graphql_operations_total{{operation=\"{}\",outcome=\"{outcome}\"}} {n}",
                        label(name)
                    );
                }
            }
            out.push_str("# HELP passerelle_graphql_operation_duration_seconds Durée des opérations GraphQL.\n");
            out.push_str("# TYPE passerelle_graphql_operation_duration_seconds histogram\n");
            for name in &names {
                operations[*name].latency.render(
                    &mut out,
                    "passerelle_graphql_operation_duration_seconds",
                    &format!("operation=\"{}\"", label(name)),
                );
            }
        }
        family(
            &mut out,
            "passerelle_graphql_validations_total",
            "counter",
            "Validations des documents : complète (règles du document et variables) ou des seules variables pour un document déjà validé (memorisee).",
        );
        for (mode, n) in ["complete", "memorisee"].iter().zip(&self.validations) {
            let _ = writeln!(
                out,
                "passerelle_graphql_validations_total{{mode=\"{mode}\"}} {}",
                n.load(std::sync::atomic::Ordering::Relaxed)
            );
        }
        render_sources(&mut out, sources);
        out
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn render_sources(out: &mut String, sources: &crate::sources::Sources) {
    use std::sync::atomic::Ordering::Relaxed;

    let directory = sources.directory();
    let now = sources.clock.now();
    family(
        out,
        "passerelle_source_records",
        "gauge",
        "Enregistrements servis par source.",
    );
    for e in &directory {
        let _ = writeln!(
            out,
            "passerelle_source_records{{source=\"{}\"}} {}",
            e.descriptor.id, e.health.records
        );
    }
    family(
        out,
        "passerelle_source_up",
        "gauge",
        "1 si la source sert des données (prête ou dégradée), 0 sinon ; son statut en étiquette.",
    );
    for e in &directory {
        use passerelle_core::SourceStatus;
        let (status, up) = match e.health.status {
            SourceStatus::Loading => ("loading", 0),
            SourceStatus::Ready => ("ready", 1),
            SourceStatus::Degraded => ("degraded", 1),
            SourceStatus::Failed => ("failed", 0),
        };
        let _ = writeln!(
            out,
            "passerelle_source_up{{source=\"{}\",mode=\"{}\",status=\"{status}\"}} {up}",
            e.descriptor.id, e.health.mode
        );
    }
    family(
        out,
        "passerelle_source_snapshot_age_seconds",
        "gauge",
        "Âge des données servies (depuis leur récupération).",
    );
    for e in &directory {
        if let Some(at) = e.health.loaded_at {
            let age = (now - at).num_milliseconds().max(0) as f64 / 1000.0;
            let _ = writeln!(
                out,
                "passerelle_source_snapshot_age_seconds{{source=\"{}\"}} {age}",
                e.descriptor.id
            );
        }
    }
    family(
        out,
        "passerelle_source_anomalies",
        "gauge",
        "Problèmes relevés dans les données servies.",
    );
    for e in &directory {
        let n: u64 = e.health.anomalies.iter().map(|a| a.count as u64).sum();
        let _ = writeln!(
            out,
            "passerelle_source_anomalies{{source=\"{}\"}} {n}",
            e.descriptor.id
        );
    }

    let clients = sources.api_clients();
    let counters: Vec<_> = clients
        .iter()
        .map(|(id, c)| (*id, c.counters(), c.cache_stats().counts(), *c))
        .collect();
    let per_source =
        |out: &mut String, name: &str, kind: &str, help: &str, value: &dyn Fn(usize) -> u64| {
            family(out, name, kind, help);
            for (i, (id, ..)) in counters.iter().enumerate() {
                let _ = writeln!(out, "{name}{{source=\"{id}\"}} {}", value(i));
            }
        };
    per_source(
        out,
        "passerelle_upstream_calls_total",
        "counter",
        "Appels aux API amont (une reprise ne compte pas un nouvel appel).",
        &|i| counters[i].1.calls.load(Relaxed),
    );
    per_source(
        out,
        "passerelle_upstream_requests_total",
        "counter",
        "Requêtes HTTP envoyées aux API amont, reprises comprises.",
        &|i| counters[i].1.requests.load(Relaxed),
    );
    per_source(
        out,
        "passerelle_upstream_errors_total",
        "counter",
        "Appels amont échoués après leurs reprises.",
        &|i| counters[i].1.errors.load(Relaxed),
    );
    per_source(
        out,
        "passerelle_upstream_throttled_total",
        "counter",
        "Réponses 429 des API amont.",
        &|i| counters[i].1.throttled.load(Relaxed),
    );
    per_source(
        out,
        "passerelle_upstream_short_circuited_total",
        "counter",
        "Appels refusés d'emblée par le disjoncteur ouvert.",
        &|i| counters[i].1.short_circuited.load(Relaxed),
    );
    per_source(
        out,
        "passerelle_cache_hits_total",
        "counter",
        "Réponses amont servies par le cache.",
        &|i| counters[i].2.hits,
    );
    per_source(
        out,
        "passerelle_cache_misses_total",
        "counter",
        "Réponses amont absentes du cache.",
        &|i| counters[i].2.misses,
    );
    per_source(
        out,
        "passerelle_cache_coalesced_total",
        "counter",
        "Demandes regroupées sur un appel en cours.",
        &|i| counters[i].2.coalesced,
    );
    per_source(
        out,
        "passerelle_cache_stale_total",
        "counter",
        "Réponses périmées servies (revalidation en arrière-plan ou source en échec).",
        &|i| counters[i].2.stale_revalidating + counters[i].2.stale_on_error,
    );
    per_source(
        out,
        "passerelle_cache_shared_hits_total",
        "counter",
        "Réponses lues dans le cache partagé (Redis).",
        &|i| counters[i].2.l2_hits,
    );
    per_source(
        out,
        "passerelle_circuit_open",
        "gauge",
        "État du disjoncteur : 0 fermé, 1 semi-ouvert, 2 ouvert.",
        &|i| match counters[i].3.circuit() {
            passerelle_core::breaker::CircuitState::Closed => 0,
            passerelle_core::breaker::CircuitState::HalfOpen => 1,
            passerelle_core::breaker::CircuitState::Open => 2,
        },
    );
    per_source(
        out,
        "passerelle_circuit_openings_total",
        "counter",
        "Ouvertures du disjoncteur.",
        &|i| counters[i].3.circuit_opened(),
    );
    family(
        out,
        "passerelle_upstream_duration_seconds",
        "histogram",
        "Durée des appels amont, reprises comprises.",
    );
    for (id, c, ..) in &counters {
        c.latency.render(
            out,
            "passerelle_upstream_duration_seconds",
            &format!("source=\"{id}\""),
        );
    }
    if let Some(l2) = sources.shared_cache() {
        family(
            out,
            "passerelle_redis_errors_total",
            "counter",
            "Erreurs du cache partagé (Redis).",
        );
        let _ = writeln!(
            out,
            "passerelle_redis_errors_total {}",
            l2.errors.load(Relaxed)
        );
    }
}
