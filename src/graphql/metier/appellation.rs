//! `Appellation`: a job title of a fiche métier, as searched by people.

use async_graphql::{Context, Object};

use crate::graphql::metier::{Metier, load_metier};
use crate::graphql::scalars::CodeRome;

/// Une appellation (intitulé d'emploi) d'une fiche métier.
#[derive(Debug, Clone)]
pub struct Appellation {
    pub(crate) appellation: passerelle_core::model::Appellation,
    pub(crate) code_rome: passerelle_core::CodeRome,
    pub(crate) provenance: passerelle_core::Provenance,
}

impl From<passerelle_rome::AppellationTrouvee> for Appellation {
    fn from(a: passerelle_rome::AppellationTrouvee) -> Self {
        Self {
            appellation: a.appellation,
            code_rome: a.code_rome,
            provenance: a.provenance,
        }
    }
}

/// Une appellation (intitulé d'emploi) d'une fiche métier.
#[Object(cache_control(max_age = 3600), crate = "crate::graphql::fast")]
impl Appellation {
    /// Code OGR de l'appellation.
    async fn code_ogr(&self) -> String {
        self.appellation.code_ogr.to_string()
    }
    /// Libellé complet (ex. « Développeur / Développeuse web »).
    async fn libelle(&self) -> &str {
        &self.appellation.libelle
    }
    /// Libellé court.
    async fn libelle_court(&self) -> &str {
        &self.appellation.libelle_court
    }
    /// Appellation principale de la fiche (les autres sont des synonymes).
    async fn principale(&self) -> bool {
        self.appellation.principale
    }
    /// Libellé peu usité (`peu_usite` du référentiel).
    async fn peu_usitee(&self) -> bool {
        self.appellation.peu_usitee
    }
    /// Emploi de cadre.
    async fn emploi_cadre(&self) -> bool {
        self.appellation.emploi_cadre
    }
    /// Emploi réglementé.
    async fn emploi_reglemente(&self) -> bool {
        self.appellation.emploi_reglemente
    }
    /// Code ROME de la fiche de l'appellation.
    async fn code_rome(&self) -> CodeRome {
        CodeRome(self.code_rome.clone())
    }
    /// La fiche métier de l'appellation. `null` si la source ROME est indisponible.
    async fn metier(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Metier>> {
        load_metier(ctx, self.code_rome.clone()).await
    }
    /// Provenance : celle de sa fiche métier.
    async fn provenance(&self) -> crate::graphql::common::Provenance {
        (&self.provenance).into()
    }
}
