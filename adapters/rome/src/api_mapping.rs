//! The France Travail ROME 4.0 APIs' JSON -> wire DTOs -> domain métiers.
//!
//! Field names follow the API documentation (francetravail.io, « ROME 4.0 - Métiers » and « ROME 4.0 -
//! Fiches métiers »). The API's shapes drift between ROME versions, so every field is optional and
//! unknown fields are ignored. A métier is assembled from two calls: `metiers/metier/{code}` (identity,
//! texts, appellations, contexts, classifications, which compétences are principales or émergentes) and
//! `fiches-rome/fiche-metier/{code}` (compétences grouped by enjeu, savoirs grouped by category).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use passerelle_core::model::{
    Appellation, Classement, CodeLibelle, Competence, ContexteTravail, Importance, Metier, Savoir,
    Transitions,
};
use passerelle_core::{CodeOgr, CodeRome, Provenance, SourceDescriptor};
use serde::Deserialize;

use crate::mapping::{fiche_url, terminate};

/// A code and a label.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct CodeLibelleDto {
    pub code: String,
    pub libelle: String,
}

impl CodeLibelleDto {
    fn domain(&self) -> CodeLibelle {
        CodeLibelle::new(self.code.trim(), self.libelle.trim())
    }
}

/// `domaineProfessionnel`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct DomaineDto {
    pub code: String,
    pub libelle: String,
    pub grand_domaine: CodeLibelleDto,
}

/// An appellation of `metier.appellations`, or a hit of `appellation/requete`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct AppellationDto {
    pub code: String,
    pub libelle: String,
    pub libelle_court: Option<String>,
    /// `PRINCIPALE` or `SYNONYME`.
    pub classification: Option<String>,
    pub emploi_cadre: Option<bool>,
    pub emploi_reglemente: Option<bool>,
    pub peu_usite: Option<bool>,
    /// The métier, on search hits.
    pub metier: Option<CodeLibelleDto>,
    /// The V3-level fiche of the appellation's fiche.
    pub rome_parent: Option<String>,
}

impl AppellationDto {
    pub(crate) fn domain(&self) -> Option<Appellation> {
        Some(Appellation {
            code_ogr: CodeOgr::parse(&self.code).ok()?,
            libelle: self.libelle.trim().to_owned(),
            libelle_court: self
                .libelle_court
                .as_deref()
                .map_or_else(|| self.libelle.trim(), str::trim)
                .to_owned(),
            principale: self
                .classification
                .as_deref()
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("PRINCIPALE")),
            peu_usitee: self.peu_usite.unwrap_or(false),
            emploi_cadre: self.emploi_cadre.unwrap_or(false),
            emploi_reglemente: self.emploi_reglemente.unwrap_or(false),
        })
    }
}

/// A compétence item (`type`: `COMPETENCE-DETAILLEE`, `MACRO-SAVOIR-FAIRE`,
/// `MACRO-SAVOIR-ETRE-PROFESSIONNEL`, `SAVOIR`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct CompetenceDto {
    #[serde(rename = "type")]
    pub kind: String,
    pub code: String,
    pub code_ogr: Option<String>,
    pub libelle: String,
}

impl CompetenceDto {
    fn ogr(&self) -> Option<CodeOgr> {
        CodeOgr::parse(self.code_ogr.as_deref().unwrap_or(&self.code)).ok()
    }
}

/// `contextesTravail[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ContexteDto {
    pub code: String,
    pub libelle: String,
    /// `CONDITIONS_TRAVAIL`, `HORAIRE_ET_DUREE_TRAVAIL`…
    pub categorie: String,
}

/// `centresInteretsLies[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct CentreInteretLieDto {
    pub centre_interet: CodeLibelleDto,
    pub principal: bool,
}

/// A secteur d'activité; a sous-secteur names its parent in `secteurActivite`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SecteurDto {
    pub code: String,
    pub libelle: String,
    pub secteur_activite: Option<CodeLibelleDto>,
}

/// `secteursActivitesLies[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SecteurLieDto {
    pub secteur_activite: SecteurDto,
    pub principal: bool,
}

/// `GET rome-metiers/v1/metiers/metier/{code}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct MetierDto {
    pub code: String,
    pub libelle: String,
    pub definition: Option<String>,
    pub acces_emploi: Option<String>,
    pub riasec_majeur: Option<String>,
    pub riasec_mineur: Option<String>,
    pub code_isco: Option<String>,
    pub domaine_professionnel: DomaineDto,
    pub appellations: Vec<AppellationDto>,
    pub themes: Vec<CodeLibelleDto>,
    pub centres_interets: Vec<CodeLibelleDto>,
    pub centres_interets_lies: Vec<CentreInteretLieDto>,
    pub secteurs_activites: Vec<SecteurDto>,
    pub secteurs_activites_lies: Vec<SecteurLieDto>,
    pub divisions_naf: Vec<CodeLibelleDto>,
    pub formacodes: Vec<CodeLibelleDto>,
    pub competences_mobilisees_principales: Vec<CompetenceDto>,
    pub competences_mobilisees_emergentes: Vec<CompetenceDto>,
    pub contextes_travail: Vec<ContexteDto>,
    /// Mobilités: the target fiches, in the référentiel's order.
    pub metiers_en_proximite: Vec<CodeLibelleDto>,
    pub transition_ecologique: Option<bool>,
    pub transition_ecologique_detaillee: Option<String>,
    pub transition_numerique: Option<bool>,
    pub transition_demographique: Option<bool>,
    pub emploi_cadre: Option<bool>,
    pub emploi_reglemente: Option<bool>,
    /// The V3-level fiche this fiche details.
    pub code_rome_parent: Option<String>,
}

/// `groupesCompetencesMobilisees[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct GroupeCompetencesDto {
    pub enjeu: Option<CodeLibelleDto>,
    pub competences: Vec<CompetenceDto>,
}

/// `groupesSavoirs[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct GroupeSavoirsDto {
    pub categorie_savoirs: CodeLibelleDto,
    pub savoirs: Vec<CompetenceDto>,
}

/// `GET rome-fiches-metiers/v1/fiches-rome/fiche-metier/{code}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct FicheMetierDto {
    pub code: String,
    pub groupes_competences_mobilisees: Vec<GroupeCompetencesDto>,
    pub groupes_savoirs: Vec<GroupeSavoirsDto>,
}

/// `GET rome-metiers/v1/metiers/appellation/requete?q=`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RequeteAppellationsDto {
    pub total_resultats: Option<usize>,
    pub resultats: Vec<AppellationDto>,
}

/// `GET …/version`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct VersionDto {
    pub version: Option<String>,
}

/// The API's context categories and the export's codes for the same types.
const CATEGORIES_CONTEXTE: [(&str, &str, &str); 6] = [
    (
        "CONDITIONS_TRAVAIL",
        "1",
        "Conditions de travail et risques professionnels",
    ),
    (
        "HORAIRE_ET_DUREE_TRAVAIL",
        "2",
        "Horaires et durée du travail",
    ),
    ("LIEU_ET_DEPLACEMENT", "3", "Lieux et déplacements"),
    ("TYPE_BENEFICIAIRE", "5", "Publics spécifiques"),
    ("TYPE_STRUCTURE_ACCUEIL", "6", "Types de structures"),
    ("STATUT_EMPLOI", "7", "Statut d'emploi"),
];

fn type_contexte(categorie: &str) -> CodeLibelle {
    CATEGORIES_CONTEXTE
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(categorie.trim()))
        .map_or_else(
            || CodeLibelle {
                code: categorie.trim().to_owned(),
                libelle: None,
            },
            |(_, code, libelle)| CodeLibelle::new(*code, *libelle),
        )
}

/// A free text of the API: its lines are the export's sentences; joined like the export's.
fn text(value: Option<&str>) -> Option<String> {
    let sentences: Vec<String> = value?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(terminate)
        .collect();
    (!sentences.is_empty()).then(|| sentences.join(" "))
}

fn letter(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn by_code(mut list: Vec<CodeLibelle>) -> Vec<CodeLibelle> {
    list.sort_by(|a, b| a.code.cmp(&b.code));
    list
}

/// Maps the two answers of one métier. `None` when the code is not a ROME code.
pub(crate) fn metier(
    dto: &MetierDto,
    fiche: Option<&FicheMetierDto>,
    descriptor: &SourceDescriptor,
    version: Option<String>,
    fetched_at: DateTime<Utc>,
) -> Option<Metier> {
    let code = CodeRome::parse(&dto.code).ok()?;
    let mut importance: HashMap<&str, Importance> = HashMap::new();
    for c in &dto.competences_mobilisees_emergentes {
        importance.insert(c.code.trim(), Importance::Emergente);
    }
    for c in &dto.competences_mobilisees_principales {
        importance.insert(c.code.trim(), Importance::CoeurDeMetier);
    }
    let importance_of =
        |c: &CompetenceDto| importance.get(c.code.trim()).copied().unwrap_or_default();

    let (mut competences, mut savoirs_etre, mut savoirs) = (Vec::new(), Vec::new(), Vec::new());
    if let Some(fiche) = fiche {
        for groupe in &fiche.groupes_competences_mobilisees {
            for c in &groupe.competences {
                let Some(code_ogr) = c.ogr() else { continue };
                let competence = Competence {
                    code_ogr,
                    libelle: c.libelle.trim().to_owned(),
                    est_macro: c.kind.starts_with("MACRO"),
                    macro_competence: None,
                    sous_categorie: None,
                    importance: importance_of(c),
                    enjeu: groupe.enjeu.as_ref().map(CodeLibelleDto::domain),
                };
                if c.kind.contains("SAVOIR-ETRE") {
                    savoirs_etre.push(competence);
                } else {
                    competences.push(competence);
                }
            }
        }
        for groupe in &fiche.groupes_savoirs {
            for s in &groupe.savoirs {
                let Some(code_ogr) = s.ogr() else { continue };
                savoirs.push(Savoir {
                    code_ogr,
                    libelle: s.libelle.trim().to_owned(),
                    categorie: groupe.categorie_savoirs.libelle.trim().to_owned(),
                    sous_categorie: None,
                    importance: importance_of(s),
                });
            }
        }
    }
    let by_importance = |a: &Competence, b: &Competence| {
        a.importance
            .cmp(&b.importance)
            .then_with(|| a.libelle.cmp(&b.libelle))
    };
    competences.sort_by(by_importance);
    savoirs_etre.sort_by(by_importance);
    savoirs.sort_by(|a, b| (&a.categorie, &a.libelle).cmp(&(&b.categorie, &b.libelle)));

    let mut contextes: Vec<ContexteTravail> = dto
        .contextes_travail
        .iter()
        .filter_map(|c| {
            Some(ContexteTravail {
                code_ogr: CodeOgr::parse(&c.code).ok()?,
                libelle: c.libelle.trim().to_owned(),
                type_contexte: type_contexte(&c.categorie),
            })
        })
        .collect();
    contextes.sort_by(|a, b| {
        (&a.type_contexte.code, &a.libelle).cmp(&(&b.type_contexte.code, &b.libelle))
    });

    let mut centres_interet: Vec<Classement> = if dto.centres_interets_lies.is_empty() {
        dto.centres_interets
            .iter()
            .map(|c| Classement {
                classe: c.domain(),
                sous_classe: None,
                principal: false,
            })
            .collect()
    } else {
        dto.centres_interets_lies
            .iter()
            .map(|c| Classement {
                classe: c.centre_interet.domain(),
                sous_classe: None,
                principal: c.principal,
            })
            .collect()
    };
    let secteur = |s: &SecteurDto, principal: bool| match &s.secteur_activite {
        Some(parent) => Classement {
            classe: parent.domain(),
            sous_classe: Some(CodeLibelle::new(s.code.trim(), s.libelle.trim())),
            principal,
        },
        None => Classement {
            classe: CodeLibelle::new(s.code.trim(), s.libelle.trim()),
            sous_classe: None,
            principal,
        },
    };
    let mut secteurs_activite: Vec<Classement> = if dto.secteurs_activites_lies.is_empty() {
        dto.secteurs_activites
            .iter()
            .map(|s| secteur(s, false))
            .collect()
    } else {
        dto.secteurs_activites_lies
            .iter()
            .map(|s| secteur(&s.secteur_activite, s.principal))
            .collect()
    };
    for list in [&mut centres_interet, &mut secteurs_activite] {
        list.sort_by(|a, b| {
            b.principal
                .cmp(&a.principal)
                .then_with(|| a.classe.libelle.cmp(&b.classe.libelle))
        });
    }

    let mut appellations: Vec<Appellation> = dto
        .appellations
        .iter()
        .filter_map(AppellationDto::domain)
        .collect();
    appellations.sort_by(|a, b| {
        b.principale
            .cmp(&a.principale)
            .then_with(|| a.libelle.cmp(&b.libelle))
    });
    // The V3-level parent: given on the métier, or on its appellations.
    let parent = dto
        .code_rome_parent
        .as_deref()
        .or_else(|| {
            dto.appellations
                .iter()
                .find_map(|a| a.rome_parent.as_deref())
        })
        .and_then(|p| CodeRome::parse(p).ok())
        .filter(|p| *p != code);

    Some(Metier {
        code_ogr: None,
        libelle: dto.libelle.trim().to_owned(),
        code_rome_parent: parent,
        // The API cannot list the fiches detailing a V3-level fiche without reading them all.
        fiches_detaillees: None,
        grand_domaine: dto.domaine_professionnel.grand_domaine.domain(),
        domaine_professionnel: CodeLibelle::new(
            dto.domaine_professionnel.code.trim(),
            dto.domaine_professionnel.libelle.trim(),
        ),
        definition: text(dto.definition.as_deref()),
        acces_metier: text(dto.acces_emploi.as_deref()),
        appellations,
        mobilites: dto
            .metiers_en_proximite
            .iter()
            .filter_map(|m| CodeRome::parse(&m.code).ok())
            .collect(),
        competences,
        savoirs_etre,
        savoirs,
        contextes_travail: contextes,
        centres_interet,
        secteurs_activite,
        divisions_naf: by_code(
            dto.divisions_naf
                .iter()
                .map(|d| CodeLibelle::new(format!("{:0>2}", d.code.trim()), d.libelle.trim()))
                .collect(),
        ),
        themes: by_code(dto.themes.iter().map(CodeLibelleDto::domain).collect()),
        formacodes: Some(dto.formacodes.iter().map(CodeLibelleDto::domain).collect()),
        code_isco: letter(dto.code_isco.as_deref()),
        riasec_majeur: letter(dto.riasec_majeur.as_deref()),
        riasec_mineur: letter(dto.riasec_mineur.as_deref()),
        transitions: Transitions {
            ecologique: letter(dto.transition_ecologique_detaillee.as_deref()),
            numerique: dto.transition_numerique.unwrap_or(false),
            demographique: dto.transition_demographique.unwrap_or(false),
        },
        emploi_reglemente: dto.emploi_reglemente.unwrap_or(false),
        emploi_cadre: dto.emploi_cadre.unwrap_or(false),
        provenance: Provenance::new(descriptor, version, fetched_at)
            .with_url(Some(fiche_url(&code))),
        code,
    })
}
