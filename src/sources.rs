//! The adapters of the six sources, built from the configuration, loaded in the background and
//! refreshed on schedule; and the checks that need two sources (ROME codes cited by a source but
//! unknown to the ROME 4.0 loaded).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use passerelle_core::cache::RedisL2;
use passerelle_core::config::{Mode, Shared, SourceConfig};
use passerelle_core::http::ApiClient;
use passerelle_core::snapshot::Geocoder;
use passerelle_core::{
    Adapter, Anomaly, Clock, CodeRome, SourceDescriptor, SourceHealth, SourceStatus,
};
use passerelle_geo::GeoAdapter;
use passerelle_offre_info::OffreInfoAdapter;
use passerelle_onisep::OnisepAdapter;
use passerelle_repere_metiers::RepereMetiersAdapter;
use passerelle_rncp::RncpAdapter;
use passerelle_rome::RomeAdapter;
use tokio::task::JoinHandle;

use crate::config::{Config, ConfigError, SourcesConfig};

/// The adapters, shared by the server and the GraphQL resolvers.
#[derive(Debug)]
pub struct Sources {
    /// ROME 4.0.
    pub rome: Arc<RomeAdapter>,
    /// Idéo-Métiers and Idéo-Fiches métiers.
    pub onisep: Arc<OnisepAdapter>,
    /// Certifications (RNCP, table de passage).
    pub rncp: Arc<RncpAdapter>,
    /// Offre Info.
    pub offre_info: Arc<OffreInfoAdapter>,
    /// Repère Métiers.
    pub repere_metiers: Arc<RepereMetiersAdapter>,
    /// Communes.
    pub geo: Arc<GeoAdapter>,
    /// The clock all date logic goes through.
    pub clock: Clock,
    /// When each source will next try to load, by source id.
    schedule: Arc<Schedule>,
    /// The cache shared by the replicas, when configured.
    l2: Option<Arc<RedisL2>>,
    /// How long a request's batch loader gathers keys.
    pub batch_delay: Duration,
    /// The limits every request is checked against.
    pub limits: crate::graphql::limits::LimitsConfig,
    /// Masks the details of failures in responses (`[security] mask_errors`).
    pub mask_errors: bool,
    /// The counters shown on `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Parsed GraphQL documents, by query text.
    pub documents: crate::graphql::Documents,
    /// Introspection allowed (`[security] introspection`): without it, `_service { sdl }` is refused too.
    pub introspection: bool,
}

/// When each source will next try to load.
#[derive(Debug, Default)]
struct Schedule(std::sync::Mutex<std::collections::HashMap<&'static str, DateTime<Utc>>>);

impl Schedule {
    fn set(&self, source: &'static str, at: Option<DateTime<Utc>>) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match at {
            Some(at) => map.insert(source, at),
            None => map.remove(source),
        };
    }

    fn get(&self, source: &str) -> Option<DateTime<Utc>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(source)
            .copied()
    }
}

/// One line of the sources directory.
#[derive(Debug, Clone)]
pub struct SourceEntry {
    /// Static description.
    pub descriptor: SourceDescriptor,
    /// Current health.
    pub health: SourceHealth,
    /// When the source will next try to load (snapshots refreshed periodically, first loads retried).
    pub next_refresh: Option<DateTime<Utc>>,
    /// Http mode: the live API's circuit breaker and cache.
    pub live: Option<LiveEntry>,
}

/// The state of a live API's protections.
#[derive(Debug, Clone)]
pub struct LiveEntry {
    /// The circuit breaker's state.
    pub circuit: passerelle_core::breaker::CircuitState,
    /// How many times it opened.
    pub circuit_opened: u64,
    /// Upstream requests sent (retries included).
    pub requests: u64,
    /// Calls refused at once by the open breaker.
    pub short_circuited: u64,
    /// The cache's counters.
    pub cache: passerelle_core::cache::CacheCounts,
}

impl LiveEntry {
    fn of(client: &ApiClient) -> Self {
        use std::sync::atomic::Ordering::Relaxed;
        let c = client.counters();
        Self {
            circuit: client.circuit(),
            circuit_opened: client.circuit_opened(),
            requests: c.requests.load(Relaxed),
            short_circuited: c.short_circuited.load(Relaxed),
            cache: client.cache_stats().counts(),
        }
    }
}

impl Sources {
    /// Builds every adapter; a configuration that does not fit its source is an error naming it.
    pub fn build(config: &Config) -> Result<Self, ConfigError> {
        let clock = config.server.today.map_or_else(Clock::system, Clock::fixed);
        let l2 = match &config.cache.redis_url {
            Some(url) => Some(Arc::new(
                RedisL2::new(url, config.cache.redis_timeout).map_err(|reason| {
                    ConfigError::Invalid {
                        key: "cache.redis_url".into(),
                        reason,
                    }
                })?,
            )),
            None => None,
        };
        let shared = Shared {
            cache_dir: config.server.cache_dir.clone(),
            l2: l2.clone(),
        };
        let with_shared = |c: &SourceConfig| {
            let mut c = c.clone();
            c.shared = shared.clone();
            c
        };
        let s = SourcesConfig {
            rome: with_shared(&config.sources.rome),
            onisep: with_shared(&config.sources.onisep),
            rncp: with_shared(&config.sources.rncp),
            offre_info: with_shared(&config.sources.offre_info),
            repere_metiers: with_shared(&config.sources.repere_metiers),
            geo: with_shared(&config.sources.geo),
        };
        let s = &s;
        let geo = Arc::new(GeoAdapter::new(&s.geo, clock)?);
        // Offers published without a position are placed at their commune's centre.
        let centres = Arc::clone(&geo);
        let geocoder = Geocoder::new(move |code| centres.centre(code));
        Ok(Self {
            rome: Arc::new(RomeAdapter::new(&s.rome, clock)?),
            onisep: Arc::new(OnisepAdapter::new(&s.onisep, clock)?),
            rncp: Arc::new(RncpAdapter::new(&s.rncp, clock)?),
            offre_info: Arc::new(
                OffreInfoAdapter::new(&s.offre_info, clock)?.with_geocoder(geocoder),
            ),
            repere_metiers: Arc::new(RepereMetiersAdapter::new(&s.repere_metiers, clock)?),
            geo,
            clock,
            schedule: Arc::default(),
            l2,
            batch_delay: config.server.batch_delay,
            limits: config.limits,
            mask_errors: config.security.mask_errors,
            metrics: Arc::new(crate::metrics::Metrics::new(config.metrics.max_operations)),
            // 64 MiB weighed (1 MiB of query text): hundreds of distinct operations.
            documents: crate::graphql::Documents::new(64 << 20),
            introspection: config.security.introspection,
        })
    }

    /// The sources directory, in a stable order. The health of a source citing ROME codes counts the
    /// well-formed codes unknown to the ROME 4.0 loaded (never joined on).
    pub fn directory(&self) -> Vec<SourceEntry> {
        let entry = |(descriptor, health, cited, live): (
            &SourceDescriptor,
            SourceHealth,
            Vec<(CodeRome, usize)>,
            Option<LiveEntry>,
        )| {
            let mut health = health;
            if let Some(unknown) = self.unknown_rome_codes(cited) {
                let mut anomalies = health.anomalies.to_vec();
                anomalies.push(unknown);
                health.anomalies = anomalies.into();
            }
            SourceEntry {
                descriptor: descriptor.clone(),
                health,
                next_refresh: self.schedule.get(descriptor.id),
                live,
            }
        };
        type Parts<'a> = (
            &'a SourceDescriptor,
            SourceHealth,
            Vec<(CodeRome, usize)>,
            Option<LiveEntry>,
        );
        fn parts<A: Adapter>(a: &A) -> Parts<'_> {
            (
                a.descriptor(),
                a.health(),
                a.cited_rome_codes(),
                a.api_client().map(LiveEntry::of),
            )
        }
        let mut entries: Vec<SourceEntry> = [
            parts(&*self.rome),
            parts(&*self.onisep),
            parts(&*self.rncp),
            parts(&*self.offre_info),
            parts(&*self.repere_metiers),
            parts(&*self.geo),
        ]
        .into_iter()
        .map(entry)
        .collect();
        if let Some(unknown) = self.unknown_rncp_codes()
            && let Some(offres) = entries
                .iter_mut()
                .find(|e| e.descriptor.id == self.offre_info.descriptor().id)
        {
            let mut anomalies = offres.health.anomalies.to_vec();
            anomalies.push(unknown);
            offres.health.anomalies = anomalies.into();
        }
        entries
    }

    /// The anomaly counting the RNCP numbers prepared by offers that the certifications référentiel
    /// loaded does not have (never joined on); `None` when all are known or it has not loaded.
    fn unknown_rncp_codes(&self) -> Option<Anomaly> {
        let mut unknown: Vec<(passerelle_core::CodeRncp, usize)> = self
            .offre_info
            .cited_rncp_codes()
            .into_iter()
            .filter(|(code, _)| passerelle_rncp::knows_rncp(&self.rncp, code) == Some(false))
            .collect();
        if unknown.is_empty() {
            return None;
        }
        unknown.sort();
        Some(Anomaly {
            location: shown(
                unknown.iter().map(|(code, n)| format!("{code} ({n})")),
                unknown.len(),
            ),
            problem: format!(
                "{} numéro(s) RNCP préparé(s) par des actions mais absent(s) du référentiel des certifications chargé : jamais joints",
                unknown.len()
            ),
            count: unknown.iter().map(|(_, n)| n).sum(),
            rejected: false,
        })
    }

    /// The anomaly counting the `cited` codes (with their number of records) that the ROME 4.0 loaded
    /// does not know; `None` when all are known, or when the ROME source cannot tell (not loaded yet,
    /// or asked live).
    fn unknown_rome_codes(&self, cited: Vec<(CodeRome, usize)>) -> Option<Anomaly> {
        if cited.is_empty() {
            return None;
        }
        let mut unknown: Vec<(CodeRome, usize)> = cited
            .into_iter()
            .filter(|(code, _)| self.rome.knows(code) == Some(false))
            .collect();
        if unknown.is_empty() {
            return None;
        }
        unknown.sort();
        let rows: usize = unknown.iter().map(|(_, n)| n).sum();
        Some(Anomaly {
            location: shown(
                unknown.iter().map(|(code, n)| format!("{code} ({n})")),
                unknown.len(),
            ),
            problem: format!(
                "{} code(s) ROME bien formé(s) mais absent(s) du ROME 4.0 chargé : jamais joints",
                unknown.len()
            ),
            count: rows,
            rejected: false,
        })
    }

    /// When the data each source holds in memory (sample or snapshot) was fetched, by source id:
    /// cheaper than the directory (no anomaly counting), for checks that the data did not change.
    pub fn load_times(&self) -> Vec<(&'static str, Option<DateTime<Utc>>)> {
        fn time<A: Adapter>(a: &A) -> Option<(&'static str, Option<DateTime<Utc>>)> {
            let health = a.health();
            (health.mode != "http").then_some((a.descriptor().id, health.loaded_at))
        }
        [
            time(&*self.rome),
            time(&*self.onisep),
            time(&*self.rncp),
            time(&*self.offre_info),
            time(&*self.repere_metiers),
            time(&*self.geo),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Whether every source has data to serve.
    pub fn ready(&self) -> bool {
        self.directory().iter().all(|e| {
            matches!(
                e.health.status,
                SourceStatus::Ready | SourceStatus::Degraded
            )
        })
    }

    /// Completes once every source has tried its first load (served data or failed).
    pub async fn first_loads(&self) {
        while self
            .directory()
            .iter()
            .any(|e| e.health.status == SourceStatus::Loading)
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The live API clients (http mode), by source id.
    pub fn api_clients(&self) -> Vec<(&'static str, &ApiClient)> {
        fn client<A: Adapter>(a: &A) -> Option<(&'static str, &ApiClient)> {
            a.api_client().map(|c| (a.descriptor().id, c))
        }
        [
            client(&*self.rome),
            client(&*self.onisep),
            client(&*self.rncp),
            client(&*self.offre_info),
            client(&*self.repere_metiers),
            client(&*self.geo),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The live API client of source `id`, when it is in http mode.
    pub fn api_client(&self, id: &str) -> Option<&ApiClient> {
        self.api_clients()
            .into_iter()
            .find(|(source, _)| *source == id)
            .map(|(_, c)| c)
    }

    /// The cache shared by the replicas, when configured (also used by the rate limits).
    pub fn shared_cache(&self) -> Option<&Arc<RedisL2>> {
        self.l2.as_ref()
    }

    /// Forgets every cached API answer (with `shared`, in Redis too); how many shared keys were dropped.
    pub async fn purge_caches(&self, shared: bool) -> u64 {
        let mut dropped = 0;
        for (_, client) in self.api_clients() {
            dropped += client.purge(shared).await;
        }
        dropped
    }

    /// Reloads source `id` now (what its scheduled refresh does); `None` for an unknown id.
    pub async fn refresh(
        &self,
        id: &str,
    ) -> Option<Result<passerelle_core::RefreshOutcome, passerelle_core::AdapterError>> {
        Some(match id {
            "rome" => self.rome.refresh().await,
            "onisep" => self.onisep.refresh().await,
            "rncp" => self.rncp.refresh().await,
            "offre-info" => self.offre_info.refresh().await,
            "repere-metiers" => self.repere_metiers.refresh().await,
            "geo" => self.geo.refresh().await,
            _ => return None,
        })
    }

    /// Starts the first load of every source and, for snapshot sources, their periodic refresh. The
    /// offers wait for the communes' first load (success or failure), which places those published
    /// without a position.
    pub fn spawn_loading(&self, config: &Config) -> Vec<JoinHandle<()>> {
        let s = &config.sources;
        let (geo_tried, geo_loaded) = tokio::sync::watch::channel(false);
        let timing = || (Arc::clone(&self.schedule), self.clock);
        vec![
            spawn_source(
                Arc::clone(&self.geo),
                &s.geo,
                None,
                Some(geo_tried),
                timing(),
            ),
            spawn_source(Arc::clone(&self.rome), &s.rome, None, None, timing()),
            spawn_source(Arc::clone(&self.onisep), &s.onisep, None, None, timing()),
            spawn_source(Arc::clone(&self.rncp), &s.rncp, None, None, timing()),
            spawn_source(
                Arc::clone(&self.offre_info),
                &s.offre_info,
                Some(geo_loaded),
                None,
                timing(),
            ),
            spawn_source(
                Arc::clone(&self.repere_metiers),
                &s.repere_metiers,
                None,
                None,
                timing(),
            ),
        ]
    }
}

/// The first codes of a list and how many there are in all.
fn shown(codes: impl Iterator<Item = String>, total: usize) -> String {
    const SHOWN: usize = 20;
    let mut location: Vec<String> = codes.take(SHOWN).collect();
    if total > SHOWN {
        location.push(format!("… {total} codes en tout"));
    }
    location.join(", ")
}

/// Loads a source, then refreshes it every `refresh` in snapshot mode. While the first load fails, it is
/// retried with a growing delay (capped by `refresh`), so a source that was down at start comes back.
/// With `after`, the first load waits until that signal turns true; `tried` turns true after the first
/// attempt, whatever its outcome.
fn spawn_source<A: Adapter>(
    adapter: Arc<A>,
    config: &SourceConfig,
    after: Option<tokio::sync::watch::Receiver<bool>>,
    tried: Option<tokio::sync::watch::Sender<bool>>,
    (schedule, clock): (Arc<Schedule>, Clock),
) -> JoinHandle<()> {
    let periodic = config.mode == Mode::Snapshot;
    let refresh = config.refresh;
    let id = adapter.descriptor().id;
    let sleep = move |delay: Duration| {
        let at = chrono::Duration::from_std(delay)
            .ok()
            .and_then(|d| clock.now().checked_add_signed(d));
        schedule.set(id, at);
        tokio::time::sleep(delay)
    };
    tokio::spawn(async move {
        if let Some(mut after) = after {
            // A closed channel (the other task ended) counts as done.
            let _ = after.wait_for(|done| *done).await;
        }
        let mut first = adapter.refresh().await;
        if let Some(tried) = tried {
            let _ = tried.send(true);
        }
        let mut retry = Duration::from_secs(1);
        while first.is_err() {
            sleep(retry).await;
            retry = (retry * 2).min(refresh);
            first = adapter.refresh().await;
        }
        if !periodic {
            return;
        }
        loop {
            sleep(refresh).await;
            // Failures are recorded in the source's health; the previous data keeps serving.
            let _ = adapter.refresh().await;
        }
    })
}
