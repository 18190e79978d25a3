//! Adaptateur Offre Info (Réseau des Carif-Oref): continuing-education training offers in LHEO.
//!
//! - **Upstream**: LHEO 2.2 (`http://www.lheo.org/2.2`) and 2.3 (`http://lheo.gouv.fr/2.3`) files, regional
//!   and national, refreshed weekly by the Carif-Oref network; the Intercarif search web service comes with
//!   the `http` mode.
//! - **Licence**: Licence Ouverte / Etalab 2.0 for the open offer data; contact data of people are served
//!   only as the source publishes them.
//! - **Modes**: `sample` (the Auvergne-Rhône-Alpes excerpt in `sample/`, written for passerelle in LHEO
//!   2.3), `snapshot` (`path` or `url` of an LHEO file).
//! - **Records**: one [`ActionFormation`](passerelle_core::model::ActionFormation) per action, keyed by its
//!   numero, sharing its formation; searchable by ROME code, Formacode and distance.
//!
//! Files: [`xml`] streams `<formation>` elements; [`mapping`] builds the domain records;
//! [`code_lists`] gives the labels of LHEO codes.

mod code_lists;
mod mapping;
mod xml;

use std::collections::BTreeMap;
use std::sync::Arc;

use passerelle_core::adapter::{Hit, PageRequest, SearchPage};
use passerelle_core::config::SourceConfig;
use passerelle_core::model::{ActionFormation, GeoPoint};
use passerelle_core::snapshot::{Dataset, EmbeddedFile, Indexed, LoadContext, RawFiles, Snapshot};
use passerelle_core::{
    AdapterError, Anomalies, Anomaly, CodeRome, Formacode, Provenance, SourceDescriptor,
};

/// Source id.
pub const SOURCE: &str = "offre-info";

/// Description of the source.
pub const DESCRIPTOR: SourceDescriptor = SourceDescriptor {
    id: SOURCE,
    nom: "Offre Info — offre de formation continue des Carif-Oref (LHEO)",
    producteur: "Réseau des Carif-Oref (Intercarif)",
    licence: "Licence Ouverte / Open Licence 2.0 (Etalab)",
    url: "https://www.intercariforef.org/referentiels/offre-de-formation",
};

/// The embedded sample, in LHEO 2.3.
pub static SAMPLE: &[EmbeddedFile] = &[EmbeddedFile {
    name: "offres-auvergne-rhone-alpes.xml",
    bytes: include_bytes!("../sample/offres-auvergne-rhone-alpes.xml"),
}];

/// `[sources.offre-info]`.
pub type OffreInfoConfig = SourceConfig;

/// The offers held in memory.
#[derive(Debug)]
pub struct OffreData {
    actions: BTreeMap<String, Arc<ActionFormation>>,
    lheo_version: &'static str,
    anomalies: Vec<Anomaly>,
    /// ROME codes cited by the formations, with the number of formations citing each.
    cited: Vec<(CodeRome, usize)>,
}

impl Dataset for OffreData {
    const DESCRIPTOR: SourceDescriptor = DESCRIPTOR;
    const SAMPLE: &'static [EmbeddedFile] = SAMPLE;

    fn parse(files: &RawFiles, ctx: &LoadContext) -> Result<Self, AdapterError> {
        let (name, bytes) = files.single(SOURCE)?;
        let provenance = Provenance::new(&ctx.descriptor, None, ctx.fetched_at);
        let mut report = mapping::Report {
            file: name,
            anomalies: Anomalies::default(),
        };
        let mut actions = BTreeMap::new();
        let lheo_version = xml::read_formations(name, bytes, |formation| {
            for action in mapping::actions(&mut report, &formation, &provenance) {
                let numero = action.numero.clone();
                if actions.insert(numero.clone(), Arc::new(action)).is_some() {
                    report.anomalies.add(
                        "numéro d'action en double : la dernière occurrence est gardée",
                        format!("{name}: action {numero}"),
                    );
                }
            }
        })?;
        let version = format!(
            "LHEO {lheo_version}, chargé le {}",
            ctx.fetched_at.format("%Y-%m-%d")
        );
        for a in actions.values_mut() {
            Arc::make_mut(a).provenance.version = Some(version.clone());
        }
        let mut formations: BTreeMap<&str, &[CodeRome]> = BTreeMap::new();
        for a in actions.values() {
            formations.insert(&a.formation.numero, &a.formation.codes_rome);
        }
        let mut counts: BTreeMap<&CodeRome, usize> = BTreeMap::new();
        for code in formations.values().flat_map(|codes| codes.iter()) {
            *counts.entry(code).or_default() += 1;
        }
        let cited = counts.into_iter().map(|(c, n)| (c.clone(), n)).collect();
        Ok(Self {
            actions,
            lheo_version,
            anomalies: report.anomalies.into_vec(),
            cited,
        })
    }
    fn record_count(&self) -> usize {
        self.actions.len()
    }
    fn version(&self) -> Option<String> {
        Some(format!("LHEO {}", self.lheo_version))
    }
    fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
    fn cited_rome_codes(&self) -> Vec<(CodeRome, usize)> {
        self.cited.clone()
    }
}

/// A place and a radius.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Autour {
    /// Centre.
    pub centre: GeoPoint,
    /// Radius in km.
    pub rayon_km: f64,
}

/// Search criteria over actions de formation; all given criteria must hold.
#[derive(Debug, Clone, Default)]
pub struct OffreFilter {
    /// Actions whose formation is indexed with one of these ROME codes.
    pub codes_rome: Option<Vec<CodeRome>>,
    /// Actions whose formation is indexed with one of these Formacodes.
    pub formacodes: Option<Vec<Formacode>>,
    /// Actions taking place within the radius (hits carry their distance and come nearest first).
    pub autour: Option<Autour>,
}

/// The Offre Info adapter: the offers held in memory (`sample` and `snapshot` modes).
pub type OffreInfoAdapter = Snapshot<OffreData>;

impl Indexed for OffreData {
    type Key = String;
    type Record = Arc<ActionFormation>;
    type Filter = OffreFilter;

    fn get(&self, key: &String) -> Option<Arc<ActionFormation>> {
        self.actions.get(key).cloned()
    }

    fn search(&self, filter: &OffreFilter, page: PageRequest) -> SearchPage<Arc<ActionFormation>> {
        let mut hits: Vec<Hit<Arc<ActionFormation>>> =
            self.actions
                .values()
                .filter(|a| {
                    filter.codes_rome.as_ref().is_none_or(|codes| {
                        a.formation.codes_rome.iter().any(|c| codes.contains(c))
                    })
                })
                .filter(|a| {
                    filter.formacodes.as_ref().is_none_or(|codes| {
                        a.formation
                            .formacodes
                            .iter()
                            .any(|f| codes.contains(&f.code))
                    })
                })
                .filter_map(|a| match &filter.autour {
                    None => Some(Hit::new(Arc::clone(a))),
                    Some(autour) => {
                        let d = a.position()?.distance_km(&autour.centre);
                        (d <= autour.rayon_km).then(|| Hit {
                            record: Arc::clone(a),
                            distance_km: Some(d),
                        })
                    }
                })
                .collect();
        if filter.autour.is_some() {
            hits.sort_by(|a, b| {
                a.distance_km
                    .partial_cmp(&b.distance_km)
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
        page.slice(hits)
    }
}

#[cfg(test)]
mod tests;
