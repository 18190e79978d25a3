//! What a request was served from a cache past its freshness because a source failed: the request scope
//! sets a [`StaleLog`] (a task-local), the caches of the live APIs note in it every stale answer they
//! serve, and the server reports them in the response's `extensions`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::error::SourceId;

/// One stale answer served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleServe {
    /// The source.
    pub source: SourceId,
    /// Age of the answer served.
    pub age: Duration,
    /// Why the fresh answer could not be had (redacted, like every source error).
    pub reason: String,
}

/// The stale answers served to one request.
#[derive(Debug, Default)]
pub struct StaleLog(Mutex<Vec<StaleServe>>);

impl StaleLog {
    /// Every stale answer served, one per source (the oldest age).
    pub fn entries(&self) -> Vec<StaleServe> {
        let all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut by_source: Vec<StaleServe> = Vec::new();
        for serve in all.iter() {
            match by_source.iter_mut().find(|s| s.source == serve.source) {
                Some(s) if serve.age > s.age => s.age = serve.age,
                Some(_) => {}
                None => by_source.push(serve.clone()),
            }
        }
        by_source
    }

    fn push(&self, serve: StaleServe) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(serve);
    }
}

tokio::task_local! {
    static LOG: Arc<StaleLog>;
}

/// Runs `f` with `log` as the request's stale log.
pub async fn scope<F: std::future::Future>(log: Arc<StaleLog>, f: F) -> F::Output {
    LOG.scope(log, f).await
}

/// The current request's stale log, if any (to hand to tasks spawned for it).
pub fn current() -> Option<Arc<StaleLog>> {
    LOG.try_with(Arc::clone).ok()
}

/// Notes a stale answer in the current request's log (nothing outside a request).
pub fn note(source: SourceId, age: Duration, reason: String) {
    let _ = LOG.try_with(|log| {
        log.push(StaleServe {
            source,
            age,
            reason,
        });
    });
}
