//! `Commune`: the geographic spine.

use std::sync::Arc;

use async_graphql::{Context, Object};

use crate::graphql::common::{Nomenclature, Provenance};
use crate::graphql::errors::{bad_input, source_error};
use crate::graphql::filters::{Autour, FiltreActionsFormation, FiltreRessources};
use crate::graphql::loaders;
use crate::graphql::pagination::{ActionFormationConnection, RessourceConnection, page_request};
use crate::graphql::scalars::CodeInsee;

/// Une commune (ou un arrondissement municipal de Paris, Lyon ou Marseille).
#[derive(Debug, Clone)]
pub struct Commune(pub Arc<passerelle_core::model::Commune>);

impl Commune {
    fn autour(&self, rayon_km: f64) -> Autour {
        Autour {
            code_insee: Some(CodeInsee(self.0.code_insee.clone())),
            latitude: None,
            longitude: None,
            rayon_km,
        }
    }
}

fn autour_given() -> async_graphql::Error {
    bad_input(
        "filtre.autour",
        "filtre.autour : sous une commune, le lieu est la commune ; donnez seulement rayonKm",
    )
}

/// Une commune (ou un arrondissement municipal de Paris, Lyon ou Marseille).
#[Object(cache_control(max_age = 3600), crate = "crate::graphql::fast")]
impl Commune {
    /// Code INSEE.
    async fn code_insee(&self) -> CodeInsee {
        CodeInsee(self.0.code_insee.clone())
    }
    /// Nom, tel que le référentiel l'écrit.
    async fn nom(&self) -> &str {
        &self.0.nom
    }
    /// Codes postaux.
    async fn codes_postaux(&self) -> &[String] {
        &self.0.codes_postaux
    }
    /// Département (déduit du code INSEE).
    async fn departement(&self) -> Nomenclature {
        (&self.0.departement).into()
    }
    /// Région.
    async fn region(&self) -> Option<Nomenclature> {
        self.0.region.as_ref().map(Into::into)
    }
    /// Latitude WGS84 du centre.
    async fn latitude(&self) -> Option<f64> {
        self.0.position.map(|p| p.latitude)
    }
    /// Longitude WGS84 du centre.
    async fn longitude(&self) -> Option<f64> {
        self.0.position.map(|p| p.longitude)
    }
    /// Arrondissements municipaux (Paris, Lyon, Marseille).
    async fn arrondissements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Commune>> {
        let found = loaders(ctx)
            .communes
            .load_many(self.0.arrondissements.iter().cloned())
            .await
            .map_err(|e| source_error(&e))?;
        Ok(self
            .0
            .arrondissements
            .iter()
            .filter_map(|c| found.get(c).cloned().map(Commune))
            .collect())
    }
    /// Commune dont cet arrondissement fait partie.
    async fn commune_parente(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Commune>> {
        let Some(code) = &self.0.commune_parente else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .communes
            .load_one(code.clone())
            .await
            .map_err(|e| source_error(&e))?
            .map(Commune))
    }
    /// Actions de formation autour de la commune (son centre), les plus proches d'abord, sous le même filtre que la liste racine `actionsFormation` (sans `autour` : le lieu est la commune). `null` si la source Offre Info est indisponible.
    async fn actions_formation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rayon en kilomètres (plus de 0, au plus 200).", default = 10.0)] rayon_km: f64,
        filtre: Option<FiltreActionsFormation>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<ActionFormationConnection>> {
        let p = page_request(ctx, first, after)?;
        let mut filtre = filtre.unwrap_or_default();
        if filtre.autour.is_some() {
            return Err(autour_given());
        }
        filtre.autour = Some(self.autour(rayon_km));
        filtre.page(ctx, None, p).await.map(Some)
    }
    /// Ressources de découverte autour de la commune (son centre), plus celles mobilisables dans la région, sous le même filtre que la liste racine `ressources` (sans `autour`). `null` si la source Repère Métiers est indisponible.
    async fn ressources(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Rayon en kilomètres (plus de 0, au plus 200).", default = 10.0)] rayon_km: f64,
        filtre: Option<FiltreRessources>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<RessourceConnection>> {
        let p = page_request(ctx, first, after)?;
        let mut filtre = filtre.unwrap_or_default();
        if filtre.autour.is_some() {
            return Err(autour_given());
        }
        filtre.autour = Some(self.autour(rayon_km));
        filtre.page(ctx, None, p).await.map(Some)
    }
    /// Provenance.
    async fn provenance(&self) -> Provenance {
        (&self.0.provenance).into()
    }
}
