//! Search inputs (`filtre`) and their translation into adapter filters. The same input serves the root
//! list and the list field of `Metier` restricted to the métier.
//!
//! Files: [`actions`] (training offers).

mod actions;

pub use actions::FiltreActionsFormation;

use async_graphql::{Context, Enum, InputObject};
use passerelle_core::model::GeoPoint;
use passerelle_geo::GeoFilter;
use passerelle_onisep::OnisepFilter;
use passerelle_repere_metiers::RessourceFilter;
use passerelle_rncp::RncpFilter;
use passerelle_rome::RomeFilter;

use crate::graphql::errors::{bad_input, limit_exceeded, source_error};
use crate::graphql::metier::Rattachement;
use crate::graphql::ressource::{CategorieRessource, Modalite, Public};
use crate::graphql::scalars::{
    CodeCfd, CodeDepartement, CodeInsee, CodeRome, Date, Formacode, IdFormationOnisep,
};
use crate::graphql::{loaders, sources};

/// Largest radius of a search around a place, in km.
pub const MAX_RAYON_KM: f64 = 200.0;

/// Un lieu et un rayon : une commune (`codeInsee`) ou des coordonnées (`latitude` et `longitude`).
#[derive(Debug, InputObject)]
pub struct Autour {
    /// Commune au centre de la recherche (son centre géographique).
    pub code_insee: Option<CodeInsee>,
    /// Latitude WGS84 du centre, avec `longitude`.
    pub latitude: Option<f64>,
    /// Longitude WGS84 du centre, avec `latitude`.
    pub longitude: Option<f64>,
    /// Rayon en kilomètres (plus de 0, au plus 200).
    pub rayon_km: f64,
}

impl Autour {
    /// Resolves the centre (through the communes référentiel for a code INSEE) and checks the radius.
    /// `path` names the input in errors (`filtre.autour`).
    pub async fn resolve(
        &self,
        ctx: &Context<'_>,
        path: &str,
    ) -> async_graphql::Result<(GeoPoint, f64)> {
        let r = self.rayon_km;
        if !(r.is_finite() && r > 0.0) {
            return Err(bad_input(
                &format!("{path}.rayonKm"),
                format!("{path}.rayonKm = {r} : un rayon strictement positif est attendu"),
            ));
        }
        if r > MAX_RAYON_KM {
            return Err(limit_exceeded(
                &format!("{path}.rayonKm"),
                "rayon (km)",
                r,
                MAX_RAYON_KM,
                format!("{path}.rayonKm = {r} dépasse la limite de {MAX_RAYON_KM} km"),
            ));
        }
        let centre = centre(
            ctx,
            path,
            self.code_insee.as_ref(),
            self.latitude,
            self.longitude,
        )
        .await?;
        Ok((centre, r))
    }
}

/// A place given as a commune (its centre, through the communes référentiel) or as coordinates.
/// `path` names the input in errors (`filtre.autour`).
pub async fn centre(
    ctx: &Context<'_>,
    path: &str,
    code_insee: Option<&CodeInsee>,
    latitude: Option<f64>,
    longitude: Option<f64>,
) -> async_graphql::Result<GeoPoint> {
    match (code_insee, latitude, longitude) {
        (Some(code), None, None) => {
            let commune = loaders(ctx).communes.load_one(code.0.clone()).await.map_err(|e| source_error(&e))?;
            let commune = commune.ok_or_else(|| {
                bad_input(&format!("{path}.codeInsee"), format!("{path}.codeInsee = « {} » : commune inconnue du référentiel des communes", code.0))
            })?;
            commune.position.ok_or_else(|| {
                bad_input(&format!("{path}.codeInsee"), format!("{path}.codeInsee = « {} » : le référentiel ne donne pas de coordonnées pour cette commune", code.0))
            })
        }
        (None, Some(lat), Some(lon)) => GeoPoint::new(lat, lon).ok_or_else(|| {
            bad_input(&format!("{path}.latitude"), format!("{path} : coordonnées ({lat}, {lon}) hors des bornes (latitude −90 à 90, longitude −180 à 180)"))
        }),
        _ => Err(bad_input(path, format!("{path} : donnez soit codeInsee, soit latitude et longitude"))),
    }
}

/// The territorial and ROME-domain criteria of a list filter, checked.
pub struct Perimetre {
    /// Départements (those listed and those of the régions listed).
    pub departements: Option<Vec<passerelle_core::CodeDepartement>>,
    /// Grands domaines (`M`).
    pub grands_domaines: Option<Vec<String>>,
    /// Domaines professionnels (`M18`).
    pub domaines_professionnels: Option<Vec<String>>,
}

impl Perimetre {
    /// Reads `filtre.departements`, `filtre.regions`, `filtre.grandsDomaines` and
    /// `filtre.domainesProfessionnels`, or says which rule one breaks.
    pub fn read(
        departements: Option<&[CodeDepartement]>,
        regions: Option<&[String]>,
        grands_domaines: Option<&[String]>,
        domaines_professionnels: Option<&[String]>,
    ) -> async_graphql::Result<Self> {
        Ok(Self {
            departements: territoires("filtre", departements, regions)?,
            grands_domaines: domaines("filtre.grandsDomaines", grands_domaines, false)?,
            domaines_professionnels: domaines(
                "filtre.domainesProfessionnels",
                domaines_professionnels,
                true,
            )?,
        })
    }
}

/// The départements of the `departements` and `regions` criteria (both given: the départements of the
/// régions that are also listed), with the région codes checked.
fn territoires(
    path: &str,
    departements: Option<&[CodeDepartement]>,
    regions: Option<&[String]>,
) -> async_graphql::Result<Option<Vec<passerelle_core::CodeDepartement>>> {
    let from_regions = match regions {
        None => None,
        Some(regions) => {
            let mut deps = Vec::new();
            for r in regions {
                let code = r.trim();
                if passerelle_geo::territoires::region(code).is_none() {
                    return Err(bad_input(
                        &format!("{path}.regions"),
                        format!(
                            "{path}.regions : « {r} » n'est pas un code de région (COG, ex. 84 pour Auvergne-Rhône-Alpes)"
                        ),
                    ));
                }
                deps.extend(
                    passerelle_geo::territoires::departements_of(code)
                        .into_iter()
                        .filter_map(|d| passerelle_core::CodeDepartement::parse(d).ok()),
                );
            }
            Some(deps)
        }
    };
    let listed = departements.map(|v| v.iter().map(|d| d.0.clone()).collect::<Vec<_>>());
    Ok(match (listed, from_regions) {
        (Some(d), Some(r)) => Some(d.into_iter().filter(|x| r.contains(x)).collect()),
        (d, r) => d.or(r),
    })
}

/// Grands domaines (`M`) or domaines professionnels (`M18`) of a criterion, checked and upper-cased.
fn domaines(
    argument: &str,
    values: Option<&[String]>,
    professionnel: bool,
) -> async_graphql::Result<Option<Vec<String>>> {
    let Some(values) = values else {
        return Ok(None);
    };
    values
        .iter()
        .map(|v| {
            let up = v.trim().to_ascii_uppercase();
            let b = up.as_bytes();
            let ok = !b.is_empty()
                && (b'A'..=b'N').contains(&b[0])
                && if professionnel {
                    b.len() == 3 && b[1..].iter().all(u8::is_ascii_digit)
                } else {
                    b.len() == 1
                };
            if ok {
                Ok(up)
            } else {
                Err(bad_input(
                    argument,
                    format!(
                        "{argument} : « {v} » n'est pas {}",
                        if professionnel {
                            "un domaine professionnel du ROME (une lettre de A à N et 2 chiffres, ex. M18)"
                        } else {
                            "un grand domaine du ROME (une lettre de A à N, ex. M)"
                        }
                    ),
                ))
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Longest free-text search accepted, in characters.
pub const MAX_RECHERCHE: usize = 200;

/// A free-text search, trimmed; over-long ones are refused naming the rule. `argument` names it.
pub fn check_recherche(
    argument: &str,
    recherche: Option<String>,
) -> async_graphql::Result<Option<String>> {
    match recherche {
        Some(r) if r.chars().count() > MAX_RECHERCHE => Err(bad_input(
            argument,
            format!(
                "{argument} de {} caractères : {MAX_RECHERCHE} au plus",
                r.chars().count()
            ),
        )),
        Some(r) => Ok(Some(r.trim().to_owned()).filter(|r| !r.is_empty())),
        None => Ok(None),
    }
}

/// The ROME codes a search asked for, widened to the V3-level fiches they detail: a ROME 4.0 detailed
/// fiche also matches records indexed on its parent, and [`CodesRome::rattachement`] tells which is which.
#[derive(Debug, Clone)]
pub struct CodesRome {
    demandes: Vec<passerelle_core::CodeRome>,
}

impl CodesRome {
    /// The codes asked for and their parents (found through the request's loader; when the ROME source
    /// cannot answer, the codes asked for only).
    pub async fn widen(
        ctx: &Context<'_>,
        demandes: Vec<passerelle_core::CodeRome>,
    ) -> (Self, Vec<passerelle_core::CodeRome>) {
        let mut codes = demandes.clone();
        match loaders(ctx)
            .metiers
            .load_many(demandes.iter().cloned())
            .await
        {
            Ok(found) => {
                for m in found.values() {
                    if let Some(p) = &m.code_rome_parent
                        && !codes.contains(p)
                    {
                        codes.push(p.clone());
                    }
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "fiches parentes inconnues : codes ROME demandés seuls")
            }
        }
        (Self { demandes }, codes)
    }

    /// `DIRECT` when `cited` holds a code asked for, else `VIA_FICHE_PARENTE`.
    pub fn rattachement(&self, cited: &[passerelle_core::CodeRome]) -> Rattachement {
        if cited.iter().any(|c| self.demandes.contains(c)) {
            Rattachement::Direct
        } else {
            Rattachement::ViaFicheParente
        }
    }
}

/// The ROME codes of a filter, narrowed to one métier's code for the list fields of `Metier`: the same
/// filter, restricted to the métier (a filter naming other codes then matches nothing).
pub(crate) fn restrict_codes(
    given: Option<&[CodeRome]>,
    restrict_to: Option<&passerelle_core::CodeRome>,
) -> Option<Vec<passerelle_core::CodeRome>> {
    let given = given.map(|v| v.iter().map(|c| c.0.clone()));
    match restrict_to {
        Some(code) => {
            Some(given.map_or_else(|| vec![code.clone()], |g| g.filter(|c| c == code).collect()))
        }
        None => given.map(Iterator::collect),
    }
}

/// Lettre d'un profil RIASEC (Holland).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LettreRiasec {
    /// Réaliste.
    R,
    /// Investigateur.
    I,
    /// Artistique.
    A,
    /// Social.
    S,
    /// Entreprenant.
    E,
    /// Conventionnel.
    C,
}

/// Étiquette de transition écologique d'une fiche (ROME 4.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum EtiquetteTransitionEcologique {
    /// « Emploi Blanc » : peu concerné.
    Blanc,
    /// « Emploi Vert » : finalité environnementale.
    Vert,
    /// « Emploi Brun » : activité à fort impact environnemental.
    Brun,
    /// « Emploi stratégique pour la Transition écologique ».
    Strategique,
}

/// Critères de filtrage des fiches métier (tous ceux donnés doivent être vérifiés).
#[derive(Debug, Default, InputObject)]
pub struct FiltreMetiers {
    /// Lettre du grand domaine (ex. M).
    pub code_grand_domaine: Option<String>,
    /// Code du domaine professionnel (ex. M18).
    pub code_domaine_professionnel: Option<String>,
    /// Seulement les fiches détaillées de cette fiche de niveau V3.
    pub code_rome_parent: Option<CodeRome>,
    /// Lettre RIASEC majeure de la fiche.
    pub riasec_majeur: Option<LettreRiasec>,
    /// Lettre RIASEC mineure de la fiche.
    pub riasec_mineur: Option<LettreRiasec>,
    /// Étiquette de transition écologique.
    pub transition_ecologique: Option<EtiquetteTransitionEcologique>,
    /// Fiches concernées (true) ou non (false) par la transition numérique.
    pub transition_numerique: Option<bool>,
    /// Fiches concernées (true) ou non (false) par la transition démographique.
    pub transition_demographique: Option<bool>,
}

impl FiltreMetiers {
    /// The adapter filter, with the free-text search of `metiers(recherche:)`.
    pub fn into_filter(self, recherche: Option<String>) -> RomeFilter {
        let letter = |l: Option<LettreRiasec>| {
            l.map(|l| match l {
                LettreRiasec::R => 'R',
                LettreRiasec::I => 'I',
                LettreRiasec::A => 'A',
                LettreRiasec::S => 'S',
                LettreRiasec::E => 'E',
                LettreRiasec::C => 'C',
            })
        };
        RomeFilter {
            recherche,
            code_grand_domaine: self.code_grand_domaine,
            code_domaine_professionnel: self.code_domaine_professionnel,
            code_rome_parent: self.code_rome_parent.map(|c| c.0),
            riasec_majeur: letter(self.riasec_majeur),
            riasec_mineur: letter(self.riasec_mineur),
            transition_ecologique: self.transition_ecologique.map(|t| {
                match t {
                    EtiquetteTransitionEcologique::Blanc => "blanc",
                    EtiquetteTransitionEcologique::Vert => "vert",
                    EtiquetteTransitionEcologique::Brun => "brun",
                    EtiquetteTransitionEcologique::Strategique => "strategique",
                }
                .to_owned()
            }),
            transition_numerique: self.transition_numerique,
            transition_demographique: self.transition_demographique,
        }
    }
}

/// Critères de recherche des fiches métier ONISEP (tous ceux donnés doivent être vérifiés).
#[derive(Debug, Default, InputObject)]
pub struct FiltreFichesOnisep {
    /// Fiches rattachées à l'un de ces codes ROME (tels que l'ONISEP les publie, au niveau V3).
    pub codes_rome: Option<Vec<CodeRome>>,
    /// Un domaine ou un sous-domaine de la classification ONISEP (ex. « informatique, Internet », « systèmes et réseaux »), casse et accents ignorés.
    pub domaine: Option<String>,
}

impl FiltreFichesOnisep {
    /// The adapter filter, with the search words.
    pub fn into_filter(self, recherche: Option<String>) -> OnisepFilter {
        OnisepFilter {
            recherche,
            codes_rome: self
                .codes_rome
                .map(|v| v.into_iter().map(|c| c.0).collect()),
            domaine: self.domaine,
            formations: None,
        }
    }
}

/// Critères de recherche des certifications (tous ceux donnés doivent être vérifiés).
#[derive(Debug, Default, InputObject)]
pub struct FiltreCertifications {
    /// Certifications dont la fiche RNCP cite l'un de ces codes ROME (niveau V3, tels que publiés).
    pub codes_rome: Option<Vec<CodeRome>>,
    /// Certifications indexées sur l'un de ces Formacodes.
    pub formacodes: Option<Vec<Formacode>>,
    /// Certifications de ce code formation diplôme (un CFD peut en désigner plusieurs : mentions, options).
    pub cfd: Option<CodeCfd>,
    /// Certifications auxquelles mène cette formation ONISEP.
    pub formation_onisep: Option<IdFormationOnisep>,
    /// Niveau du cadre européen (3 à 8).
    pub niveau_europeen: Option<i32>,
}

impl FiltreCertifications {
    /// The adapter filter, with the search words; a level outside 1–8 is refused naming the rule.
    pub fn into_filter(self, recherche: Option<String>) -> async_graphql::Result<RncpFilter> {
        let niveau = match self.niveau_europeen {
            None => None,
            Some(n) => Some(u8::try_from(n).ok().filter(|n| (1..=8).contains(n)).ok_or_else(|| {
                bad_input(
                    "filtre.niveauEuropeen",
                    format!("niveauEuropeen = {n} : un niveau du cadre européen de 1 à 8 est attendu"),
                )
            })?),
        };
        Ok(RncpFilter {
            recherche,
            codes_rome: self
                .codes_rome
                .map(|v| v.into_iter().map(|c| c.0).collect()),
            formacodes: self
                .formacodes
                .map(|v| v.into_iter().map(|c| c.0).collect()),
            cfd: self.cfd.map(|c| c.0),
            formation_onisep: self.formation_onisep.map(|f| f.0),
            niveau,
        })
    }
}

/// Critères de recherche des ressources de découverte (tous ceux donnés doivent être vérifiés). Sans `du` ni `au`, les ressources dont toutes les dates sont passées (selon la date du jour du serveur) sont masquées ; `du`/`au` remplacent cette fenêtre par défaut. Les ressources sans date sont toujours retenues.
#[derive(Debug, InputObject)]
pub struct FiltreRessources {
    /// Ressources rattachées à l'un de ces codes ROME ; une fiche ROME 4.0 détaillée trouve aussi les ressources rattachées à sa fiche parente de niveau V3 (l'arête le dit par `rattachement`).
    pub codes_rome: Option<Vec<CodeRome>>,
    /// Ressources de l'une de ces catégories.
    pub categories: Option<Vec<CategorieRessource>>,
    /// Ressources dont le lieu est dans l'un de ces départements, ou mobilisables dans l'un d'eux.
    pub departements: Option<Vec<CodeDepartement>>,
    /// Ressources dans l'un des départements de ces régions (codes COG, ex. 84).
    pub regions: Option<Vec<String>>,
    /// Ressources rattachées à un code ROME de l'un de ces grands domaines (ex. M).
    pub grands_domaines: Option<Vec<String>>,
    /// Ressources rattachées à un code ROME de l'un de ces domaines professionnels (ex. M18).
    pub domaines_professionnels: Option<Vec<String>>,
    /// Ressources dont le lieu est dans le rayon (les arêtes portent `distanceKm`).
    pub autour: Option<Autour>,
    /// Avec `autour` : inclure aussi les ressources mobilisables partout dans la région (sans distance).
    #[graphql(default = true)]
    pub inclure_mobilisables: bool,
    /// Ressources datées ayant un créneau qui ne finit pas avant ce jour.
    pub du: Option<Date>,
    /// Ressources datées ayant un créneau qui commence au plus tard ce jour.
    pub au: Option<Date>,
    /// Ressources pour l'un de ces publics.
    pub publics: Option<Vec<Public>>,
    /// Participation individuelle ou en groupe (une ressource « individuel et groupe » convient aux deux).
    pub modalite: Option<Modalite>,
    /// Ressources gratuites (true) ou payantes (false).
    pub gratuit: Option<bool>,
    /// Mots du titre ou de la description (casse et accents ignorés, début de mot, une faute tolérée).
    pub recherche: Option<String>,
}

impl Default for FiltreRessources {
    fn default() -> Self {
        Self {
            codes_rome: None,
            categories: None,
            departements: None,
            regions: None,
            grands_domaines: None,
            domaines_professionnels: None,
            autour: None,
            inclure_mobilisables: true,
            du: None,
            au: None,
            publics: None,
            modalite: None,
            gratuit: None,
            recherche: None,
        }
    }
}

impl FiltreRessources {
    /// The adapter filter; `restrict_to` narrows the ROME codes to one métier's.
    pub async fn resolve(
        &self,
        ctx: &Context<'_>,
        restrict_to: Option<&passerelle_core::CodeRome>,
    ) -> async_graphql::Result<(RessourceFilter, Option<CodesRome>)> {
        let autour = match &self.autour {
            Some(a) => Some(a.resolve(ctx, "filtre.autour").await?),
            None => None,
        };
        let (codes, codes_rome) = match restrict_codes(self.codes_rome.as_deref(), restrict_to) {
            Some(asked) => {
                let (codes, widened) = CodesRome::widen(ctx, asked).await;
                (Some(codes), Some(widened))
            }
            None => (None, None),
        };
        let periode = match (self.du, self.au) {
            (Some(du), Some(au)) if du.0 > au.0 => {
                return Err(bad_input(
                    "filtre.du",
                    format!(
                        "filtre : du = {} est après au = {} ; la période doit aller du premier au dernier jour",
                        du.0, au.0
                    ),
                ));
            }
            (None, None) => (Some(sources(ctx).clock.today()), None),
            (du, au) => (du.map(|d| d.0), au.map(|d| d.0)),
        };
        let perimetre = Perimetre::read(
            self.departements.as_deref(),
            self.regions.as_deref(),
            self.grands_domaines.as_deref(),
            self.domaines_professionnels.as_deref(),
        )?;
        let filter = RessourceFilter {
            codes_rome,
            categories: self
                .categories
                .as_ref()
                .map(|v| v.iter().map(|c| (*c).into()).collect()),
            departements: perimetre.departements,
            grands_domaines: perimetre.grands_domaines,
            domaines_professionnels: perimetre.domaines_professionnels,
            autour,
            inclure_mobilisables: self.inclure_mobilisables,
            periode: Some(periode),
            publics: self
                .publics
                .as_ref()
                .map(|v| v.iter().map(|p| (*p).into()).collect()),
            modalite: self.modalite.map(Into::into),
            gratuit: self.gratuit,
            recherche: check_recherche("filtre.recherche", self.recherche.clone())?,
            parent_id: None,
        };
        Ok((filter, codes))
    }
}

/// Critères de recherche des communes.
#[derive(Debug, Default, InputObject)]
pub struct FiltreCommunes {
    /// Mots du nom (début de mot, accents et casse ignorés).
    pub nom: Option<String>,
    /// Département.
    pub code_departement: Option<CodeDepartement>,
    /// Code postal.
    pub code_postal: Option<String>,
}

impl From<FiltreCommunes> for GeoFilter {
    fn from(f: FiltreCommunes) -> Self {
        Self {
            nom: f.nom,
            code_departement: f.code_departement.map(|c| c.0),
            code_postal: f.code_postal,
        }
    }
}

impl FiltreRessources {
    /// One page of the resources this filter selects (restricted to the métier `restrict_to` when
    /// given), each edge saying how it is attached to the ROME codes asked for.
    pub async fn page(
        self,
        ctx: &Context<'_>,
        restrict_to: Option<&passerelle_core::CodeRome>,
        page: passerelle_core::PageRequest,
    ) -> async_graphql::Result<crate::graphql::pagination::RessourceConnection> {
        use passerelle_core::Adapter as _;
        let (filter, codes) = self.resolve(ctx, restrict_to).await?;
        let result = sources(ctx).repere_metiers.search(&filter, page).await;
        crate::graphql::pagination::page_rattache(
            page,
            result,
            crate::graphql::ressource::Ressource,
            |r| codes.as_ref().map(|c| c.rattachement(&r.codes_rome)),
        )
    }
}
