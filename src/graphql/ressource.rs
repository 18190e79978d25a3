//! `Ressource`: a discovery resource of Repère Métiers.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, FixedOffset};
use passerelle_core::model as m;
use passerelle_core::{Adapter, PageRequest};

use crate::graphql::common::Provenance;
use crate::graphql::errors::source_error;
use crate::graphql::formation::Lieu;
use crate::graphql::metier::{Metier, load_metiers};
use crate::graphql::scalars::{CodeRome, Date, Siret};
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
    /// Tout public (grand public).
    ToutPublic,
    /// Professionnels, de tous secteurs.
    Professionnels,
    /// Jeunes.
    Jeunes,
    /// Adultes.
    Adultes,
    /// Groupes scolaires (une classe et ses enseignants).
    GroupesScolaires,
}

impl From<Public> for m::Public {
    fn from(p: Public) -> Self {
        match p {
            Public::Collegiens => Self::Collegiens,
            Public::Lyceens => Self::Lyceens,
            Public::Etudiants => Self::Etudiants,
            Public::Apprentis => Self::Apprentis,
            Public::DemandeursEmploi => Self::DemandeursEmploi,
            Public::Salaries => Self::Salaries,
            Public::Enseignants => Self::Enseignants,
            Public::ProfessionnelsOrientation => Self::ProfessionnelsOrientation,
            Public::Parents => Self::Parents,
            Public::ToutPublic => Self::ToutPublic,
            Public::Professionnels => Self::Professionnels,
            Public::Jeunes => Self::Jeunes,
            Public::Adultes => Self::Adultes,
            Public::GroupesScolaires => Self::GroupesScolaires,
        }
    }
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
            m::Public::Professionnels => Self::Professionnels,
            m::Public::Jeunes => Self::Jeunes,
            m::Public::Adultes => Self::Adultes,
            m::Public::GroupesScolaires => Self::GroupesScolaires,
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

impl From<Modalite> for m::Modalite {
    fn from(v: Modalite) -> Self {
        match v {
            Modalite::Individuel => Self::Individuel,
            Modalite::Groupe => Self::Groupe,
            Modalite::IndividuelEtGroupe => Self::IndividuelEtGroupe,
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
#[graphql(crate = "crate::graphql::fast")]
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
#[graphql(crate = "crate::graphql::fast")]
pub struct Creneau {
    /// Début.
    pub debut: DateTime<FixedOffset>,
    /// Fin.
    pub fin: Option<DateTime<FixedOffset>>,
    /// Horaires, tels que publiés (ex. « 9 h – 17 h »).
    pub horaires: Option<String>,
}

impl From<&m::Creneau> for Creneau {
    fn from(c: &m::Creneau) -> Self {
        Self {
            debut: c.debut,
            fin: c.fin,
            horaires: c.horaires.clone(),
        }
    }
}

/// Ce vers quoi mène un lien.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum TypeLien {
    /// Une page web.
    Page,
    /// Une vidéo.
    Video,
    /// Un document.
    Document,
}

/// Un lien.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Lien {
    /// Adresse.
    pub url: String,
    /// Libellé.
    pub libelle: String,
    /// Ce vers quoi il mène.
    #[graphql(name = "type")]
    pub type_lien: TypeLien,
}

/// Accessibilité aux personnes handicapées, telle que l'opérateur la déclare.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Accessibilite {
    /// Accessible aux personnes handicapées.
    pub handicap: Option<bool>,
    /// Précisions.
    pub description: Option<String>,
}

/// Contact de l'opérateur, publié seulement avec son consentement.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
#[graphql(cache_control(private))]
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

impl Ressource {
    /// The next slot (not ended before today), else the last one.
    fn prochain(&self, ctx: &Context<'_>) -> Option<&m::Creneau> {
        let today = sources(ctx).clock.today();
        passerelle_repere_metiers::premier_creneau(&self.0, Some(today), None)
            .or_else(|| self.0.dates.last())
    }
}

/// Une ressource de découverte des métiers publiée sur Repère Métiers (après modération).
#[Object(cache_control(max_age = 900), crate = "crate::graphql::fast")]
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
    /// Sous-type dans la catégorie (ex. salon, visite_entreprise, quiz), selon le vocabulaire du format d'export.
    async fn sous_type(&self) -> Option<&str> {
        self.0.sous_type.as_deref()
    }
    /// Dates, dans l'ordre.
    async fn dates(&self) -> Vec<Creneau> {
        self.0.dates.iter().map(Creneau::from).collect()
    }
    /// Début du prochain créneau (le premier qui ne finit pas avant la date du jour du serveur), à défaut du dernier créneau ; `null` sans date.
    async fn debut(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        self.prochain(ctx).map(|c| c.debut)
    }
    /// Fin du même créneau que `debut`.
    async fn fin(&self, ctx: &Context<'_>) -> Option<DateTime<FixedOffset>> {
        self.prochain(ctx).and_then(|c| c.fin)
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
    /// Pour une ressource mobilisable en région : les départements où elle peut venir.
    async fn departements_couverts(&self) -> Vec<String> {
        self.0
            .departements_couverts
            .iter()
            .map(ToString::to_string)
            .collect()
    }
    /// Accessibilité aux personnes handicapées, telle que déclarée.
    async fn accessibilite(&self) -> Option<Accessibilite> {
        self.0.accessibilite.as_ref().map(|a| Accessibilite {
            handicap: a.handicap,
            description: a.description.clone(),
        })
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
                type_lien: match l.type_lien {
                    m::TypeLien::Page => TypeLien::Page,
                    m::TypeLien::Video => TypeLien::Video,
                    m::TypeLien::Document => TypeLien::Document,
                },
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
    /// Les temps forts de cet événement régional (publications distinctes qui y sont rattachées), par date. `null` si la source Repère Métiers est indisponible.
    async fn sous_evenements(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<Ressource>>> {
        let filter = passerelle_repere_metiers::RessourceFilter {
            parent_id: Some(self.0.id.clone()),
            ..Default::default()
        };
        let found = sources(ctx)
            .repere_metiers
            .search(&filter, PageRequest::ALL)
            .await
            .map_err(|e| source_error(&e))?;
        Ok(Some(
            found
                .hits
                .into_iter()
                .map(|h| Ressource(h.record))
                .collect(),
        ))
    }
    /// Dernière mise à jour chez le producteur.
    async fn mis_a_jour_le(&self) -> DateTime<FixedOffset> {
        self.0.mis_a_jour_le
    }
    /// Date de publication par la modération.
    async fn publiee_le(&self) -> Option<Date> {
        self.0.publiee_le.map(Date)
    }
    /// Provenance.
    async fn provenance(&self) -> Provenance {
        (&self.0.provenance).into()
    }
}
