//! Adaptateur Repère Métiers (Région Auvergne-Rhône-Alpes, Via Compétences): discovery resources.
//!
//! - **Upstream**: no public export exists; passerelle defines the JSON export format documented in this
//!   crate's `README.md` (fields from the platform's publication charter).
//! - **Modes**: `sample` (the resources in `sample/`, written for passerelle), `snapshot` (`path` or `url`).
//! - **Rules**: invalid records are skipped and reported (id, field, rule); only published resources are
//!   served; an operator's contact only with its consent.
//! - **Records**: one [`Ressource`](passerelle_core::model::Ressource) per published resource, keyed by id.

mod mapping;
mod snapshot;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use passerelle_core::adapter::{Hit, PageRequest, SearchPage};
use passerelle_core::config::SourceConfig;
use passerelle_core::model::{CategorieRessource, GeoPoint, Ressource};
use passerelle_core::snapshot::{Dataset, EmbeddedFile, Indexed, LoadContext, RawFiles, Snapshot};
use passerelle_core::{AdapterError, Anomaly, CodeRome, Provenance, SourceDescriptor};

/// Source id.
pub const SOURCE: &str = "repere-metiers";

/// Description of the source.
pub const DESCRIPTOR: SourceDescriptor = SourceDescriptor {
    id: SOURCE,
    nom: "Repère Métiers — ressources de découverte des métiers (Auvergne-Rhône-Alpes)",
    producteur: "Région Auvergne-Rhône-Alpes / Via Compétences",
    licence: "Publication modérée selon la charte Repère Métiers ; format d'export défini par passerelle",
    url: "https://reperemetiers.fr/",
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
        Ok(Self {
            ressources,
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
    /// Resources with a place within the radius (km) of the point, or mobilisable anywhere in the region
    /// when `inclure_mobilisables` holds. Hits with a place carry their distance and come nearest first.
    pub autour: Option<(GeoPoint, f64)>,
    /// With `autour`: also include resources mobilisable anywhere in the region.
    pub inclure_mobilisables: bool,
    /// Only resources with no date or with a date ending on or after this day.
    pub a_venir_le: Option<NaiveDate>,
}

/// The Repère Métiers adapter: the published resources held in memory (`sample` and `snapshot` modes).
pub type RepereMetiersAdapter = Snapshot<RepereData>;

/// Whether a resource still has something to come on `day` (or has no date at all).
pub fn a_venir(r: &Ressource, day: NaiveDate) -> bool {
    r.dates.is_empty()
        || r.dates
            .iter()
            .any(|c| c.fin.unwrap_or(c.debut).date_naive() >= day)
}

impl Indexed for RepereData {
    type Key = String;
    type Record = Arc<Ressource>;
    type Filter = RessourceFilter;

    fn get(&self, key: &String) -> Option<Arc<Ressource>> {
        self.ressources.get(key).cloned()
    }

    fn search(&self, filter: &RessourceFilter, page: PageRequest) -> SearchPage<Arc<Ressource>> {
        let mut hits: Vec<Hit<Arc<Ressource>>> = self
            .ressources
            .values()
            .filter(|r| {
                filter
                    .codes_rome
                    .as_ref()
                    .is_none_or(|codes| r.codes_rome.iter().any(|c| codes.contains(c)))
            })
            .filter(|r| {
                filter
                    .categories
                    .as_ref()
                    .is_none_or(|cats| cats.contains(&r.categorie))
            })
            .filter(|r| filter.a_venir_le.is_none_or(|day| a_venir(r, day)))
            .filter_map(|r| match filter.autour {
                None => Some(Hit::new(Arc::clone(r))),
                Some((centre, rayon)) => match r.lieu.as_ref().and_then(|l| l.position) {
                    Some(p) => {
                        let d = p.distance_km(&centre);
                        (d <= rayon).then(|| Hit {
                            record: Arc::clone(r),
                            distance_km: Some(d),
                        })
                    }
                    None => (filter.inclure_mobilisables && r.mobilisable_en_region)
                        .then(|| Hit::new(Arc::clone(r))),
                },
            })
            .collect();
        if filter.autour.is_some() {
            hits.sort_by(|a, b| {
                a.distance_km
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.distance_km.unwrap_or(f64::MAX))
            });
        }
        page.slice(hits)
    }
}

#[cfg(test)]
mod tests;
