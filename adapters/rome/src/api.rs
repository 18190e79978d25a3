//! `http` mode: the France Travail ROME 4.0 APIs (« ROME 4.0 - Métiers », « ROME 4.0 - Fiches métiers »).
//!
//! - **Authentication**: OAuth2 client credentials. The client id and secret come from the environment
//!   ([`CLIENT_ID_ENV`], [`CLIENT_SECRET_ENV`]), never from the configuration; the secret is held in a
//!   type whose `Debug` is redacted and never enters a log line or an error. One token is reused until
//!   shortly before its `expires_in`, and fetched **once** however many requests wait for it (they queue
//!   on one lock and find the new token). A `401` drops the token and retries once with a new one.
//! - **Rate**: a client-side limit (`http.rate_limit`, default 10 requests/s, France Travail's quota)
//!   spaces the requests of every caller; a `429` pushes every caller back by its `Retry-After`
//!   (seconds or an HTTP date) and the request is retried, up to `http.retries` times and as long as the
//!   wait is under `http.max_retry_after`.
//! - **Errors**: `404`/`204` is "no such fiche"; `5xx`, timeouts and connection failures are retried
//!   with jittered exponential backoff, then `Unavailable`; `400` is `BadInput`; `401`/`403` that
//!   persist say the credentials or scopes are refused.
//! - **What the API cannot answer**: the list of all fiches, searches filtered by domain or RIASEC, the
//!   référentiel lists, search pages beyond the API's 20 results: those are `Unsupported`, never a
//!   silent partial answer.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::try_join_all;
use passerelle_core::adapter::{
    Hit, PageRequest, RefreshOutcome, SearchPage, SourceHealth, SourceStatus,
};
use passerelle_core::config::{ConfigError, HttpConfig, SourceConfig, check_http_url};
use passerelle_core::error::redact_url;
use passerelle_core::model::Metier;
use passerelle_core::{AdapterError, Clock, CodeRome, SourceDescriptor};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::api_mapping::{self, FicheMetierDto, MetierDto, RequeteAppellationsDto, VersionDto};
use crate::{AppellationTrouvee, DESCRIPTOR, RomeFilter, SOURCE};

/// Base URL of the France Travail partner APIs (`url` in `http` mode overrides it).
pub const DEFAULT_API_URL: &str = "https://api.francetravail.io/partenaire";
/// OAuth2 token endpoint of France Travail's partner realm.
pub const DEFAULT_TOKEN_URL: &str =
    "https://entreprise.francetravail.fr/connexion/oauth2/access_token?realm=%2Fpartenaire";
/// Scopes of the two ROME 4.0 APIs used.
pub const DEFAULT_SCOPES: &str = "api_rome-metiersv1 api_rome-fiches-metiersv1 nomenclatureRome";
/// Environment variable holding the client id.
pub const CLIENT_ID_ENV: &str = "FRANCE_TRAVAIL_CLIENT_ID";
/// Environment variable holding the client secret.
pub const CLIENT_SECRET_ENV: &str = "FRANCE_TRAVAIL_CLIENT_SECRET";
/// How many results the appellation search of the API returns at most.
pub const API_SEARCH_LIMIT: usize = 20;

/// A secret: shown as `***` by `Debug`, never `Display`ed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// OAuth2 client credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Client id (not secret, but kept out of logs all the same).
    pub client_id: String,
    /// Client secret.
    pub client_secret: Secret,
}

impl Credentials {
    /// Reads [`CLIENT_ID_ENV`] and [`CLIENT_SECRET_ENV`].
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        match (var(CLIENT_ID_ENV), var(CLIENT_SECRET_ENV)) {
            (Some(client_id), Some(secret)) => Ok(Self {
                client_id,
                client_secret: Secret(secret),
            }),
            _ => Err(ConfigError {
                source_id: SOURCE,
                message: format!(
                    "mode = \"http\" demande les variables d'environnement {CLIENT_ID_ENV} et \
                     {CLIENT_SECRET_ENV} (identifiants de l'application France Travail)"
                ),
            }),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    value: Secret,
    /// When to fetch a new one: a little before it expires.
    renew_at: Instant,
}

/// Spaces requests to a rate; a `429` pushes every caller back.
#[derive(Debug)]
struct RateLimiter {
    interval: Duration,
    next: tokio::sync::Mutex<Instant>,
}

impl RateLimiter {
    fn new(per_second: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: tokio::sync::Mutex::new(Instant::now()),
        }
    }

    async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    async fn pause_until(&self, until: Instant) {
        let mut next = self.next.lock().await;
        *next = (*next).max(until);
    }
}

#[derive(Debug, Default)]
struct State {
    version: Option<String>,
    last_ok: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

/// Counters, for tests and metrics.
#[derive(Debug, Default)]
pub struct ApiCounters {
    /// Tokens fetched.
    pub tokens: AtomicU64,
    /// API requests sent (retries included).
    pub requests: AtomicU64,
    /// `429` answers received.
    pub throttled: AtomicU64,
}

/// The France Travail ROME 4.0 API client.
#[derive(Debug)]
pub struct RomeApi {
    base: String,
    token_url: String,
    scopes: String,
    credentials: Credentials,
    config: HttpConfig,
    clock: Clock,
    http: reqwest::Client,
    token: tokio::sync::Mutex<Option<Token>>,
    limiter: RateLimiter,
    state: Mutex<State>,
    counters: Arc<ApiCounters>,
}

/// The outcome of one API call.
enum Answer<T> {
    Found(T),
    NotFound,
}

impl RomeApi {
    /// The client the configuration asks for, with credentials from the environment.
    pub fn new(config: &SourceConfig, clock: Clock) -> Result<Self, ConfigError> {
        Self::with_credentials(config, clock, Credentials::from_env()?)
    }

    /// The client with the given credentials.
    pub fn with_credentials(
        config: &SourceConfig,
        clock: Clock,
        credentials: Credentials,
    ) -> Result<Self, ConfigError> {
        let err = |message: String| ConfigError {
            source_id: SOURCE,
            message,
        };
        if config.path.is_some() {
            return Err(err(
                "mode = \"http\" interroge l'API : retirez path (url donne l'adresse de l'API)"
                    .into(),
            ));
        }
        config.http.check(SOURCE)?;
        let base = config
            .url
            .clone()
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        check_http_url(&base).map_err(|m| err(format!("url : {m}")))?;
        let http = reqwest::Client::builder()
            .timeout(config.http.timeout)
            .user_agent(concat!("passerelle/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| err(format!("client HTTP : {e}")))?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token_url: config
                .http
                .token_url
                .clone()
                .unwrap_or_else(|| DEFAULT_TOKEN_URL.to_owned()),
            scopes: config
                .http
                .scopes
                .clone()
                .unwrap_or_else(|| DEFAULT_SCOPES.to_owned()),
            credentials,
            limiter: RateLimiter::new(config.http.rate_limit),
            config: config.http.clone(),
            clock,
            http,
            token: tokio::sync::Mutex::new(None),
            state: Mutex::default(),
            counters: Arc::default(),
        })
    }

    /// The source's description.
    pub fn descriptor(&self) -> &SourceDescriptor {
        &DESCRIPTOR
    }

    /// Counters of tokens, requests and throttling.
    pub fn counters(&self) -> Arc<ApiCounters> {
        Arc::clone(&self.counters)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record<T>(&self, result: &Result<T, AdapterError>) {
        let mut state = self.state();
        match result {
            Ok(_) => {
                state.last_ok = Some(self.clock.now());
                state.last_error = None;
            }
            // Caller mistakes and unsupported questions say nothing about the API's health.
            Err(AdapterError::BadInput { .. } | AdapterError::Unsupported { .. }) => {}
            Err(e) => state.last_error = Some(e.to_string()),
        }
    }

    fn unavailable(reason: String) -> AdapterError {
        AdapterError::Unavailable {
            source_id: SOURCE,
            reason,
        }
    }

    /// A valid token: the cached one, or a new one fetched once for every waiting caller.
    async fn token(&self) -> Result<Secret, AdapterError> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(t.value.clone());
        }
        let token = self.fetch_token().await?;
        let value = token.value.clone();
        *cached = Some(token);
        Ok(value)
    }

    /// Forgets `used` if it is still the cached token (a `401` said it is no longer valid).
    async fn drop_token(&self, used: &Secret) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|t| t.value.0 == used.0) {
            *cached = None;
        }
    }

    async fn fetch_token(&self) -> Result<Token, AdapterError> {
        #[derive(serde::Deserialize)]
        struct TokenDto {
            access_token: String,
            #[serde(default)]
            expires_in: Option<u64>,
        }
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct OAuthError {
            error: String,
        }
        let shown = redact_url(&self.token_url);
        let mut attempt = 0;
        loop {
            self.counters.tokens.fetch_add(1, Ordering::Relaxed);
            let form = [
                ("grant_type", "client_credentials"),
                ("client_id", self.credentials.client_id.as_str()),
                ("client_secret", self.credentials.client_secret.expose()),
                ("scope", self.scopes.as_str()),
            ];
            let sent = self.http.post(&self.token_url).form(&form).send().await;
            let retry = match sent {
                Err(e) => format!("jeton : {shown} injoignable : {}", e.without_url()),
                Ok(r) if r.status().is_success() => {
                    let body = r.bytes().await.map_err(|e| {
                        Self::unavailable(format!(
                            "jeton : lecture interrompue : {}",
                            e.without_url()
                        ))
                    })?;
                    let dto: TokenDto = serde_json::from_slice(&body).map_err(|e| {
                        Self::unavailable(format!("jeton : réponse illisible de {shown} : {e}"))
                    })?;
                    let lifetime = Duration::from_secs(dto.expires_in.unwrap_or(60));
                    // Renewed before expiry by a tenth of its life, at most a minute.
                    let margin = (lifetime / 10).min(Duration::from_secs(60));
                    return Ok(Token {
                        value: Secret(dto.access_token),
                        renew_at: Instant::now() + lifetime - margin,
                    });
                }
                Ok(r) if r.status().is_server_error() || r.status().as_u16() == 429 => {
                    format!("jeton : {shown} a répondu {}", r.status())
                }
                Ok(r) => {
                    // The OAuth error code (`invalid_client`, `invalid_scope`) only: the body could echo
                    // what was sent.
                    let status = r.status();
                    let body = r.bytes().await.unwrap_or_default();
                    let code = serde_json::from_slice::<OAuthError>(&body)
                        .map(|e| e.error)
                        .unwrap_or_default();
                    let code: String = code
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .take(40)
                        .collect();
                    return Err(Self::unavailable(format!(
                        "jeton refusé par {shown} ({status}{}) : vérifiez {CLIENT_ID_ENV}, \
                         {CLIENT_SECRET_ENV} et les scopes ({})",
                        if code.is_empty() {
                            String::new()
                        } else {
                            format!(", {code}")
                        },
                        self.scopes
                    )));
                }
            };
            if attempt >= self.config.retries {
                return Err(Self::unavailable(retry));
            }
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
        }
    }

    /// GETs `path` under the base URL and decodes its JSON.
    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Answer<T>, AdapterError> {
        let url = format!("{}{path}", self.base);
        let shown = redact_url(&url);
        let mut attempt = 0;
        let mut renewed = false;
        loop {
            self.limiter.acquire().await;
            let token = self.token().await?;
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .http
                .get(&url)
                .query(query)
                .bearer_auth(token.expose())
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await;
            let (reason, wait) = match sent {
                Err(e) => (
                    format!("{shown} injoignable : {}", e.without_url()),
                    backoff(attempt),
                ),
                Ok(r) => match r.status().as_u16() {
                    200..=203 => {
                        let body = r.bytes().await.map_err(|e| {
                            Self::unavailable(format!(
                                "lecture de {shown} interrompue : {}",
                                e.without_url()
                            ))
                        })?;
                        let mut de = serde_json::Deserializer::from_slice(&body);
                        return serde_path_to_error::deserialize(&mut de)
                            .map(Answer::Found)
                            .map_err(|e| {
                                AdapterError::invalid(
                                    SOURCE,
                                    format!("{shown} ({})", e.path()),
                                    format!("réponse JSON inattendue : {}", e.inner()),
                                )
                            });
                    }
                    204 | 404 => return Ok(Answer::NotFound),
                    401 if !renewed => {
                        renewed = true;
                        self.drop_token(&token).await;
                        continue;
                    }
                    401 | 403 => {
                        return Err(Self::unavailable(format!(
                            "{shown} a refusé l'accès ({}) : vérifiez que l'application est abonnée \
                             aux API ROME 4.0 et les scopes ({})",
                            r.status(),
                            self.scopes
                        )));
                    }
                    400 => {
                        return Err(AdapterError::BadInput {
                            field: "codeRome".into(),
                            message: format!("l'API ROME a refusé la requête {shown} (400)"),
                        });
                    }
                    429 => {
                        self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                        let wait = retry_after(r.headers()).unwrap_or_else(|| backoff(attempt));
                        if wait > self.config.max_retry_after {
                            return Err(Self::unavailable(format!(
                                "quota de l'API ROME dépassé : {shown} demande d'attendre {}s \
                                 (au-delà de http.max_retry_after = {}s)",
                                wait.as_secs(),
                                self.config.max_retry_after.as_secs()
                            )));
                        }
                        // Every caller waits: the quota is the application's, not the request's.
                        self.limiter.pause_until(Instant::now() + wait).await;
                        (format!("quota de l'API ROME dépassé ({shown} : 429)"), wait)
                    }
                    s if s >= 500 => (
                        format!("{shown} a répondu {}", r.status()),
                        backoff(attempt),
                    ),
                    _ => {
                        return Err(Self::unavailable(format!(
                            "{shown} a répondu {}",
                            r.status()
                        )));
                    }
                },
            };
            if attempt >= self.config.retries {
                return Err(Self::unavailable(format!(
                    "{reason} ; abandon après {} tentatives",
                    attempt + 1
                )));
            }
            tracing::debug!(source = SOURCE, attempt, wait_ms = wait.as_millis() as u64, %reason, "nouvel essai");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    fn version(&self) -> Option<String> {
        self.state().version.clone()
    }

    /// One métier: its two calls, concurrently.
    async fn fetch_one(&self, code: &CodeRome) -> Result<Option<Metier>, AdapterError> {
        let metier_path = format!("/rome-metiers/v1/metiers/metier/{code}");
        let fiche_path = format!("/rome-fiches-metiers/v1/fiches-rome/fiche-metier/{code}");
        let (metier, fiche) = tokio::try_join!(
            self.get::<MetierDto>(&metier_path, &[]),
            self.get::<FicheMetierDto>(&fiche_path, &[]),
        )?;
        let Answer::Found(metier) = metier else {
            return Ok(None);
        };
        let fiche = match fiche {
            Answer::Found(f) => Some(f),
            Answer::NotFound => None,
        };
        Ok(api_mapping::metier(
            &metier,
            fiche.as_ref(),
            &DESCRIPTOR,
            self.version(),
            self.clock.now(),
        ))
    }

    /// Métiers by code: one pair of calls per distinct code, concurrently, within the rate limit.
    pub async fn fetch(
        &self,
        keys: &[CodeRome],
    ) -> Result<HashMap<CodeRome, Arc<Metier>>, AdapterError> {
        let distinct: Vec<&CodeRome> = {
            let mut seen = HashSet::new();
            keys.iter().filter(|k| seen.insert(*k)).collect()
        };
        let result = try_join_all(distinct.iter().map(|c| self.fetch_one(c))).await;
        self.record(&result);
        Ok(distinct
            .into_iter()
            .zip(result?)
            .filter_map(|(c, m)| m.map(|m| (c.clone(), Arc::new(m))))
            .collect())
    }

    fn unsupported(operation: &str) -> AdapterError {
        AdapterError::Unsupported {
            source_id: SOURCE,
            mode: "http",
            operation: operation.to_owned(),
        }
    }

    async fn requete(&self, recherche: &str) -> Result<RequeteAppellationsDto, AdapterError> {
        let answer = self
            .get::<RequeteAppellationsDto>(
                "/rome-metiers/v1/metiers/appellation/requete",
                &[("q", recherche)],
            )
            .await;
        self.record(&answer);
        Ok(match answer? {
            Answer::Found(r) => r,
            Answer::NotFound => RequeteAppellationsDto::default(),
        })
    }

    /// Appellations matching `recherche`, as the API ranks them. Only its first 20 results exist: a
    /// page reaching beyond them is `Unsupported`.
    pub async fn search_appellations(
        &self,
        recherche: &str,
        page: PageRequest,
    ) -> Result<SearchPage<AppellationTrouvee>, AdapterError> {
        if recherche.trim().is_empty() {
            return Ok(SearchPage {
                total: 0,
                hits: Vec::new(),
            });
        }
        let answer = self.requete(recherche).await?;
        let returned = answer.resultats.len();
        let total = answer.total_resultats.unwrap_or(returned).max(returned);
        let end = page.offset.saturating_add(page.limit);
        if total > returned && end > returned {
            return Err(Self::unsupported(&format!(
                "la recherche d'appellations au-delà des {returned} premiers résultats \
                 ({total} au total) ; utilisez le mode snapshot"
            )));
        }
        let hits = answer
            .resultats
            .iter()
            .skip(page.offset)
            .take(page.limit)
            .filter_map(|a| {
                Some(Hit::new(AppellationTrouvee {
                    appellation: a.domain()?,
                    code_rome: CodeRome::parse(&a.metier.as_ref()?.code).ok()?,
                }))
            })
            .collect();
        Ok(SearchPage { total, hits })
    }

    /// Métiers matching `recherche` (through the appellation search). Filters and listing every fiche
    /// are `Unsupported`, and so is a search whose appellations exceed what the API returns.
    pub async fn search(
        &self,
        filter: &RomeFilter,
        page: PageRequest,
    ) -> Result<SearchPage<Arc<Metier>>, AdapterError> {
        if filter.has_criteria() {
            return Err(Self::unsupported(
                "le filtrage des fiches par domaine, fiche parente, RIASEC ou transition ; \
                 utilisez le mode snapshot",
            ));
        }
        let Some(recherche) = filter.recherche.as_deref().filter(|r| !r.trim().is_empty()) else {
            return Err(Self::unsupported(
                "la liste de toutes les fiches ; donnez une recherche ou utilisez le mode snapshot",
            ));
        };
        let answer = self.requete(recherche).await?;
        let returned = answer.resultats.len();
        let total = answer.total_resultats.unwrap_or(returned);
        if total > returned {
            return Err(Self::unsupported(&format!(
                "la recherche de métiers quand les appellations trouvées ({total}) dépassent les \
                 {returned} que l'API renvoie ; précisez la recherche, utilisez appellations(recherche) \
                 ou le mode snapshot"
            )));
        }
        let mut seen = HashSet::new();
        let codes: Vec<CodeRome> = answer
            .resultats
            .iter()
            .filter_map(|a| CodeRome::parse(&a.metier.as_ref()?.code).ok())
            .filter(|c| seen.insert(c.clone()))
            .collect();
        let page_codes: Vec<CodeRome> = codes
            .iter()
            .skip(page.offset)
            .take(page.limit)
            .cloned()
            .collect();
        let found = self.fetch(&page_codes).await?;
        Ok(SearchPage {
            total: codes.len(),
            hits: page_codes
                .iter()
                .filter_map(|c| found.get(c).map(|m| Hit::new(Arc::clone(m))))
                .collect(),
        })
    }

    /// Checks the credentials (a token) and reads the API's ROME version.
    pub async fn refresh(&self) -> Result<RefreshOutcome, AdapterError> {
        let result = self
            .get::<VersionDto>("/rome-metiers/v1/metiers/version", &[])
            .await;
        self.record(&result);
        if let Answer::Found(VersionDto { version: Some(v) }) = result? {
            self.state().version = Some(v);
        }
        Ok(RefreshOutcome::Unchanged)
    }

    /// Health: ready once a call succeeded; degraded when the last call failed after that.
    pub fn health(&self) -> SourceHealth {
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

/// Exponential backoff with jitter: 200 ms, 400 ms, 800 ms… plus up to half as much again.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(200) * 2u32.saturating_pow(attempt.min(6));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    base + base.mul_f64(f64::from(nanos % 1000) / 2000.0)
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted() {
        let c = Credentials {
            client_id: "id".into(),
            client_secret: Secret::new("s3cr3t-value"),
        };
        assert!(!format!("{c:?}").contains("s3cr3t"));
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
}
