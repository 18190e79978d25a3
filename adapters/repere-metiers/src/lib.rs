//! Adaptateur Repère Métiers (Région Auvergne-Rhône-Alpes, Via Compétences): discovery resources.
//!
//! - **Upstream**: no public export exists; passerelle defines the export format documented in this
//!   crate's `README.md` and `schema/` (fields from the platform's publication charter), in JSON, NDJSON
//!   and CSV.
//! - **Modes**: `sample` (the resources in `sample/`, written for passerelle), `snapshot` (`path` or `url`,
//!   a feed polled with conditional GET).
//! - **Rules**: invalid records are skipped and reported (id, field, rule); only published resources are
//!   served; an operator's contact only with its consent — a contact without consent is dropped when the
//!   record is read and never reaches memory, an answer or an error message.
//! - **Records**: one [`Ressource`](passerelle_core::model::Ressource) per published resource, keyed by id,
//!   searched in a neutral order (date, then distance or title; never by operator).

mod mapping;
mod snapshot;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use passerelle_core::adapter::{Hit, PageRequest, SearchPage};
use passerelle_core::config::SourceConfig;
use passerelle_core::model::{CategorieRessource, Creneau, GeoPoint, Modalite, Public, Ressource};
use passerelle_core::search::{Entry, SearchIndex};
use passerelle_core::snapshot::{Dataset, EmbeddedFile, Indexed, LoadContext, RawFiles, Snapshot};
use passerelle_core::text::folded_ranks;
use passerelle_core::{
    AdapterError, Anomaly, CodeDepartement, CodeRome, Provenance, SourceDescriptor,
};

pub use mapping::{DEPARTEMENTS_REGION, sous_types};

/// Source id.
pub const SOURCE: &str = "repere-metiers";

/// Description of the source.
pub const DESCRIPTOR: SourceDescriptor = SourceDescriptor {
    id: SOURCE,
    nom: "Repère Métiers — ressources de découverte des métiers (Auvergne-Rhône-Alpes)",
    producteur: "Région Auvergne-Rhône-Alpes / Via Compétences",
    licence: "Publication modérée selon la charte Repère Métiers ; format d'export défini par passerelle",
    url: "https://reperemetiers.fr/",
    attribution: "Source : Repère Métiers, Région Auvergne-Rhône-Alpes (reperemetiers.fr)",
};

/// The embedded sample.
pub static SAMPLE: &[EmbeddedFile] = &[EmbeddedFile {
    name: "ressources.json",
    bytes: include_bytes!("../sample/ressources.json"),
}];

/// `[sources.repere-metiers]`.
pub type RepereMetiersConfig = SourceConfig;

/// The published resources held in memory.
#[derive(Debug)]
pub struct RepereData {
    ressources: BTreeMap<String, Arc<Ressource>>,
    /// The same resources, in id order, for the word index.
    ordre: Vec<Arc<Ressource>>,
    /// Each resource's rank (by position in `ordre`) in the order by folded title, then id.
    rang_titre: Vec<u32>,
    /// Titles (primary) and descriptions (secondary); `labels[i]` is the position in `ordre` of entry `i`.
    index: SearchIndex,
    labels: Vec<usize>,
    version: Option<String>,
    anomalies: Vec<Anomaly>,
}

impl Dataset for RepereData {
    const DESCRIPTOR: SourceDescriptor = DESCRIPTOR;
    const SAMPLE: &'static [EmbeddedFile] = SAMPLE;

    fn parse(files: &RawFiles, ctx: &LoadContext) -> Result<Self, AdapterError> {
        let (name, bytes) = files.single(SOURCE)?;
        let doc = snapshot::read_document(name, bytes)?;
        let version = Some(match doc.genere_le {
            Some(at) => format!("export {} du {}", doc.version, at.format("%Y-%m-%d")),
            None => format!("export {}", doc.version),
        });
        let provenance = Provenance::new(&ctx.descriptor, version.clone(), ctx.fetched_at);
        let (ressources, anomalies) = mapping::build(name, doc.ressources, &provenance);
        let ordre: Vec<Arc<Ressource>> = ressources.values().cloned().collect();
        let rang_titre = folded_ranks(ordre.iter().map(|r| r.titre.as_str()));
        let mut entries = Vec::new();
        let mut labels = Vec::new();
        for (i, r) in ordre.iter().enumerate() {
            entries.push(Entry::new(&r.titre, true, false));
            labels.push(i);
            entries.push(Entry::new(&r.description, false, false));
            labels.push(i);
        }
        Ok(Self {
            ressources,
            ordre,
            rang_titre,
            index: SearchIndex::new(entries),
            labels,
            version,
            anomalies,
        })
    }
    fn record_count(&self) -> usize {
        self.ressources.len()
    }
    fn version(&self) -> Option<String> {
        self.version.clone()
    }
    fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
    fn cited_rome_codes(&self) -> Vec<(CodeRome, usize)> {
        let mut counts: BTreeMap<&CodeRome, usize> = BTreeMap::new();
        for r in self.ressources.values() {
            for c in &r.codes_rome {
                *counts.entry(c).or_default() += 1;
            }
        }
        counts.into_iter().map(|(c, n)| (c.clone(), n)).collect()
    }
}

/// Search criteria over resources; all given criteria must hold.
#[derive(Debug, Clone, Default)]
pub struct RessourceFilter {
    /// Resources linked to one of these ROME codes.
    pub codes_rome: Option<Vec<CodeRome>>,
    /// Resources of one of these categories.
    pub categories: Option<Vec<CategorieRessource>>,
    /// Resources in one of these départements: their place's, or one they cover when mobilisable.
    pub departements: Option<Vec<CodeDepartement>>,
    /// Resources linked to a ROME code of one of these grands domaines (`M`).
    pub grands_domaines: Option<Vec<String>>,
    /// Resources linked to a ROME code of one of these domaines professionnels (`M18`).
    pub domaines_professionnels: Option<Vec<String>>,
    /// Resources with a place within the radius (km) of the point, or mobilisable anywhere in the region
    /// when `inclure_mobilisables` holds. Hits with a place carry their distance.
    pub autour: Option<(GeoPoint, f64)>,
    /// With `autour`: also include resources mobilisable anywhere in the region.
    pub inclure_mobilisables: bool,
    /// Dated resources with a slot in this window (a slot ending on or after `.0`, starting on or before
    /// `.1`); resources without dates always match.
    pub periode: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    /// Resources for one of these audiences.
    pub publics: Option<Vec<Public>>,
    /// Resources with this modality (`IndividuelEtGroupe` matches both others).
    pub modalite: Option<Modalite>,
    /// Free (or not) resources.
    pub gratuit: Option<bool>,
    /// Words of the title or description.
    pub recherche: Option<String>,
    /// The notable parts of this regional event (the resources whose `parent_id` it is).
    pub parent_id: Option<String>,
}

/// The Repère Métiers adapter: the published resources held in memory (`sample` and `snapshot` modes).
pub type RepereMetiersAdapter = Snapshot<RepereData>;

/// Whether a resource still has something to come on `day` (or has no date at all).
pub fn a_venir(r: &Ressource, day: NaiveDate) -> bool {
    dans_periode(r, Some(day), None)
}

/// Whether a resource has a slot in the window (or has no date at all).
pub fn dans_periode(r: &Ressource, du: Option<NaiveDate>, au: Option<NaiveDate>) -> bool {
    r.dates.is_empty()
        || r.dates.iter().any(|c| {
            du.is_none_or(|du| c.dernier_jour() >= du)
                && au.is_none_or(|au| c.debut.date_naive() <= au)
        })
}

/// The first slot of a resource in the window: its date orders the results.
pub fn premier_creneau(
    r: &Ressource,
    du: Option<NaiveDate>,
    au: Option<NaiveDate>,
) -> Option<&Creneau> {
    r.dates.iter().find(|c| {
        du.is_none_or(|du| c.dernier_jour() >= du) && au.is_none_or(|au| c.debut.date_naive() <= au)
    })
}

impl RessourceFilter {
    fn accepts(&self, r: &Ressource) -> bool {
        let in_departement = |d: &CodeDepartement| {
            r.lieu
                .as_ref()
                .and_then(|l| l.code_insee.as_ref())
                .is_some_and(|c| c.departement_str() == d.as_str())
                || r.departements_couverts.contains(d)
        };
        self.codes_rome
            .as_ref()
            .is_none_or(|codes| r.codes_rome.iter().any(|c| codes.contains(c)))
            && [&self.grands_domaines, &self.domaines_professionnels]
                .into_iter()
                .flatten()
                .all(|prefixes| {
                    r.codes_rome
                        .iter()
                        .any(|c| prefixes.iter().any(|p| c.as_str().starts_with(p.as_str())))
                })
            && self
                .categories
                .as_ref()
                .is_none_or(|cats| cats.contains(&r.categorie))
            && self
                .departements
                .as_ref()
                .is_none_or(|ds| ds.iter().any(in_departement))
            && self.periode.is_none_or(|(du, au)| dans_periode(r, du, au))
            && self
                .publics
                .as_ref()
                .is_none_or(|ps| r.publics.iter().any(|p| ps.contains(p)))
            && self.modalite.is_none_or(|m| {
                r.modalite == m
                    || r.modalite == Modalite::IndividuelEtGroupe
                    || m == Modalite::IndividuelEtGroupe
            })
            && self.gratuit.is_none_or(|g| r.gratuit == g)
            && self
                .parent_id
                .as_ref()
                .is_none_or(|p| r.parent_id.as_ref() == Some(p))
    }
}

impl Indexed for RepereData {
    type Key = String;
    type Record = Arc<Ressource>;
    type Filter = RessourceFilter;

    fn get(&self, key: &String) -> Option<Arc<Ressource>> {
        self.ressources.get(key).cloned()
    }

    /// Neutral order, never by operator: the first slot in the window (resources without dates after
    /// the dated ones), then the distance around a place (mobilisable resources after placed ones) or
    /// the title, then the id.
    fn search(&self, filter: &RessourceFilter, page: PageRequest) -> SearchPage<Arc<Ressource>> {
        let words: Option<std::collections::HashSet<usize>> = filter
            .recherche
            .as_deref()
            .filter(|q| !q.trim().is_empty())
            .map(|q| {
                self.index
                    .search(q)
                    .into_iter()
                    .map(|f| self.labels[f.entry])
                    .collect()
            });
        let (du, au) = filter.periode.unwrap_or((None, None));
        // (first date in the window, distance, rank by title then id, hit): the neutral order's keys.
        type Keyed = (Option<i64>, f64, u32, Hit<Arc<Ressource>>);
        let mut hits: Vec<Keyed> = self
            .ordre
            .iter()
            .enumerate()
            .filter(|(i, _)| words.as_ref().is_none_or(|w| w.contains(i)))
            .filter(|(_, r)| filter.accepts(r))
            .filter_map(|(i, r)| {
                let distance = match filter.autour {
                    None => None,
                    Some((centre, rayon)) => match r.lieu.as_ref().and_then(|l| l.position) {
                        Some(p) => {
                            let d = p.distance_km(&centre);
                            if d > rayon {
                                return None;
                            }
                            Some(d)
                        }
                        None if filter.inclure_mobilisables && r.mobilisable_en_region => None,
                        None => return None,
                    },
                };
                let date = premier_creneau(r, du, au).map(|c| c.debut.timestamp());
                let hit = Hit {
                    record: Arc::clone(r),
                    distance_km: distance,
                };
                Some((date, distance.unwrap_or(f64::MAX), self.rang_titre[i], hit))
            })
            .collect();
        hits.sort_by(|a, b| {
            (a.0.is_none(), a.0)
                .cmp(&(b.0.is_none(), b.0))
                .then(a.1.total_cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        page.slice(hits.into_iter().map(|h| h.3).collect())
    }
}

#[cfg(test)]
mod tests;
