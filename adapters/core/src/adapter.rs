//! The contract every source adapter fulfils.
//!
//! An adapter answers two kinds of questions: **fetch by keys** (a batch of codes; one upstream round-trip
//! per batch where the upstream accepts several keys, otherwise one per *distinct* key, concurrently) and
//! **search** (a filter and a page). It also describes itself, reports its health and can be asked to
//! refresh. Records are `Arc`s: the same record is shared by the caches, the loaders and the responses.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;

use chrono::{DateTime, Utc};

use crate::error::AdapterError;
use crate::provenance::SourceDescriptor;

/// Which page of a search to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Number of hits to skip.
    pub offset: usize,
    /// Maximum number of hits to return.
    pub limit: usize,
}

impl PageRequest {
    /// Every hit (for joins on bounded lists).
    pub const ALL: Self = Self {
        offset: 0,
        limit: usize::MAX,
    };

    /// Applies the page to an already ordered list of hits and returns the page with the total.
    pub fn slice<R>(self, hits: Vec<Hit<R>>) -> SearchPage<R> {
        let total = hits.len();
        let hits = hits
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        SearchPage { total, hits }
    }
}

/// One search hit. What depends on the search (the distance to the searched place) lives here, never on
/// the shared record.
#[derive(Debug, Clone)]
pub struct Hit<R> {
    /// The record.
    pub record: R,
    /// Distance from the searched place, in km, for searches around a place.
    pub distance_km: Option<f64>,
}

impl<R> Hit<R> {
    /// A hit without distance.
    pub fn new(record: R) -> Self {
        Self {
            record,
            distance_km: None,
        }
    }
}

/// A page of search hits with the total count of hits.
#[derive(Debug, Clone)]
pub struct SearchPage<R> {
    /// Total number of hits, all pages.
    pub total: usize,
    /// The hits of the requested page.
    pub hits: Vec<Hit<R>>,
}

/// Health of a source as shown in the sources directory and `/health/ready`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceStatus {
    /// First load not finished.
    Loading,
    /// Serving fresh data.
    Ready,
    /// Serving, but the last refresh failed (the previous data is kept).
    Degraded,
    /// Nothing to serve: the first load failed.
    Failed,
}

/// A problem found in the source's data that did not prevent serving the rest (a record kept with a
/// malformed code, a record skipped), named precisely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    /// Where: file and line, element path, record id.
    pub location: String,
    /// What, naming the rule.
    pub problem: String,
}

/// What a source reports about itself. Cheap to clone: readiness probes ask for it often.
#[derive(Debug, Clone)]
pub struct SourceHealth {
    /// Status.
    pub status: SourceStatus,
    /// Mode (`sample`, `snapshot`, `http`).
    pub mode: &'static str,
    /// Number of records served (the source's main entity).
    pub records: usize,
    /// Version or date of the data, as the producer names it.
    pub version: Option<String>,
    /// When the data served was fetched.
    pub loaded_at: Option<DateTime<Utc>>,
    /// The last load error, if the last attempt failed.
    pub last_error: Option<String>,
    /// Problems found in the data served.
    pub anomalies: std::sync::Arc<[Anomaly]>,
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// New data loaded whole and swapped in.
    Loaded,
    /// The source said nothing changed (HTTP 304), or the data is embedded.
    Unchanged,
}

/// The contract of a source adapter.
pub trait Adapter: Send + Sync + 'static {
    /// Key of the main record (`CodeRome`, `CodeInsee`…).
    type Key: Clone + Eq + Hash + Send + Sync + std::fmt::Debug + 'static;
    /// The main record, shared.
    type Record: Clone + Send + Sync + 'static;
    /// Search criteria.
    type Filter: Send + Sync;

    /// Static description of the source.
    fn descriptor(&self) -> &SourceDescriptor;

    /// Fetches records by key. Keys that do not exist are absent from the map (not an error); duplicate
    /// keys are fetched once.
    fn fetch(
        &self,
        keys: &[Self::Key],
    ) -> impl Future<Output = Result<HashMap<Self::Key, Self::Record>, AdapterError>> + Send;

    /// Searches records; hits come in the source's documented order.
    fn search(
        &self,
        filter: &Self::Filter,
        page: PageRequest,
    ) -> impl Future<Output = Result<SearchPage<Self::Record>, AdapterError>> + Send;

    /// Current health.
    fn health(&self) -> SourceHealth;

    /// Reloads the data (snapshot modes); the previous data keeps serving until the new one has loaded
    /// whole, and stays if anything fails.
    fn refresh(&self) -> impl Future<Output = Result<RefreshOutcome, AdapterError>> + Send;
}
