//! Request-scoped batch loaders: every resolver that needs a record by key goes through them, so a list
//! of 50 actions asking for their commune makes one call to the adapter with the distinct keys. They
//! live for one request only: no cache shared across requests here.

use std::collections::HashMap;
use std::sync::Arc;

use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use passerelle_core::freshness::{self, StaleLog};
use passerelle_core::{Adapter, AdapterError};
use passerelle_geo::GeoAdapter;
use passerelle_offre_info::OffreInfoAdapter;
use passerelle_onisep::OnisepAdapter;
use passerelle_repere_metiers::RepereMetiersAdapter;
use passerelle_rncp::RncpAdapter;
use passerelle_rome::RomeAdapter;

use crate::sources::Sources;

/// Loads records of one adapter by key, noting stale answers in the request's log (batches run in
/// their own task, outside the request's scope: the request's span is kept to trace them under it).
#[derive(Debug)]
pub struct SourceLoader<A>(Arc<A>, Arc<StaleLog>, tracing::Span);

impl<A: Adapter> Loader<A::Key> for SourceLoader<A> {
    type Value = A::Record;
    type Error = AdapterError;

    async fn load(&self, keys: &[A::Key]) -> Result<HashMap<A::Key, A::Record>, AdapterError> {
        use tracing::Instrument as _;
        let span = tracing::info_span!(
            parent: &self.2,
            "chargement groupé",
            source = self.0.descriptor().id,
            cles = keys.len(),
        );
        freshness::scope(Arc::clone(&self.1), self.0.fetch(keys))
            .instrument(span)
            .await
    }
}

/// The loaders of one request.
pub struct Loaders {
    /// Métiers by code ROME.
    pub metiers: DataLoader<SourceLoader<RomeAdapter>>,
    /// Fiches ONISEP by id.
    pub fiches_onisep: DataLoader<SourceLoader<OnisepAdapter>>,
    /// Certifications by RNCP or Certif Info number.
    pub certifications: DataLoader<SourceLoader<RncpAdapter>>,
    /// Actions by numero.
    pub actions: DataLoader<SourceLoader<OffreInfoAdapter>>,
    /// Ressources by id.
    pub ressources: DataLoader<SourceLoader<RepereMetiersAdapter>>,
    /// Communes by code INSEE.
    pub communes: DataLoader<SourceLoader<GeoAdapter>>,
}

fn loader<A: Adapter>(
    adapter: &Arc<A>,
    log: &Arc<StaleLog>,
    delay: Duration,
) -> DataLoader<SourceLoader<A>> {
    DataLoader::new(
        SourceLoader(
            Arc::clone(adapter),
            Arc::clone(log),
            tracing::Span::current(),
        ),
        tokio::spawn,
    )
    .delay(delay)
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
