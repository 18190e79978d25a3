//! `ActionFormation` and `Formation`: training offers (LHEO).
//!
//! Files: [`parts`] (sessions, places, bodies, contacts, codes).

mod parts;

use std::sync::Arc;

use async_graphql::{Context, Object};

use crate::graphql::common::{Nomenclature, Provenance};
use crate::graphql::errors::source_error;
use crate::graphql::metier::{Metier, load_metiers};
use crate::graphql::scalars::{CodeRome, Formacode};
use crate::graphql::sources;

pub use parts::{CertificationVisee, ContactOffre, FormacodeIndexe, Lieu, Organisme, Session};

/// Une action de formation : où et par qui une formation est dispensée, avec ses sessions.
#[derive(Debug, Clone)]
pub struct ActionFormation(pub Arc<passerelle_core::model::ActionFormation>);

/// Une formation (le « quoi »), commune à ses actions.
#[derive(Debug, Clone)]
pub struct Formation(pub Arc<passerelle_core::model::Formation>);

/// Une formation (le « quoi »), commune à ses actions.
#[Object(cache_control(max_age = 900), crate = "crate::graphql::fast")]
impl Formation {
    /// Numéro de la formation chez le Carif-Oref.
    async fn numero(&self) -> &str {
        &self.0.numero
    }
    /// Intitulé.
    async fn intitule(&self) -> &str {
        &self.0.intitule
    }
    /// Objectif.
    async fn objectif(&self) -> Option<&str> {
        self.0.objectif.as_deref()
    }
    /// Résultats attendus.
    async fn resultats_attendus(&self) -> Option<&str> {
        self.0.resultats_attendus.as_deref()
    }
    /// Contenu.
    async fn contenu(&self) -> Option<&str> {
        self.0.contenu.as_deref()
    }
    /// Formation certifiante.
    async fn certifiante(&self) -> bool {
        self.0.certifiante
    }
    /// Formacodes, le principal signalé.
    async fn formacodes(&self) -> Vec<FormacodeIndexe> {
        self.0
            .formacodes
            .iter()
            .map(|f| FormacodeIndexe {
                code: Formacode(f.code.clone()),
                principal: f.principal,
            })
            .collect()
    }
    /// Codes ROME indexant la formation (niveau V3, tels que publiés).
    async fn codes_rome(&self) -> Vec<CodeRome> {
        self.0.codes_rome.iter().cloned().map(CodeRome).collect()
    }
    /// Fiches métier des codes ROME indexant la formation. `null` si la source ROME est indisponible.
    async fn metiers(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<Metier>>> {
        load_metiers(ctx, &self.0.codes_rome).await.map(Some)
    }
    /// Codes NSF.
    async fn codes_nsf(&self) -> &[String] {
        &self.0.codes_nsf
    }
    /// Certifications préparées.
    async fn certifications(&self) -> Vec<CertificationVisee> {
        self.0
            .certifications
            .iter()
            .cloned()
            .map(CertificationVisee)
            .collect()
    }
    /// Niveau d'entrée.
    async fn niveau_entree(&self) -> Option<Nomenclature> {
        self.0.niveau_entree.as_ref().map(Into::into)
    }
    /// Niveau de sortie.
    async fn niveau_sortie(&self) -> Option<Nomenclature> {
        self.0.niveau_sortie.as_ref().map(Into::into)
    }
    /// Page de la formation chez le producteur.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// Organisme responsable de la formation.
    async fn organisme_responsable(&self) -> Option<Organisme> {
        self.0.organisme_responsable.as_ref().map(Into::into)
    }
    /// Type de parcours (en groupe, individualisé, modularisé, mixte).
    async fn parcours(&self) -> Option<Nomenclature> {
        self.0.parcours.as_ref().map(Into::into)
    }
    /// Objectif général (certification, professionnalisation, perfectionnement…).
    async fn objectif_general(&self) -> Option<Nomenclature> {
        self.0.objectif_general.as_ref().map(Into::into)
    }
    /// Contact de la formation, tel que publié.
    async fn contact(&self) -> Option<ContactOffre> {
        self.0.contact.as_ref().map(Into::into)
    }
    /// Provenance de la formation (son lien : la page de la formation chez le producteur).
    async fn provenance(&self) -> Provenance {
        (&self.0.provenance).into()
    }
    /// Les actions de cette formation, par numéro. Modes snapshot et échantillon (SOURCE_UNSUPPORTED en mode http). `null` si la source Offre Info est indisponible.
    async fn actions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<ActionFormation>>> {
        let found = sources(ctx)
            .offre_info
            .formation(&self.0.numero)
            .map_err(|e| source_error(&e))?;
        Ok(Some(
            found
                .map(|(_, actions)| actions.into_iter().map(ActionFormation).collect())
                .unwrap_or_default(),
        ))
    }
}

/// Une action de formation : où et par qui une formation est dispensée, avec ses sessions.
#[Object(cache_control(max_age = 900), crate = "crate::graphql::fast")]
impl ActionFormation {
    /// Numéro de l'action chez le Carif-Oref.
    async fn numero(&self) -> &str {
        &self.0.numero
    }
    /// La formation dispensée.
    async fn formation(&self) -> Formation {
        Formation(Arc::clone(&self.0.formation))
    }
    /// Rythme, tel que publié.
    async fn rythme(&self) -> Option<&str> {
        self.0.rythme.as_deref()
    }
    /// Modalités d'enseignement (présentiel, mixte, à distance).
    async fn modalites_enseignement(&self) -> Option<Nomenclature> {
        self.0.modalites_enseignement.as_ref().map(Into::into)
    }
    /// Codes des publics visés (Formacode).
    async fn publics_vises(&self) -> &[String] {
        &self.0.publics_vises
    }
    /// Lieu de formation.
    async fn lieu(&self) -> Option<Lieu> {
        self.0.lieu.as_ref().map(Into::into)
    }
    /// Organisme formateur.
    async fn organisme_formateur(&self) -> Option<Organisme> {
        self.0.organisme_formateur.as_ref().map(Into::into)
    }
    /// Financeurs.
    async fn financeurs(&self) -> Vec<Nomenclature> {
        self.0.financeurs.iter().map(Into::into).collect()
    }
    /// Nombre total d'heures.
    async fn nombre_heures_total(&self) -> Option<u32> {
        self.0.nombre_heures_total
    }
    /// Prix total TTC en euros.
    async fn prix_total_ttc(&self) -> Option<f64> {
        self.0.prix_total_ttc
    }
    /// Au moins une session est éligible au CPF.
    async fn eligible_cpf(&self) -> bool {
        self.0.eligible_cpf
    }
    /// Heures en centre.
    async fn nombre_heures_centre(&self) -> Option<u32> {
        self.0.nombre_heures_centre
    }
    /// Heures en entreprise.
    async fn nombre_heures_entreprise(&self) -> Option<u32> {
        self.0.nombre_heures_entreprise
    }
    /// Entrées et sorties (à dates fixes, permanentes).
    async fn modalites_entrees_sorties(&self) -> Option<Nomenclature> {
        self.0.modalites_entrees_sorties.as_ref().map(Into::into)
    }
    /// Modalités de recrutement, telles que publiées.
    async fn modalites_recrutement(&self) -> Option<&str> {
        self.0.modalites_recrutement.as_deref()
    }
    /// Conditions spécifiques d'accès, telles que publiées.
    async fn conditions_specifiques(&self) -> Option<&str> {
        self.0.conditions_specifiques.as_deref()
    }
    /// Accessibilité aux personnes handicapées, telle que publiée.
    async fn acces_handicapes(&self) -> Option<&str> {
        self.0.acces_handicapes.as_deref()
    }
    /// Restauration, telle que publiée.
    async fn restauration(&self) -> Option<&str> {
        self.0.restauration.as_deref()
    }
    /// Hébergement, tel que publié.
    async fn hebergement(&self) -> Option<&str> {
        self.0.hebergement.as_deref()
    }
    /// Transport, tel que publié.
    async fn transport(&self) -> Option<&str> {
        self.0.transport.as_deref()
    }
    /// Langue d'enseignement.
    async fn langue(&self) -> Option<&str> {
        self.0.langue.as_deref()
    }
    /// Contact chez l'organisme formateur, tel que publié.
    async fn contact(&self) -> Option<ContactOffre> {
        self.0.contact.as_ref().map(Into::into)
    }
    /// Sessions, par date de début.
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Seulement les sessions qui n'ont pas encore commencé (selon la date du jour du serveur).",
            default = false
        )]
        a_venir: bool,
    ) -> Vec<Session> {
        let today = sources(ctx).clock.today();
        self.0
            .sessions
            .iter()
            .filter(|s| !a_venir || s.debut.is_some_and(|d| d >= today))
            .map(Into::into)
            .collect()
    }
    /// Prochaine session qui n'a pas encore commencé.
    async fn prochaine_session(&self, ctx: &Context<'_>) -> Option<Session> {
        let today = sources(ctx).clock.today();
        self.0
            .sessions
            .iter()
            .find(|s| s.debut.is_some_and(|d| d >= today))
            .map(Into::into)
    }
    /// Provenance de l'action.
    async fn provenance(&self) -> Provenance {
        (&self.0.provenance).into()
    }
}
