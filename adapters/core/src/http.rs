//! What every live API client shares: secrets that never print, a token fetched once for every waiting
//! caller, a client-side rate limit that a `429` pushes back, jittered exponential backoff, `Retry-After`
//! in both its forms, and [`ApiClient::get_json`], the one request loop that ties them together
//! (`401`: a new token, once; `429`: everyone waits; `5xx` and network errors: retried with backoff;
//! `404`/`204`: not found).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::adapter::{SourceHealth, SourceStatus};
use crate::breaker::{CircuitBreaker, CircuitState};
use crate::cache::{CacheStats, CachedBody, Lookup, ResponseCache};
use crate::config::SourceConfig;
use crate::error::{AdapterError, SourceId, redact_url};

/// A secret (password, client secret, token): `Debug` shows `***`, there is no `Display`, and the value is
/// reached only through [`Secret::expose`] where a request is built.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, to put in a request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Reads a non-empty environment variable, trimmed.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Spaces requests to a rate shared by every caller; a `429` pushes every caller back.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: tokio::sync::Mutex<Instant>,
}

impl RateLimiter {
    /// At most `per_second` requests per second (checked positive by the configuration).
    pub fn new(per_second: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: tokio::sync::Mutex::new(Instant::now()),
        }
    }

    /// Waits for the caller's slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        // The timer rounds a deadline up to its next millisecond tick: a slot already due must not
        // wait for it (that alone added about 1 ms to every upstream call).
        if slot > Instant::now() {
            tokio::time::sleep_until(slot).await;
        }
    }

    /// No slot before `until` (the upstream asked everyone to wait).
    pub async fn pause_until(&self, until: Instant) {
        let mut next = self.next.lock().await;
        *next = (*next).max(until);
    }
}

/// Exponential backoff with jitter: 200 ms, 400 ms, 800 ms… plus up to half as much again.
pub fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(200) * 2u32.saturating_pow(attempt.min(6));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    base + base.mul_f64(f64::from(nanos % 1000) / 2000.0)
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// The `User-Agent` of every request passerelle sends.
pub const USER_AGENT: &str = concat!("passerelle/", env!("CARGO_PKG_VERSION"));

/// Counters of a live API client, for tests and metrics.
#[derive(Debug, Default)]
pub struct ApiCounters {
    /// Tokens fetched (logins).
    pub tokens: AtomicU64,
    /// API requests sent (retries included).
    pub requests: AtomicU64,
    /// `429` answers received.
    pub throttled: AtomicU64,
    /// Calls refused at once by the open circuit breaker.
    pub short_circuited: AtomicU64,
    /// Calls made (one call may send several requests: retries, a token renewal).
    pub calls: AtomicU64,
    /// Calls that failed in the end (after their retries).
    pub errors: AtomicU64,
    /// How long each call took, retries included.
    pub latency: crate::metrics::Histogram,
}

/// One token shared by every caller: reused until its renewal time, fetched **once** however many
/// callers wait for it (they queue on one lock and find the new token), forgotten on a `401`.
#[derive(Debug, Default)]
pub struct TokenCache {
    cached: tokio::sync::Mutex<Option<(Secret, Instant)>>,
}

impl TokenCache {
    /// The cached token, or the one `fetch` gives with its lifetime (renewed a tenth of it early, at
    /// most a minute).
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<Secret, AdapterError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Secret, Duration), AdapterError>>,
    {
        let mut cached = self.cached.lock().await;
        if let Some((token, _)) = cached.as_ref().filter(|(_, renew)| Instant::now() < *renew) {
            return Ok(token.clone());
        }
        let (token, lifetime) = fetch().await?;
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        *cached = Some((token.clone(), Instant::now() + lifetime - margin));
        Ok(token)
    }

    /// Forgets `used` if it is still the cached token (a `401` said it is no longer valid).
    pub async fn invalidate(&self, used: &Secret) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|(t, _)| t == used) {
            *cached = None;
        }
    }
}

/// A login or token endpoint: a form POSTed with retries on `5xx`, `429` and network errors, counted
/// with the API's calls. Shared by the token caches of the live clients.
#[derive(Debug)]
pub struct TokenEndpoint {
    source: SourceId,
    url: String,
    http: reqwest::Client,
    retries: u32,
    counters: Arc<ApiCounters>,
}

/// What a token endpoint answered when it did not give a token: its status and body, for the caller
/// to turn into a message that never echoes what was sent.
#[derive(Debug)]
pub struct Refused {
    /// Status.
    pub status: reqwest::StatusCode,
    /// Body.
    pub body: Vec<u8>,
}

impl TokenEndpoint {
    /// The endpoint at `url`, called with `api`'s HTTP client, retries and counters.
    pub fn new(api: &ApiClient, url: String) -> Self {
        Self {
            source: api.inner.source,
            url,
            http: api.inner.http.get().clone(),
            retries: api.inner.retries,
            counters: api.counters(),
        }
    }

    /// The endpoint's URL without credentials or query, for messages.
    pub fn shown(&self) -> String {
        redact_url(&self.url)
    }

    /// POSTs `form`: the body of a `2xx` answer, or what refused it (`4xx` other than `429`).
    pub async fn post_form(
        &self,
        form: &[(&str, &str)],
    ) -> Result<Result<Vec<u8>, Refused>, AdapterError> {
        let shown = self.shown();
        let unavailable = |reason: String| AdapterError::Unavailable {
            source_id: self.source,
            reason,
        };
        let mut attempt = 0;
        loop {
            self.counters.tokens.fetch_add(1, Ordering::Relaxed);
            let retry = match self.http.post(&self.url).form(form).send().await {
                Err(e) => format!("connexion : {shown} injoignable : {}", e.without_url()),
                Ok(r) if r.status().is_server_error() || r.status().as_u16() == 429 => {
                    format!("connexion : {shown} a répondu {}", r.status())
                }
                Ok(r) => {
                    let status = r.status();
                    let body = r.bytes().await.map_err(|e| {
                        unavailable(format!(
                            "connexion : lecture de {shown} interrompue : {}",
                            e.without_url()
                        ))
                    })?;
                    return Ok(if status.is_success() {
                        Ok(body.to_vec())
                    } else {
                        Err(Refused {
                            status,
                            body: body.to_vec(),
                        })
                    });
                }
            };
            if attempt >= self.retries {
                return Err(unavailable(format!(
                    "{retry} ; abandon après {} tentatives",
                    attempt + 1
                )));
            }
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
        }
    }
}

/// How an API authenticates a request.
pub trait Auth: Send + Sync {
    /// A valid token.
    fn token(&self) -> impl Future<Output = Result<Secret, AdapterError>> + Send;
    /// Forgets `used` (the API answered `401`).
    fn invalidate(&self, used: &Secret) -> impl Future<Output = ()> + Send;
    /// Adds the token (and any header the API wants) to a request.
    fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        token: &Secret,
    ) -> reqwest::RequestBuilder;
    /// What to check when the API keeps refusing access (variables, subscriptions), without secrets.
    fn refused_hint(&self) -> String;
}

impl<A: Auth + ?Sized> Auth for Arc<A> {
    fn token(&self) -> impl Future<Output = Result<Secret, AdapterError>> + Send {
        (**self).token()
    }
    fn invalidate(&self, used: &Secret) -> impl Future<Output = ()> + Send {
        (**self).invalidate(used)
    }
    fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        token: &Secret,
    ) -> reqwest::RequestBuilder {
        (**self).authorize(request, token)
    }
    fn refused_hint(&self) -> String {
        (**self).refused_hint()
    }
}

/// No authentication, for open APIs such as API Géo and the Intercarif web service: the token is an empty [`Secret`] that is never
/// sent, requests go out as they are, and a `401` has nothing to renew. It lets such APIs share the
/// request loop of [`ApiClient::get_json`] (rate limit, retries, backoff, `Retry-After`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

impl Auth for NoAuth {
    async fn token(&self) -> Result<Secret, AdapterError> {
        Ok(Secret::new(String::new()))
    }

    async fn invalidate(&self, _used: &Secret) {}

    fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        _token: &Secret,
    ) -> reqwest::RequestBuilder {
        request
    }

    fn refused_hint(&self) -> String {
        "cette API est ouverte sans identifiants : vérifiez url (un mandataire ou un pare-feu \
         refuse-t-il l'accès ?)"
            .into()
    }
}

/// The outcome of one API call.
#[derive(Debug)]
pub enum Answer<T> {
    /// The decoded answer.
    Found(T),
    /// `404` or `204`.
    NotFound,
}

/// Checks an answer before it is cached and used: a malformed answer is an error naming where and why,
/// and never replaces a good one. Arguments: the source, the URL shown in messages, the body.
pub type Validator = fn(SourceId, &str, &[u8]) -> Result<(), AdapterError>;

/// The validator of a JSON answer decoded as `T`.
fn json_validator<T: DeserializeOwned>(
    source: SourceId,
    shown: &str,
    body: &[u8],
) -> Result<(), AdapterError> {
    decode_json::<T>(source, shown, body).map(drop)
}

fn decode_json<T: DeserializeOwned>(
    source: SourceId,
    shown: &str,
    body: &[u8],
) -> Result<T, AdapterError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        AdapterError::invalid(
            source,
            format!("{shown} ({})", e.path()),
            format!("réponse JSON inattendue : {}", e.inner()),
        )
    })
}

/// The validator of an XML answer: well-formed, whole (a truncated answer is refused).
pub fn xml_validator(source: SourceId, shown: &str, body: &[u8]) -> Result<(), AdapterError> {
    let mut reader = quick_xml::Reader::from_reader(body);
    reader.config_mut().check_end_names = true;
    let mut depth: i64 = 0;
    let mut seen_root = false;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => {
                depth += 1;
                seen_root = true;
            }
            Ok(quick_xml::events::Event::Empty(_)) => seen_root = true,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(AdapterError::invalid(
                    source,
                    format!("{shown} (octet {})", reader.buffer_position()),
                    format!("réponse XML mal formée : {e}"),
                ));
            }
        }
    }
    if depth != 0 || (!seen_root && !body.iter().all(u8::is_ascii_whitespace)) {
        return Err(AdapterError::invalid(
            source,
            shown.to_owned(),
            "réponse XML tronquée : des éléments ne sont pas fermés".to_owned(),
        ));
    }
    Ok(())
}

/// An HTTP client, with its pool of connections, per thread that calls the API. With one runtime per
/// serving thread (`[server] scheduling = "per-core"`), an upstream connection opened by a request is
/// driven by the task its thread spawned, and a shared pool would hand it to requests of other threads:
/// each of their calls would then wait for that thread to wake up. Per thread, a request's calls stay
/// on its thread. Built on a thread's first call, with the settings checked once in [`PerThread::new`].
#[derive(Debug)]
struct PerThread {
    first: reqwest::Client,
    timeout: Duration,
    clients: thread_local::ThreadLocal<reqwest::Client>,
}

impl PerThread {
    fn new(timeout: Duration) -> Result<Self, String> {
        Ok(Self {
            first: Self::build(timeout).map_err(|e| format!("client HTTP : {e}"))?,
            timeout,
            clients: thread_local::ThreadLocal::new(),
        })
    }

    fn build(timeout: Duration) -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(USER_AGENT)
            .build()
    }

    /// The calling thread's client (the first one if a new one cannot be built, which the same
    /// settings rule out).
    fn get(&self) -> &reqwest::Client {
        self.clients
            .get_or(|| Self::build(self.timeout).unwrap_or_else(|_| self.first.clone()))
    }
}

/// The request loop of a live API: its cache, circuit breaker, concurrency and rate limits, token and
/// retries. Cheap to share: the state lives behind an `Arc` that background refreshes hold.
#[derive(Debug)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    source: SourceId,
    /// The API's name in messages (« l'API ROME »).
    name: &'static str,
    http: PerThread,
    limiter: RateLimiter,
    retries: u32,
    max_retry_after: Duration,
    counters: Arc<ApiCounters>,
    breaker: CircuitBreaker,
    permits: tokio::sync::Semaphore,
    cache: ResponseCache,
}

impl ApiClient {
    /// A client configured by `[sources.<id>.http]` and `[sources.<id>.cache]` (checked by
    /// [`HttpConfig::check`]), sharing the server's second-level cache when there is one.
    pub fn new(
        source: SourceId,
        name: &'static str,
        config: &SourceConfig,
    ) -> Result<Self, String> {
        let http_config = &config.http;
        let http = PerThread::new(http_config.timeout)?;
        // The longest one fetch can take: every attempt timing out, plus the backoffs.
        let lock_ttl = (http_config.timeout * (http_config.retries + 1) + Duration::from_secs(2))
            .min(Duration::from_secs(120));
        Ok(Self {
            inner: Arc::new(Inner {
                source,
                name,
                http,
                limiter: RateLimiter::new(http_config.rate_limit),
                retries: http_config.retries,
                max_retry_after: http_config.max_retry_after,
                counters: Arc::default(),
                breaker: CircuitBreaker::new(http_config),
                permits: tokio::sync::Semaphore::new(http_config.concurrency),
                cache: ResponseCache::new(
                    source,
                    &config.cache,
                    config.shared.l2.clone(),
                    lock_ttl,
                ),
            }),
        })
    }

    /// The underlying HTTP client of the calling thread (for token requests).
    pub fn http(&self) -> &reqwest::Client {
        self.inner.http.get()
    }

    /// The counters.
    pub fn counters(&self) -> Arc<ApiCounters> {
        Arc::clone(&self.inner.counters)
    }

    /// The counters of the answers' cache.
    pub fn cache_stats(&self) -> Arc<CacheStats> {
        self.inner.cache.stats()
    }

    /// The circuit breaker's state.
    pub fn circuit(&self) -> CircuitState {
        self.inner.breaker.state_now()
    }

    /// How many times the circuit breaker opened.
    pub fn circuit_opened(&self) -> u64 {
        self.inner.breaker.times_opened()
    }

    /// Forgets the cached answers (with `shared`, in Redis too); how many shared keys were dropped.
    pub async fn purge(&self, shared: bool) -> u64 {
        self.inner.cache.purge(shared).await
    }

    /// How many retries are allowed.
    pub fn retries(&self) -> u32 {
        self.inner.retries
    }

    /// An `Unavailable` error of the source.
    pub fn unavailable(&self, reason: String) -> AdapterError {
        self.inner.unavailable(reason)
    }

    /// GETs `url` through the cache and decodes its JSON. The answer is validated (decoded) before it is
    /// cached; see [`ApiClient::get_cached`].
    pub async fn get_json<T: DeserializeOwned, A: Auth + Clone + 'static>(
        &self,
        auth: &A,
        url: &str,
        query: &[(&str, &str)],
    ) -> Result<Answer<T>, AdapterError> {
        let shown = redact_url(url);
        match self
            .get_cached(auth, url, query, "application/json", json_validator::<T>)
            .await?
        {
            Answer::NotFound => Ok(Answer::NotFound),
            Answer::Found(body) => {
                decode_json::<T>(self.inner.source, &shown, &body).map(Answer::Found)
            }
        }
    }

    /// GETs `url` through the source's cache: a fresh answer is served from memory (or Redis); callers
    /// asking for the same cold key at once share one upstream request; a stale answer is served at once
    /// while one background refresh runs; when the source fails, an answer up to `stale_if_error` old is
    /// served and noted in the request's [`crate::freshness`] log. Only answers `validate` accepts are
    /// cached.
    pub async fn get_cached<A: Auth + Clone + 'static>(
        &self,
        auth: &A,
        url: &str,
        query: &[(&str, &str)],
        accept: &str,
        validate: Validator,
    ) -> Result<Answer<Arc<[u8]>>, AdapterError> {
        let key = cache_key(url, query, accept);
        let cache = &self.inner.cache;
        let answer = |e: &CachedBody| match &e.body {
            Some(b) => Answer::Found(Arc::clone(b)),
            None => Answer::NotFound,
        };
        match cache.lookup(&key) {
            Lookup::Fresh(e) => Ok(answer(&e)),
            Lookup::Revalidate(e) => {
                if cache.begin_revalidation(&key) {
                    let inner = Arc::clone(&self.inner);
                    let auth = auth.clone();
                    let (url, accept) = (url.to_owned(), accept.to_owned());
                    let query: Vec<(String, String)> = query
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect();
                    tokio::spawn(async move {
                        let query: Vec<(&str, &str)> = query
                            .iter()
                            .map(|(k, v)| (k.as_str(), v.as_str()))
                            .collect();
                        let fetched = inner
                            .cache
                            .load(&key, || inner.fetch(&auth, &url, &query, &accept, validate))
                            .await;
                        if let Err(e) = fetched {
                            tracing::debug!(source = inner.source, error = %e, "rafraîchissement en arrière-plan en échec");
                        }
                        inner.cache.end_revalidation(&key);
                    });
                }
                Ok(answer(&e))
            }
            Lookup::Miss(old) => {
                match cache
                    .load(&key, || {
                        self.inner.fetch(auth, url, query, accept, validate)
                    })
                    .await
                {
                    Ok(e) => Ok(answer(&e)),
                    Err(err) => match old {
                        Some(old) if cache.serve_stale_on_error(&old, &err) => Ok(answer(&old)),
                        _ => Err(err),
                    },
                }
            }
        }
    }

    /// GETs `url` without the cache and decodes its JSON: for health probes, which must reach the
    /// upstream (through the circuit breaker and the limits).
    pub async fn probe_json<T: DeserializeOwned>(
        &self,
        auth: &impl Auth,
        url: &str,
        query: &[(&str, &str)],
    ) -> Result<Answer<T>, AdapterError> {
        match self.get_body(auth, url, query, "application/json").await? {
            Answer::NotFound => Ok(Answer::NotFound),
            Answer::Found(body) => {
                decode_json::<T>(self.inner.source, &redact_url(url), &body).map(Answer::Found)
            }
        }
    }

    /// GETs `url` without the cache (probes), through the circuit breaker and the limits; see
    /// [`ApiClient::get_cached`] for the usual way.
    pub async fn get_body(
        &self,
        auth: &impl Auth,
        url: &str,
        query: &[(&str, &str)],
        accept: &str,
    ) -> Result<Answer<Vec<u8>>, AdapterError> {
        let permit = self.inner.breaker_permit()?;
        let result = self.inner.send(auth, url, query, accept).await;
        permit.record(counts_as_success(&result));
        result
    }
}

/// The cache key of a request: URL, query (in order) and media type. No credential is part of it.
fn cache_key(url: &str, query: &[(&str, &str)], accept: &str) -> String {
    let mut key = String::with_capacity(url.len() + 32);
    key.push_str(url);
    for (i, (k, v)) in query.iter().enumerate() {
        key.push(if i == 0 { '?' } else { '&' });
        key.push_str(k);
        key.push('=');
        key.push_str(v);
    }
    key.push('|');
    key.push_str(accept);
    key
}

/// Whether an outcome says the upstream works (a caller's mistake says nothing against it).
fn counts_as_success<T>(result: &Result<T, AdapterError>) -> bool {
    matches!(
        result,
        Ok(_) | Err(AdapterError::BadInput { .. } | AdapterError::Unsupported { .. })
    )
}

impl Inner {
    fn unavailable(&self, reason: String) -> AdapterError {
        AdapterError::Unavailable {
            source_id: self.source,
            reason,
        }
    }

    fn breaker_permit(&self) -> Result<crate::breaker::Permit<'_>, AdapterError> {
        self.breaker.try_acquire().map_err(|wait| {
            self.counters
                .short_circuited
                .fetch_add(1, Ordering::Relaxed);
            self.unavailable(format!(
                "disjoncteur ouvert après des échecs répétés de {} : aucun appel avant {} s",
                self.name,
                wait.as_secs()
            ))
        })
    }

    /// One validated upstream answer (`None`: not found), through the circuit breaker.
    async fn fetch(
        &self,
        auth: &impl Auth,
        url: &str,
        query: &[(&str, &str)],
        accept: &str,
        validate: Validator,
    ) -> Result<Option<Vec<u8>>, AdapterError> {
        let permit = self.breaker_permit()?;
        let result = match self.send(auth, url, query, accept).await {
            Ok(Answer::Found(body)) => {
                validate(self.source, &redact_url(url), &body).map(|()| Some(body))
            }
            Ok(Answer::NotFound) => Ok(None),
            Err(e) => Err(e),
        };
        permit.record(counts_as_success(&result));
        result
    }

    /// GETs `url` and returns its body: within the concurrency and rate limits, with a token from
    /// `auth` (a new one once on `401`), waiting out `429`s (every caller waits), retrying `5xx` and
    /// network errors with backoff. `404`/`204` is [`Answer::NotFound`]; `400` is a caller's mistake.
    async fn send(
        &self,
        auth: &impl Auth,
        url: &str,
        query: &[(&str, &str)],
        accept: &str,
    ) -> Result<Answer<Vec<u8>>, AdapterError> {
        use tracing::Instrument as _;
        let span = tracing::info_span!(
            "appel amont",
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
            source = self.source,
            http.request.method = "GET",
            url.full = %redact_url(url),
        );
        let started = Instant::now();
        let result = self
            .send_attempts(auth, url, query, accept)
            .instrument(span.clone())
            .await;
        self.counters.calls.fetch_add(1, Ordering::Relaxed);
        self.counters.latency.observe(started.elapsed());
        if result.is_err() {
            self.counters.errors.fetch_add(1, Ordering::Relaxed);
            span.record("otel.status_code", "ERROR");
        }
        result
    }

    async fn send_attempts(
        &self,
        auth: &impl Auth,
        url: &str,
        query: &[(&str, &str)],
        accept: &str,
    ) -> Result<Answer<Vec<u8>>, AdapterError> {
        let shown = redact_url(url);
        let mut attempt = 0;
        let mut renewed = false;
        loop {
            let slot = self
                .permits
                .acquire()
                .await
                .map_err(|_| self.unavailable("client arrêté".into()))?;
            self.limiter.acquire().await;
            let token = auth.token().await?;
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let request = self
                .http
                .get()
                .get(url)
                .query(query)
                .header(reqwest::header::ACCEPT, accept)
                .headers(crate::trace::context_headers());
            let sent = auth.authorize(request, &token).send().await;
            let (reason, wait) = match sent {
                Err(e) => (
                    format!("{shown} injoignable : {}", e.without_url()),
                    backoff(attempt),
                ),
                Ok(r) => match r.status().as_u16() {
                    200..=203 => {
                        let body = r.bytes().await.map_err(|e| {
                            self.unavailable(format!(
                                "lecture de {shown} interrompue : {}",
                                e.without_url()
                            ))
                        })?;
                        return Ok(Answer::Found(body.to_vec()));
                    }
                    204 | 404 => return Ok(Answer::NotFound),
                    401 if !renewed => {
                        renewed = true;
                        auth.invalidate(&token).await;
                        continue;
                    }
                    401 | 403 => {
                        return Err(self.unavailable(format!(
                            "{shown} a refusé l'accès ({}) : {}",
                            r.status(),
                            auth.refused_hint()
                        )));
                    }
                    400 => {
                        return Err(AdapterError::BadInput {
                            field: "requête".into(),
                            message: format!("{} a refusé la requête {shown} (400)", self.name),
                        });
                    }
                    429 => {
                        self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                        let wait = retry_after(r.headers()).unwrap_or_else(|| backoff(attempt));
                        if wait > self.max_retry_after {
                            return Err(self.unavailable(format!(
                                "quota de {} dépassé : {shown} demande d'attendre {}s \
                                 (au-delà de http.max_retry_after = {}s)",
                                self.name,
                                wait.as_secs(),
                                self.max_retry_after.as_secs()
                            )));
                        }
                        // Every caller waits: the quota is the application's, not the request's.
                        self.limiter.pause_until(Instant::now() + wait).await;
                        (
                            format!("quota de {} dépassé ({shown} : 429)", self.name),
                            wait,
                        )
                    }
                    s if s >= 500 => (
                        format!("{shown} a répondu {}", r.status()),
                        backoff(attempt),
                    ),
                    _ => {
                        return Err(self.unavailable(format!("{shown} a répondu {}", r.status())));
                    }
                },
            };
            drop(slot);
            if attempt >= self.retries {
                return Err(self.unavailable(format!(
                    "{reason} ; abandon après {} tentatives",
                    attempt + 1
                )));
            }
            tracing::debug!(source = self.source, attempt, wait_ms = wait.as_millis() as u64, %reason, "nouvel essai");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// The health of a live API: ready once a call succeeded, degraded when the last call failed after that.
#[derive(Debug, Default)]
pub struct LiveHealth {
    state: Mutex<LiveState>,
}

#[derive(Debug, Default)]
struct LiveState {
    version: Option<String>,
    last_ok: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

impl LiveHealth {
    fn state(&self) -> std::sync::MutexGuard<'_, LiveState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the outcome of a call made at `now`.
    pub fn record<T>(&self, now: DateTime<Utc>, result: &Result<T, AdapterError>) {
        let mut state = self.state();
        match result {
            Ok(_) => {
                state.last_ok = Some(now);
                state.last_error = None;
            }
            // Caller mistakes and unsupported questions say nothing about the API's health.
            Err(AdapterError::BadInput { .. } | AdapterError::Unsupported { .. }) => {}
            Err(e) => state.last_error = Some(e.to_string()),
        }
    }

    /// The data version the API reports.
    pub fn set_version(&self, version: String) {
        self.state().version = Some(version);
    }

    /// The data version the API reports, when known.
    pub fn version(&self) -> Option<String> {
        self.state().version.clone()
    }

    /// The health report.
    pub fn report(&self) -> SourceHealth {
        let state = self.state();
        let status = match (&state.last_ok, &state.last_error) {
            (Some(_), None) => SourceStatus::Ready,
            (Some(_), Some(_)) => SourceStatus::Degraded,
            (None, Some(_)) => SourceStatus::Failed,
            (None, None) => SourceStatus::Loading,
        };
        SourceHealth {
            status,
            mode: "http",
            records: 0,
            version: state.version.clone(),
            loaded_at: state.last_ok,
            last_error: state.last_error.clone(),
            anomalies: Arc::from(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted() {
        let s = Secret::new("s3cr3t-value");
        assert!(!format!("{s:?}").contains("s3cr3t"));
        assert_eq!(s.expose(), "s3cr3t-value");
    }

    #[test]
    fn retry_after_forms() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        h.insert(
            reqwest::header::RETRY_AFTER,
            httpdate::fmt_http_date(later).parse().unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
    }

    #[test]
    fn xml_answers_are_checked_whole_before_they_are_cached() {
        let ok = b"<?xml version=\"1.0\"?><lheo><offres><formation/></offres></lheo>";
        assert!(xml_validator("offre-info", "u", ok).is_ok());
        assert!(
            xml_validator("offre-info", "u", b"  \n").is_ok(),
            "an empty answer"
        );
        let cut = xml_validator("offre-info", "u", b"<lheo><offres><formation>").unwrap_err();
        assert!(cut.to_string().contains("tronquée"), "{cut}");
        let bad = xml_validator("offre-info", "u", b"<lheo><offres></lheo>").unwrap_err();
        assert!(bad.to_string().contains("mal formée"), "{bad}");
        let json = json_validator::<Vec<u32>>("geo", "u", b"[1, 2").unwrap_err();
        assert!(json.to_string().contains("JSON"), "{json}");
        assert_eq!(
            cache_key("http://h/a", &[("q", "x"), ("n", "1")], "application/json"),
            "http://h/a?q=x&n=1|application/json"
        );
    }

    /// A slot already due is taken at once, without waiting for the timer's next tick (which added
    /// about 1 ms to every upstream call); the next one waits for its interval.
    #[tokio::test]
    async fn a_due_slot_does_not_wait_for_the_timer() {
        use futures::FutureExt as _;
        let limiter = RateLimiter::new(10.0);
        assert_eq!(limiter.acquire().now_or_never(), Some(()));
        assert_eq!(limiter.acquire().now_or_never(), None);
    }

    #[test]
    fn backoff_grows() {
        assert!(backoff(0) < Duration::from_millis(301));
        assert!(backoff(3) >= Duration::from_millis(1600));
    }
}
