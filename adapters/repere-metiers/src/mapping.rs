//! Repère Métiers DTOs -> domain ressources, applying the charter's rules. Pure functions.
//!
//! Validation rules skip a record and report it (id, field, rule); diffusion rules filter what is served
//! (only published resources; a contact only with the operator's consent).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use passerelle_core::model::{
    Accessibilite, CategorieRessource, Contact, Creneau, GeoPoint, Lien, Lieu, Modalite, Operateur,
    OriginePosition, Public, Ressource, StatutModeration, TypeLien, TypeOperateur,
};
use passerelle_core::{
    Anomalies, Anomaly, CodeDepartement, CodeInsee, CodeRome, Provenance, Siret,
};

use crate::snapshot::RessourceDto;

/// A broken rule: the field and the rule.
pub(crate) struct Violation {
    pub field: &'static str,
    pub rule: String,
}

fn violation(field: &'static str, rule: impl Into<String>) -> Violation {
    Violation {
        field,
        rule: rule.into(),
    }
}

pub(crate) fn categorie(v: &str) -> Option<CategorieRessource> {
    Some(match v {
        "evenement" => CategorieRessource::Evenement,
        "concours" => CategorieRessource::Concours,
        "immersion_entreprise" => CategorieRessource::ImmersionEntreprise,
        "action_mobilisable_groupe" => CategorieRessource::ActionMobilisableGroupe,
        "pedagogie_methode" => CategorieRessource::PedagogieMethode,
        "support_multimedia" => CategorieRessource::SupportMultimedia,
        _ => return None,
    })
}

fn public(v: &str) -> Option<Public> {
    Some(match v {
        "collegiens" => Public::Collegiens,
        "lyceens" => Public::Lyceens,
        "etudiants" => Public::Etudiants,
        "apprentis" => Public::Apprentis,
        "demandeurs_emploi" => Public::DemandeursEmploi,
        "salaries" => Public::Salaries,
        "enseignants" => Public::Enseignants,
        "professionnels_orientation" => Public::ProfessionnelsOrientation,
        "parents" => Public::Parents,
        "tout_public" | "grand_public" => Public::ToutPublic,
        "professionnels" => Public::Professionnels,
        "jeunes" => Public::Jeunes,
        "adultes" => Public::Adultes,
        "groupes_scolaires" => Public::GroupesScolaires,
        _ => return None,
    })
}

fn modalite(v: &str) -> Option<Modalite> {
    Some(match v {
        "individuel" => Modalite::Individuel,
        "groupe" => Modalite::Groupe,
        "individuel_et_groupe" => Modalite::IndividuelEtGroupe,
        _ => return None,
    })
}

fn type_operateur(v: &str) -> Option<TypeOperateur> {
    Some(match v {
        "branche_professionnelle" => TypeOperateur::BrancheProfessionnelle,
        "entreprise" => TypeOperateur::Entreprise,
        "organisme_formation" => TypeOperateur::OrganismeFormation,
        "association" => TypeOperateur::Association,
        "collectivite" => TypeOperateur::Collectivite,
        "etablissement_scolaire" => TypeOperateur::EtablissementScolaire,
        "autre" => TypeOperateur::Autre,
        _ => return None,
    })
}

/// Format 1.1 names, and the 1.0 ones (`en_attente`, `retiree`) still read.
fn statut(v: &str) -> Option<StatutModeration> {
    Some(match v {
        "proposee" | "en_attente" => StatutModeration::Proposee,
        "publiee" => StatutModeration::Publiee,
        "refusee" => StatutModeration::Refusee,
        "archivee" | "retiree" => StatutModeration::Archivee,
        _ => return None,
    })
}

/// The départements of Auvergne-Rhône-Alpes.
pub const DEPARTEMENTS_REGION: [&str; 12] = [
    "01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74",
];

/// The kinds of each category (`sous_type`), as the format documents them.
pub fn sous_types(categorie: CategorieRessource) -> &'static [&'static str] {
    match categorie {
        CategorieRessource::Evenement => &[
            "salon",
            "forum",
            "portes_ouvertes_etablissement",
            "portes_ouvertes_entreprise",
            "evenement_branche",
            "conference",
            "autre",
        ],
        CategorieRessource::Concours => &["concours_individuel", "concours_equipe", "autre"],
        CategorieRessource::ImmersionEntreprise => {
            &["stage_observation", "parrainage", "job_dating", "autre"]
        }
        CategorieRessource::ActionMobilisableGroupe => &[
            "decouverte_a_la_carte",
            "exposition",
            "visite_entreprise",
            "intervention_en_classe",
            "atelier",
            "autre",
        ],
        CategorieRessource::PedagogieMethode => &["kit", "video_enseignant", "guide", "autre"],
        CategorieRessource::SupportMultimedia => &["quiz", "video", "jeu", "site", "autre"],
    }
}

fn type_lien(v: Option<&str>) -> Option<TypeLien> {
    Some(match v {
        None | Some("page") => TypeLien::Page,
        Some("video") => TypeLien::Video,
        Some("document") => TypeLien::Document,
        Some(_) => return None,
    })
}

fn valid_id(id: &str) -> bool {
    id.strip_prefix("RM-")
        .is_some_and(|d| d.len() == 6 && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks a record against the validation rules and maps it, with its moderation state.
pub(crate) fn ressource(
    dto: RessourceDto,
    provenance: &Provenance,
) -> Result<(StatutModeration, Ressource), Violation> {
    if !valid_id(&dto.id) {
        return Err(violation(
            "id",
            format!(
                "« {} » ne suit pas le motif RM- suivi de 6 chiffres",
                dto.id
            ),
        ));
    }
    let categorie = categorie(&dto.categorie).ok_or_else(|| {
        violation(
            "categorie",
            format!("« {} » n'est pas une des six catégories", dto.categorie),
        )
    })?;
    let statut = statut(&dto.moderation.statut).ok_or_else(|| {
        violation(
            "moderation.statut",
            format!(
                "« {} » : proposee, publiee, refusee ou archivee attendu",
                dto.moderation.statut
            ),
        )
    })?;
    let type_operateur = type_operateur(&dto.operateur.type_operateur).ok_or_else(|| {
        violation(
            "operateur.type",
            format!(
                "« {} » n'est pas un type d'opérateur connu",
                dto.operateur.type_operateur
            ),
        )
    })?;
    let siret = dto
        .operateur
        .siret
        .as_deref()
        .map(Siret::parse)
        .transpose()
        .map_err(|e| violation("operateur.siret", e.to_string()))?;
    if dto.publics.is_empty() {
        return Err(violation("publics", "au moins un public est exigé"));
    }
    let publics = dto
        .publics
        .iter()
        .map(|p| {
            public(p)
                .ok_or_else(|| violation("publics", format!("« {p} » n'est pas un public connu")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let modalite = modalite(&dto.modalite).ok_or_else(|| {
        violation(
            "modalite",
            format!(
                "« {} » : individuel, groupe ou individuel_et_groupe attendu",
                dto.modalite
            ),
        )
    })?;
    if categorie == CategorieRessource::Evenement && dto.dates.is_empty() {
        return Err(violation("dates", "un événement exige au moins une date"));
    }
    if let Some(kind) = dto.sous_type.as_deref()
        && !sous_types(categorie).contains(&kind)
    {
        return Err(violation(
            "sous_type",
            format!(
                "« {kind} » n'est pas un sous-type de la catégorie {} ({})",
                dto.categorie,
                sous_types(categorie).join(", ")
            ),
        ));
    }
    if categorie == CategorieRessource::ActionMobilisableGroupe && !dto.gratuit {
        return Err(violation(
            "gratuit",
            "une action mobilisable en groupe doit être gratuite pour les établissements scolaires",
        ));
    }
    if dto.sous_type.as_deref() == Some("visite_entreprise") && !dto.gratuit {
        return Err(violation(
            "gratuit",
            "une visite d'entreprise doit être gratuite pour les établissements scolaires",
        ));
    }
    if dto.lieu.is_none() && !dto.mobilisable_en_region {
        return Err(violation(
            "lieu",
            "un lieu est exigé, sauf pour une ressource mobilisable en région",
        ));
    }
    let codes_rome = dto
        .codes_rome
        .iter()
        .map(|c| CodeRome::parse(c).map_err(|e| violation("codes_rome", e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let lieu = match dto.lieu {
        None => None,
        Some(l) => {
            let code_insee = CodeInsee::parse(&l.code_insee)
                .map_err(|e| violation("lieu.code_insee", e.to_string()))?;
            if !DEPARTEMENTS_REGION.contains(&code_insee.departement_str()) {
                return Err(violation(
                    "lieu.code_insee",
                    format!(
                        "la commune {code_insee} (département {}) est hors d'Auvergne-Rhône-Alpes",
                        code_insee.departement_str()
                    ),
                ));
            }
            let position = GeoPoint::new(l.latitude, l.longitude).ok_or_else(|| {
                violation(
                    "lieu.latitude",
                    format!(
                        "coordonnées ({}, {}) hors des bornes WGS84",
                        l.latitude, l.longitude
                    ),
                )
            })?;
            Some(Lieu {
                nom: l.nom,
                adresse: l.adresse.into_iter().collect(),
                code_postal: Some(l.code_postal),
                ville: Some(l.commune),
                code_insee: Some(code_insee),
                departement: None,
                position: Some(position),
                origine_position: OriginePosition::Source,
            })
        }
    };
    let departements_couverts = match (&dto.departements_couverts, dto.mobilisable_en_region) {
        (Some(list), _) => list
            .iter()
            .map(|d| {
                let code = CodeDepartement::parse(d)
                    .map_err(|e| violation("departements_couverts", e.to_string()))?;
                if DEPARTEMENTS_REGION.contains(&code.as_str()) {
                    Ok(code)
                } else {
                    Err(violation(
                        "departements_couverts",
                        format!("le département {code} est hors d'Auvergne-Rhône-Alpes"),
                    ))
                }
            })
            .collect::<Result<Vec<_>, _>>()?,
        // Mobilisable in the region without a list: the whole region.
        (None, true) => DEPARTEMENTS_REGION
            .iter()
            .filter_map(|d| CodeDepartement::parse(d).ok())
            .collect(),
        (None, false) => Vec::new(),
    };
    let liens = dto
        .liens
        .into_iter()
        .map(|l| {
            let kind = type_lien(l.type_lien.as_deref()).ok_or_else(|| {
                violation(
                    "liens.type",
                    format!(
                        "« {} » : page, video ou document attendu",
                        l.type_lien.as_deref().unwrap_or_default()
                    ),
                )
            })?;
            Ok(Lien {
                url: l.url,
                libelle: l.libelle,
                type_lien: kind,
            })
        })
        .collect::<Result<Vec<_>, Violation>>()?;
    let mut dates: Vec<Creneau> = dto
        .dates
        .into_iter()
        .map(|d| Creneau {
            debut: d.debut,
            fin: d.fin,
            horaires: d.horaires,
        })
        .collect();
    if let Some(bad) = dates.iter().find(|d| d.fin.is_some_and(|f| f < d.debut)) {
        return Err(violation(
            "dates",
            format!(
                "le créneau qui commence le {} finit avant de commencer",
                bad.debut
            ),
        ));
    }
    dates.sort_by_key(|d| d.debut);
    let contact = dto
        .contact
        .filter(|c| c.consentement_publication)
        .map(|c| Contact {
            nom: c.nom,
            fonction: c.fonction,
            structure: c.structure,
            email: c.email,
            telephone: c.telephone,
        });
    let ressource = Ressource {
        provenance: provenance
            .clone()
            .with_url(liens.first().map(|l| l.url.clone())),
        id: dto.id,
        titre: dto.titre,
        description: dto.description,
        categorie,
        sous_type: dto.sous_type,
        operateur: Operateur {
            nom: dto.operateur.nom,
            type_operateur,
            siret,
        },
        publics,
        modalite,
        gratuit: dto.gratuit,
        tarif: dto.tarif,
        dates,
        lieu,
        mobilisable_en_region: dto.mobilisable_en_region,
        departements_couverts,
        accessibilite: dto.accessibilite.map(|a| Accessibilite {
            handicap: a.handicap,
            description: a.description,
        }),
        codes_rome,
        liens,
        contact,
        parent_id: dto.parent_id,
        mis_a_jour_le: dto.mis_a_jour_le,
        publiee_le: (statut == StatutModeration::Publiee)
            .then_some(dto.moderation.le)
            .flatten(),
    };
    Ok((statut, ressource))
}

/// The error of a record that does not decode, naming the field and the rule, never the values of a
/// contact (whose publication the operator may not have consented to).
fn decode_error(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = e.path().to_string();
    let inner = e.inner().to_string();
    if path.starts_with("contact") || inner.contains("contact") {
        return format!("champ {path} : valeur manquante ou d'un type inattendu");
    }
    format!("champ {path} : {inner}")
}

/// Maps every record; returns the published resources and the anomalies.
pub(crate) fn build(
    file: &str,
    raw: Vec<(String, serde_json::Value)>,
    provenance: &Provenance,
) -> (BTreeMap<String, Arc<Ressource>>, Vec<Anomaly>) {
    let mut anomalies = Anomalies::default();
    let mut valid: Vec<(StatutModeration, Ressource)> = Vec::new();
    let mut seen = HashSet::new();
    for (place, value) in raw {
        let id = value.get("id").and_then(|v| v.as_str()).map(str::to_owned);
        let location = match &id {
            Some(id) => format!("{place} {id}"),
            None => place,
        };
        if let Some(e) = value.get("__erreur_json").and_then(|v| v.as_str()) {
            anomalies.reject(
                format!("ligne JSON illisible ({e}), ressource écartée"),
                location,
            );
            continue;
        }
        let dto: RessourceDto = match serde_path_to_error::deserialize(value) {
            Ok(d) => d,
            Err(e) => {
                anomalies.reject(format!("{}, ressource écartée", decode_error(&e)), location);
                continue;
            }
        };
        match ressource(dto, provenance) {
            Ok((_, r)) if !seen.insert(r.id.clone()) => {
                anomalies.reject(
                    "champ id : identifiant en double, ressource écartée",
                    location,
                );
            }
            Ok(ok) => valid.push(ok),
            Err(v) => anomalies.reject(
                format!("champ {} : {}, ressource écartée", v.field, v.rule),
                location,
            ),
        }
    }
    let ids: HashSet<String> = valid.iter().map(|(_, r)| r.id.clone()).collect();
    let mut published = BTreeMap::new();
    for (statut, r) in valid {
        if let Some(parent) = r.parent_id.as_ref().filter(|p| !ids.contains(*p)) {
            anomalies.reject(
                format!(
                    "champ parent_id : « {parent} » n'existe pas dans l'export, ressource écartée"
                ),
                format!("{file} {}", r.id),
            );
            continue;
        }
        if statut == StatutModeration::Publiee {
            published.insert(r.id.clone(), Arc::new(r));
        }
    }
    (published, anomalies.into_vec())
}
