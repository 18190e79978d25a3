//! Request-scoped batch loaders: every resolver that needs a record by key goes through them, so a list
//! of 50 actions asking for their commune makes one call to the adapter with the distinct keys. They
//! live for one request only: no cache shared across requests here.
//!
//! A batch runs in the request's own task, not in a spawned one: the first key of a round opens the
//! round and waits one turn of the scheduler (or `[server] batch_delay`), while the other fields of
//! the request add their keys; then one call to the adapter answers them all. A spawned task would
//! cost a hand-off to another thread on the way out and another on the way back (measured with
//! `tcpdump` on the live sources: see the README, Performances), and it would outlive a request
//! dropped on timeout.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared};
use passerelle_core::freshness::{self, StaleLog};
use passerelle_core::{Adapter, AdapterError};
use passerelle_geo::GeoAdapter;
use passerelle_offre_info::OffreInfoAdapter;
use passerelle_onisep::OnisepAdapter;
use passerelle_repere_metiers::RepereMetiersAdapter;
use passerelle_rncp::RncpAdapter;
use passerelle_rome::RomeAdapter;

use crate::sources::Sources;

type Batch<A> = Shared<
    BoxFuture<
        'static,
        Result<Arc<HashMap<<A as Adapter>::Key, <A as Adapter>::Record>>, AdapterError>,
    >,
>;

/// The round being gathered: its keys, and the batch that will answer them.
struct Round<A: Adapter> {
    keys: Arc<Mutex<HashSet<A::Key>>>,
    batch: Batch<A>,
}

/// Records of one source by key, for one request, in batches (see the module).
pub struct RecordLoader<A: Adapter> {
    adapter: Arc<A>,
    log: Arc<StaleLog>,
    span: tracing::Span,
    delay: Duration,
    open: Arc<Mutex<Option<Round<A>>>>,
}

impl<A: Adapter> RecordLoader<A> {
    fn new(adapter: &Arc<A>, log: &Arc<StaleLog>, delay: Duration) -> Self {
        Self {
            adapter: Arc::clone(adapter),
            log: Arc::clone(log),
            span: tracing::Span::current(),
            delay,
            open: Arc::new(Mutex::new(None)),
        }
    }

    /// The record of `key`, `None` if the source does not know it.
    pub async fn load_one(&self, key: A::Key) -> Result<Option<A::Record>, AdapterError> {
        let batch = self.join([key.clone()]);
        Ok(batch.await?.get(&key).cloned())
    }

    /// The records of `keys` the source knows, by key.
    pub async fn load_many(
        &self,
        keys: impl IntoIterator<Item = A::Key>,
    ) -> Result<HashMap<A::Key, A::Record>, AdapterError> {
        let keys: Vec<A::Key> = keys.into_iter().collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let batch = self.join(keys.iter().cloned());
        let found = batch.await?;
        Ok(keys
            .into_iter()
            .filter_map(|k| found.get(&k).cloned().map(|r| (k, r)))
            .collect())
    }

    /// Adds `keys` to the open round, opening one if there is none, and returns its batch.
    fn join(&self, keys: impl IntoIterator<Item = A::Key>) -> Batch<A> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(round) = open.as_ref() {
            round
                .keys
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(keys);
            return round.batch.clone();
        }
        let gathered = Arc::new(Mutex::new(keys.into_iter().collect::<HashSet<_>>()));
        let batch = {
            let (adapter, log, delay) =
                (Arc::clone(&self.adapter), Arc::clone(&self.log), self.delay);
            let (gathered, open) = (Arc::clone(&gathered), Arc::clone(&self.open));
            let parent = self.span.clone();
            async move {
                if delay.is_zero() {
                    tokio::task::yield_now().await;
                } else {
                    tokio::time::sleep(delay).await;
                }
                // The round closes: keys asked from now on go to the next one.
                open.lock().unwrap_or_else(PoisonError::into_inner).take();
                let keys: Vec<A::Key> =
                    std::mem::take(&mut *gathered.lock().unwrap_or_else(PoisonError::into_inner))
                        .into_iter()
                        .collect();
                use tracing::Instrument as _;
                let span = tracing::info_span!(
                    parent: &parent,
                    "chargement groupé",
                    source = adapter.descriptor().id,
                    cles = keys.len(),
                );
                freshness::scope(log, adapter.fetch(&keys))
                    .instrument(span)
                    .await
                    .map(Arc::new)
            }
            .boxed()
            .shared()
        };
        *open = Some(Round {
            keys: gathered,
            batch: batch.clone(),
        });
        batch
    }
}

impl<A: Adapter> std::fmt::Debug for RecordLoader<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordLoader")
            .field("source", &self.adapter.descriptor().id)
            .finish_non_exhaustive()
    }
}

/// The loaders of one request.
pub struct Loaders {
    /// Métiers by code ROME.
    pub metiers: RecordLoader<RomeAdapter>,
    /// Fiches ONISEP by id.
    pub fiches_onisep: RecordLoader<OnisepAdapter>,
    /// Certifications by RNCP or Certif Info number.
    pub certifications: RecordLoader<RncpAdapter>,
    /// Actions by numero.
    pub actions: RecordLoader<OffreInfoAdapter>,
    /// Ressources by id.
    pub ressources: RecordLoader<RepereMetiersAdapter>,
    /// Communes by code INSEE.
    pub communes: RecordLoader<GeoAdapter>,
}

fn loader<A: Adapter>(adapter: &Arc<A>, log: &Arc<StaleLog>, delay: Duration) -> RecordLoader<A> {
    RecordLoader::new(adapter, log, delay)
}

impl std::fmt::Debug for Loaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Loaders")
    }
}

impl Loaders {
    /// Fresh loaders for one request, noting stale answers in `log`.
    pub fn new(sources: &Sources, log: &Arc<StaleLog>) -> Self {
        let delay = sources.batch_delay;
        Self {
            metiers: loader(&sources.rome, log, delay),
            fiches_onisep: loader(&sources.onisep, log, delay),
            certifications: loader(&sources.rncp, log, delay),
            actions: loader(&sources.offre_info, log, delay),
            ressources: loader(&sources.repere_metiers, log, delay),
            communes: loader(&sources.geo, log, delay),
        }
    }
}
