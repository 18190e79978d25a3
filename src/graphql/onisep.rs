//! `FicheOnisep`: a métier described by ONISEP (Idéo-Métiers and Idéo-Fiches métiers), joined to
//! ROME 4.0.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};

use crate::graphql::certification::FormationOnisep;
use crate::graphql::common::{Nomenclature, Provenance};
use crate::graphql::errors::source_error;
use crate::graphql::loaders;
use crate::graphql::metier::{MetierRattache, metiers_rattaches};
use crate::graphql::scalars::{CodeRome, IdOnisep};

/// Une fiche métier Idéo de l'ONISEP, écrite pour les jeunes et leurs familles.
#[derive(Debug, Clone)]
pub struct FicheOnisep(pub Arc<passerelle_core::model::FicheOnisep>);

/// Une publication ONISEP qui présente le métier.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Publication {
    /// Titre.
    pub titre: String,
    /// Collection.
    pub collection: Option<String>,
    /// Année de parution.
    pub annee: Option<i32>,
    /// EAN-13 (gencod).
    pub ean: Option<String>,
}

/// Un domaine et un sous-domaine de la classification ONISEP.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct DomaineOnisep {
    /// Domaine.
    pub domaine: String,
    /// Sous-domaine.
    pub sous_domaine: Option<String>,
}

/// Une courte description du métier pour un usage donné (ex. « Dico des métiers »).
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct FormatCourt {
    /// Usage, tel que publié.
    #[graphql(name = "type")]
    pub type_format: Option<String>,
    /// Libellé.
    pub libelle: Option<String>,
    /// Texte (fragment HTML tel que publié).
    pub descriptif: Option<String>,
}

impl FicheOnisep {
    fn detail(&self) -> Option<&passerelle_core::model::FicheDetaillee> {
        self.0.detail.as_deref()
    }
}

/// Une fiche métier Idéo de l'ONISEP, écrite pour les jeunes et leurs familles.
#[Object(cache_control(max_age = 3600), crate = "crate::graphql::fast")]
impl FicheOnisep {
    /// Identifiant ONISEP (MET.n).
    async fn id(&self) -> IdOnisep {
        IdOnisep(self.0.id.clone())
    }

    /// Libellé du métier, tel que l'ONISEP l'écrit.
    async fn libelle(&self) -> &str {
        &self.0.libelle
    }

    /// Page du métier sur onisep.fr.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// Publications ONISEP qui présentent le métier.
    async fn publications(&self) -> Vec<Publication> {
        self.0
            .publications
            .iter()
            .map(|p| Publication {
                titre: p.titre.clone(),
                collection: p.collection.clone(),
                annee: p.annee,
                ean: p.ean.clone(),
            })
            .collect()
    }

    /// Groupe formation emploi (GFE).
    async fn gfe(&self) -> Option<&str> {
        self.0.gfe.as_deref()
    }

    /// Codes ROME cités par l'ONISEP (niveau V3), bien formés.
    async fn codes_rome(&self) -> Vec<CodeRome> {
        self.0.codes_rome.iter().cloned().map(CodeRome).collect()
    }

    /// Libellés ROME tels que l'ONISEP les publie : ce sont des libellés de la V3 du ROME (« Études et développement informatique » pour M1805), dans l'ordre de `codesRome` (vide pour un code venu de la fiche détaillée). Le libellé ROME 4.0 est celui de `metiers { metier { libelle } }`.
    async fn libelles_rome(&self) -> &[String] {
        &self.0.libelles_rome
    }

    /// Codes ROME mal formés publiés par la source : montrés tels quels, jamais joints.
    async fn codes_rome_invalides(&self) -> &[String] {
        &self.0.codes_rome_invalides
    }

    /// Domaines et sous-domaines ONISEP.
    async fn domaines(&self) -> Vec<DomaineOnisep> {
        self.0
            .domaines
            .iter()
            .map(|d| DomaineOnisep {
                domaine: d.domaine.clone(),
                sous_domaine: d.sous_domaine.clone(),
            })
            .collect()
    }

    /// Fiches ROME 4.0 rattachées : celles des codes cités (DIRECT), montrées avec leur libellé ROME 4.0 (les libellés ROME publiés par l'ONISEP sont ceux de la V3, dans `libellesRome`), puis les fiches ROME 4.0 qui les détaillent (VIA_FICHE_DETAILLEE). `null` si la source ROME est indisponible.
    async fn metiers(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<MetierRattache>>> {
        metiers_rattaches(ctx, &self.0.codes_rome).await.map(Some)
    }

    /// La fiche détaillée (jeu Idéo-Fiches métiers) est chargée pour ce métier : sans elle, les champs descriptifs ci-dessous sont `null` ou vides. Toujours `false` en mode http (l'API ne sert pas ce jeu).
    async fn detaillee(&self) -> bool {
        self.0.detail.is_some()
    }

    /// Libellé au féminin (fiche détaillée).
    async fn libelle_feminin(&self) -> Option<&str> {
        self.detail()?.libelle_feminin.as_deref()
    }

    /// Libellé au masculin (fiche détaillée).
    async fn libelle_masculin(&self) -> Option<&str> {
        self.detail()?.libelle_masculin.as_deref()
    }

    /// Autres noms du métier (fiche détaillée) ; la recherche les parcourt.
    async fn synonymes(&self) -> &[String] {
        self.detail().map_or(&[], |d| d.synonymes.as_slice())
    }

    /// Accroche du métier (fiche détaillée, fragment HTML tel que publié).
    async fn accroche(&self) -> Option<&str> {
        self.detail()?.accroche.as_deref()
    }

    /// Nature du travail (fiche détaillée, fragment HTML tel que publié).
    async fn nature_travail(&self) -> Option<&str> {
        self.detail()?.nature_travail.as_deref()
    }

    /// Compétences requises (fiche détaillée, fragment HTML tel que publié).
    async fn competences(&self) -> Option<&str> {
        self.detail()?.competences.as_deref()
    }

    /// Conditions de travail (fiche détaillée, fragment HTML tel que publié).
    async fn conditions_travail(&self) -> Option<&str> {
        self.detail()?.conditions_travail.as_deref()
    }

    /// Accès au métier (fiche détaillée, fragment HTML tel que publié).
    async fn acces_metier(&self) -> Option<&str> {
        self.detail()?.acces_metier.as_deref()
    }

    /// Vie professionnelle et évolutions (fiche détaillée, fragment HTML tel que publié).
    async fn vie_professionnelle(&self) -> Option<&str> {
        self.detail()?.vie_professionnelle.as_deref()
    }

    /// Niveau d'accès minimum (fiche détaillée, ex. REF.408 « Bac + 2 »).
    async fn niveau_acces_minimum(&self) -> Option<Nomenclature> {
        self.detail()?
            .niveau_acces_minimum
            .as_ref()
            .map(Nomenclature::from)
    }

    /// Formations minimales requises (fiche détaillée).
    async fn formations_minimales(&self) -> Vec<FormationOnisep> {
        self.detail().map_or_else(Vec::new, |d| {
            d.formations_minimales
                .iter()
                .cloned()
                .map(|f| FormationOnisep::cited(f, &self.0.provenance))
                .collect()
        })
    }

    /// Centres d'intérêt (fiche détaillée).
    async fn centres_interet(&self) -> Vec<Nomenclature> {
        self.detail().map_or_else(Vec::new, |d| {
            d.centres_interet.iter().map(Nomenclature::from).collect()
        })
    }

    /// Secteurs d'activité (fiche détaillée).
    async fn secteurs_activite(&self) -> Vec<Nomenclature> {
        self.detail().map_or_else(Vec::new, |d| {
            d.secteurs_activite.iter().map(Nomenclature::from).collect()
        })
    }

    /// Statuts d'emploi (salarié, fonctionnaire, indépendant… ; fiche détaillée).
    async fn statuts(&self) -> Vec<Nomenclature> {
        self.detail().map_or_else(Vec::new, |d| {
            d.statuts.iter().map(Nomenclature::from).collect()
        })
    }

    /// Courtes descriptions du métier par usage (fiche détaillée).
    async fn formats_courts(&self) -> Vec<FormatCourt> {
        self.detail().map_or_else(Vec::new, |d| {
            d.formats_courts
                .iter()
                .map(|f| FormatCourt {
                    type_format: f.type_format.clone(),
                    libelle: f.libelle.clone(),
                    descriptif: f.descriptif.clone(),
                })
                .collect()
        })
    }

    /// Certifications auxquelles mènent les formations minimales de la fiche (fiche détaillée), d'après la table de passage (VIA_FORMATION_ONISEP), par numéro RNCP. `null` si la source des certifications est indisponible.
    async fn certifications(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<crate::graphql::metier::CertificationRattachee>>> {
        let ids: Vec<passerelle_core::IdFormationOnisep> = self
            .detail()
            .map(|d| {
                d.formations_minimales
                    .iter()
                    .map(|f| f.id.clone())
                    .collect()
            })
            .unwrap_or_default();
        crate::graphql::metier::certifications_par_formations(ctx, &ids)
            .await
            .map(Some)
    }

    /// Métiers associés par l'ONISEP (fiche détaillée), ceux que la source connaît. `null` si la source ONISEP est indisponible.
    async fn metiers_associes(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<FicheOnisep>>> {
        let ids: Vec<passerelle_core::IdOnisep> = self
            .detail()
            .map(|d| d.metiers_associes.iter().map(|m| m.id.clone()).collect())
            .unwrap_or_default();
        let found = loaders(ctx)
            .fiches_onisep
            .load_many(ids.iter().cloned())
            .await
            .map_err(|e| source_error(&e))?;
        Ok(Some(
            ids.iter()
                .filter_map(|id| found.get(id).cloned().map(FicheOnisep))
                .collect(),
        ))
    }

    /// Provenance de la fiche.
    async fn provenance(&self) -> Provenance {
        (&self.0.provenance).into()
    }
}
