//! `statistiques`: counts for analysts, grouped by one or two dimensions, under the same filters as the
//! lists. A record with several values in a dimension (an action indexed on two Formacodes) counts in
//! each of their groups, as it would appear in each of the lists filtered on them: each group's count
//! is the `totalCount` of the list filtered on that group's codes.

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::{Context, Enum, SimpleObject};
use chrono::Datelike;
use passerelle_core::model::{ActionFormation, CategorieRessource, Ressource};
use passerelle_core::{Adapter, PageRequest};
use passerelle_rncp::CleCertification;

use crate::graphql::errors::{bad_input, enum_name, source_error};
use crate::graphql::filters::{FiltreActionsFormation, FiltreRessources};
use crate::graphql::{loaders, sources};

/// Ce que l'on compte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ObjetStatistique {
    /// Les actions de formation (filtre `filtreActions`).
    ActionsFormation,
    /// Les sessions des actions de formation (filtre `filtreActions` ; avec `sessionsDebutant`, seulement les sessions de la période).
    Sessions,
    /// Les ressources de découverte (filtre `filtreRessources`).
    Ressources,
}

/// Une dimension de regroupement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Ord, PartialOrd, Enum)]
pub enum Dimension {
    /// Département du lieu (pour une ressource mobilisable : chacun des départements couverts).
    Departement,
    /// Région du lieu.
    Region,
    /// Grand domaine du ROME (la lettre des codes ROME).
    GrandDomaine,
    /// Domaine professionnel du ROME (la lettre et les deux chiffres des codes ROME).
    DomaineProfessionnel,
    /// Formacode de la formation (actions et sessions).
    Formacode,
    /// Certification préparée, RNCP ou à défaut Certif Info (actions et sessions).
    Certification,
    /// Catégorie de la ressource (ressources).
    CategorieRessource,
    /// Mois de début de session, AAAA-MM (actions : chaque mois où l'une de leurs sessions commence ; sessions : le mois de la session).
    MoisDebutSession,
}

/// La valeur d'un groupe dans une dimension.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Cle {
    /// La dimension.
    pub dimension: Dimension,
    /// Le code (ex. 69, 84, M, M18, 31054, RNCP37674, CI112974, EVENEMENT, 2026-03) ; `null` pour les enregistrements sans valeur dans cette dimension.
    pub code: Option<String>,
    /// Le libellé, quand le référentiel le donne.
    pub libelle: Option<String>,
}

/// Un groupe et son compte.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Groupe {
    /// Une clé par dimension demandée, dans l'ordre de `par`.
    pub cles: Vec<Cle>,
    /// Nombre d'enregistrements du groupe.
    pub nombre: i64,
}

/// Des comptes regroupés.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Statistiques {
    /// Ce qui est compté.
    pub objet: ObjetStatistique,
    /// Les dimensions, dans l'ordre demandé.
    pub par: Vec<Dimension>,
    /// Nombre d'enregistrements retenus par le filtre (chacun compté une fois).
    pub total: i64,
    /// Les groupes, les plus nombreux d'abord, puis par codes.
    pub groupes: Vec<Groupe>,
}

fn categorie_code(c: CategorieRessource) -> &'static str {
    match c {
        CategorieRessource::Evenement => "EVENEMENT",
        CategorieRessource::Concours => "CONCOURS",
        CategorieRessource::ImmersionEntreprise => "IMMERSION_ENTREPRISE",
        CategorieRessource::ActionMobilisableGroupe => "ACTION_MOBILISABLE_GROUPE",
        CategorieRessource::PedagogieMethode => "PEDAGOGIE_METHODE",
        CategorieRessource::SupportMultimedia => "SUPPORT_MULTIMEDIA",
    }
}

fn categorie_libelle(code: &str) -> Option<&'static str> {
    Some(match code {
        "EVENEMENT" => "Événement",
        "CONCOURS" => "Concours",
        "IMMERSION_ENTREPRISE" => "Immersion en entreprise",
        "ACTION_MOBILISABLE_GROUPE" => "Action mobilisable en groupe",
        "PEDAGOGIE_METHODE" => "Pédagogie et méthode",
        "SUPPORT_MULTIMEDIA" => "Support multimédia",
        _ => return None,
    })
}

const MOIS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn mois(d: chrono::NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

fn region_of(departement: &str) -> Option<String> {
    passerelle_geo::territoires::departement(departement).map(|(_, r)| r.to_owned())
}

fn rome_prefixes<'a>(
    codes: impl Iterator<Item = &'a passerelle_core::CodeRome>,
    len: usize,
) -> Vec<String> {
    codes.map(|c| c.as_str()[..len].to_owned()).collect()
}

/// The values of an action (or of one of its sessions) in a dimension.
fn action_values(
    a: &ActionFormation,
    d: Dimension,
    session: Option<chrono::NaiveDate>,
) -> Vec<String> {
    let f = &a.formation;
    match d {
        Dimension::Departement => a.departement().map(str::to_owned).into_iter().collect(),
        Dimension::Region => a.departement().and_then(region_of).into_iter().collect(),
        Dimension::GrandDomaine => rome_prefixes(f.codes_rome.iter(), 1),
        Dimension::DomaineProfessionnel => rome_prefixes(f.codes_rome.iter(), 3),
        Dimension::Formacode => f.formacodes.iter().map(|c| c.code.to_string()).collect(),
        Dimension::Certification => f
            .certifications
            .iter()
            .filter_map(|c| {
                c.rncp
                    .as_ref()
                    .map(ToString::to_string)
                    .or_else(|| c.certif_info.as_ref().map(|ci| format!("CI{ci}")))
            })
            .collect(),
        Dimension::MoisDebutSession => match session {
            Some(day) => vec![mois(day)],
            None => a
                .sessions
                .iter()
                .filter_map(|s| s.debut)
                .map(mois)
                .collect(),
        },
        Dimension::CategorieRessource => Vec::new(),
    }
}

/// The values of a resource in a dimension.
fn ressource_values(r: &Ressource, d: Dimension) -> Vec<String> {
    let departements = || {
        let mut deps: Vec<String> = r
            .lieu
            .as_ref()
            .and_then(|l| l.code_insee.as_ref())
            .map(|c| c.departement_str().to_owned())
            .into_iter()
            .collect();
        deps.extend(r.departements_couverts.iter().map(ToString::to_string));
        deps
    };
    match d {
        Dimension::Departement => departements(),
        Dimension::Region => departements().iter().filter_map(|d| region_of(d)).collect(),
        Dimension::GrandDomaine => rome_prefixes(r.codes_rome.iter(), 1),
        Dimension::DomaineProfessionnel => rome_prefixes(r.codes_rome.iter(), 3),
        Dimension::CategorieRessource => vec![categorie_code(r.categorie).to_owned()],
        Dimension::Formacode | Dimension::Certification | Dimension::MoisDebutSession => Vec::new(),
    }
}

type Key = Vec<Option<String>>;

/// Adds one record with its values per dimension: one count in each combination of its distinct values.
fn count(groups: &mut BTreeMap<Key, i64>, values: Vec<Vec<String>>) {
    let mut keys: Vec<Key> = vec![Vec::new()];
    for v in values {
        let distinct: BTreeSet<String> = v.into_iter().collect();
        let options: Vec<Option<String>> = if distinct.is_empty() {
            vec![None]
        } else {
            distinct.into_iter().map(Some).collect()
        };
        keys = keys
            .into_iter()
            .flat_map(|k| {
                options.iter().map(move |o| {
                    let mut k = k.clone();
                    k.push(o.clone());
                    k
                })
            })
            .collect();
    }
    for k in keys {
        *groups.entry(k).or_default() += 1;
    }
}

fn allowed(objet: ObjetStatistique, d: Dimension) -> bool {
    match objet {
        ObjetStatistique::ActionsFormation | ObjetStatistique::Sessions => {
            d != Dimension::CategorieRessource
        }
        ObjetStatistique::Ressources => !matches!(
            d,
            Dimension::Formacode | Dimension::Certification | Dimension::MoisDebutSession
        ),
    }
}

/// Counts `objet` grouped `par` one or two dimensions.
pub async fn statistiques(
    ctx: &Context<'_>,
    objet: ObjetStatistique,
    par: Vec<Dimension>,
    filtre_actions: Option<FiltreActionsFormation>,
    filtre_ressources: Option<FiltreRessources>,
) -> async_graphql::Result<Option<Statistiques>> {
    if par.is_empty() || par.len() > 2 {
        return Err(bad_input(
            "par",
            format!("par : une ou deux dimensions, {} données", par.len()),
        ));
    }
    if par.len() == 2 && par[0] == par[1] {
        return Err(bad_input(
            "par",
            "par : deux dimensions différentes sont attendues",
        ));
    }
    if let Some(d) = par.iter().find(|d| !allowed(objet, **d)) {
        return Err(bad_input(
            "par",
            format!(
                "par : la dimension {} ne s'applique pas à {}",
                enum_name(*d),
                enum_name(objet)
            ),
        ));
    }
    let mut groups: BTreeMap<Key, i64> = BTreeMap::new();
    let total;
    match objet {
        ObjetStatistique::ActionsFormation | ObjetStatistique::Sessions => {
            if filtre_ressources.is_some() {
                return Err(bad_input(
                    "filtreRessources",
                    "filtreRessources s'applique aux ressources ; utilisez filtreActions",
                ));
            }
            let (filter, _) = filtre_actions
                .unwrap_or_default()
                .resolve(ctx, None)
                .await?;
            let found = sources(ctx)
                .offre_info
                .search(&filter, PageRequest::ALL)
                .await
                .map_err(|e| source_error(&e))?;
            if objet == ObjetStatistique::ActionsFormation {
                total = found.hits.len() as i64;
                for h in &found.hits {
                    count(
                        &mut groups,
                        par.iter()
                            .map(|d| action_values(&h.record, *d, None))
                            .collect(),
                    );
                }
            } else {
                let mut n = 0;
                let window = filter.sessions_debut;
                for h in &found.hits {
                    for s in &h.record.sessions {
                        let in_window = window.is_none_or(|(du, au)| {
                            s.debut.is_some_and(|d| {
                                du.is_none_or(|du| d >= du) && au.is_none_or(|au| d <= au)
                            })
                        });
                        if !in_window {
                            continue;
                        }
                        n += 1;
                        count(
                            &mut groups,
                            par.iter()
                                .map(|d| action_values(&h.record, *d, s.debut))
                                .collect(),
                        );
                    }
                }
                total = n;
            }
        }
        ObjetStatistique::Ressources => {
            if filtre_actions.is_some() {
                return Err(bad_input(
                    "filtreActions",
                    "filtreActions s'applique aux actions et sessions ; utilisez filtreRessources",
                ));
            }
            let (filter, _) = filtre_ressources
                .unwrap_or_default()
                .resolve(ctx, None)
                .await?;
            let found = sources(ctx)
                .repere_metiers
                .search(&filter, PageRequest::ALL)
                .await
                .map_err(|e| source_error(&e))?;
            total = found.hits.len() as i64;
            for h in &found.hits {
                count(
                    &mut groups,
                    par.iter()
                        .map(|d| ressource_values(&h.record, *d))
                        .collect(),
                );
            }
        }
    }
    let labels = Labels::load(ctx, &par, groups.keys()).await;
    let mut groupes: Vec<Groupe> = groups
        .into_iter()
        .map(|(key, nombre)| Groupe {
            cles: par
                .iter()
                .zip(key)
                .map(|(d, code)| Cle {
                    dimension: *d,
                    libelle: code.as_deref().and_then(|c| labels.get(*d, c)),
                    code,
                })
                .collect(),
            nombre,
        })
        .collect();
    groupes.sort_by_key(|g| std::cmp::Reverse(g.nombre));
    Ok(Some(Statistiques {
        objet,
        par,
        total,
        groupes,
    }))
}

/// The labels of the groups' codes, from the référentiels.
struct Labels {
    rome: BTreeMap<String, String>,
    certifications: BTreeMap<String, String>,
}

impl Labels {
    async fn load<'a>(
        ctx: &Context<'_>,
        par: &[Dimension],
        keys: impl Iterator<Item = &'a Key>,
    ) -> Self {
        let mut rome = BTreeMap::new();
        if par
            .iter()
            .any(|d| matches!(d, Dimension::GrandDomaine | Dimension::DomaineProfessionnel))
            && let Ok(n) = sources(ctx).rome.nomenclatures()
        {
            for c in n.grands_domaines.iter().chain(&n.domaines_professionnels) {
                if let Some(l) = &c.libelle {
                    rome.insert(c.code.clone(), l.clone());
                }
            }
        }
        let mut certifications = BTreeMap::new();
        if let Some(i) = par.iter().position(|d| *d == Dimension::Certification) {
            let codes: BTreeSet<String> = keys.filter_map(|k| k[i].clone()).collect();
            let wanted: Vec<(String, CleCertification)> = codes
                .into_iter()
                .filter_map(|c| {
                    let key = match c.strip_prefix("CI") {
                        Some(ci) => CleCertification::CertifInfo(
                            passerelle_core::CodeCertifInfo::parse(ci).ok()?,
                        ),
                        None => CleCertification::Rncp(passerelle_core::CodeRncp::parse(&c).ok()?),
                    };
                    Some((c, key))
                })
                .collect();
            if let Ok(found) = loaders(ctx)
                .certifications
                .load_many(wanted.iter().map(|(_, k)| k.clone()))
                .await
            {
                for (code, key) in wanted {
                    if let Some(t) = found.get(&key).and_then(|c| c.intitule.clone()) {
                        certifications.insert(code, t);
                    }
                }
            }
        }
        Self {
            rome,
            certifications,
        }
    }

    fn get(&self, d: Dimension, code: &str) -> Option<String> {
        match d {
            Dimension::Departement => {
                passerelle_geo::territoires::departement(code).map(|(n, _)| n.to_owned())
            }
            Dimension::Region => passerelle_geo::territoires::region(code).map(str::to_owned),
            Dimension::GrandDomaine | Dimension::DomaineProfessionnel => {
                self.rome.get(code).cloned()
            }
            Dimension::Certification => self.certifications.get(code).cloned(),
            Dimension::CategorieRessource => categorie_libelle(code).map(str::to_owned),
            Dimension::MoisDebutSession => {
                let (y, m) = code.split_once('-')?;
                let m: usize = m.parse().ok()?;
                Some(format!("{} {y}", MOIS.get(m.checked_sub(1)?)?))
            }
            Dimension::Formacode => None,
        }
    }
}
