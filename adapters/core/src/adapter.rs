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

use crate::codes::CodeRome;
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
/// malformed code, a record skipped), named precisely. Problems of one kind are grouped: `count` says how
/// many times it occurs, `location` names the first few places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    /// Where: file and line, element path, record id (the first few, then `…`, when grouped).
    pub location: String,
    /// What, naming the rule.
    pub problem: String,
    /// How many times it occurs.
    pub count: usize,
    /// Each occurrence is a record left out (not served), rather than a record kept with a flaw.
    pub rejected: bool,
}

impl Anomaly {
    /// One occurrence of a problem in a record kept.
    pub fn new(location: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            location: location.into(),
            problem: problem.into(),
            count: 1,
            rejected: false,
        }
    }
}

/// Anomalies grouped by problem, counted, with the first few places each occurs: a trimmed or inconsistent
/// export can have thousands, and health must stay readable. Groups keep their first-seen order.
#[derive(Debug, Default)]
pub struct Anomalies {
    groups: Vec<Anomaly>,
    examples: Vec<usize>,
}

impl Anomalies {
    /// How many places are named per problem.
    pub const EXAMPLES: usize = 5;

    /// Records one occurrence of `problem` at `location`, in a record kept.
    pub fn add(&mut self, problem: impl Into<String>, location: impl Into<String>) {
        self.record(problem.into(), location.into(), false);
    }

    /// Records one record left out because of `problem` at `location`.
    pub fn reject(&mut self, problem: impl Into<String>, location: impl Into<String>) {
        self.record(problem.into(), location.into(), true);
    }

    fn record(&mut self, problem: String, location: String, rejected: bool) {
        let i = match self.groups.iter().position(|g| g.problem == problem) {
            Some(i) => i,
            None => {
                self.groups.push(Anomaly {
                    location: String::new(),
                    problem,
                    count: 0,
                    rejected,
                });
                self.examples.push(0);
                self.groups.len() - 1
            }
        };
        let group = &mut self.groups[i];
        group.count += 1;
        if self.examples[i] < Self::EXAMPLES {
            if !group.location.is_empty() {
                group.location.push_str(", ");
            }
            group.location.push_str(&location);
            self.examples[i] += 1;
        } else if self.examples[i] == Self::EXAMPLES {
            group.location.push('…');
            self.examples[i] += 1;
        }
    }

    /// Number of occurrences of problems whose text starts with `prefix`.
    pub fn count_of(&self, prefix: &str) -> usize {
        self.groups
            .iter()
            .filter(|g| g.problem.starts_with(prefix))
            .map(|g| g.count)
            .sum()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The grouped anomalies.
    pub fn into_vec(self) -> Vec<Anomaly> {
        self.groups
    }
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

    /// The well-formed ROME codes the source's records cite, each with how many records (or rows) cite
    /// it, for the count of codes unknown to the ROME 4.0 in the source's health. Empty when the source
    /// cites none or cannot list them (a live API).
    fn cited_rome_codes(&self) -> Vec<(CodeRome, usize)> {
        Vec::new()
    }

    /// Reloads the data (snapshot modes); the previous data keeps serving until the new one has loaded
    /// whole, and stays if anything fails.
    fn refresh(&self) -> impl Future<Output = Result<RefreshOutcome, AdapterError>> + Send;

    /// The live API's client (http mode), for its cache, circuit breaker and counters.
    fn api_client(&self) -> Option<&crate::http::ApiClient> {
        None
    }
}

/// Implements [`Adapter`] for a source's adapter enum `Snapshot(Snapshot<D>) | Api(A)`: every call goes
/// to the mode configured (the live client `A` has inherent `fetch`, `search`, `health` and `refresh`).
/// The descriptor is given as an expression of `self`; the cited ROME codes are the snapshot's (a live
/// API cannot list them).
#[macro_export]
macro_rules! snapshot_or_api_adapter {
    ($ty:ty, key: $key:ty, record: $record:ty, filter: $filter:ty, descriptor: |$this:ident| $descriptor:expr $(,)?) => {
        impl $crate::Adapter for $ty {
            type Key = $key;
            type Record = $record;
            type Filter = $filter;

            fn descriptor(&self) -> &$crate::SourceDescriptor {
                let $this = self;
                $descriptor
            }

            async fn fetch(
                &self,
                keys: &[$key],
            ) -> Result<std::collections::HashMap<$key, $record>, $crate::AdapterError> {
                match self {
                    Self::Snapshot(s) => $crate::Adapter::fetch(s, keys).await,
                    Self::Api(a) => a.fetch(keys).await,
                }
            }

            async fn search(
                &self,
                filter: &$filter,
                page: $crate::PageRequest,
            ) -> Result<$crate::SearchPage<$record>, $crate::AdapterError> {
                match self {
                    Self::Snapshot(s) => $crate::Adapter::search(s, filter, page).await,
                    Self::Api(a) => a.search(filter, page).await,
                }
            }

            fn health(&self) -> $crate::SourceHealth {
                match self {
                    Self::Snapshot(s) => s.health(),
                    Self::Api(a) => a.health(),
                }
            }

            fn cited_rome_codes(&self) -> Vec<($crate::CodeRome, usize)> {
                match self {
                    Self::Snapshot(s) => $crate::Adapter::cited_rome_codes(s),
                    Self::Api(_) => Vec::new(),
                }
            }

            async fn refresh(&self) -> Result<$crate::RefreshOutcome, $crate::AdapterError> {
                match self {
                    Self::Snapshot(s) => s.refresh().await,
                    Self::Api(a) => a.refresh().await,
                }
            }

            fn api_client(&self) -> Option<&$crate::http::ApiClient> {
                match self {
                    Self::Snapshot(_) => None,
                    Self::Api(a) => Some(a.client()),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anomalies_are_grouped_counted_and_keep_five_places() {
        let mut a = Anomalies::default();
        for line in 1..=7 {
            a.add("code ROME mal formé", format!("f.csv:{line}"));
        }
        a.add("ligne vide", "f.csv:9");
        assert_eq!(a.count_of("code ROME"), 7);
        let v = a.into_vec();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].count, 7);
        assert_eq!(
            v[0].location,
            "f.csv:1, f.csv:2, f.csv:3, f.csv:4, f.csv:5…"
        );
        assert_eq!(v[1], Anomaly::new("f.csv:9", "ligne vide"));
    }
}
