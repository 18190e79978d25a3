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
use std::sync::Arc;
use std::time::Duration;

use futures::future::try_join_all;
use passerelle_core::adapter::{Hit, PageRequest, RefreshOutcome, SearchPage, SourceHealth};
use passerelle_core::config::{ConfigError, SourceConfig};
use passerelle_core::http::{
    Answer, ApiClient, ApiCounters, Auth, LiveHealth, Secret, TokenCache, TokenEndpoint, env_var,
};
use passerelle_core::model::Metier;
use passerelle_core::{AdapterError, Clock, CodeRome, SourceDescriptor};
use serde::de::DeserializeOwned;

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
        match (env_var(CLIENT_ID_ENV), env_var(CLIENT_SECRET_ENV)) {
            (Some(client_id), Some(secret)) => Ok(Self {
                client_id,
                client_secret: Secret::new(secret),
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

/// The France Travail ROME 4.0 API client.
#[derive(Debug)]
pub struct RomeApi {
    base: String,
    auth: Arc<OAuth>,
    clock: Clock,
    api: ApiClient,
    health: LiveHealth,
}

/// OAuth2 client credentials against France Travail's token endpoint.
#[derive(Debug)]
struct OAuth {
    endpoint: TokenEndpoint,
    scopes: String,
    credentials: Credentials,
    tokens: TokenCache,
}

impl RomeApi {
    /// The API client (its cache, circuit breaker and counters).
    pub fn client(&self) -> &ApiClient {
        &self.api
    }
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
        let base = config.api_base(SOURCE, DEFAULT_API_URL)?;
        if let Some(dataset) = &config.http.dataset {
            return Err(err(format!(
                "http.dataset = « {dataset} » : les API ROME 4.0 n'ont pas de jeux de données ; retirez cette clé"
            )));
        }
        let api = ApiClient::new(SOURCE, "l'API ROME", config).map_err(err)?;
        Ok(Self {
            base,
            auth: Arc::new(OAuth {
                endpoint: TokenEndpoint::new(
                    &api,
                    config
                        .http
                        .token_url
                        .clone()
                        .unwrap_or_else(|| DEFAULT_TOKEN_URL.to_owned()),
                ),
                scopes: config
                    .http
                    .scopes
                    .clone()
                    .unwrap_or_else(|| DEFAULT_SCOPES.to_owned()),
                credentials,
                tokens: TokenCache::default(),
            }),
            clock,
            api,
            health: LiveHealth::default(),
        })
    }

    /// The source's description.
    pub fn descriptor(&self) -> &SourceDescriptor {
        &DESCRIPTOR
    }

    /// Counters of tokens, requests and throttling.
    pub fn counters(&self) -> Arc<ApiCounters> {
        self.api.counters()
    }

    fn record<T>(&self, result: &Result<T, AdapterError>) {
        self.health.record(self.clock.now(), result);
    }

    /// GETs `path` under the base URL and decodes its JSON.
    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Answer<T>, AdapterError> {
        let url = format!("{}{path}", self.base);
        self.api.get_json(&self.auth, &url, query).await
    }

    fn version(&self) -> Option<String> {
        self.health.version()
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
        let provenance =
            passerelle_core::Provenance::new(self.descriptor(), self.version(), self.clock.now());
        let hits = answer
            .resultats
            .iter()
            .skip(page.offset)
            .take(page.limit)
            .filter_map(|a| {
                Some(Hit::new(AppellationTrouvee {
                    appellation: a.domain()?,
                    code_rome: CodeRome::parse(&a.metier.as_ref()?.code).ok()?,
                    provenance: provenance.clone(),
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
        // A probe: it must reach the API, never the cache.
        let url = format!("{}/rome-metiers/v1/metiers/version", self.base);
        let result = self
            .api
            .probe_json::<VersionDto>(&self.auth, &url, &[])
            .await;
        self.record(&result);
        if let Answer::Found(VersionDto { version: Some(v) }) = result? {
            self.health.set_version(v);
        }
        Ok(RefreshOutcome::Unchanged)
    }

    /// Health: ready once a call succeeded; degraded when the last call failed after that.
    pub fn health(&self) -> SourceHealth {
        self.health.report()
    }
}

fn unavailable(reason: String) -> AdapterError {
    AdapterError::Unavailable {
        source_id: SOURCE,
        reason,
    }
}

impl OAuth {
    async fn fetch_token(&self) -> Result<(Secret, Duration), AdapterError> {
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
        let shown = self.endpoint.shown();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.credentials.client_id.as_str()),
            ("client_secret", self.credentials.client_secret.expose()),
            ("scope", self.scopes.as_str()),
        ];
        match self.endpoint.post_form(&form).await? {
            Ok(body) => {
                let dto: TokenDto = serde_json::from_slice(&body).map_err(|e| {
                    unavailable(format!("jeton : réponse illisible de {shown} : {e}"))
                })?;
                let lifetime = Duration::from_secs(dto.expires_in.unwrap_or(60));
                Ok((Secret::new(dto.access_token), lifetime))
            }
            Err(refused) => {
                // The OAuth error code (`invalid_client`, `invalid_scope`) only: the body could echo
                // what was sent.
                let code = serde_json::from_slice::<OAuthError>(&refused.body)
                    .map(|e| e.error)
                    .unwrap_or_default();
                let code: String = code
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(40)
                    .collect();
                Err(unavailable(format!(
                    "jeton refusé par {shown} ({}{}) : vérifiez {CLIENT_ID_ENV}, \
                     {CLIENT_SECRET_ENV} et les scopes ({})",
                    refused.status,
                    if code.is_empty() {
                        String::new()
                    } else {
                        format!(", {code}")
                    },
                    self.scopes
                )))
            }
        }
    }
}

impl Auth for OAuth {
    async fn token(&self) -> Result<Secret, AdapterError> {
        self.tokens.get(|| self.fetch_token()).await
    }

    async fn invalidate(&self, used: &Secret) {
        self.tokens.invalidate(used).await;
    }

    fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        token: &Secret,
    ) -> reqwest::RequestBuilder {
        request.bearer_auth(token.expose())
    }

    fn refused_hint(&self) -> String {
        format!(
            "vérifiez que l'application est abonnée aux API ROME 4.0 et les scopes ({})",
            self.scopes
        )
    }
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
}
