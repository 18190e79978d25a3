//! `Commune`: the geographic spine.

use std::sync::Arc;

use async_graphql::{Context, Object};

use crate::graphql::common::{Nomenclature, Provenance};
use crate::graphql::errors::source_error;
use crate::graphql::loaders;
use crate::graphql::scalars::CodeInsee;

/// Une commune (ou un arrondissement municipal de Paris, Lyon ou Marseille).
#[derive(Debug, Clone)]
pub struct Commune(pub Arc<passerelle_core::model::Commune>);

/// Une commune (ou un arrondissement municipal de Paris, Lyon ou Marseille).
#[Object]
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
    /// Provenance.
    async fn provenance(&self) -> Provenance {
        (&self.0.provenance).into()
    }
}
