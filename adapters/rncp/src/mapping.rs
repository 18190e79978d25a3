//! RNCP export rows and table de passage entries -> domain certifications. Pure functions.
//!
//! One certification per RNCP fiche, every aspect of the export merged into it, and the table de passage
//! entries naming its number attached as its Certif Info declinations; an entry without RNCP number is
//! a certification of its own, known by its Certif Info number.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use passerelle_core::model::{
    Certificateur, Certification, CodeLibelle, Correspondance, FormationOnisep,
};
use passerelle_core::search::{Entry, SearchIndex};
use passerelle_core::snapshot::LoadContext;
use passerelle_core::xml::Node;
use passerelle_core::{
    Anomalies, Anomaly, Cfd, CodeCertifInfo, CodeRncp, CodeRome, Formacode, IdFormationOnisep,
    Provenance, Siret,
};

use crate::snapshot::{Aspect, CsvFile, CsvRow};

/// Grouped problems, as shown in the source's health.
pub(crate) mod problems {
    pub const BAD_NUMERO: &str =
        "Numero_Fiche mal formé (RNCP suivi de 1 à 6 chiffres) : ligne ignorée";
    pub const RS: &str =
        "fiche du répertoire spécifique (RS…) : hors du RNCP servi ici, ligne ignorée";
    pub const BAD_ROME: &str = "code ROME mal formé (une lettre de A à N suivie de 4 chiffres) : \
         conservé tel quel, jamais joint";
    pub const BAD_FORMACODE: &str = "Formacode mal formé (5 chiffres) : ignoré";
    pub const BAD_SIRET: &str = "SIRET de certificateur invalide (14 chiffres et clé de Luhn) : \
         certificateur gardé sans SIRET";
    pub const BAD_LEVEL: &str =
        "Nomenclature_Europe_Niveau inconnu (NIV3 à NIV8 attendu) : niveau ignoré";
    pub const BAD_DATE: &str = "date mal formée (JJ/MM/AAAA attendu) : ignorée";
    pub const TABLE_NO_CI: &str =
        "entrée de la table de passage sans certif_info_ci_identifiant valide : ignorée";
    pub const TABLE_DUPLICATE_CI: &str =
        "Certif Info en double dans la table de passage : la première entrée est gardée";
    pub const TABLE_BAD_RNCP: &str =
        "ci_code_rncp mal formé (1 à 6 chiffres) : entrée gardée sans RNCP";
    pub const TABLE_BAD_CFD: &str = "ci_code_scolarite mal formé (CFD de 8 caractères) : ignoré";
    pub const TABLE_BAD_FORMATION: &str =
        "ideo_identifiant_formation mal formé (FOR.n attendu) : ignoré";
}

/// The certifications held in memory, with their indexes.
#[derive(Debug)]
pub struct RncpData {
    /// By RNCP number, then Certif Info number.
    pub(crate) certifications: Vec<Arc<Certification>>,
    pub(crate) by_rncp: HashMap<CodeRncp, usize>,
    pub(crate) by_certif_info: HashMap<CodeCertifInfo, usize>,
    pub(crate) by_cfd: HashMap<Cfd, Vec<usize>>,
    pub(crate) by_rome: HashMap<CodeRome, Vec<usize>>,
    pub(crate) by_formacode: HashMap<Formacode, Vec<usize>>,
    pub(crate) by_formation: HashMap<IdFormationOnisep, Vec<usize>>,
    /// Titles; `labels[i]` is the certification of entry `i`.
    pub(crate) index: SearchIndex,
    pub(crate) labels: Vec<usize>,
    pub(crate) version: Option<String>,
    pub(crate) anomalies: Vec<Anomaly>,
}

/// The RNCP export doubles some single quotes (`d''air`).
fn clean(text: &str) -> String {
    text.replace("''", "'")
}

/// `NIV5` -> 5; `REPRISE` and empty -> no level.
fn rncp_level(raw: &str) -> Result<Option<u8>, ()> {
    if raw.eq_ignore_ascii_case("REPRISE") {
        return Ok(None);
    }
    raw.strip_prefix("NIV")
        .and_then(|n| n.parse::<u8>().ok())
        .filter(|n| (1..=8).contains(n))
        .map(Some)
        .ok_or(())
}

fn date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%d/%m/%Y").ok()
}

fn empty(rncp: Option<CodeRncp>, provenance: &Provenance) -> Certification {
    let url = rncp.as_ref().map(|r| {
        format!(
            "https://www.francecompetences.fr/recherche/rncp/{}/",
            r.as_str().trim_start_matches("RNCP")
        )
    });
    Certification {
        rncp,
        intitule: None,
        niveau_europeen: None,
        type_diplome: None,
        type_enregistrement: None,
        actif: None,
        date_fin_enregistrement: None,
        codes_rome: Vec::new(),
        libelles_rome: Vec::new(),
        codes_rome_invalides: Vec::new(),
        formacodes: Vec::new(),
        nsf: Vec::new(),
        certificateurs: Vec::new(),
        conventions_collectives: Vec::new(),
        anciennes_certifications: Vec::new(),
        nouvelles_certifications: Vec::new(),
        correspondances: Vec::new(),
        provenance: provenance.clone().with_url(url),
    }
}

struct Builder<'a> {
    fiches: BTreeMap<CodeRncp, Certification>,
    anomalies: Anomalies,
    provenance: &'a Provenance,
}

impl Builder<'_> {
    /// The certification of a row's `Numero_Fiche`, or `None` (reported) when it is not an RNCP number.
    fn fiche(&mut self, row: &CsvRow) -> Option<&mut Certification> {
        let raw = row.get("Numero_Fiche").unwrap_or_default();
        if raw.to_ascii_uppercase().starts_with("RS") {
            self.anomalies
                .reject(problems::RS, format!("{} « {raw} »", row.location));
            return None;
        }
        let Ok(rncp) = CodeRncp::parse(raw) else {
            self.anomalies
                .reject(problems::BAD_NUMERO, format!("{} « {raw} »", row.location));
            return None;
        };
        let provenance = self.provenance;
        Some(
            self.fiches
                .entry(rncp.clone())
                .or_insert_with(|| empty(Some(rncp), provenance)),
        )
    }

    fn row(&mut self, aspect: Aspect, row: &CsvRow) {
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        let Some(c) = self.fiche(row) else { return };
        let text = |column: &str| row.get(column).map(clean);
        match aspect {
            Aspect::Standard => {
                c.intitule = text("Intitule").or(c.intitule.take());
                if let Some(raw) = row.get("Nomenclature_Europe_Niveau") {
                    match rncp_level(raw) {
                        Ok(level) => c.niveau_europeen = level,
                        Err(()) => problems
                            .push((problems::BAD_LEVEL, format!("{} « {raw} »", row.location))),
                    }
                }
                c.type_enregistrement =
                    text("Type_Enregistrement").or(c.type_enregistrement.take());
                c.actif = row.get("Actif").map(|a| a.eq_ignore_ascii_case("ACTIVE"));
                if let Some(raw) = row.get("Date_Fin_Enregistrement") {
                    c.date_fin_enregistrement = date(raw);
                    if c.date_fin_enregistrement.is_none() {
                        problems.push((problems::BAD_DATE, format!("{} « {raw} »", row.location)));
                    }
                }
            }
            Aspect::Rome => {
                if let Some(raw) = row.get("Codes_Rome_Code") {
                    match CodeRome::parse(raw) {
                        Ok(code) if c.codes_rome.contains(&code) => {}
                        Ok(code) => {
                            c.codes_rome.push(code);
                            c.libelles_rome
                                .push(text("Codes_Rome_Libelle").unwrap_or_default());
                        }
                        Err(_) => {
                            c.codes_rome_invalides.push(raw.to_owned());
                            problems
                                .push((problems::BAD_ROME, format!("{} « {raw} »", row.location)));
                        }
                    }
                }
            }
            Aspect::Formacode => {
                if let Some(raw) = row.get("Formacode_Code") {
                    match Formacode::parse(raw) {
                        Ok(code) if !c.formacodes.iter().any(|f| f.code == code.as_str()) => {
                            c.formacodes.push(CodeLibelle {
                                code: code.to_string(),
                                libelle: text("Formacode_Libelle"),
                            });
                        }
                        Ok(_) => {}
                        Err(_) => problems.push((
                            problems::BAD_FORMACODE,
                            format!("{} « {raw} »", row.location),
                        )),
                    }
                }
            }
            Aspect::Nsf => {
                if let Some(code) = row.get("Nsf_Code") {
                    let libelle = text("Nsf_Intitule").map(|l| {
                        l.strip_prefix(code)
                            .map(|r| r.trim_start_matches([' ', ':']).to_owned())
                            .unwrap_or(l)
                    });
                    c.nsf.push(CodeLibelle {
                        code: code.to_owned(),
                        libelle,
                    });
                }
            }
            Aspect::Certificateurs => {
                if let Some(nom) = text("Nom_Certificateur") {
                    let siret = row.get("Siret_Certificateur").and_then(|raw| {
                        Siret::parse(raw)
                            .map_err(|_| {
                                problems.push((
                                    problems::BAD_SIRET,
                                    format!("{} « {raw} »", row.location),
                                ))
                            })
                            .ok()
                    });
                    let certificateur = Certificateur { siret, nom };
                    if !c.certificateurs.contains(&certificateur) {
                        c.certificateurs.push(certificateur);
                    }
                }
            }
            Aspect::Ccn => {
                for k in 1..=3 {
                    if let Some(code) = row.get(&format!("Ccn_{k}_Numero")) {
                        c.conventions_collectives.push(CodeLibelle {
                            code: code.to_owned(),
                            libelle: text(&format!("Ccn_{k}_Libelle")),
                        });
                    }
                }
            }
            Aspect::AncienneNouvelle => {
                if let Some(old) = row.get("Ancienne_Certification") {
                    c.anciennes_certifications.push(normalised(old));
                }
                if let Some(new) = row.get("Nouvelle_Certification") {
                    c.nouvelles_certifications.push(normalised(new));
                }
            }
        }
        for (problem, location) in problems {
            self.anomalies.add(problem, location);
        }
    }
}

/// An RNCP number normalised when it is one (`RS…` numbers are kept as published).
fn normalised(raw: &str) -> String {
    CodeRncp::parse(raw).map_or_else(|_| raw.to_owned(), |c| c.to_string())
}

/// One table de passage entry, with the RNCP number it names (if any) and what it adds to its fiche.
struct Entree {
    certif_info: CodeCertifInfo,
    rncp: Option<CodeRncp>,
    correspondance: Correspondance,
    rncp_intitule: Option<String>,
    niveau: Option<u8>,
    type_diplome: Option<String>,
    type_enregistrement: Option<String>,
}

fn entree(item: &Node, location: &str, anomalies: &mut Anomalies) -> Option<Entree> {
    let text = |name: &str| item.text_of(name).map(str::to_owned);
    let Some(certif_info) = item
        .text_of("certif_info_ci_identifiant")
        .and_then(|c| CodeCertifInfo::parse(c).ok())
    else {
        anomalies.reject(problems::TABLE_NO_CI, location);
        return None;
    };
    let mut checked = |name: &str, problem: &'static str, ok: &dyn Fn(&str) -> bool| {
        let raw = item.text_of(name)?;
        if ok(raw) {
            Some(raw.to_owned())
        } else {
            anomalies.add(problem, format!("{location} « {raw} »"));
            None
        }
    };
    let rncp = checked("ci_code_rncp", problems::TABLE_BAD_RNCP, &|r| {
        CodeRncp::parse(r).is_ok()
    })
    .and_then(|r| CodeRncp::parse(&r).ok());
    let cfd = checked("ci_code_scolarite", problems::TABLE_BAD_CFD, &|r| {
        Cfd::parse(r).is_ok()
    })
    .and_then(|r| Cfd::parse(&r).ok());
    let formation = checked(
        "ideo_identifiant_formation",
        problems::TABLE_BAD_FORMATION,
        &|r| IdFormationOnisep::parse(r).is_ok(),
    )
    .and_then(|r| IdFormationOnisep::parse(&r).ok());
    Some(Entree {
        certif_info: certif_info.clone(),
        rncp,
        correspondance: Correspondance {
            certif_info: Some(certif_info),
            intitule: text("ci_intitule"),
            cfd,
            formation_onisep: formation.map(|id| FormationOnisep {
                id,
                libelle: text("ideo_libelle_complet_formation"),
            }),
            certifiante: item
                .text_of("ci_certifiant")
                .map(|c| c.eq_ignore_ascii_case("Oui")),
            statut: text("statut"),
        },
        rncp_intitule: text("rncp_intitule"),
        niveau: item
            .text_of("ci_niveau_europeen")
            .and_then(|n| n.parse().ok()),
        type_diplome: text("ci_intitule_type_diplome"),
        type_enregistrement: text("rncp_type_enregistrement"),
    })
}

/// Builds the certifications and their indexes.
pub(crate) fn build(
    exports: Vec<CsvFile>,
    tables: Vec<(String, Vec<Node>)>,
    ctx: &LoadContext,
) -> RncpData {
    let dates: Vec<&str> = {
        let mut d: Vec<&str> = exports.iter().map(|f| f.date.as_str()).collect();
        d.sort_unstable();
        d.dedup();
        d
    };
    let version = dates.last().map(|d| format!("export RNCP du {d}"));
    let provenance = Provenance::new(&ctx.descriptor, version.clone(), ctx.fetched_at);
    let mut b = Builder {
        fiches: BTreeMap::new(),
        anomalies: Anomalies::default(),
        provenance: &provenance,
    };
    // The Standard file first: titles and levels before the table de passage's.
    let mut exports = exports;
    exports.sort_by_key(|f| f.aspect != Aspect::Standard);
    for file in &exports {
        for row in &file.rows {
            b.row(file.aspect, row);
        }
    }
    let mut standalone: BTreeMap<CodeCertifInfo, Certification> = BTreeMap::new();
    let mut seen_ci = std::collections::HashSet::new();
    for (file, items) in &tables {
        for item in items {
            let location = format!("{file}:{}", item.line);
            let Some(e) = entree(item, &location, &mut b.anomalies) else {
                continue;
            };
            let ci = e.certif_info.clone();
            if !seen_ci.insert(ci.clone()) {
                b.anomalies
                    .add(problems::TABLE_DUPLICATE_CI, format!("{location} ({ci})"));
                continue;
            }
            let c = match &e.rncp {
                Some(rncp) => b
                    .fiches
                    .entry(rncp.clone())
                    .or_insert_with(|| empty(Some(rncp.clone()), &provenance)),
                None => standalone.entry(ci.clone()).or_insert_with(|| {
                    let mut c = empty(None, &provenance);
                    c.intitule = e.correspondance.intitule.clone();
                    c
                }),
            };
            c.intitule = c
                .intitule
                .take()
                .or(e.rncp_intitule)
                .or(e.correspondance.intitule.clone());
            c.niveau_europeen = c.niveau_europeen.or(e.niveau);
            c.type_diplome = c.type_diplome.take().or(e.type_diplome);
            c.type_enregistrement = c.type_enregistrement.take().or(e.type_enregistrement);
            if c.rncp.is_none() && c.provenance.url.is_none() {
                c.provenance.url = e
                    .correspondance
                    .formation_onisep
                    .as_ref()
                    .map(FormationOnisep::url);
            }
            c.correspondances.push(e.correspondance);
        }
    }
    // By RNCP number (numerically: RNCP320 before RNCP4537), then the Certif Info entries without one.
    let mut fiches: Vec<Certification> = b.fiches.into_values().collect();
    fiches.sort_by_cached_key(|c| {
        c.rncp
            .as_ref()
            .and_then(|r| r.as_str().trim_start_matches("RNCP").parse::<u32>().ok())
    });
    let mut others: Vec<(CodeCertifInfo, Certification)> = standalone.into_iter().collect();
    others.sort_by_cached_key(|(ci, _)| ci.as_str().parse::<u64>().ok());
    let certifications: Vec<Arc<Certification>> = fiches
        .into_iter()
        .chain(others.into_iter().map(|(_, c)| c))
        .map(Arc::new)
        .collect();
    index(certifications, version, b.anomalies.into_vec())
}

fn index(
    certifications: Vec<Arc<Certification>>,
    version: Option<String>,
    anomalies: Vec<Anomaly>,
) -> RncpData {
    let mut data = RncpData {
        certifications: Vec::new(),
        by_rncp: HashMap::new(),
        by_certif_info: HashMap::new(),
        by_cfd: HashMap::new(),
        by_rome: HashMap::new(),
        by_formacode: HashMap::new(),
        by_formation: HashMap::new(),
        index: SearchIndex::default(),
        labels: Vec::new(),
        version,
        anomalies,
    };
    let mut entries = Vec::new();
    for (i, c) in certifications.iter().enumerate() {
        if let Some(r) = &c.rncp {
            data.by_rncp.insert(r.clone(), i);
        }
        for code in &c.codes_rome {
            data.by_rome.entry(code.clone()).or_default().push(i);
        }
        for f in &c.formacodes {
            if let Ok(code) = Formacode::parse(&f.code) {
                data.by_formacode.entry(code).or_default().push(i);
            }
        }
        let mut add = |label: &str, primary: bool| {
            entries.push(Entry::new(label, primary, false));
            data.labels.push(i);
        };
        if let Some(t) = &c.intitule {
            add(t, true);
        }
        for k in &c.correspondances {
            if let Some(ci) = &k.certif_info {
                data.by_certif_info.insert(ci.clone(), i);
            }
            if let Some(cfd) = &k.cfd {
                let v = data.by_cfd.entry(cfd.clone()).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
            if let Some(f) = &k.formation_onisep {
                data.by_formation.entry(f.id.clone()).or_default().push(i);
            }
            if let Some(t) = &k.intitule
                && c.intitule.as_deref() != Some(t.as_str())
            {
                add(t, false);
            }
        }
    }
    data.index = SearchIndex::new(entries);
    data.certifications = certifications;
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_dates_and_quotes() {
        assert_eq!(rncp_level("NIV5"), Ok(Some(5)));
        assert_eq!(rncp_level("REPRISE"), Ok(None));
        assert!(rncp_level("5").is_err());
        assert_eq!(date("31/08/2023"), NaiveDate::from_ymd_opt(2023, 8, 31));
        assert_eq!(date("2023-08-31"), None);
        assert_eq!(
            clean("Installation d''équipements"),
            "Installation d'équipements"
        );
        assert_eq!(normalised("RNCP0320"), "RNCP320");
        assert_eq!(normalised("RS2858"), "RS2858");
    }
}
