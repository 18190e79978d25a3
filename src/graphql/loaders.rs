//! Request-scoped batch loaders: every resolver that needs a record by key goes through them, so a list
//! of 50 actions asking for their commune makes one call to the adapter with the distinct keys. They
//! live for one request only: no cache shared across requests here.
//!
//! A round belongs to the request: the first key of a round opens it, and it waits until the request's
//! task is polled again (or `[server] batch_delay`), so that every field polled in the same pass adds
//! its keys; then one call to the adapter answers them all. The request's future is wrapped by
//! [`Turns::drive`], which counts those polls and wakes the waiting rounds once a pass is over.
//! (`yield_now` would not do: a second field waiting on the same round polls the round's future again
//! in the same pass, and a yielded future is ready on its second poll. Nor would a round that wakes
//! itself while polled: `FuturesUnordered`, where async-graphql polls an object's fields, ends its pass
//! after two such wakes, and the fields after them would wait one more pass.)
//!
//! An in-memory source answers right there. A live API's calls go out from a task of their own, so
//! that the batches of several sources are prepared and sent in parallel on the runtime's threads;
//! that task is aborted when the round is dropped, i.e. when the request ends (cut by
//! `limits.execution_timeout`, or its client gone): no call and no retry is made for an answer nobody
//! waits for (async-graphql's DataLoader, used before, let its batch tasks run on).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// How many times the request's future has been polled, and the rounds waiting for the next poll (see
/// the module). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Turns(Arc<TurnsInner>);

#[derive(Debug, Default)]
struct TurnsInner {
    count: AtomicU64,
    waiting: Mutex<Vec<std::task::Waker>>,
}

impl Turns {
    /// Runs `future`, counting its polls: the loaders' rounds wait for the next one. The rounds that
    /// wait are woken once the pass is over, not during it: a future that wakes itself while it is
    /// polled makes `FuturesUnordered` (async-graphql's fields) end its pass early, and the fields it
    /// has not polled yet would only add their keys to the next round.
    pub fn drive<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        let turns = self.clone();
        async move {
            let mut future = std::pin::pin!(future);
            std::future::poll_fn(|cx| {
                turns.0.count.fetch_add(1, Ordering::Relaxed);
                let polled = future.as_mut().poll(cx);
                if polled.is_pending() {
                    let waiting = std::mem::take(
                        &mut *turns
                            .0
                            .waiting
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner),
                    );
                    waiting.into_iter().for_each(std::task::Waker::wake);
                }
                polled
            })
            .await
        }
    }

    /// Waits until the request's future is polled again.
    async fn next(&self) {
        let now = self.0.count.load(Ordering::Relaxed);
        std::future::poll_fn(|cx| {
            if self.0.count.load(Ordering::Relaxed) == now {
                self.0
                    .waiting
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(cx.waker().clone());
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await;
    }
}

/// A spawned task, aborted when dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

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
    turns: Turns,
    open: Arc<Mutex<Option<Round<A>>>>,
}

impl<A: Adapter> RecordLoader<A> {
    fn new(adapter: &Arc<A>, log: &Arc<StaleLog>, delay: Duration, turns: &Turns) -> Self {
        Self {
            adapter: Arc::clone(adapter),
            log: Arc::clone(log),
            span: tracing::Span::current(),
            delay,
            turns: turns.clone(),
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
            let turns = self.turns.clone();
            let (gathered, open) = (Arc::clone(&gathered), Arc::clone(&self.open));
            let parent = self.span.clone();
            async move {
                if delay.is_zero() {
                    turns.next().await;
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
                let source_id = adapter.descriptor().id;
                let span = tracing::info_span!(
                    parent: &parent,
                    "chargement groupé",
                    source = source_id,
                    cles = keys.len(),
                );
                let live = adapter.api_client().is_some();
                let fetch = async move { freshness::scope(log, adapter.fetch(&keys)).await }
                    .instrument(span);
                if !live {
                    // In memory: lookups, done here.
                    return fetch.await.map(Arc::new);
                }
                // A live API: the calls go out from a task of their own, so that the batches of a
                // request's sources are prepared and sent in parallel on the runtime's threads; the
                // task is aborted if the round is dropped (the request ended), retries included.
                let mut task = AbortOnDrop(tokio::spawn(fetch));
                match (&mut task.0).await {
                    Ok(result) => result.map(Arc::new),
                    // A panic in the adapter, or the runtime shutting down.
                    Err(e) => Err(AdapterError::Internal {
                        source_id,
                        reason: Arc::from(format!("chargement groupé interrompu : {e}")),
                    }),
                }
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

impl std::fmt::Debug for Loaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Loaders")
    }
}

impl Loaders {
    /// Fresh loaders for one request, noting stale answers in `log`; the request's future must run
    /// under [`Turns::drive`] of `turns`.
    pub fn new(sources: &Sources, log: &Arc<StaleLog>, turns: &Turns) -> Self {
        let delay = sources.batch_delay;
        Self {
            metiers: RecordLoader::new(&sources.rome, log, delay, turns),
            fiches_onisep: RecordLoader::new(&sources.onisep, log, delay, turns),
            certifications: RecordLoader::new(&sources.rncp, log, delay, turns),
            actions: RecordLoader::new(&sources.offre_info, log, delay, turns),
            ressources: RecordLoader::new(&sources.repere_metiers, log, delay, turns),
            communes: RecordLoader::new(&sources.geo, log, delay, turns),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use passerelle_core::{
        PageRequest, RefreshOutcome, SearchPage, SourceDescriptor, SourceHealth, SourceStatus,
    };

    const DESCRIPTOR: SourceDescriptor = SourceDescriptor {
        id: "essai",
        nom: "Essai",
        producteur: "passerelle",
        licence: "—",
        url: "http://127.0.0.1/",
        attribution: "—",
    };

    /// Answers `k * 10` for keys below 100 (others are unknown) and notes each call's keys; fails
    /// every call when `fail`.
    #[derive(Default)]
    struct Counting {
        calls: Mutex<Vec<Vec<u32>>>,
        fail: bool,
    }

    impl Adapter for Counting {
        type Key = u32;
        type Record = u32;
        type Filter = ();

        fn descriptor(&self) -> &SourceDescriptor {
            &DESCRIPTOR
        }

        async fn fetch(&self, keys: &[u32]) -> Result<HashMap<u32, u32>, AdapterError> {
            let mut asked = keys.to_vec();
            asked.sort_unstable();
            self.calls.lock().unwrap().push(asked);
            if self.fail {
                return Err(AdapterError::NotReady { source_id: "essai" });
            }
            Ok(keys
                .iter()
                .filter(|k| **k < 100)
                .map(|k| (*k, k * 10))
                .collect())
        }

        async fn search(&self, _: &(), _: PageRequest) -> Result<SearchPage<u32>, AdapterError> {
            Err(AdapterError::NotReady { source_id: "essai" })
        }

        fn health(&self) -> SourceHealth {
            SourceHealth {
                status: SourceStatus::Ready,
                mode: "sample",
                records: 100,
                version: None,
                loaded_at: None,
                last_error: None,
                anomalies: Arc::from(Vec::new()),
            }
        }

        async fn refresh(&self) -> Result<RefreshOutcome, AdapterError> {
            Ok(RefreshOutcome::Unchanged)
        }
    }

    fn loader(adapter: &Arc<Counting>, delay: Duration) -> (RecordLoader<Counting>, Turns) {
        let turns = Turns::default();
        let loader = RecordLoader::new(adapter, &Arc::new(StaleLog::default()), delay, &turns);
        (loader, turns)
    }

    #[tokio::test]
    async fn the_keys_asked_in_one_turn_make_one_call_and_later_keys_the_next() {
        for delay in [Duration::ZERO, Duration::from_millis(2)] {
            let adapter = Arc::new(Counting::default());
            let (l, turns) = loader(&adapter, delay);
            let (one, two, many) = turns
                .drive(async {
                    futures::join!(l.load_one(1), l.load_one(2), l.load_many([2, 3, 500, 3]))
                })
                .await;
            assert_eq!(one.unwrap(), Some(10));
            assert_eq!(two.unwrap(), Some(20));
            let many = many.unwrap();
            assert_eq!(
                many,
                HashMap::from([(2, 20), (3, 30)]),
                "an unknown key is absent"
            );
            // Asked once the batch has run: a new round.
            assert_eq!(turns.drive(l.load_one(4)).await.unwrap(), Some(40));
            assert!(l.load_many([]).await.unwrap().is_empty());
            assert_eq!(
                *adapter.calls.lock().unwrap(),
                vec![vec![1, 2, 3, 500], vec![4]],
                "{delay:?}: one call per round, each key once"
            );
        }
    }

    /// async-graphql polls an object's fields in a `FuturesUnordered`, which ends its pass early once
    /// two of them have woken themselves while polled: rounds that woke themselves to wait for the
    /// next pass would leave the later fields (here `c`) to a pass of their own, and a live source's
    /// calls would go out one pass later.
    #[tokio::test]
    async fn the_rounds_opened_in_one_pass_all_run_in_the_next() {
        use futures::StreamExt as _;
        let adapters: Vec<Arc<Counting>> = (0..3).map(|_| Arc::default()).collect();
        let turns = Turns::default();
        let log = Arc::new(StaleLog::default());
        let [a, b, c] =
            [0, 1, 2].map(|i| RecordLoader::new(&adapters[i], &log, Duration::ZERO, &turns));
        let fields: futures::stream::FuturesUnordered<_> = [
            a.load_one(1).boxed(),
            b.load_one(2).boxed(),
            c.load_one(3).boxed(),
            a.load_one(4).boxed(),
        ]
        .into_iter()
        .collect();
        let answers: Vec<_> = turns.drive(fields.collect::<Vec<_>>()).await;
        let mut answers: Vec<u32> = answers.into_iter().map(|a| a.unwrap().unwrap()).collect();
        answers.sort_unstable();
        assert_eq!(answers, vec![10, 20, 30, 40]);
        assert_eq!(
            turns.0.count.load(Ordering::Relaxed),
            2,
            "every field polled in the first pass, every round run in the second"
        );
        let calls: Vec<_> = adapters
            .iter()
            .map(|a| a.calls.lock().unwrap().clone())
            .collect();
        assert_eq!(calls, vec![vec![vec![1, 4]], vec![vec![2]], vec![vec![3]]]);
    }

    #[tokio::test]
    async fn every_key_of_a_failed_round_gets_its_error() {
        let adapter = Arc::new(Counting {
            fail: true,
            ..Counting::default()
        });
        let (l, turns) = loader(&adapter, Duration::ZERO);
        let (one, many) = turns
            .drive(async { futures::join!(l.load_one(1), l.load_many([2, 3])) })
            .await;
        for error in [one.unwrap_err(), many.unwrap_err()] {
            assert!(
                matches!(error, AdapterError::NotReady { source_id: "essai" }),
                "{error:?}"
            );
        }
        assert_eq!(adapter.calls.lock().unwrap().len(), 1, "one call for both");
    }

    #[tokio::test]
    async fn a_request_dropped_before_its_round_runs_calls_nothing() {
        let adapter = Arc::new(Counting::default());
        let (l, turns) = loader(&adapter, Duration::ZERO);
        // Polled once (the round opens and waits for the next turn), then dropped with its loader,
        // as a request cut by its timeout is: no task is left to make the call.
        let mut request = Box::pin(turns.drive(l.load_one(1)));
        assert!(futures::poll!(request.as_mut()).is_pending());
        drop(request);
        drop(l);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(adapter.calls.lock().unwrap().is_empty());
    }
}
