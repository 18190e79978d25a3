//! `explorer`: the « cartographie dynamique » of the CNEFOP report. Around a person's métier and place,
//! how the training and discovery opportunities change when the métier target widens (its detailed
//! fiches or its parent, its close métiers by ROME mobilités, its whole domaine professionnel) and when
//! the radius grows.
//!
//! Each target level is the union of the previous one and its widening. For each level the offers and
//! resources are searched once, at the largest radius, through the same filters as the lists
//! (`actionsFormation` and `ressources` with `codesRome` and `autour`, the ROME 4.0 detailed fiches also
//! matching their parent's records); the smaller radii are then counted from the distances. A cell's
//! counts therefore equal the `totalCount` of those list queries, and never decrease when the target or
//! the radius widens.

use std::collections::HashSet;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};
use chrono::{Months, NaiveDate};
use passerelle_core::model::GeoPoint;
use passerelle_core::{Adapter, PageRequest};
use passerelle_offre_info::{Autour as AutourOffre, OffreFilter};
use passerelle_repere_metiers::RessourceFilter;
use passerelle_rome::RomeFilter;

use crate::graphql::errors::{bad_input, enum_name, limit_exceeded, source_error};
use crate::graphql::filters::{CodesRome, MAX_RAYON_KM, centre};
use crate::graphql::metier::load_metiers;
use crate::graphql::scalars::{CodeInsee, CodeRome};
use crate::graphql::sources;

/// Most radii one exploration may ask for.
pub const MAX_RAYONS: usize = 6;

/// Un élargissement de la cible métier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum Elargissement {
    /// Les fiches ROME 4.0 qui détaillent les fiches de la cible (pour une fiche de niveau V3).
    FichesDetaillees,
    /// Les fiches de niveau V3 que détaillent les fiches de la cible (pour une fiche détaillée).
    FicheParente,
    /// Les métiers proches : les mobilités ROME de chaque fiche déjà dans la cible.
    MetiersProches,
    /// Toutes les fiches des domaines professionnels de la cible.
    DomaineProfessionnel,
}

/// Un niveau de la cible : le métier seul, puis chaque élargissement, dans l'ordre demandé.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum NiveauCible {
    /// Le métier demandé seul.
    Metier,
    /// Après l'élargissement aux fiches détaillées.
    FichesDetaillees,
    /// Après l'élargissement aux fiches parentes.
    FicheParente,
    /// Après l'élargissement aux métiers proches.
    MetiersProches,
    /// Après l'élargissement aux domaines professionnels.
    DomaineProfessionnel,
}

impl From<Elargissement> for NiveauCible {
    fn from(e: Elargissement) -> Self {
        match e {
            Elargissement::FichesDetaillees => Self::FichesDetaillees,
            Elargissement::FicheParente => Self::FicheParente,
            Elargissement::MetiersProches => Self::MetiersProches,
            Elargissement::DomaineProfessionnel => Self::DomaineProfessionnel,
        }
    }
}

/// Le lieu de la personne : une commune ou des coordonnées.
#[derive(Debug, InputObject)]
pub struct LieuExplorer {
    /// Commune (son centre).
    pub code_insee: Option<CodeInsee>,
    /// Latitude WGS84, avec `longitude`.
    pub latitude: Option<f64>,
    /// Longitude WGS84, avec `latitude`.
    pub longitude: Option<f64>,
}

/// Une cible métier : son niveau et ses codes ROME.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Cible {
    /// Niveau (le métier seul ou l'élargissement qui y mène).
    pub niveau: NiveauCible,
    /// Codes ROME de la cible, dans l'ordre où ils y sont entrés.
    pub codes_rome: Vec<CodeRome>,
}

/// Les opportunités d'une cellule, ou l'écart entre deux cellules. Un compte est `null` quand sa source est indisponible (avec une erreur SOURCE_UNAVAILABLE).
#[derive(Debug, Clone, Copy, Default, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Comptes {
    /// Actions de formation (comme `actionsFormation(filtre: { codesRome, autour }).totalCount`).
    pub actions_formation: Option<i64>,
    /// Sessions de ces actions qui commencent dans la fenêtre (`moisSessions` mois à partir d'aujourd'hui).
    pub sessions: Option<i64>,
    /// Organismes formateurs distincts de ces actions.
    pub organismes: Option<i64>,
    /// Certifications distinctes (RNCP ou Certif Info) préparées par ces actions.
    pub certifications: Option<i64>,
    /// Ressources de découverte (comme `ressources(filtre: { codesRome, autour }).totalCount` : celles du rayon, plus les ressources mobilisables en région, sans les ressources passées).
    pub ressources: Option<i64>,
}

impl Comptes {
    fn minus(&self, other: &Self) -> Self {
        let d = |a: Option<i64>, b: Option<i64>| a.zip(b).map(|(a, b)| a - b);
        Self {
            actions_formation: d(self.actions_formation, other.actions_formation),
            sessions: d(self.sessions, other.sessions),
            organismes: d(self.organismes, other.organismes),
            certifications: d(self.certifications, other.certifications),
            ressources: d(self.ressources, other.ressources),
        }
    }
}

/// Une cellule de la cartographie : une cible × un rayon.
#[derive(Debug, Clone)]
pub struct Cellule {
    cible: Cible,
    rayon_km: f64,
    comptes: Comptes,
    ecart_cible: Option<Comptes>,
    ecart_rayon: Option<Comptes>,
}

/// Une cellule de la cartographie : une cible × un rayon.
#[Object(crate = "crate::graphql::fast")]
impl Cellule {
    /// La cible métier.
    async fn cible(&self) -> &Cible {
        &self.cible
    }
    /// Rayon en kilomètres autour du lieu.
    async fn rayon_km(&self) -> f64 {
        self.rayon_km
    }
    /// Actions de formation de la cible dans le rayon.
    async fn actions_formation(&self) -> Option<i64> {
        self.comptes.actions_formation
    }
    /// Sessions de ces actions qui commencent dans la fenêtre.
    async fn sessions(&self) -> Option<i64> {
        self.comptes.sessions
    }
    /// Organismes formateurs distincts.
    async fn organismes(&self) -> Option<i64> {
        self.comptes.organismes
    }
    /// Certifications distinctes préparées.
    async fn certifications(&self) -> Option<i64> {
        self.comptes.certifications
    }
    /// Ressources de découverte de la cible dans le rayon (plus les mobilisables en région).
    async fn ressources(&self) -> Option<i64> {
        self.comptes.ressources
    }
    /// Ce que l'élargissement de la cible ajoute, au même rayon (`null` pour le métier seul).
    async fn ecart_cible(&self) -> Option<Comptes> {
        self.ecart_cible
    }
    /// Ce que l'élargissement du rayon ajoute, à la même cible (`null` pour le plus petit rayon).
    async fn ecart_rayon(&self) -> Option<Comptes> {
        self.ecart_rayon
    }
}

/// La cartographie dynamique autour d'un métier et d'un lieu.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Exploration {
    /// Le métier de départ.
    pub code_rome: CodeRome,
    /// Latitude du lieu.
    pub latitude: f64,
    /// Longitude du lieu.
    pub longitude: f64,
    /// Les rayons, du plus petit au plus grand.
    pub rayons_km: Vec<f64>,
    /// Premier jour de la fenêtre des sessions (aujourd'hui).
    pub sessions_du: crate::graphql::scalars::Date,
    /// Dernier jour de la fenêtre des sessions.
    pub sessions_au: crate::graphql::scalars::Date,
    /// Les cibles, du métier seul à la plus large.
    pub cibles: Vec<Cible>,
    /// Une cellule par cible × rayon, cible après cible, chaque cible du plus petit rayon au plus grand.
    pub cellules: Vec<Cellule>,
}

/// The radii, checked, sorted and without duplicates.
fn radii(rayons: &[f64]) -> async_graphql::Result<Vec<f64>> {
    if rayons.is_empty() {
        return Err(bad_input(
            "rayonsKm",
            "rayonsKm : au moins un rayon est attendu",
        ));
    }
    if rayons.len() > MAX_RAYONS {
        return Err(limit_exceeded(
            "rayonsKm",
            "nombre de rayons",
            rayons.len() as u64,
            MAX_RAYONS as u64,
            format!("rayonsKm : {} rayons, {MAX_RAYONS} au plus", rayons.len()),
        ));
    }
    let mut out = Vec::new();
    for &r in rayons {
        if !(r.is_finite() && r > 0.0) {
            return Err(bad_input(
                "rayonsKm",
                format!("rayonsKm : {r} n'est pas un rayon strictement positif"),
            ));
        }
        if r > MAX_RAYON_KM {
            return Err(limit_exceeded(
                "rayonsKm",
                "rayon (km)",
                r,
                MAX_RAYON_KM,
                format!("rayonsKm : {r} dépasse la limite de {MAX_RAYON_KM} km"),
            ));
        }
        out.push(r);
    }
    out.sort_by(f64::total_cmp);
    out.dedup();
    Ok(out)
}

/// The next target: `current` and its widening, in order of entry.
async fn widen(
    ctx: &Context<'_>,
    current: &[passerelle_core::CodeRome],
    by: Elargissement,
) -> async_graphql::Result<Vec<passerelle_core::CodeRome>> {
    let metiers = load_metiers(ctx, current).await?;
    let mut added: Vec<passerelle_core::CodeRome> = Vec::new();
    match by {
        Elargissement::FichesDetaillees => {
            for m in &metiers {
                added.extend(m.0.fiches_detaillees.iter().flatten().cloned());
            }
        }
        Elargissement::FicheParente => {
            added.extend(metiers.iter().filter_map(|m| m.0.code_rome_parent.clone()));
        }
        Elargissement::MetiersProches => {
            for m in &metiers {
                added.extend(m.0.mobilites.iter().cloned());
            }
        }
        Elargissement::DomaineProfessionnel => {
            let mut domaines: Vec<String> = metiers
                .iter()
                .map(|m| m.0.domaine_professionnel.code.clone())
                .collect();
            domaines.sort();
            domaines.dedup();
            for d in domaines {
                let filter = RomeFilter {
                    code_domaine_professionnel: Some(d),
                    ..RomeFilter::default()
                };
                let found = sources(ctx)
                    .rome
                    .search(&filter, PageRequest::ALL)
                    .await
                    .map_err(|e| source_error(&e))?;
                added.extend(found.hits.into_iter().map(|h| h.record.code.clone()));
            }
        }
    }
    let mut seen: HashSet<passerelle_core::CodeRome> = current.iter().cloned().collect();
    let mut next = current.to_vec();
    next.extend(added.into_iter().filter(|c| seen.insert(c.clone())));
    Ok(next)
}

/// The counts of one target at each radius (`radii` ascending).
async fn counts(
    ctx: &Context<'_>,
    codes: Vec<passerelle_core::CodeRome>,
    centre: GeoPoint,
    radii: &[f64],
    window: (NaiveDate, NaiveDate),
) -> Vec<Comptes> {
    let largest = radii.last().copied().unwrap_or(0.0);
    let (_, widened) = CodesRome::widen(ctx, codes).await;
    let mut out = vec![Comptes::default(); radii.len()];

    let offers = OffreFilter {
        codes_rome: Some(widened.clone()),
        autour: Some(AutourOffre {
            centre,
            rayon_km: largest,
        }),
        ..OffreFilter::default()
    };
    match sources(ctx)
        .offre_info
        .search(&offers, PageRequest::ALL)
        .await
    {
        Ok(found) => {
            for (cell, &r) in out.iter_mut().zip(radii) {
                let within = found
                    .hits
                    .iter()
                    .filter(|h| h.distance_km.is_some_and(|d| d <= r));
                let (mut actions, mut sessions) = (0i64, 0i64);
                let mut organismes = HashSet::new();
                let mut certifications = HashSet::new();
                for h in within {
                    let a = &h.record;
                    actions += 1;
                    sessions += a
                        .sessions
                        .iter()
                        .filter(|s| s.debut.is_some_and(|d| d >= window.0 && d <= window.1))
                        .count() as i64;
                    if let Some(o) = &a.organisme_formateur {
                        organismes.insert(
                            o.siret
                                .as_ref()
                                .map_or_else(|| o.raison_sociale.clone(), ToString::to_string),
                        );
                    }
                    for c in &a.formation.certifications {
                        certifications.insert(
                            c.rncp
                                .as_ref()
                                .map(ToString::to_string)
                                .or_else(|| c.certif_info.as_ref().map(|ci| format!("CI{ci}"))),
                        );
                    }
                }
                certifications.remove(&None);
                cell.actions_formation = Some(actions);
                cell.sessions = Some(sessions);
                cell.organismes = Some(organismes.len() as i64);
                cell.certifications = Some(certifications.len() as i64);
            }
        }
        Err(e) => ctx.add_error(source_error(&e).into_server_error(ctx.item.pos)),
    }

    let resources = RessourceFilter {
        codes_rome: Some(widened),
        autour: Some((centre, largest)),
        inclure_mobilisables: true,
        periode: Some((Some(window.0), None)),
        ..RessourceFilter::default()
    };
    match sources(ctx)
        .repere_metiers
        .search(&resources, PageRequest::ALL)
        .await
    {
        Ok(found) => {
            for (cell, &r) in out.iter_mut().zip(radii) {
                let n = found
                    .hits
                    .iter()
                    .filter(|h| h.distance_km.is_none_or(|d| d <= r))
                    .count();
                cell.ressources = Some(n as i64);
            }
        }
        Err(e) => ctx.add_error(source_error(&e).into_server_error(ctx.item.pos)),
    }
    out
}

/// Builds the exploration; `None` when the métier does not exist.
#[allow(clippy::too_many_arguments, reason = "the GraphQL field's arguments")]
pub async fn explorer(
    ctx: &Context<'_>,
    code_rome: CodeRome,
    lieu: LieuExplorer,
    rayons_km: Vec<f64>,
    elargissements: Vec<Elargissement>,
    mois_sessions: i32,
) -> async_graphql::Result<Option<Exploration>> {
    let radii = radii(&rayons_km)?;
    if !(1..=36).contains(&mois_sessions) {
        return Err(bad_input(
            "moisSessions",
            format!("moisSessions = {mois_sessions} : une fenêtre de 1 à 36 mois est attendue"),
        ));
    }
    let mut seen = HashSet::new();
    if let Some(twice) = elargissements.iter().find(|e| !seen.insert(**e)) {
        return Err(bad_input(
            "elargissements",
            format!(
                "elargissements : {} est demandé deux fois ; chaque élargissement s'applique une fois",
                enum_name(*twice)
            ),
        ));
    }
    let centre = centre(
        ctx,
        "lieu",
        lieu.code_insee.as_ref(),
        lieu.latitude,
        lieu.longitude,
    )
    .await?;
    if load_metiers(ctx, std::slice::from_ref(&code_rome.0))
        .await?
        .is_empty()
    {
        return Ok(None);
    }
    let today = sources(ctx).clock.today();
    let until = today
        .checked_add_months(Months::new(mois_sessions.unsigned_abs()))
        .unwrap_or(today);
    let mut cibles = vec![Cible {
        niveau: NiveauCible::Metier,
        codes_rome: vec![code_rome.clone()],
    }];
    let mut codes = vec![code_rome.0.clone()];
    for e in &elargissements {
        codes = widen(ctx, &codes, *e).await?;
        cibles.push(Cible {
            niveau: (*e).into(),
            codes_rome: codes.iter().cloned().map(CodeRome).collect(),
        });
    }
    let mut cellules = Vec::new();
    let mut previous: Option<Vec<Comptes>> = None;
    for cible in &cibles {
        let level: Vec<passerelle_core::CodeRome> =
            cible.codes_rome.iter().map(|c| c.0.clone()).collect();
        let comptes = counts(ctx, level, centre, &radii, (today, until)).await;
        for (i, (c, r)) in comptes.iter().zip(&radii).enumerate() {
            cellules.push(Cellule {
                cible: cible.clone(),
                rayon_km: *r,
                comptes: *c,
                ecart_cible: previous.as_ref().map(|p| c.minus(&p[i])),
                ecart_rayon: i.checked_sub(1).map(|j| c.minus(&comptes[j])),
            });
        }
        previous = Some(comptes);
    }
    Ok(Some(Exploration {
        code_rome,
        latitude: centre.latitude,
        longitude: centre.longitude,
        rayons_km: radii,
        sessions_du: crate::graphql::scalars::Date(today),
        sessions_au: crate::graphql::scalars::Date(until),
        cibles,
        cellules,
    }))
}
