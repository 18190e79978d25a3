//! `Ressource`: a discovery resource of Repère Métiers.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, FixedOffset};
use passerelle_core::model as m;

use crate::graphql::common::Provenance;
use crate::graphql::errors::source_error;
use crate::graphql::formation::Lieu;
use crate::graphql::metier::{Metier, load_metiers};
use crate::graphql::scalars::{CodeRome, Siret};
use crate::graphql::{loaders, sources};

/// Les six catégories de la charte Repère Métiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CategorieRessource {
    /// Événement (salon, portes ouvertes, journée découverte) : toujours daté.
    Evenement,
    /// Concours de découverte métier.
    Concours,
    /// Immersion en entreprise (stage, parrainage).
    ImmersionEntreprise,
    /// Action mobilisable pour un groupe (classe…) : gratuite pour les établissements scolaires.
    ActionMobilisableGroupe,
    /// Ressource pédagogique ou de méthode (kit, vidéo pour enseignants).
    PedagogieMethode,
    /// Support multimédia (quiz, vidéo, jeu).
    SupportMultimedia,
}

impl From<CategorieRessource> for m::CategorieRessource {
    fn from(c: CategorieRessource) -> Self {
        match c {
            CategorieRessource::Evenement => Self::Evenement,
            CategorieRessource::Concours => Self::Concours,
            CategorieRessource::ImmersionEntreprise => Self::ImmersionEntreprise,
            CategorieRessource::ActionMobilisableGroupe => Self::ActionMobilisableGroupe,
            CategorieRessource::PedagogieMethode => Self::PedagogieMethode,
            CategorieRessource::SupportMultimedia => Self::SupportMultimedia,
        }
    }
}

impl From<m::CategorieRessource> for CategorieRessource {
    fn from(c: m::CategorieRessource) -> Self {
        match c {
            m::CategorieRessource::Evenement => Self::Evenement,
            m::CategorieRessource::Concours => Self::Concours,
            m::CategorieRessource::ImmersionEntreprise => Self::ImmersionEntreprise,
            m::CategorieRessource::ActionMobilisableGroupe => Self::ActionMobilisableGroupe,
            m::CategorieRessource::PedagogieMethode => Self::PedagogieMethode,
            m::CategorieRessource::SupportMultimedia => Self::SupportMultimedia,
        }
    }
}

/// À qui s'adresse une ressource.
#[allow(
    clippy::enum_variant_names,
    reason = "« tout public » is the charter's own term"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Public {
    /// Collégiens.
    Collegiens,
    /// Lycéens.
    Lyceens,
    /// Étudiants.
    Etudiants,
    /// Apprentis.
    Apprentis,
    /// Demandeurs d'emploi.
    DemandeursEmploi,
    /// Salariés.
    Salaries,
    /// Enseignants.
    Enseignants,
    /// Professionnels de l'orientation.
    ProfessionnelsOrientation,
    /// Parents.
    Parents,
    /// Tout public.
    ToutPublic,
}

impl From<m::Public> for Public {
    fn from(p: m::Public) -> Self {
        match p {
            m::Public::Collegiens => Self::Collegiens,
            m::Public::Lyceens => Self::Lyceens,
            m::Public::Etudiants => Self::Etudiants,
            m::Public::Apprentis => Self::Apprentis,
            m::Public::DemandeursEmploi => Self::DemandeursEmploi,
            m::Public::Salaries => Self::Salaries,
            m::Public::Enseignants => Self::Enseignants,
            m::Public::ProfessionnelsOrientation => Self::ProfessionnelsOrientation,
            m::Public::Parents => Self::Parents,
            m::Public::ToutPublic => Self::ToutPublic,
        }
    }
}

/// Participation individuelle ou en groupe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Modalite {
    /// Individuelle.
    Individuel,
    /// En groupe.
    Groupe,
    /// Les deux.
    IndividuelEtGroupe,
}

impl From<m::Modalite> for Modalite {
    fn from(v: m::Modalite) -> Self {
        match v {
            m::Modalite::Individuel => Self::Individuel,
            m::Modalite::Groupe => Self::Groupe,
            m::Modalite::IndividuelEtGroupe => Self::IndividuelEtGroupe,
        }
    }
}

/// Type d'opérateur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum TypeOperateur {
    /// Branche professionnelle.
    BrancheProfessionnelle,
    /// Entreprise.
    Entreprise,
    /// Organisme de formation.
    OrganismeFormation,
    /// Association.
    Association,
    /// Collectivité.
    Collectivite,
    /// Établissement scolaire.
    EtablissementScolaire,
    /// Autre.
    Autre,
}

impl From<m::TypeOperateur> for TypeOperateur {
    fn from(v: m::TypeOperateur) -> Self {
        match v {
            m::TypeOperateur::BrancheProfessionnelle => Self::BrancheProfessionnelle,
            m::TypeOperateur::Entreprise => Self::Entreprise,
            m::TypeOperateur::OrganismeFormation => Self::OrganismeFormation,
            m::TypeOperateur::Association => Self::Association,
            m::TypeOperateur::Collectivite => Self::Collectivite,
            m::TypeOperateur::EtablissementScolaire => Self::EtablissementScolaire,
            m::TypeOperateur::Autre => Self::Autre,
        }
    }
}

/// L'organisation qui publie et organise la ressource.
#[derive(Debug, SimpleObject)]
pub struct Operateur {
    /// Nom.
    pub nom: String,
    /// Type.
    #[graphql(name = "type")]
    pub type_operateur: TypeOperateur,
    /// SIRET.
    pub siret: Option<Siret>,
}

/// Un créneau.
#[derive(Debug, SimpleObject)]
pub struct Creneau {
    /// Début.
    pub debut: DateTime<FixedOffset>,
    /// Fin.
    pub fin: Option<DateTime<FixedOffset>>,
}

/// Un lien.
#[derive(Debug, SimpleObject)]
pub struct Lien {
    /// Adresse.
    pub url: String,
    /// Libellé.
    pub libelle: String,
}

/// Contact de l'opérateur, publié seulement avec son consentement.
#[derive(Debug, SimpleObject)]
pub struct Contact {
    /// Nom.
    pub nom: String,
    /// Fonction.
    pub fonction: Option<String>,
    /// Structure.
    pub structure: Option<String>,
    /// Courriel.
    pub email: Option<String>,
    /// Téléphone.
    pub telephone: Option<String>,
}

/// Une ressource de découverte des métiers publiée sur Repère Métiers (après modération).
#[derive(Debug, Clone)]
pub struct Ressource(pub Arc<m::Ressource>);

/// Une ressource de découverte des métiers publiée sur Repère Métiers (après modération).
#[Object]
impl Ressource {
    /// Identifiant (RM-000123).
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Titre.
    async fn titre(&self) -> &str {
        &self.0.titre
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Catégorie.
    async fn categorie(&self) -> CategorieRessource {
        self.0.categorie.into()
    }
    /// Opérateur.
    async fn operateur(&self) -> Operateur {
        let o = &self.0.operateur;
        Operateur {
            nom: o.nom.clone(),
            type_operateur: o.type_operateur.into(),
            siret: o.siret.clone().map(Siret),
        }
    }
    /// Publics visés.
    async fn publics(&self) -> Vec<Public> {
        self.0.publics.iter().map(|p| (*p).into()).collect()
    }
    /// Participation individuelle ou en groupe.
    async fn modalite(&self) -> Modalite {
        self.0.modalite.into()
    }
    /// Gratuite.
    async fn gratuit(&self) -> bool {
        self.0.gratuit
    }
    /// Tarif, quand elle n'est pas gratuite.
    async fn tarif(&self) -> Option<&str> {
        self.0.tarif.as_deref()
    }
    /// Dates, dans l'ordre.
    async fn dates(&self) -> Vec<Creneau> {
        self.0
            .dates
            .iter()
            .map(|c| Creneau {
                debut: c.debut,
                fin: c.fin,
            })
            .collect()
    }
    /// Encore à venir (sans date, ou une date pas encore passée) selon la date du jour du serveur.
    async fn a_venir(&self, ctx: &Context<'_>) -> bool {
        passerelle_repere_metiers::a_venir(&self.0, sources(ctx).clock.today())
    }
    /// Lieu, pour une ressource qui a un lieu fixe.
    async fn lieu(&self) -> Option<Lieu> {
        self.0.lieu.as_ref().map(Into::into)
    }
    /// Mobilisable partout dans la région plutôt qu'en un lieu fixe.
    async fn mobilisable_en_region(&self) -> bool {
        self.0.mobilisable_en_region
    }
    /// Codes ROME des métiers que la ressource fait découvrir.
    async fn codes_rome(&self) -> Vec<CodeRome> {
        self.0.codes_rome.iter().cloned().map(CodeRome).collect()
    }
    /// Fiches métier que la ressource fait découvrir. `null` si la source ROME est indisponible.
    async fn metiers(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<Metier>>> {
        load_metiers(ctx, &self.0.codes_rome).await.map(Some)
    }
    /// Liens.
    async fn liens(&self) -> Vec<Lien> {
        self.0
            .liens
            .iter()
            .map(|l| Lien {
                url: l.url.clone(),
                libelle: l.libelle.clone(),
            })
            .collect()
    }
    /// Contact de l'opérateur, seulement s'il a consenti à sa publication.
    async fn contact(&self) -> Option<Contact> {
        self.0.contact.as_ref().map(|c| Contact {
            nom: c.nom.clone(),
            fonction: c.fonction.clone(),
            structure: c.structure.clone(),
            email: c.email.clone(),
            telephone: c.telephone.clone(),
        })
    }
    /// Événement régional dont cette ressource est une partie notable.
    async fn ressource_parente(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Ressource>> {
        let Some(id) = &self.0.parent_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .ressources
            .load_one(id.clone())
            .await
            .map_err(|e| source_error(&e))?
            .map(Ressource))
    }
    /// Dernière mise à jour chez le producteur.
    async fn mis_a_jour_le(&self) -> DateTime<FixedOffset> {
        self.0.mis_a_jour_le
    }
    /// Provenance.
    async fn provenance(&self) -> Provenance {
        (&self.0.provenance).into()
    }
}
