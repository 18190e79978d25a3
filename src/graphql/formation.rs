//! `ActionFormation`, `Formation`, `Session`, `Lieu`, `Organisme`: training offers (LHEO).

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Object, SimpleObject};

use crate::graphql::certification::{Certification, load_certification};
use crate::graphql::common::{Nomenclature, Provenance};
use crate::graphql::commune::Commune;
use crate::graphql::errors::source_error;
use crate::graphql::metier::{Metier, load_metiers};
use crate::graphql::scalars::{
    CodeCertifInfo, CodeInsee, CodeRncp, CodeRome, Date, Formacode, Siret,
};
use crate::graphql::{loaders, sources};

/// Une action de formation : où et par qui une formation est dispensée, avec ses sessions.
#[derive(Debug, Clone)]
pub struct ActionFormation(pub Arc<passerelle_core::model::ActionFormation>);

/// Une formation (le « quoi »), commune à ses actions.
#[derive(Debug, Clone)]
pub struct Formation(pub Arc<passerelle_core::model::Formation>);

/// Une session d'une action de formation.
#[derive(Debug, SimpleObject)]
pub struct Session {
    /// Numéro de la session.
    pub numero: Option<String>,
    /// Premier jour.
    pub debut: Option<Date>,
    /// Dernier jour.
    pub fin: Option<Date>,
    /// Ouverture des inscriptions (`null` si inconnue).
    pub inscription_debut: Option<Date>,
    /// Clôture des inscriptions.
    pub inscription_fin: Option<Date>,
    /// État du recrutement (ouvert, fermé, suspendu).
    pub etat_recrutement: Option<Nomenclature>,
}

impl From<&passerelle_core::model::Session> for Session {
    fn from(s: &passerelle_core::model::Session) -> Self {
        Self {
            numero: s.numero.clone(),
            debut: s.debut.map(Date),
            fin: s.fin.map(Date),
            inscription_debut: s.inscription_debut.map(Date),
            inscription_fin: s.inscription_fin.map(Date),
            etat_recrutement: s.etat_recrutement.as_ref().map(Into::into),
        }
    }
}

/// Un lieu et son adresse.
#[derive(Debug, SimpleObject)]
#[graphql(complex)]
pub struct Lieu {
    /// Nom du lieu.
    pub nom: Option<String>,
    /// Lignes d'adresse.
    pub adresse: Vec<String>,
    /// Code postal.
    pub code_postal: Option<String>,
    /// Ville, telle que la source l'écrit.
    pub ville: Option<String>,
    /// Code INSEE de la commune.
    pub code_insee: Option<CodeInsee>,
    /// Latitude WGS84.
    pub latitude: Option<f64>,
    /// Longitude WGS84.
    pub longitude: Option<f64>,
}

#[ComplexObject]
impl Lieu {
    /// La commune, depuis le référentiel des communes. `null` si elle y est inconnue ou si la source est indisponible.
    async fn commune(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Commune>> {
        let Some(code) = &self.code_insee else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .communes
            .load_one(code.0.clone())
            .await
            .map_err(|e| source_error(&e))?
            .map(Commune))
    }
}

impl From<&passerelle_core::model::Lieu> for Lieu {
    fn from(l: &passerelle_core::model::Lieu) -> Self {
        Self {
            nom: l.nom.clone(),
            adresse: l.adresse.clone(),
            code_postal: l.code_postal.clone(),
            ville: l.ville.clone(),
            code_insee: l.code_insee.clone().map(CodeInsee),
            latitude: l.position.map(|p| p.latitude),
            longitude: l.position.map(|p| p.longitude),
        }
    }
}

/// Un organisme de formation.
#[derive(Debug, SimpleObject)]
pub struct Organisme {
    /// SIRET, s'il est bien formé.
    pub siret: Option<Siret>,
    /// Raison sociale.
    pub raison_sociale: String,
}

impl From<&passerelle_core::model::Organisme> for Organisme {
    fn from(o: &passerelle_core::model::Organisme) -> Self {
        Self {
            siret: o.siret.clone().map(Siret),
            raison_sociale: o.raison_sociale.clone(),
        }
    }
}

/// Un Formacode indexant une formation.
#[derive(Debug, SimpleObject)]
pub struct FormacodeIndexe {
    /// Le Formacode.
    pub code: Formacode,
    /// Formacode principal de la formation.
    pub principal: bool,
}

/// Une certification préparée (RNCP et/ou Certif Info), telle que l'offre la cite.
#[derive(Debug)]
pub struct CertificationVisee(passerelle_core::model::CertificationVisee);

/// Une certification préparée (RNCP et/ou Certif Info), telle que l'offre la cite.
#[Object]
impl CertificationVisee {
    /// Numéro RNCP.
    async fn rncp(&self) -> Option<CodeRncp> {
        self.0.rncp.clone().map(CodeRncp)
    }
    /// Numéro Certif Info.
    async fn certif_info(&self) -> Option<CodeCertifInfo> {
        self.0.certif_info.clone().map(CodeCertifInfo)
    }
    /// La certification dans le référentiel (RNCP, table de passage), trouvée par son numéro RNCP, à défaut Certif Info ; `null` si le référentiel ne la connaît pas ou si sa source est indisponible (avec une erreur dans ce cas).
    async fn certification(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Certification>> {
        use passerelle_rncp::CleCertification;
        let key = match (&self.0.rncp, &self.0.certif_info) {
            (Some(r), _) => CleCertification::Rncp(r.clone()),
            (None, Some(c)) => CleCertification::CertifInfo(c.clone()),
            (None, None) => return Ok(None),
        };
        load_certification(ctx, key).await
    }
}

/// Une formation (le « quoi »), commune à ses actions.
#[Object]
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
}

/// Une action de formation : où et par qui une formation est dispensée, avec ses sessions.
#[Object]
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
