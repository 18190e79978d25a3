//! API Géo (`https://geo.api.gouv.fr`, « découpage administratif »), the `http` mode of the communes:
//! the same [`Commune`] records as the La Poste snapshot, asked live behind passerelle's cache.
//!
//! - **Authentication**: none ([`NoAuth`]). Every call goes through [`ApiClient::get_json`]: the
//!   client-side rate limit (`http.rate_limit`, 10 requests/s by default; API Géo allows about 50 per
//!   second and per address), retries with backoff on `5xx` and network errors, `Retry-After` on `429`.
//! - **Lookup**: `GET /communes/{code}?fields=nom,code,centre,codeDepartement,codeRegion,codesPostaux`,
//!   one request per distinct code, concurrently; `404` is an unknown commune (absent, not an error).
//!   An arrondissement of Paris, Lyon or Marseille is asked with `type=arrondissement-municipal`, the
//!   type under which API Géo serves them.
//! - **Search**: `GET /communes?nom=&codeDepartement=&codePostal=` with the criteria given, in one
//!   request, and `type=commune-actuelle,arrondissement-municipal` so that the arrondissements come
//!   too, as in the snapshot. API Géo's search by name is fuzzy: its answer is filtered again with the
//!   snapshot's own predicate ([`GeoFilter`]), then put in code order and paged here. A filter without
//!   any criterion (about 35 000 communes) is `Unsupported`: that is the snapshot mode's job.
//! - **Mapping**: API Géo's codes, our labels, Paris, Lyon and Marseille linked to their
//!   arrondissements as in the snapshot (`api_mapping`). Positions are API Géo's centres, which may
//!   differ from La Poste's by a few hundred metres.
//! - **Provenance**: see [`API_GEO`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use futures::future::try_join_all;
use passerelle_core::adapter::{Hit, PageRequest, RefreshOutcome, SearchPage, SourceHealth};
use passerelle_core::config::{ConfigError, SourceConfig};
use passerelle_core::error::redact_url;
use passerelle_core::http::{Answer, ApiClient, ApiCounters, LiveHealth, NoAuth};
use passerelle_core::model::Commune;
use passerelle_core::text::fold;
use passerelle_core::{
    AdapterError, Clock, CodeDepartement, CodeInsee, Provenance, SourceDescriptor,
};
use serde::Deserialize;

use crate::api_mapping::{self, ARRONDISSEMENT, CommuneDto, FIELDS, is_arrondissement};
use crate::{GeoFilter, SOURCE};

/// Base URL of API Géo (`url` in `http` mode overrides it).
pub const DEFAULT_API_URL: &str = "https://geo.api.gouv.fr";

/// The version named in the provenance and the health of the `http` mode.
pub const VERSION: &str = "API Géo";

/// The producers of the records served in `http` mode, named in each record's [`Provenance`].
///
/// The source stays `geo` and [`crate::DESCRIPTOR`] stays its one static description (the sources
/// directory lists each source once, whatever its mode; its health says `http`). But a record read
/// from API Géo was not published by La Poste: its provenance names API Géo's producers and licence
/// from this descriptor, links to the record at the API (`url`, e.g.
/// `https://geo.api.gouv.fr/communes/37266`) and says [`VERSION`], so that each record says truly where
/// it comes from.
pub const API_GEO: SourceDescriptor = SourceDescriptor {
    id: SOURCE,
    nom: "Communes — API Géo (découpage administratif)",
    producteur: "IGN et INSEE, via l'API Géo (geo.api.gouv.fr)",
    licence: "Licence Ouverte / Open Licence 2.0 (Etalab)",
    url: "https://geo.api.gouv.fr/decoupage-administratif",
    attribution: "Source : IGN et INSEE, découpage administratif, via l'API Géo (geo.api.gouv.fr)",
};

/// The types of commune a search asks for: the communes and the municipal arrondissements.
const TYPES: &str = "commune-actuelle,arrondissement-municipal";

/// The commune a refresh asks for, to check the API cheaply.
const CHECKED: &str = "75056";

/// The `http` mode: every question asked to API Géo.
#[derive(Debug)]
pub struct GeoApi {
    api: ApiClient,
    /// The API's base URL, without a trailing `/`.
    base: String,
    /// The same, without credentials, for provenance and messages.
    shown: String,
    clock: Clock,
    health: LiveHealth,
}

impl GeoApi {
    /// The API client (its cache, circuit breaker and counters).
    pub fn client(&self) -> &ApiClient {
        &self.api
    }
    /// The client the configuration asks for: `url` (default [`DEFAULT_API_URL`]) and
    /// `[sources.geo.http]`; `path` is refused.
    pub fn new(config: &SourceConfig, clock: Clock) -> Result<Self, ConfigError> {
        let base = config.api_base(SOURCE, DEFAULT_API_URL)?;
        let api = ApiClient::new(SOURCE, "l'API Géo", config).map_err(|message| ConfigError {
            source_id: SOURCE,
            message,
        })?;
        let health = LiveHealth::default();
        health.set_version(VERSION.to_owned());
        Ok(Self {
            api,
            shown: redact_url(&base),
            base,
            clock,
            health,
        })
    }

    /// Counters of requests (retries included).
    pub fn counters(&self) -> Arc<ApiCounters> {
        self.api.counters()
    }

    fn provenance(&self) -> Provenance {
        Provenance::new(&API_GEO, Some(VERSION.to_owned()), self.clock.now())
    }

    /// One commune by code; `None` when the API does not know it.
    async fn lookup(
        &self,
        code: &CodeInsee,
        provenance: &Provenance,
    ) -> Result<Option<Commune>, AdapterError> {
        let url = format!("{}/communes/{code}", self.base);
        let mut query = vec![("fields", FIELDS)];
        if is_arrondissement(code) {
            query.push(("type", ARRONDISSEMENT));
        }
        let dto = match self
            .api
            .get_json::<CommuneDto, _>(&NoAuth, &url, &query)
            .await?
        {
            Answer::Found(dto) => dto,
            Answer::NotFound => return Ok(None),
        };
        let commune = api_mapping::commune(dto, &self.shown, provenance)
            .map_err(|problem| AdapterError::invalid(SOURCE, redact_url(&url), problem))?;
        // The snapshot knows no redirection from one code to another: neither does this mode.
        Ok((commune.code_insee == *code).then_some(commune))
    }

    /// Communes by code: one request per distinct code, concurrently, within the rate limit. Unknown
    /// codes are absent.
    pub async fn fetch(
        &self,
        keys: &[CodeInsee],
    ) -> Result<HashMap<CodeInsee, Arc<Commune>>, AdapterError> {
        let distinct: Vec<&CodeInsee> = {
            let mut seen = HashSet::new();
            keys.iter().filter(|k| seen.insert(*k)).collect()
        };
        if distinct.is_empty() {
            return Ok(HashMap::new());
        }
        let provenance = self.provenance();
        let found = try_join_all(distinct.iter().map(|code| self.lookup(code, &provenance))).await;
        self.health.record(self.clock.now(), &found);
        Ok(distinct
            .into_iter()
            .zip(found?)
            .filter_map(|(code, commune)| commune.map(|c| (code.clone(), Arc::new(c))))
            .collect())
    }

    /// Communes matching `filter`, in code order: one request with every criterion given, its answer
    /// filtered again as the snapshot filters, then paged.
    pub async fn search(
        &self,
        filter: &GeoFilter,
        page: PageRequest,
    ) -> Result<SearchPage<Arc<Commune>>, AdapterError> {
        let folded = filter.folded_nom();
        let nom = folded.as_ref().and(filter.nom.as_deref().map(str::trim));
        let departement = filter
            .code_departement
            .as_ref()
            .map(CodeDepartement::as_str);
        let code_postal = filter.code_postal();
        if nom.is_none() && departement.is_none() && code_postal.is_none() {
            return Err(AdapterError::Unsupported {
                source_id: SOURCE,
                mode: "http",
                operation: "la liste de toutes les communes (environ 35 000) ; donnez un nom, un \
                            département ou un code postal, ou utilisez le mode snapshot"
                    .into(),
            });
        }
        let mut query = vec![("fields", FIELDS), ("type", TYPES)];
        for (key, value) in [
            ("nom", nom),
            ("codeDepartement", departement),
            ("codePostal", code_postal),
        ] {
            if let Some(value) = value {
                query.push((key, value));
            }
        }
        let url = format!("{}/communes", self.base);
        let answer = self
            .api
            .get_json::<Vec<CommuneDto>, _>(&NoAuth, &url, &query)
            .await;
        self.health.record(self.clock.now(), &answer);
        let dtos = match answer? {
            Answer::Found(dtos) => dtos,
            Answer::NotFound => Vec::new(),
        };
        let provenance = self.provenance();
        let mut communes = BTreeMap::new();
        for dto in dtos {
            match api_mapping::commune(dto, &self.shown, &provenance) {
                Ok(c) if filter.accepts(&c, &fold(&c.nom), folded.as_deref()) => {
                    communes.insert(c.code_insee.clone(), Arc::new(c));
                }
                Ok(_) => {}
                Err(problem) => {
                    tracing::warn!(source = SOURCE, %problem, "commune de l'API Géo ignorée");
                }
            }
        }
        Ok(page.slice(communes.into_values().map(Hit::new).collect()))
    }

    /// Checks the API with one cheap call (`/communes/75056?fields=code`).
    pub async fn refresh(&self) -> Result<RefreshOutcome, AdapterError> {
        #[derive(Deserialize)]
        struct CodeOnly {
            code: String,
        }
        let url = format!("{}/communes/{CHECKED}", self.base);
        let result = match self
            .api
            .probe_json::<CodeOnly>(&NoAuth, &url, &[("fields", "code")])
            .await
        {
            Ok(Answer::Found(c)) if c.code == CHECKED => Ok(RefreshOutcome::Unchanged),
            Ok(Answer::Found(c)) => Err(self.api.unavailable(format!(
                "{} a répondu la commune « {} » au lieu de {CHECKED} : vérifiez url, l'adresse \
                 de base de l'API Géo",
                redact_url(&url),
                c.code
            ))),
            Ok(Answer::NotFound) => Err(self.api.unavailable(format!(
                "{} ne connaît pas la commune {CHECKED} (404) : vérifiez url, l'adresse de base \
                 de l'API Géo",
                redact_url(&url)
            ))),
            Err(e) => Err(e),
        };
        self.health.record(self.clock.now(), &result);
        result
    }

    /// Health: ready once a call succeeded; degraded when the last call failed after that.
    pub fn health(&self) -> SourceHealth {
        self.health.report()
    }
}
