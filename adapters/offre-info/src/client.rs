//! `http` mode: the Intercarif search web service of the Réseau des Carif-Oref
//! (`https://ws.intercariforef.org/serviceweb2/offre-info/`), open, answering in LHEO 2.2.
//!
//! - **What it answers**: `?versionLHEO=2.2&idsMetiers=<ROME>&code-departement=<dep>` lists the offers of
//!   one métier in one département as `<lheo-index><resumes-offres>` summaries (one per action and
//!   session); `?versionLHEO=2.2&numeroAction=<n>` gives one action's full offer (`<lheo>`). passerelle
//!   asks one question per (code ROME × département) of the filter, concurrently within the rate limit
//!   (at most [`MAX_QUESTIONS`]), reads the answers with the snapshot mode's reader, and applies the
//!   whole filter to them, so both modes answer alike.
//! - **What it cannot answer** (`Unsupported`, never a silent partial answer): a search without at
//!   least one code ROME and one département, too many (code × département) pairs, a formation by its
//!   number.
//! - Rate limit, retries, backoff and `Retry-After` are those of every live API
//!   ([`passerelle_core::http`]); the service needs no credentials.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures::future::try_join_all;
use passerelle_core::adapter::{PageRequest, RefreshOutcome, SearchPage, SourceHealth};
use passerelle_core::config::{ConfigError, SourceConfig};
use passerelle_core::http::{Answer, ApiClient, ApiCounters, LiveHealth, NoAuth};
use passerelle_core::model::ActionFormation;
use passerelle_core::snapshot::{LoadContext, RawFiles};
use passerelle_core::{AdapterError, Clock};

use crate::{DESCRIPTOR, OffreData, OffreFilter, SOURCE};

/// The Intercarif offer web service (`url` in `http` mode overrides it).
pub const DEFAULT_API_URL: &str = "https://ws.intercariforef.org/serviceweb2/offre-info/";
/// Most (code ROME × département) questions one search may ask.
pub const MAX_QUESTIONS: usize = 20;
/// The LHEO version asked for.
const VERSION: &str = "2.2";

/// The Intercarif web service client.
#[derive(Debug)]
pub struct IntercarifApi {
    url: String,
    api: ApiClient,
    clock: Clock,
    health: LiveHealth,
}

fn unsupported(operation: String) -> AdapterError {
    AdapterError::Unsupported {
        source_id: SOURCE,
        mode: "http",
        operation,
    }
}

impl IntercarifApi {
    /// The API client (its cache, circuit breaker and counters).
    pub fn client(&self) -> &ApiClient {
        &self.api
    }
    /// The client the configuration asks for.
    pub fn new(config: &SourceConfig, clock: Clock) -> Result<Self, ConfigError> {
        let err = |message: String| ConfigError {
            source_id: SOURCE,
            message,
        };
        let base = config.api_base(SOURCE, DEFAULT_API_URL)?;
        for (key, set) in [
            ("http.token_url", config.http.token_url.is_some()),
            ("http.scopes", config.http.scopes.is_some()),
            ("http.dataset", config.http.dataset.is_some()),
        ] {
            if set {
                return Err(err(format!(
                    "{key} : le service web Intercarif est ouvert et sans jeux de données ; retirez cette clé"
                )));
            }
        }
        Ok(Self {
            // The service's path ends with a slash; `api_base` took it off.
            url: format!("{base}/"),
            api: ApiClient::new(SOURCE, "le service web Intercarif", config).map_err(err)?,
            clock,
            health: LiveHealth::default(),
        })
    }

    /// Counters of requests and throttling.
    pub fn counters(&self) -> Arc<ApiCounters> {
        self.api.counters()
    }

    /// One question; its answer as a file named after the question.
    async fn ask(
        &self,
        name: String,
        query: Vec<(&str, String)>,
    ) -> Result<Option<(String, Vec<u8>)>, AdapterError> {
        let mut full = vec![("versionLHEO", VERSION)];
        full.extend(query.iter().map(|(k, v)| (*k, v.as_str())));
        Ok(
            match self
                .api
                .get_cached(
                    &NoAuth,
                    &self.url,
                    &full,
                    "application/xml",
                    passerelle_core::http::xml_validator,
                )
                .await?
            {
                Answer::Found(body) if !body.iter().all(u8::is_ascii_whitespace) => {
                    Some((name, body.to_vec()))
                }
                _ => None,
            },
        )
    }

    /// Reads answers into indexed offers.
    fn read(&self, files: Vec<(String, Vec<u8>)>) -> Result<OffreData, AdapterError> {
        let (files, ctx) = self.answers(files);
        OffreData::read(&files, &ctx)
    }

    /// The answers as files to read (one empty document when there is none), and their context.
    fn answers(&self, files: Vec<(String, Vec<u8>)>) -> (RawFiles, LoadContext) {
        let files = if files.is_empty() {
            RawFiles::new(vec![("vide.xml".into(), Cow::Borrowed(EMPTY))])
        } else {
            RawFiles::new(files.into_iter().map(|(n, b)| (n, Cow::Owned(b))).collect())
        };
        let ctx = LoadContext {
            descriptor: DESCRIPTOR,
            fetched_at: self.clock.now(),
            geocoder: None,
        };
        (files, ctx)
    }

    /// Actions by number: one question per distinct number, concurrently.
    pub async fn fetch(
        &self,
        keys: &[String],
    ) -> Result<HashMap<String, Arc<ActionFormation>>, AdapterError> {
        let distinct: Vec<&String> = {
            let mut seen = HashSet::new();
            keys.iter().filter(|k| seen.insert(*k)).collect()
        };
        let answers = try_join_all(distinct.iter().map(|n| {
            self.ask(
                format!("action-{n}.xml"),
                vec![("numeroAction", (*n).clone())],
            )
        }))
        .await;
        self.health.record(self.clock.now(), &answers);
        let (files, ctx) = self.answers(answers?.into_iter().flatten().collect());
        let mut actions = OffreData::parse(&files, &ctx)?.actions;
        Ok(distinct
            .into_iter()
            .filter_map(|n| actions.remove(n.as_str()).map(|a| (n.clone(), a)))
            .collect())
    }

    /// Actions matching `filter`: one question per (code ROME × département), then the whole filter.
    pub async fn search(
        &self,
        filter: &OffreFilter,
        page: PageRequest,
    ) -> Result<SearchPage<Arc<ActionFormation>>, AdapterError> {
        if filter.any_of.is_some() {
            return Err(unsupported(
                "les rattachements par certification ou Formacode (le service web ne cherche que par \
                 code ROME et département) ; utilisez le mode snapshot"
                    .into(),
            ));
        }
        let (Some(codes), Some(departements)) = (&filter.codes_rome, &filter.departements) else {
            return Err(unsupported(
                "une recherche sans code ROME ou sans département (le service web répond par métier \
                 et département) ; donnez codesRome et departements, ou utilisez le mode snapshot"
                    .into(),
            ));
        };
        let questions: Vec<(String, String)> = codes
            .iter()
            .flat_map(|c| {
                departements
                    .iter()
                    .map(move |d| (c.to_string(), d.to_string()))
            })
            .collect();
        if questions.len() > MAX_QUESTIONS {
            return Err(unsupported(format!(
                "{} questions (codes ROME × départements) pour une recherche : {MAX_QUESTIONS} au plus \
                 en mode http",
                questions.len()
            )));
        }
        let answers = try_join_all(questions.iter().map(|(code, dep)| {
            self.ask(
                format!("recherche-{code}-{dep}.xml"),
                vec![
                    ("idsMetiers", code.clone()),
                    ("code-departement", dep.clone()),
                ],
            )
        }))
        .await;
        self.health.record(self.clock.now(), &answers);
        let data = self.read(answers?.into_iter().flatten().collect())?;
        Ok(passerelle_core::snapshot::Indexed::search(
            &data, filter, page,
        ))
    }

    /// Checks the service answers (one question for an action that does not exist).
    pub async fn refresh(&self) -> Result<RefreshOutcome, AdapterError> {
        let answer = self
            .api
            .get_body(
                &NoAuth,
                &self.url,
                &[("versionLHEO", VERSION), ("numeroAction", "00_sonde")],
                "application/xml",
            )
            .await;
        self.health.record(self.clock.now(), &answer);
        answer?;
        Ok(RefreshOutcome::Unchanged)
    }

    /// Health: ready once a call succeeded; degraded when the last call failed after that.
    pub fn health(&self) -> SourceHealth {
        self.health.report()
    }
}

/// An answer without offers.
const EMPTY: &[u8] = b"<lheo xmlns=\"http://www.lheo.org/2.2\"><offres/></lheo>";
