//! The parts of a training offer: sessions, places, training bodies, contacts, indexing codes, and the
//! certifications an offer cites.

use async_graphql::{ComplexObject, Context, Enum, Object, SimpleObject};

use crate::graphql::certification::{Certification, load_certification};
use crate::graphql::common::Nomenclature;
use crate::graphql::commune::Commune;
use crate::graphql::errors::source_error;
use crate::graphql::loaders;
use crate::graphql::scalars::{CodeCertifInfo, CodeInsee, CodeRncp, Date, Formacode, Siret};

/// Une session d'une action de formation.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
#[graphql(cache_control(max_age = 900))]
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
#[graphql(crate = "crate::graphql::fast")]
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
    /// D'où vient la position : publiée par la source, ou centre de la commune quand la source n'en publie pas.
    pub origine_position: OriginePosition,
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
            origine_position: l.origine_position.into(),
        }
    }
}

/// Un organisme de formation.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
#[graphql(cache_control(max_age = 900))]
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
#[graphql(crate = "crate::graphql::fast")]
pub struct FormacodeIndexe {
    /// Le Formacode.
    pub code: Formacode,
    /// Formacode principal de la formation.
    pub principal: bool,
}

/// Une certification préparée (RNCP et/ou Certif Info), telle que l'offre la cite.
#[derive(Debug)]
pub struct CertificationVisee(pub passerelle_core::model::CertificationVisee);

/// Une certification préparée (RNCP et/ou Certif Info), telle que l'offre la cite.
#[Object(crate = "crate::graphql::fast")]
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

/// D'où vient la position d'un lieu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum OriginePosition {
    /// La géolocalisation publiée par la source.
    Source,
    /// La source n'en publie pas : le centre de la commune du lieu, d'après le référentiel des communes.
    CentreCommune,
}

impl From<passerelle_core::model::OriginePosition> for OriginePosition {
    fn from(o: passerelle_core::model::OriginePosition) -> Self {
        match o {
            passerelle_core::model::OriginePosition::Source => Self::Source,
            passerelle_core::model::OriginePosition::CentreCommune => Self::CentreCommune,
        }
    }
}

/// Un contact d'une offre, tel que la source le publie (données professionnelles de personnes réelles : jamais plus que ce qui est publié).
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
#[graphql(cache_control(private))]
pub struct ContactOffre {
    /// Civilité.
    pub civilite: Option<String>,
    /// Nom.
    pub nom: Option<String>,
    /// Prénom.
    pub prenom: Option<String>,
    /// Numéros de téléphone (fixe, portable).
    pub telephones: Vec<String>,
    /// Courriel.
    pub courriel: Option<String>,
    /// Sites web.
    pub web: Vec<String>,
}

impl From<&passerelle_core::model::ContactOffre> for ContactOffre {
    fn from(c: &passerelle_core::model::ContactOffre) -> Self {
        Self {
            civilite: c.civilite.clone(),
            nom: c.nom.clone(),
            prenom: c.prenom.clone(),
            telephones: c.telephones.clone(),
            courriel: c.courriel.clone(),
            web: c.web.clone(),
        }
    }
}
