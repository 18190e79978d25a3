//! Adaptateur des certifications : RNCP (France compétences) et table de passage ONISEP.
//!
//! - **Upstream**: France compétences' open-data export of the Répertoire national des certifications
//!   professionnelles (`export-fiches-csv-AAAA-MM-JJ.zip` on data.gouv.fr, Licence Ouverte 2.0): one CSV
//!   per aspect of the fiches (ROME codes, Formacodes, NSF, certificateurs, conventions collectives,
//!   old/new fiches, and the `Standard` file with titles and levels). ONISEP's « table de passage codes
//!   certifications et formations » (XML) links Certif Info, RNCP, CFD and ONISEP formations (`FOR.n`).
//! - **Modes**: `sample` (the files of `sample/`, written for passerelle in the publications' formats),
//!   `snapshot` (`path` or `url`: files, folders or the export's ZIP, as a list when they come from
//!   several places: `path = ["…/france-competences-rncp", "…/table_de_passage….xml"]`).
//! - **Records**: one [`Certification`](passerelle_core::model::Certification) per RNCP fiche (its Certif
//!   Info declinations attached) and one per Certif Info entry without RNCP number; found by RNCP or
//!   Certif Info number, and searched by title, ROME code, Formacode, CFD or ONISEP formation. Malformed
//!   codes are kept and counted; ROME codes unknown to the ROME 4.0 are counted by the server, which
//!   knows the référentiel loaded.
//!
//! Files: [`snapshot`] (files -> rows), [`mapping`] (rows -> certifications).

mod mapping;
mod snapshot;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use passerelle_core::adapter::{Hit, PageRequest, SearchPage};
use passerelle_core::config::SourceConfig;
use passerelle_core::model::Certification;
use passerelle_core::snapshot::{Dataset, EmbeddedFile, Indexed, LoadContext, RawFiles, Snapshot};
use passerelle_core::{
    AdapterError, Anomaly, Cfd, CodeCertifInfo, CodeRncp, CodeRome, Formacode, IdFormationOnisep,
    SourceDescriptor,
};

pub use mapping::RncpData;

/// Source id.
pub const SOURCE: &str = "rncp";

/// Description of the source.
pub const DESCRIPTOR: SourceDescriptor = SourceDescriptor {
    id: SOURCE,
    nom: "Certifications — RNCP et table de passage Certif Info",
    producteur: "France compétences ; ONISEP (table de passage)",
    licence: "Licence Ouverte / Open Licence 2.0 (RNCP) ; données ouvertes ONISEP (table de passage)",
    url: "https://www.data.gouv.fr/fr/datasets/repertoire-national-des-certifications-professionnelles-et-repertoire-specifique/",
    attribution: "Source : France compétences, RNCP (francecompetences.fr) ; ONISEP, table de passage Certif Info",
};

macro_rules! sample_file {
    ($name:literal) => {
        EmbeddedFile {
            name: $name,
            bytes: include_bytes!(concat!("../sample/", $name)),
        }
    };
}

/// The embedded sample, in the publications' formats.
pub static SAMPLE: &[EmbeddedFile] = &[
    sample_file!("export_fiches_CSV_Standard_2026_10_01.csv"),
    sample_file!("export_fiches_CSV_Rome_2026_10_01.csv"),
    sample_file!("export_fiches_CSV_Formacode_2026_10_01.csv"),
    sample_file!("export_fiches_CSV_Nsf_2026_10_01.csv"),
    sample_file!("export_fiches_CSV_Certificateurs_2026_10_01.csv"),
    sample_file!("export_fiches_CSV_CCN_2026_10_01.csv"),
    sample_file!("export_fiches_CSV_Ancienne_Nouvelle_Certification_2026_10_01.csv"),
    sample_file!("table_de_passage_codes_certifications_et_formations.xml"),
];

/// `[sources.rncp]`.
pub type RncpConfig = SourceConfig;

impl Dataset for RncpData {
    const DESCRIPTOR: SourceDescriptor = DESCRIPTOR;
    const SAMPLE: &'static [EmbeddedFile] = SAMPLE;

    fn parse(files: &RawFiles, ctx: &LoadContext) -> Result<Self, AdapterError> {
        let mut exports = Vec::new();
        let mut tables = Vec::new();
        for (name, bytes) in files.iter() {
            match snapshot::read_file(name, bytes)? {
                snapshot::RncpFile::Export(f) => exports.push(f),
                snapshot::RncpFile::TablePassage(items) => tables.push((name.to_owned(), items)),
                snapshot::RncpFile::Other => {
                    tracing::info!(
                        source = SOURCE,
                        file = name,
                        "fichier non exploité (ni export RNCP lu ici, ni table de passage)"
                    );
                }
            }
        }
        if exports.is_empty() && tables.is_empty() {
            let names: Vec<&str> = files.names().collect();
            return Err(AdapterError::invalid(
                SOURCE,
                if names.is_empty() {
                    "(aucun fichier)".to_owned()
                } else {
                    names.join(", ")
                },
                "ni fichier export_fiches_CSV_<aspect>_AAAA_MM_JJ.csv de l'export RNCP, ni table de passage ONISEP",
            ));
        }
        Ok(mapping::build(exports, tables, ctx))
    }
    fn record_count(&self) -> usize {
        self.certifications.len()
    }
    fn version(&self) -> Option<String> {
        self.version.clone()
    }
    fn anomalies(&self) -> &[Anomaly] {
        &self.anomalies
    }
    fn cited_rome_codes(&self) -> Vec<(CodeRome, usize)> {
        self.by_rome
            .iter()
            .map(|(c, v)| (c.clone(), v.len()))
            .collect()
    }
}

/// A code that designates one certification.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CleCertification {
    /// RNCP number.
    Rncp(CodeRncp),
    /// Certif Info number (of the certification or of one of its declinations).
    CertifInfo(CodeCertifInfo),
}

/// Search criteria over certifications; all given criteria must hold.
#[derive(Debug, Clone, Default)]
pub struct RncpFilter {
    /// Words searched in the titles (RNCP and Certif Info); hits come best first.
    pub recherche: Option<String>,
    /// Certifications citing one of these ROME codes (V3-level, as the RNCP publishes them).
    pub codes_rome: Option<Vec<CodeRome>>,
    /// Certifications indexed on one of these Formacodes.
    pub formacodes: Option<Vec<Formacode>>,
    /// Certifications with this CFD (a CFD can designate several: mentions, options).
    pub cfd: Option<Cfd>,
    /// Certifications leading to this ONISEP formation.
    pub formation_onisep: Option<IdFormationOnisep>,
    /// European level (3 to 8).
    pub niveau: Option<u8>,
}

impl RncpData {
    /// The positions matching the indexed criteria, in order; `None` when no indexed criterion is given.
    fn candidates(&self, filter: &RncpFilter) -> Option<BTreeSet<usize>> {
        let mut sets: Vec<BTreeSet<usize>> = Vec::new();
        if let Some(codes) = &filter.codes_rome {
            sets.push(
                codes
                    .iter()
                    .filter_map(|c| self.by_rome.get(c))
                    .flatten()
                    .copied()
                    .collect(),
            );
        }
        if let Some(codes) = &filter.formacodes {
            sets.push(
                codes
                    .iter()
                    .filter_map(|c| self.by_formacode.get(c))
                    .flatten()
                    .copied()
                    .collect(),
            );
        }
        if let Some(cfd) = &filter.cfd {
            sets.push(
                self.by_cfd
                    .get(cfd)
                    .into_iter()
                    .flatten()
                    .copied()
                    .collect(),
            );
        }
        if let Some(f) = &filter.formation_onisep {
            sets.push(
                self.by_formation
                    .get(f)
                    .into_iter()
                    .flatten()
                    .copied()
                    .collect(),
            );
        }
        sets.into_iter()
            .reduce(|a, b| a.intersection(&b).copied().collect())
    }

    /// The certifications matching `filter`: best title first with a `recherche`, else by RNCP number.
    pub fn find(&self, filter: &RncpFilter) -> Vec<Arc<Certification>> {
        let candidates = self.candidates(filter);
        let accepts = |i: &usize| {
            candidates.as_ref().is_none_or(|c| c.contains(i))
                && filter
                    .niveau
                    .is_none_or(|n| self.certifications[*i].niveau_europeen == Some(n))
        };
        let positions: Vec<usize> =
            match filter.recherche.as_deref().filter(|r| !r.trim().is_empty()) {
                Some(q) => {
                    let mut seen = HashSet::new();
                    self.index
                        .search(q)
                        .into_iter()
                        .map(|f| self.labels[f.entry])
                        .filter(|i| seen.insert(*i) && accepts(i))
                        .collect()
                }
                None => match &candidates {
                    Some(c) => c.iter().copied().filter(accepts).collect(),
                    None => (0..self.certifications.len()).filter(accepts).collect(),
                },
            };
        positions
            .into_iter()
            .map(|i| Arc::clone(&self.certifications[i]))
            .collect()
    }
}

impl Indexed for RncpData {
    type Key = CleCertification;
    type Record = Arc<Certification>;
    type Filter = RncpFilter;

    fn get(&self, key: &CleCertification) -> Option<Arc<Certification>> {
        let i = match key {
            CleCertification::Rncp(r) => self.by_rncp.get(r),
            CleCertification::CertifInfo(c) => self.by_certif_info.get(c),
        }?;
        self.certifications.get(*i).cloned()
    }

    fn search(&self, filter: &RncpFilter, page: PageRequest) -> SearchPage<Arc<Certification>> {
        page.slice(self.find(filter).into_iter().map(Hit::new).collect())
    }
}

/// The certifications adapter: the référentiel held in memory (`sample` and `snapshot` modes).
pub type RncpAdapter = Snapshot<RncpData>;

/// Whether the référentiel loaded has this RNCP number; `None` before it has loaded.
pub fn knows_rncp(adapter: &RncpAdapter, code: &CodeRncp) -> Option<bool> {
    adapter.current().ok().map(|d| d.by_rncp.contains_key(code))
}

#[cfg(test)]
mod tests;
