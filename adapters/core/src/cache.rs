//! The cache of a live API's answers, per source: a memory-bounded first level (moka) and an optional
//! second level shared by several replicas (Redis).
//!
//! - **Coalescing**: however many callers ask for the same cold key at once, one of them (the leader)
//!   fetches it and the others wait for its answer; a leader that gives up (its request was cancelled)
//!   hands over to a waiting caller. With Redis, the leaders of several replicas take a short lock per
//!   key: one fetches, the others read its answer from Redis.
//! - **Freshness**: an answer is fresh for `ttl`; then, for `stale_while_revalidate`, it is still served
//!   at once while one background refresh runs; past that, callers wait for a new answer and, when the
//!   source fails, get the old one for up to `stale_if_error` (noted in the request's
//!   [`crate::freshness`] log). « Not found » is remembered for `negative_ttl`.
//! - **Nothing bad is kept**: the caller validates an answer (it parses) before it is stored, so a
//!   malformed answer never replaces a good one.
//! - **Redis unavailable** means the first level only: a warning (at most one per 30 s), a counter, and
//!   never an error to the client. Every Redis call has a short timeout.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tokio::time::Instant;

use crate::config::CacheConfig;
use crate::error::{AdapterError, SourceId};

/// One answer kept: its body (`None`: not found) and when it was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedBody {
    /// The body, or `None` for « not found ».
    pub body: Option<Arc<[u8]>>,
    /// When it was received from the upstream (wall clock: shared between replicas).
    pub stored: SystemTime,
}

impl CachedBody {
    fn age(&self) -> Duration {
        SystemTime::now()
            .duration_since(self.stored)
            .unwrap_or_default()
    }

    fn encode(&self) -> Vec<u8> {
        let millis = self
            .stored
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut out = Vec::with_capacity(9 + self.body.as_ref().map_or(0, |b| b.len()));
        out.extend_from_slice(&millis.to_be_bytes());
        out.push(u8::from(self.body.is_some()));
        if let Some(body) = &self.body {
            out.extend_from_slice(body);
        }
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let millis = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let found = *bytes.get(8)? == 1;
        Some(Self {
            body: found.then(|| Arc::from(&bytes[9..])),
            stored: SystemTime::UNIX_EPOCH + Duration::from_millis(millis),
        })
    }
}

/// What the cache holds for a key.
#[derive(Debug)]
pub enum Lookup {
    /// Fresh: serve it.
    Fresh(Arc<CachedBody>),
    /// Past its TTL but within `stale_while_revalidate`: serve it and refresh in the background.
    Revalidate(Arc<CachedBody>),
    /// Nothing usable without asking the upstream; the old answer, if any, for `stale_if_error`.
    Miss(Option<Arc<CachedBody>>),
}

/// Counters of a cache, for tests and metrics.
#[derive(Debug, Default)]
pub struct CacheStats {
    /// Answers served fresh from the first level.
    pub hits: AtomicU64,
    /// Lookups that had to ask (the second level or the upstream).
    pub misses: AtomicU64,
    /// Callers that waited for another caller's fetch of the same key.
    pub coalesced: AtomicU64,
    /// Stale answers served while a background refresh runs.
    pub stale_revalidating: AtomicU64,
    /// Stale answers served because the source failed.
    pub stale_on_error: AtomicU64,
    /// Answers found in the second level (Redis).
    pub l2_hits: AtomicU64,
}

/// The counters of a cache at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheCounts {
    /// See [`CacheStats::hits`].
    pub hits: u64,
    /// See [`CacheStats::misses`].
    pub misses: u64,
    /// See [`CacheStats::coalesced`].
    pub coalesced: u64,
    /// See [`CacheStats::stale_revalidating`].
    pub stale_revalidating: u64,
    /// See [`CacheStats::stale_on_error`].
    pub stale_on_error: u64,
    /// See [`CacheStats::l2_hits`].
    pub l2_hits: u64,
}

impl CacheStats {
    /// The counters now.
    pub fn counts(&self) -> CacheCounts {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CacheCounts {
            hits: get(&self.hits),
            misses: get(&self.misses),
            coalesced: get(&self.coalesced),
            stale_revalidating: get(&self.stale_revalidating),
            stale_on_error: get(&self.stale_on_error),
            l2_hits: get(&self.l2_hits),
        }
    }
}

enum Outcome {
    Done(Result<Arc<CachedBody>, AdapterError>),
    /// The leader gave up: a waiting caller takes over.
    Abandoned,
}

type Slot = watch::Receiver<Option<Arc<Outcome>>>;

/// The cache of one source's API answers.
#[derive(Debug)]
pub struct ResponseCache {
    source: SourceId,
    config: CacheConfig,
    l1: Option<moka::sync::Cache<String, Arc<CachedBody>>>,
    inflight: Mutex<HashMap<String, Slot>>,
    revalidating: Mutex<HashSet<String>>,
    l2: Option<Arc<RedisL2>>,
    /// How long a replica's lock on a key lasts (the longest a fetch can take).
    lock_ttl: Duration,
    stats: Arc<CacheStats>,
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Done(_) => "Done",
            Self::Abandoned => "Abandoned",
        })
    }
}

/// Removes the leader's slot when it finishes or gives up, telling the waiting callers.
struct Leader<'a> {
    cache: &'a ResponseCache,
    key: &'a str,
    tx: watch::Sender<Option<Arc<Outcome>>>,
    done: bool,
}

impl Leader<'_> {
    fn finish(mut self, result: Result<Arc<CachedBody>, AdapterError>) {
        self.done = true;
        self.cache.inflight().remove(self.key);
        let _ = self.tx.send(Some(Arc::new(Outcome::Done(result))));
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.cache.inflight().remove(self.key);
            let _ = self.tx.send(Some(Arc::new(Outcome::Abandoned)));
        }
    }
}

impl ResponseCache {
    /// A cache configured by `[sources.<id>.cache]`, with the shared second level when there is one.
    pub fn new(
        source: SourceId,
        config: &CacheConfig,
        l2: Option<Arc<RedisL2>>,
        lock_ttl: Duration,
    ) -> Self {
        let keep = config.ttl + config.stale_while_revalidate.max(config.stale_if_error);
        let l1 = (config.capacity_mb > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(config.capacity_mb.saturating_mul(1024 * 1024))
                .weigher(|key: &String, value: &Arc<CachedBody>| {
                    let size = key.len() + value.body.as_ref().map_or(0, |b| b.len()) + 64;
                    u32::try_from(size).unwrap_or(u32::MAX)
                })
                .time_to_live(keep)
                .build()
        });
        Self {
            source,
            config: config.clone(),
            l1,
            inflight: Mutex::default(),
            revalidating: Mutex::default(),
            l2,
            lock_ttl,
            stats: Arc::default(),
        }
    }

    /// The counters.
    pub fn stats(&self) -> Arc<CacheStats> {
        Arc::clone(&self.stats)
    }

    fn inflight(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.inflight.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fresh_for(&self, entry: &CachedBody) -> Duration {
        if entry.body.is_some() {
            self.config.ttl
        } else {
            self.config.negative_ttl
        }
    }

    /// What the first level holds for `key`.
    pub fn lookup(&self, key: &str) -> Lookup {
        let Some(entry) = self.l1.as_ref().and_then(|l1| l1.get(key)) else {
            self.stats.misses.fetch_add(1, Ordering::Relaxed);
            return Lookup::Miss(None);
        };
        let age = entry.age();
        let ttl = self.fresh_for(&entry);
        if age < ttl {
            self.stats.hits.fetch_add(1, Ordering::Relaxed);
            Lookup::Fresh(entry)
        } else if entry.body.is_some() && age < ttl + self.config.stale_while_revalidate {
            self.stats
                .stale_revalidating
                .fetch_add(1, Ordering::Relaxed);
            Lookup::Revalidate(entry)
        } else {
            self.stats.misses.fetch_add(1, Ordering::Relaxed);
            Lookup::Miss(Some(entry))
        }
    }

    /// Whether `old` may still be served because the source failed, and notes it in the request's log.
    pub fn serve_stale_on_error(&self, old: &CachedBody, error: &AdapterError) -> bool {
        if old.body.is_none()
            || matches!(
                error,
                AdapterError::BadInput { .. } | AdapterError::Unsupported { .. }
            )
        {
            return false;
        }
        let age = old.age();
        if age >= self.config.ttl + self.config.stale_if_error {
            return false;
        }
        self.stats.stale_on_error.fetch_add(1, Ordering::Relaxed);
        crate::freshness::note(self.source, age, error.to_string());
        true
    }

    /// Marks `key` as being refreshed in the background; `false` when a refresh already runs.
    pub fn begin_revalidation(&self, key: &str) -> bool {
        self.revalidating
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_owned())
    }

    /// Ends the background refresh of `key`.
    pub fn end_revalidation(&self, key: &str) {
        self.revalidating
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }

    /// Forgets every answer of the first level; with `shared`, of the second level too. Returns how
    /// many keys the second level dropped.
    pub async fn purge(&self, shared: bool) -> u64 {
        if let Some(l1) = &self.l1 {
            l1.invalidate_all();
        }
        match (&self.l2, shared) {
            (Some(l2), true) => l2.purge(self.source).await.unwrap_or(0),
            _ => 0,
        }
    }

    fn store(&self, key: &str, entry: &Arc<CachedBody>) {
        if let Some(l1) = &self.l1 {
            l1.insert(key.to_owned(), Arc::clone(entry));
        }
    }

    /// The answer for `key` from the second level or `fetch` (`Ok(None)`: not found), coalesced: one
    /// fetch however many callers ask at once, here and, with Redis, across replicas. The answer is
    /// stored at both levels.
    pub async fn load<F, Fut>(&self, key: &str, fetch: F) -> Result<Arc<CachedBody>, AdapterError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<Vec<u8>>, AdapterError>>,
    {
        let leader = loop {
            let waiting = {
                let mut inflight = self.inflight();
                match inflight.get(key) {
                    Some(rx) => rx.clone(),
                    None => {
                        let (tx, rx) = watch::channel(None);
                        inflight.insert(key.to_owned(), rx);
                        break Leader {
                            cache: self,
                            key,
                            tx,
                            done: false,
                        };
                    }
                }
            };
            self.stats.coalesced.fetch_add(1, Ordering::Relaxed);
            let mut waiting = waiting;
            let outcome = match waiting.wait_for(Option::is_some).await {
                Ok(v) => v.clone(),
                // The sender is gone without a word: take over.
                Err(_) => None,
            };
            match outcome.as_deref() {
                Some(Outcome::Done(result)) => return result.clone(),
                Some(Outcome::Abandoned) | None => continue,
            }
        };
        let result = self.fill(key, fetch).await;
        if let Ok(entry) = &result {
            self.store(key, entry);
        }
        leader.finish(result.clone());
        result
    }

    fn usable(&self, entry: &CachedBody) -> bool {
        entry.age() < self.fresh_for(entry)
    }

    async fn fill<F, Fut>(&self, key: &str, fetch: F) -> Result<Arc<CachedBody>, AdapterError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<Vec<u8>>, AdapterError>>,
    {
        let Some(l2) = &self.l2 else {
            return self.fetch(fetch).await;
        };
        let shared_key = l2.key(self.source, key);
        if let Some(entry) = l2.get_entry(&shared_key).await.filter(|e| self.usable(e)) {
            self.stats.l2_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(Arc::new(entry));
        }
        let lock_key = format!("{shared_key}:verrou");
        match l2.try_lock(&lock_key, self.lock_ttl).await {
            Some(false) => {
                // Another replica fetches this key: wait for its answer in Redis.
                let deadline = Instant::now() + self.lock_ttl;
                while Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(15)).await;
                    if let Some(entry) = l2.get_entry(&shared_key).await.filter(|e| self.usable(e))
                    {
                        self.stats.l2_hits.fetch_add(1, Ordering::Relaxed);
                        return Ok(Arc::new(entry));
                    }
                    if l2.exists(&lock_key).await != Some(true) {
                        break;
                    }
                }
                self.fetch_and_share(l2, &shared_key, fetch).await
            }
            Some(true) => {
                let result = self.fetch_and_share(l2, &shared_key, fetch).await;
                l2.unlock(&lock_key).await;
                result
            }
            None => self.fetch(fetch).await,
        }
    }

    async fn fetch<F, Fut>(&self, fetch: F) -> Result<Arc<CachedBody>, AdapterError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<Vec<u8>>, AdapterError>>,
    {
        let body = fetch().await?;
        Ok(Arc::new(CachedBody {
            body: body.map(Arc::from),
            stored: SystemTime::now(),
        }))
    }

    async fn fetch_and_share<F, Fut>(
        &self,
        l2: &RedisL2,
        shared_key: &str,
        fetch: F,
    ) -> Result<Arc<CachedBody>, AdapterError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<Vec<u8>>, AdapterError>>,
    {
        let entry = self.fetch(fetch).await?;
        let keep = if entry.body.is_some() {
            self.config.ttl
                + self
                    .config
                    .stale_while_revalidate
                    .max(self.config.stale_if_error)
        } else {
            self.config.negative_ttl
        };
        l2.set(shared_key, entry.encode(), keep).await;
        Ok(entry)
    }
}

/// The second-level cache shared by replicas: a Redis server. Every call has a short timeout; a failure
/// counts, warns (at most every 30 s) and makes the caller go on without it.
pub struct RedisL2 {
    client: redis::Client,
    shown: String,
    conn: tokio::sync::Mutex<Option<redis::aio::ConnectionManager>>,
    /// No new connection attempt before then (after a failure).
    retry_at: Mutex<Option<Instant>>,
    warned_at: Mutex<Option<Instant>>,
    /// Redis calls that failed or timed out.
    pub errors: AtomicU64,
    timeout: Duration,
}

impl std::fmt::Debug for RedisL2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisL2")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

const PREFIX: &str = "passerelle:v1";

impl RedisL2 {
    /// A client of the Redis at `url` (`redis://host:port/db`); connects on first use.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, String> {
        let shown = crate::error::redact_url(url);
        let client =
            redis::Client::open(url).map_err(|e| format!("url « {shown} » invalide : {e}"))?;
        Ok(Self {
            client,
            shown,
            conn: tokio::sync::Mutex::new(None),
            retry_at: Mutex::new(None),
            warned_at: Mutex::new(None),
            errors: AtomicU64::new(0),
            timeout,
        })
    }

    /// The address, without credentials.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn key(&self, source: SourceId, key: &str) -> String {
        format!("{PREFIX}:{source}:{key}")
    }

    fn failed(&self, what: &str, error: &dyn std::fmt::Display) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut warned = self
            .warned_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if warned.is_none_or(|at| now.duration_since(at) > Duration::from_secs(30)) {
            *warned = Some(now);
            tracing::warn!(redis = %self.shown, %error, "cache partagé indisponible ({what}) : cache local seul");
        }
    }

    async fn connection(&self) -> Option<redis::aio::ConnectionManager> {
        let mut conn = self.conn.lock().await;
        if let Some(c) = conn.as_ref() {
            return Some(c.clone());
        }
        {
            let retry_at = self.retry_at.lock().unwrap_or_else(PoisonError::into_inner);
            if retry_at.is_some_and(|at| Instant::now() < at) {
                return None;
            }
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1);
        let made = tokio::time::timeout(
            self.timeout * 2,
            redis::aio::ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await;
        match made {
            Ok(Ok(c)) => {
                *conn = Some(c.clone());
                Some(c)
            }
            Ok(Err(e)) => {
                self.failed("connexion", &e);
                self.pause();
                None
            }
            Err(_) => {
                self.failed("connexion", &"délai dépassé");
                self.pause();
                None
            }
        }
    }

    fn pause(&self) {
        *self.retry_at.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Instant::now() + Duration::from_secs(5));
    }

    async fn query<T: redis::FromRedisValue>(&self, what: &str, cmd: redis::Cmd) -> Option<T> {
        let mut conn = self.connection().await?;
        match tokio::time::timeout(self.timeout, cmd.query_async::<T>(&mut conn)).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                self.failed(what, &e);
                None
            }
            Err(_) => {
                self.failed(what, &"délai dépassé");
                None
            }
        }
    }

    async fn get_entry(&self, key: &str) -> Option<CachedBody> {
        let bytes: Option<Vec<u8>> = self
            .query("lecture", redis::cmd("GET").arg(key).clone())
            .await?;
        CachedBody::decode(&bytes?)
    }

    async fn set(&self, key: &str, value: Vec<u8>, keep: Duration) {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key)
            .arg(value)
            .arg("PX")
            .arg(keep.as_millis().max(1) as u64);
        let _: Option<()> = self.query("écriture", cmd).await;
    }

    /// `Some(true)`: this replica holds the lock; `Some(false)`: another does; `None`: Redis failed.
    async fn try_lock(&self, key: &str, ttl: Duration) -> Option<bool> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key)
            .arg(std::process::id())
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64);
        let answer: Option<Option<String>> = self.query("verrou", cmd).await;
        answer.map(|a| a.is_some())
    }

    async fn unlock(&self, key: &str) {
        let _: Option<i64> = self
            .query("verrou", redis::cmd("DEL").arg(key).clone())
            .await;
    }

    async fn exists(&self, key: &str) -> Option<bool> {
        let n: Option<i64> = self
            .query("lecture", redis::cmd("EXISTS").arg(key).clone())
            .await;
        n.map(|n| n > 0)
    }

    /// Counts one more in the fixed window `key` (which expires with the window); the new count, or
    /// `None` when Redis failed.
    pub async fn incr_window(&self, key: &str, window: Duration) -> Option<u64> {
        let key = format!("{PREFIX}:{key}");
        let n: i64 = self
            .query("compteur", redis::cmd("INCR").arg(&key).clone())
            .await?;
        if n == 1 {
            let _: Option<i64> = self
                .query(
                    "compteur",
                    redis::cmd("PEXPIRE")
                        .arg(&key)
                        .arg(window.as_millis().max(1) as u64 * 2)
                        .clone(),
                )
                .await;
        }
        Some(n.max(0) as u64)
    }

    /// Deletes every key of `source`; how many.
    async fn purge(&self, source: SourceId) -> Option<u64> {
        let pattern = format!("{PREFIX}:{source}:*");
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let mut cmd = redis::cmd("SCAN");
            cmd.arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500);
            let (next, keys): (u64, Vec<String>) = self.query("purge", cmd).await?;
            if !keys.is_empty() {
                let n: i64 = self
                    .query("purge", redis::cmd("DEL").arg(&keys).clone())
                    .await?;
                deleted += n.max(0) as u64;
            }
            if next == 0 {
                return Some(deleted);
            }
            cursor = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(ttl: Duration) -> ResponseCache {
        ResponseCache::new(
            "test",
            &CacheConfig {
                ttl,
                stale_while_revalidate: Duration::from_millis(200),
                stale_if_error: Duration::from_secs(60),
                negative_ttl: Duration::from_millis(10),
                capacity_mb: 1,
            },
            None,
            Duration::from_secs(1),
        )
    }

    #[test]
    fn encoding_round_trips() {
        let e = CachedBody {
            body: Some(Arc::from(&b"{\"a\":1}"[..])),
            stored: SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
        };
        assert_eq!(CachedBody::decode(&e.encode()), Some(e));
        let nf = CachedBody {
            body: None,
            stored: SystemTime::UNIX_EPOCH,
        };
        assert_eq!(CachedBody::decode(&nf.encode()), Some(nf));
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch_and_a_cancelled_leader_hands_over() {
        let c = Arc::new(cache(Duration::from_secs(60)));
        let calls = Arc::new(AtomicU64::new(0));
        // The first leader is cancelled mid-fetch.
        let first = {
            let (c, calls) = (Arc::clone(&c), Arc::clone(&calls));
            tokio::spawn(async move {
                c.load("k", || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    Ok(Some(b"never".to_vec()))
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let waiters: Vec<_> = (0..20)
            .map(|_| {
                let (c, calls) = (Arc::clone(&c), Arc::clone(&calls));
                tokio::spawn(async move {
                    c.load("k", || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(30)).await;
                        Ok(Some(b"ok".to_vec()))
                    })
                    .await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        first.abort();
        for w in waiters {
            let e = w.await.unwrap().unwrap();
            assert_eq!(e.body.as_deref(), Some(&b"ok"[..]));
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "the cancelled one and one more"
        );
        assert!(matches!(c.lookup("k"), Lookup::Fresh(_)));
    }

    #[tokio::test]
    async fn freshness_windows() {
        let c = cache(Duration::from_millis(50));
        c.load("k", || async { Ok(Some(b"v".to_vec())) })
            .await
            .unwrap();
        c.load("absent", || async { Ok(None) }).await.unwrap();
        assert!(matches!(c.lookup("k"), Lookup::Fresh(_)));
        assert!(matches!(c.lookup("absent"), Lookup::Fresh(_)));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(matches!(c.lookup("k"), Lookup::Revalidate(_)));
        assert!(
            matches!(c.lookup("absent"), Lookup::Miss(_)),
            "negative TTL is short"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        let Lookup::Miss(Some(old)) = c.lookup("k") else {
            panic!("past the SWR window the old answer is kept for errors only")
        };
        let err = AdapterError::Unavailable {
            source_id: "test",
            reason: "500".into(),
        };
        assert!(c.serve_stale_on_error(&old, &err));
        assert_eq!(c.stats().stale_on_error.load(Ordering::Relaxed), 1);
    }
}
