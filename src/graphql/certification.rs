//! `Certification`: a certification of the référentiel (RNCP fiche and/or Certif Info entry), its
//! Certif Info declinations, its métiers and its ONISEP formation.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};
use passerelle_core::Adapter;
use passerelle_rncp::CleCertification;

use crate::graphql::common::{Nomenclature, Provenance};
use crate::graphql::errors::source_error;
use crate::graphql::metier::{MetierRattache, metiers_rattaches};
use crate::graphql::scalars::{
    CodeCertifInfo, CodeCfd, CodeRncp, CodeRome, Date, IdFormationOnisep, Siret,
};
use crate::graphql::{loaders, sources};

/// Une certification : une fiche du RNCP (France compétences) et/ou une entrée Certif Info, avec ce
/// qu'ajoute la table de passage de l'ONISEP (CFD, formation ONISEP).
#[derive(Debug, Clone)]
pub struct Certification(pub Arc<passerelle_core::model::Certification>);

/// Un organisme qui délivre une certification.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Certificateur {
    /// SIRET, quand il est valide dans la source.
    pub siret: Option<Siret>,
    /// Nom, tel que publié.
    pub nom: String,
}

/// Une formation décrite par l'ONISEP (Idéo).
#[derive(Debug, Clone)]
pub struct FormationOnisep(
    pub passerelle_core::model::FormationOnisep,
    /// The provenance of the record citing it.
    pub passerelle_core::Provenance,
);

impl FormationOnisep {
    /// The formation cited by a record of provenance `by`.
    pub fn cited(
        f: passerelle_core::model::FormationOnisep,
        by: &passerelle_core::Provenance,
    ) -> Self {
        let url = f.url();
        Self(f, by.clone().with_url(Some(url)))
    }
}

/// Une formation décrite par l'ONISEP (Idéo).
#[Object(crate = "crate::graphql::fast")]
impl FormationOnisep {
    /// Identifiant ONISEP (FOR.n).
    async fn id(&self) -> IdFormationOnisep {
        IdFormationOnisep(self.0.id.clone())
    }
    /// Libellé, tel que l'ONISEP l'écrit.
    async fn libelle(&self) -> Option<&str> {
        self.0.libelle.as_deref()
    }
    /// Page de la formation sur onisep.fr.
    async fn url(&self) -> String {
        self.0.url()
    }
    /// Provenance : la source de l'enregistrement qui cite la formation (table de passage, fiche ONISEP), avec le lien de la formation sur onisep.fr.
    async fn provenance(&self) -> Provenance {
        (&self.1).into()
    }
    /// Certifications auxquelles mène la formation, d'après la table de passage. `null` si la source des certifications est indisponible.
    async fn certifications(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<Certification>>> {
        let linked = crate::graphql::metier::certifications_par_formations(
            ctx,
            std::slice::from_ref(&self.0.id),
        )
        .await?;
        Ok(Some(linked.into_iter().map(|l| l.certification).collect()))
    }
}

/// Une entrée de la table de passage de l'ONISEP : une déclinaison Certif Info de la certification.
#[derive(Debug)]
pub struct Correspondance(
    passerelle_core::model::Correspondance,
    passerelle_core::Provenance,
);

/// Une entrée de la table de passage de l'ONISEP : une déclinaison Certif Info de la certification (une par mention ou option).
#[Object(crate = "crate::graphql::fast")]
impl Correspondance {
    /// Numéro Certif Info.
    async fn certif_info(&self) -> Option<CodeCertifInfo> {
        self.0.certif_info.clone().map(CodeCertifInfo)
    }
    /// Intitulé Certif Info.
    async fn intitule(&self) -> Option<&str> {
        self.0.intitule.as_deref()
    }
    /// Code formation diplôme (CFD).
    async fn cfd(&self) -> Option<CodeCfd> {
        self.0.cfd.clone().map(CodeCfd)
    }
    /// La formation ONISEP.
    async fn formation_onisep(&self) -> Option<FormationOnisep> {
        self.0
            .formation_onisep
            .clone()
            .map(|f| FormationOnisep::cited(f, &self.1))
    }
    /// Certifiante selon Certif Info.
    async fn certifiante(&self) -> Option<bool> {
        self.0.certifiante
    }
    /// Statut de l'entrée dans la table (« identique », « créé », « mis à jour »…).
    async fn statut(&self) -> Option<&str> {
        self.0.statut.as_deref()
    }
}

/// Une certification : une fiche du RNCP (France compétences) et/ou une entrée Certif Info, avec ce qu'ajoute la table de passage de l'ONISEP (CFD, formation ONISEP).
#[Object(cache_control(max_age = 3600), crate = "crate::graphql::fast")]
impl Certification {
    /// Numéro de fiche RNCP ; `null` pour une entrée Certif Info sans fiche RNCP.
    async fn rncp(&self) -> Option<CodeRncp> {
        self.0.rncp.clone().map(CodeRncp)
    }
    /// Numéro Certif Info ; quand la certification a plusieurs déclinaisons (mentions, options), celui de la première : tous sont dans `correspondances`.
    async fn certif_info(&self) -> Option<CodeCertifInfo> {
        self.0.certif_info().cloned().map(CodeCertifInfo)
    }
    /// Code formation diplôme (CFD) de l'Éducation nationale, de la première déclinaison qui en a un.
    async fn cfd(&self) -> Option<CodeCfd> {
        self.0.cfd().cloned().map(CodeCfd)
    }
    /// Intitulé : celui du RNCP, à défaut celui de Certif Info.
    async fn intitule(&self) -> Option<&str> {
        self.0.intitule.as_deref()
    }
    /// Niveau du cadre européen des certifications (3 à 8).
    async fn niveau_europeen(&self) -> Option<i32> {
        self.0.niveau_europeen.map(i32::from)
    }
    /// Type de diplôme ou de titre, selon Certif Info (ex. « Brevet de technicien supérieur »).
    async fn type_diplome(&self) -> Option<&str> {
        self.0.type_diplome.as_deref()
    }
    /// « Enregistrement de droit » ou « Enregistrement sur demande ».
    async fn type_enregistrement(&self) -> Option<&str> {
        self.0.type_enregistrement.as_deref()
    }
    /// Fiche RNCP active ; `null` si le fichier Standard de l'export RNCP n'est pas chargé.
    async fn actif(&self) -> Option<bool> {
        self.0.actif
    }
    /// Fin de l'enregistrement au RNCP.
    async fn date_fin_enregistrement(&self) -> Option<Date> {
        self.0.date_fin_enregistrement.map(Date)
    }
    /// Codes ROME cités par la fiche RNCP (niveau V3), bien formés ; ceux que le ROME 4.0 chargé ne connaît pas sont comptés dans l'état de la source et jamais joints.
    async fn codes_rome(&self) -> Vec<CodeRome> {
        self.0.codes_rome.iter().cloned().map(CodeRome).collect()
    }
    /// Libellés ROME tels que le RNCP les publie (libellés V3), dans l'ordre de `codesRome`.
    async fn libelles_rome(&self) -> &[String] {
        &self.0.libelles_rome
    }
    /// Codes ROME mal formés publiés par la source : montrés tels quels, jamais joints.
    async fn codes_rome_invalides(&self) -> &[String] {
        &self.0.codes_rome_invalides
    }
    /// Fiches ROME 4.0 rattachées : celles des codes cités (DIRECT), avec leur libellé ROME 4.0, puis les fiches qui les détaillent (VIA_FICHE_DETAILLEE). `null` si la source ROME est indisponible.
    async fn metiers(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<MetierRattache>>> {
        metiers_rattaches(ctx, &self.0.codes_rome).await.map(Some)
    }
    /// Fiches métiers ONISEP dont les formations minimales comprennent une formation à laquelle mène la certification (table de passage ; VIA_FORMATION_ONISEP), par libellé. Mode snapshot ou échantillon d'ONISEP (le jeu Idéo-Fiches métiers). `null` si la source ONISEP est indisponible.
    async fn fiches_onisep(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<crate::graphql::metier::FicheOnisepRattachee>>> {
        let mut ids: Vec<passerelle_core::IdFormationOnisep> = self
            .0
            .correspondances
            .iter()
            .filter_map(|c| c.formation_onisep.as_ref().map(|f| f.id.clone()))
            .collect();
        ids.sort();
        ids.dedup();
        crate::graphql::metier::fiches_par_formations(ctx, ids)
            .await
            .map(Some)
    }
    /// Actions de formation qui préparent la certification (son numéro RNCP ou l'un de ses numéros Certif Info), sous le même filtre que la liste racine `actionsFormation`. `null` si la source Offre Info est indisponible.
    async fn actions_formation(
        &self,
        ctx: &Context<'_>,
        filtre: Option<crate::graphql::filters::FiltreActionsFormation>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<crate::graphql::pagination::ActionFormationConnection>> {
        let request = crate::graphql::pagination::page_request(ctx, first, after)?;
        let (mut filter, _) = filtre.unwrap_or_default().resolve(ctx, None).await?;
        filter.any_of = Some(passerelle_offre_info::AnyOf {
            rncp: self.0.rncp.iter().cloned().collect(),
            certif_info: self
                .0
                .correspondances
                .iter()
                .filter_map(|c| c.certif_info.clone())
                .collect(),
            ..passerelle_offre_info::AnyOf::default()
        });
        let result = sources(ctx).offre_info.search(&filter, request).await;
        crate::graphql::pagination::page(
            request,
            result,
            crate::graphql::formation::ActionFormation,
        )
        .map(Some)
    }
    /// Formacodes de la fiche.
    async fn formacodes(&self) -> Vec<Nomenclature> {
        self.0.formacodes.iter().map(Nomenclature::from).collect()
    }
    /// Spécialités NSF.
    async fn nsf(&self) -> Vec<Nomenclature> {
        self.0.nsf.iter().map(Nomenclature::from).collect()
    }
    /// Organismes certificateurs.
    async fn certificateurs(&self) -> Vec<Certificateur> {
        self.0
            .certificateurs
            .iter()
            .map(|c| Certificateur {
                siret: c.siret.clone().map(Siret),
                nom: c.nom.clone(),
            })
            .collect()
    }
    /// Conventions collectives (IDCC) liées.
    async fn conventions_collectives(&self) -> Vec<Nomenclature> {
        self.0
            .conventions_collectives
            .iter()
            .map(Nomenclature::from)
            .collect()
    }
    /// Numéros des fiches que celle-ci remplace (RNCP, ou RS tels que publiés).
    async fn anciennes_certifications(&self) -> &[String] {
        &self.0.anciennes_certifications
    }
    /// Numéros des fiches qui remplacent celle-ci.
    async fn nouvelles_certifications(&self) -> &[String] {
        &self.0.nouvelles_certifications
    }
    /// Les déclinaisons Certif Info de la table de passage (une par mention ou option), chacune avec son CFD et sa formation ONISEP.
    async fn correspondances(&self) -> Vec<Correspondance> {
        self.0
            .correspondances
            .iter()
            .cloned()
            .map(|c| Correspondance(c, self.0.provenance.clone()))
            .collect()
    }
    /// La formation ONISEP de la première déclinaison qui en a une.
    async fn formation_onisep(&self) -> Option<FormationOnisep> {
        self.0
            .formation_onisep()
            .cloned()
            .map(|f| FormationOnisep::cited(f, &self.0.provenance))
    }
    /// Provenance de la certification.
    async fn provenance(&self) -> Provenance {
        (&self.0.provenance).into()
    }
}

/// Loads one certification by key through the request's loader; `None` when it does not exist.
pub async fn load_certification(
    ctx: &Context<'_>,
    key: CleCertification,
) -> async_graphql::Result<Option<Certification>> {
    Ok(loaders(ctx)
        .certifications
        .load_one(key)
        .await
        .map_err(|e| source_error(&e))?
        .map(Certification))
}
