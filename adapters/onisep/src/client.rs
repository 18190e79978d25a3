//! The ONISEP open-data API (`https://api.opendata.onisep.fr/api/1.0`): the same Idéo-Métiers rows as
//! the files, asked live (`http` mode) or walked page by page to load the whole dataset (`snapshot` mode
//! with `url` = a dataset's search URL).
//!
//! - **Authentication**: `POST …/login` with the form fields `email` and `password` gives
//!   `{"token": "…"}`; every call then carries `Authorization: Bearer <token>` and the
//!   `Application-ID` header. The three values come from the environment ([`EMAIL_ENV`],
//!   [`PASSWORD_ENV`], [`APPLICATION_ID_ENV`]), are held as secrets, and never reach a log or an error.
//!   One token serves every caller until the API answers `401`; then one new login, once.
//! - **Search**: `GET …/dataset/{id}/search?q=&size=&from=` answers
//!   `{"total": n, "size": …, "from": …, "results": [row…]}`, rows with the export's field names. The
//!   search is full-text over every field; passerelle asks for a superset and applies its own criteria
//!   and ranking to it, so both modes answer alike.
//! - **Limits**: the client-side rate limit, retries, `Retry-After` and backoff of every live API
//!   ([`passerelle_core::http`]). A live search that would walk more than [`MAX_LIVE_ROWS`] rows, and a
//!   listing without any criterion, are `Unsupported`: that is the snapshot mode's job.
//! - **Not in this mode**: the detailed fiches (Idéo-Fiches métiers is a file, not an API dataset).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::future::try_join_all;
use passerelle_core::adapter::{Hit, PageRequest, RefreshOutcome, SearchPage, SourceHealth};
use passerelle_core::config::{ConfigError, SourceConfig};
use passerelle_core::error::redact_url;
use passerelle_core::http::{
    Answer, ApiClient, ApiCounters, Auth, LiveHealth, Secret, TokenCache, TokenEndpoint, env_var,
};
use passerelle_core::model::FicheOnisep;
use passerelle_core::snapshot::{Fetch, FetchFuture, LoadContext, RawFiles};
use passerelle_core::{AdapterError, Clock, IdOnisep};
use serde::Deserialize;

use crate::mapping::{self, id_from_link};
use crate::snapshot::ItemRow;
use crate::{DESCRIPTOR, OnisepFilter, SOURCE};

/// Base URL of the ONISEP open-data API (`url` in `http` mode overrides it).
pub const DEFAULT_API_URL: &str = "https://api.opendata.onisep.fr/api/1.0";
/// The Idéo-Métiers dataset (`http.dataset` overrides it).
pub const DEFAULT_DATASET: &str = "5fa5949243f97";
/// Environment variable holding the account's e-mail.
pub const EMAIL_ENV: &str = "ONISEP_EMAIL";
/// Environment variable holding the account's password.
pub const PASSWORD_ENV: &str = "ONISEP_PASSWORD";
/// Environment variable holding the application's `Application-ID`.
pub const APPLICATION_ID_ENV: &str = "ONISEP_APPLICATION_ID";
/// Rows asked per page.
pub const PAGE_SIZE: usize = 500;
/// Most rows a live search may walk.
pub const MAX_LIVE_ROWS: usize = 5_000;
/// How long a token is trusted before a new login (ONISEP documents 24 hours).
const TOKEN_LIFETIME: Duration = Duration::from_secs(23 * 3600);

/// The ONISEP account and application.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Account e-mail.
    pub email: Secret,
    /// Account password.
    pub password: Secret,
    /// The application's key, sent as `Application-ID`.
    pub application_id: Secret,
}

impl Credentials {
    /// Reads [`EMAIL_ENV`], [`PASSWORD_ENV`] and [`APPLICATION_ID_ENV`].
    pub fn from_env() -> Result<Self, ConfigError> {
        match (
            env_var(EMAIL_ENV),
            env_var(PASSWORD_ENV),
            env_var(APPLICATION_ID_ENV),
        ) {
            (Some(email), Some(password), Some(app)) => Ok(Self {
                email: Secret::new(email),
                password: Secret::new(password),
                application_id: Secret::new(app),
            }),
            _ => Err(ConfigError {
                source_id: SOURCE,
                message: format!(
                    "l'API ONISEP demande les variables d'environnement {EMAIL_ENV}, {PASSWORD_ENV} \
                     et {APPLICATION_ID_ENV} (compte et application sur opendata.onisep.fr)"
                ),
            }),
        }
    }
}

/// Whether `url` is a dataset's search URL of the API (`…/dataset/{id}/search`), which a snapshot loads
/// by walking its pages.
pub fn is_search_url(url: &str) -> bool {
    let path = redact_url(url);
    path.contains("/dataset/") && path.trim_end_matches('/').ends_with("/search")
}

fn unavailable(reason: String) -> AdapterError {
    AdapterError::Unavailable {
        source_id: SOURCE,
        reason,
    }
}

/// Login by e-mail and password; the token goes with the `Application-ID`.
#[derive(Debug)]
struct Login {
    endpoint: TokenEndpoint,
    credentials: Credentials,
    tokens: TokenCache,
}

impl Login {
    async fn login(&self) -> Result<(Secret, Duration), AdapterError> {
        #[derive(Deserialize)]
        struct TokenDto {
            token: String,
        }
        let shown = self.endpoint.shown();
        let form = [
            ("email", self.credentials.email.expose()),
            ("password", self.credentials.password.expose()),
        ];
        match self.endpoint.post_form(&form).await? {
            Ok(body) => {
                let dto: TokenDto = serde_json::from_slice(&body).map_err(|e| {
                    unavailable(format!(
                        "connexion : réponse de {shown} sans jeton lisible : {e}"
                    ))
                })?;
                Ok((Secret::new(dto.token), TOKEN_LIFETIME))
            }
            Err(refused) => Err(unavailable(format!(
                "connexion refusée par {shown} ({}) : vérifiez {EMAIL_ENV} et {PASSWORD_ENV}",
                refused.status
            ))),
        }
    }
}

impl Auth for Login {
    async fn token(&self) -> Result<Secret, AdapterError> {
        self.tokens.get(|| self.login()).await
    }

    async fn invalidate(&self, used: &Secret) {
        self.tokens.invalidate(used).await;
    }

    fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        token: &Secret,
    ) -> reqwest::RequestBuilder {
        request
            .bearer_auth(token.expose())
            .header("Application-ID", self.credentials.application_id.expose())
    }

    fn refused_hint(&self) -> String {
        format!("vérifiez {APPLICATION_ID_ENV} et les droits du compte sur le jeu de données")
    }
}

/// One page of a dataset search.
#[derive(Debug, Deserialize)]
struct PageDto {
    #[serde(default)]
    total: Option<usize>,
    #[serde(default)]
    results: Vec<ItemRow>,
}

/// The API of one dataset: login, then paginated searches.
#[derive(Debug)]
struct DatasetApi {
    api: ApiClient,
    login: Arc<Login>,
    search_url: String,
    dataset: String,
}

impl DatasetApi {
    fn new(
        base: &str,
        dataset: &str,
        config: &SourceConfig,
        credentials: Credentials,
    ) -> Result<Self, ConfigError> {
        let err = |message: String| ConfigError {
            source_id: SOURCE,
            message,
        };
        config.http.check(SOURCE)?;
        if dataset.is_empty() || !dataset.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(err(format!(
                "http.dataset = « {dataset} » : un identifiant de jeu de données ONISEP \
                 (lettres et chiffres, ex. {DEFAULT_DATASET}) est attendu"
            )));
        }
        let api = ApiClient::new(SOURCE, "l'API ONISEP", config).map_err(err)?;
        let login_url = config
            .http
            .token_url
            .clone()
            .unwrap_or_else(|| format!("{base}/login"));
        Ok(Self {
            login: Arc::new(Login {
                endpoint: TokenEndpoint::new(&api, login_url),
                credentials,
                tokens: TokenCache::default(),
            }),
            api,
            search_url: format!("{base}/dataset/{dataset}/search"),
            dataset: dataset.to_owned(),
        })
    }

    /// Every row the API returns for `q`, page after page; more than `cap` rows is `Unsupported`.
    async fn walk(&self, q: &str, cap: usize) -> Result<Vec<ItemRow>, AdapterError> {
        let mut rows = Vec::new();
        let size = PAGE_SIZE.to_string();
        loop {
            let from = rows.len().to_string();
            let query = [("q", q), ("size", size.as_str()), ("from", from.as_str())];
            let page = match self
                .api
                .get_json::<PageDto, _>(&self.login, &self.search_url, &query)
                .await?
            {
                Answer::Found(p) => p,
                Answer::NotFound => break,
            };
            let returned = page.results.len();
            let start = rows.len();
            rows.extend(page.results.into_iter().enumerate().map(|(i, mut r)| {
                r.location = format!(
                    "API ONISEP {} q=« {q} », résultat n°{}",
                    self.dataset,
                    start + i + 1
                );
                r
            }));
            let total = page.total.unwrap_or(rows.len());
            if returned == 0 || rows.len() >= total {
                break;
            }
            if rows.len() >= cap {
                return Err(AdapterError::Unsupported {
                    source_id: SOURCE,
                    mode: "http",
                    operation: format!(
                        "une recherche de plus de {cap} lignes ({total} pour « {q} ») ; \
                         précisez-la ou utilisez le mode snapshot"
                    ),
                });
            }
        }
        Ok(rows)
    }
}

/// Loads a whole dataset through the API for a snapshot: every page, as one JSON file of rows parsed
/// like the JSON export.
#[derive(Debug)]
pub struct DatasetWalker(DatasetApi);

impl DatasetWalker {
    /// The walker of a dataset's search URL (`…/api/1.0/dataset/{id}/search`).
    pub fn new(
        search_url: &str,
        config: &SourceConfig,
        credentials: Credentials,
    ) -> Result<Self, ConfigError> {
        let clean = search_url.split(['?', '#']).next().unwrap_or_default();
        let (base, rest) = clean.split_once("/dataset/").ok_or_else(|| ConfigError {
            source_id: SOURCE,
            message: format!(
                "url : « {} » n'est pas une adresse …/dataset/{{id}}/search",
                redact_url(search_url)
            ),
        })?;
        let dataset = rest.trim_end_matches('/').trim_end_matches("/search");
        Ok(Self(DatasetApi::new(base, dataset, config, credentials)?))
    }

    /// Counters of logins and requests.
    pub fn counters(&self) -> Arc<ApiCounters> {
        self.0.api.counters()
    }
}

impl Fetch for DatasetWalker {
    fn fetch(&self) -> FetchFuture<'_> {
        Box::pin(async move {
            let rows = self.0.walk("", usize::MAX).await?;
            let json = serde_json::to_vec(&rows)
                .map_err(|e| unavailable(format!("lignes de l'API illisibles : {e}")))?;
            let name = format!("api-onisep-{}.json", self.0.dataset);
            Ok(RawFiles::new(vec![(name, json.into())]))
        })
    }
}

/// The `http` mode: every question asked to the API.
#[derive(Debug)]
pub struct OnisepApi {
    inner: DatasetApi,
    clock: Clock,
    health: LiveHealth,
}

impl OnisepApi {
    /// The API client (its cache, circuit breaker and counters).
    pub fn client(&self) -> &ApiClient {
        &self.inner.api
    }
    /// The client the configuration asks for.
    pub fn new(
        config: &SourceConfig,
        clock: Clock,
        credentials: Credentials,
    ) -> Result<Self, ConfigError> {
        let base = config.api_base(SOURCE, DEFAULT_API_URL)?;
        let dataset = config.http.dataset.as_deref().unwrap_or(DEFAULT_DATASET);
        Ok(Self {
            inner: DatasetApi::new(&base, dataset, config, credentials)?,
            clock,
            health: LiveHealth::default(),
        })
    }

    /// Counters of logins and requests.
    pub fn counters(&self) -> Arc<ApiCounters> {
        self.inner.api.counters()
    }

    fn context(&self) -> LoadContext {
        LoadContext {
            descriptor: DESCRIPTOR,
            fetched_at: self.clock.now(),
            geocoder: None,
        }
    }

    /// The rows of several queries, concurrently, within the rate limit.
    async fn rows(&self, queries: &[String]) -> Result<Vec<ItemRow>, AdapterError> {
        let pages = try_join_all(queries.iter().map(|q| self.inner.walk(q, MAX_LIVE_ROWS))).await;
        self.health.record(self.clock.now(), &pages);
        Ok(pages?.into_iter().flatten().collect())
    }

    /// Fiches by id: one search per distinct id, its rows kept when their link ends with that id.
    pub async fn fetch(
        &self,
        keys: &[IdOnisep],
    ) -> Result<HashMap<IdOnisep, Arc<FicheOnisep>>, AdapterError> {
        let distinct: Vec<&IdOnisep> = {
            let mut seen = HashSet::new();
            keys.iter().filter(|k| seen.insert(*k)).collect()
        };
        let queries: Vec<String> = distinct.iter().map(|id| id.to_string()).collect();
        let rows: Vec<ItemRow> = self
            .rows(&queries)
            .await?
            .into_iter()
            .filter(|r| {
                r.lien_site_onisepfr
                    .as_deref()
                    .and_then(|l| id_from_link(l.trim()))
                    .is_some_and(|id| distinct.contains(&&id))
            })
            .collect();
        let data = mapping::build(rows, Vec::new(), &self.context());
        Ok(data.fiches.into_iter().collect())
    }

    /// Fiches matching `filter`: the API is asked for the `recherche`, else each ROME code, else the
    /// domaine; its answer is then filtered and ranked as the snapshot mode does.
    pub async fn search(
        &self,
        filter: &OnisepFilter,
        page: PageRequest,
    ) -> Result<SearchPage<Arc<FicheOnisep>>, AdapterError> {
        let queries: Vec<String> = match (&filter.recherche, &filter.codes_rome, &filter.domaine) {
            (Some(r), _, _) if !r.trim().is_empty() => vec![r.clone()],
            (_, Some(codes), _) => codes.iter().map(ToString::to_string).collect(),
            (_, _, Some(d)) if !d.trim().is_empty() => vec![d.clone()],
            _ => {
                return Err(AdapterError::Unsupported {
                    source_id: SOURCE,
                    mode: "http",
                    operation:
                        "la liste de toutes les fiches ; donnez une recherche, des codes ROME \
                                ou un domaine, ou utilisez le mode snapshot"
                            .into(),
                });
            }
        };
        let rows = self.rows(&queries).await?;
        let data = mapping::build(rows, Vec::new(), &self.context());
        Ok(page.slice(data.find(filter).into_iter().map(Hit::new).collect()))
    }

    /// Checks the credentials and the dataset with a one-row search.
    pub async fn refresh(&self) -> Result<RefreshOutcome, AdapterError> {
        let query = [("q", ""), ("size", "1"), ("from", "0")];
        let result = self
            .inner
            .api
            .probe_json::<PageDto>(&self.inner.login, &self.inner.search_url, &query)
            .await;
        self.health.record(self.clock.now(), &result);
        result?;
        Ok(RefreshOutcome::Unchanged)
    }

    /// Health: ready once a call succeeded; degraded when the last call failed after that.
    pub fn health(&self) -> SourceHealth {
        self.health.report()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_urls_and_secrets() {
        assert!(is_search_url(
            "https://api.opendata.onisep.fr/api/1.0/dataset/5fa5949243f97/search"
        ));
        assert!(is_search_url(
            "http://127.0.0.1:9/api/1.0/dataset/x/search?q="
        ));
        assert!(!is_search_url("https://exemple.fr/ideo-metiers.xml"));
        let c = Credentials {
            email: Secret::new("moi@exemple.fr"),
            password: Secret::new("mot-de-passe"),
            application_id: Secret::new("app-123"),
        };
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("mot-de-passe")
                && !shown.contains("app-123")
                && !shown.contains("moi@")
        );
    }
}
