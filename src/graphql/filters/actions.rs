//! `FiltreActionsFormation`: the criteria of the training-offer lists (root and `Metier`).

use async_graphql::{Context, Enum, InputObject};
use passerelle_offre_info::{Autour as AutourOffre, OffreFilter};

use crate::graphql::errors::bad_input;
use crate::graphql::filters::{Autour, CodesRome, Perimetre, check_recherche, restrict_codes};
use crate::graphql::scalars::{
    CodeCertifInfo, CodeDepartement, CodeRncp, CodeRome, Date, Formacode,
};

/// Mode d'enseignement d'une action (nomenclature LHEO `dict-modalites-enseignement`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ModaliteEnseignement {
    /// Formation entièrement présentielle (code 0).
    Presentiel,
    /// Formation mixte (code 1).
    Mixte,
    /// Formation entièrement à distance (code 2).
    ADistance,
}

impl ModaliteEnseignement {
    fn code(self) -> &'static str {
        match self {
            Self::Presentiel => "0",
            Self::Mixte => "1",
            Self::ADistance => "2",
        }
    }
}

/// Une période de début de session : du premier jour au dernier, bornes comprises, chacune facultative.
#[derive(Debug, Clone, Copy, InputObject)]
pub struct PeriodeSessions {
    /// Premier jour de début accepté.
    pub du: Option<Date>,
    /// Dernier jour de début accepté.
    pub au: Option<Date>,
}

/// Critères de recherche des actions de formation (tous ceux donnés doivent être vérifiés). Sans critère de date, les actions sont listées quelles que soient les dates de leurs sessions.
#[derive(Debug, Default, InputObject)]
pub struct FiltreActionsFormation {
    /// Actions dont la formation est indexée sur l'un de ces codes ROME ; une fiche ROME 4.0 détaillée trouve aussi les actions indexées sur sa fiche parente de niveau V3 (l'arête le dit par `rattachement`).
    pub codes_rome: Option<Vec<CodeRome>>,
    /// Actions dont la formation est indexée sur l'un de ces Formacodes.
    pub formacodes: Option<Vec<Formacode>>,
    /// Actions dont la formation prépare l'une de ces certifications RNCP.
    pub rncp: Option<Vec<CodeRncp>>,
    /// Actions dont la formation prépare l'une de ces certifications Certif Info.
    pub certif_info: Option<Vec<CodeCertifInfo>>,
    /// Actions dont le lieu est dans l'un de ces départements.
    pub departements: Option<Vec<CodeDepartement>>,
    /// Actions dans l'un des départements de ces régions (codes COG, ex. 84).
    pub regions: Option<Vec<String>>,
    /// Actions dont la formation est indexée sur un code ROME de l'un de ces grands domaines (ex. M).
    pub grands_domaines: Option<Vec<String>>,
    /// Actions dont la formation est indexée sur un code ROME de l'un de ces domaines professionnels (ex. M18).
    pub domaines_professionnels: Option<Vec<String>>,
    /// Actions dont le lieu de formation est dans le rayon ; les arêtes portent alors `distanceKm`, les plus proches d'abord. Un lieu publié sans coordonnées est placé au centre de sa commune (`lieu.originePosition`).
    pub autour: Option<Autour>,
    /// Actions dont une session commence dans la période.
    pub sessions_debutant: Option<PeriodeSessions>,
    /// Actions éligibles (true) ou non (false) au CPF.
    pub eligible_cpf: Option<bool>,
    /// Actions dont la formation mène à l'un de ces niveaux de sortie (codes LHEO `dict-niveaux`, ex. 15 pour le niveau 5).
    pub niveaux_sortie: Option<Vec<String>>,
    /// Actions dispensées selon l'un de ces modes (présentiel, mixte, à distance).
    pub modalites_enseignement: Option<Vec<ModaliteEnseignement>>,
    /// Actions dont une session a son recrutement ouvert (true), ou aucune (false).
    pub recrutement_ouvert: Option<bool>,
    /// Mots de l'intitulé ou de l'objectif de la formation (casse et accents ignorés, début de mot, une faute tolérée) ; sans `autour`, les meilleurs intitulés d'abord.
    pub recherche: Option<String>,
}

impl FiltreActionsFormation {
    /// The adapter filter and the ROME codes asked for (to say how each hit is attached);
    /// `restrict_to` narrows the ROME codes to one métier's.
    pub async fn resolve(
        &self,
        ctx: &Context<'_>,
        restrict_to: Option<&passerelle_core::CodeRome>,
    ) -> async_graphql::Result<(OffreFilter, Option<CodesRome>)> {
        let autour = match &self.autour {
            Some(a) => Some(
                a.resolve(ctx, "filtre.autour")
                    .await
                    .map(|(centre, rayon_km)| AutourOffre { centre, rayon_km })?,
            ),
            None => None,
        };
        let sessions_debut = match self.sessions_debutant {
            Some(PeriodeSessions {
                du: Some(du),
                au: Some(au),
            }) if du.0 > au.0 => {
                return Err(bad_input(
                    "filtre.sessionsDebutant",
                    format!(
                        "filtre.sessionsDebutant : du = {} est après au = {} ; la période doit aller du premier au dernier jour",
                        du.0, au.0
                    ),
                ));
            }
            Some(p) => Some((p.du.map(|d| d.0), p.au.map(|d| d.0))),
            None => None,
        };
        let (codes, codes_rome) = match restrict_codes(self.codes_rome.as_deref(), restrict_to) {
            Some(asked) => {
                let (codes, widened) = CodesRome::widen(ctx, asked).await;
                (Some(codes), Some(widened))
            }
            None => (None, None),
        };
        let perimetre = Perimetre::read(
            self.departements.as_deref(),
            self.regions.as_deref(),
            self.grands_domaines.as_deref(),
            self.domaines_professionnels.as_deref(),
        )?;
        Ok((
            OffreFilter {
                codes_rome,
                formacodes: inner(&self.formacodes, |c| c.0.clone()),
                rncp: inner(&self.rncp, |c| c.0.clone()),
                certif_info: inner(&self.certif_info, |c| c.0.clone()),
                departements: perimetre.departements,
                grands_domaines: perimetre.grands_domaines,
                domaines_professionnels: perimetre.domaines_professionnels,
                autour,
                sessions_debut,
                eligible_cpf: self.eligible_cpf,
                niveaux_sortie: self
                    .niveaux_sortie
                    .as_ref()
                    .map(|v| v.iter().map(|n| n.trim().to_owned()).collect()),
                modalites_enseignement: self
                    .modalites_enseignement
                    .as_ref()
                    .map(|v| v.iter().map(|m| m.code().to_owned()).collect()),
                recrutement_ouvert: self.recrutement_ouvert,
                recherche: check_recherche("filtre.recherche", self.recherche.clone())?,
                any_of: None,
            },
            codes,
        ))
    }
}

/// The codes of a list of scalars.
fn inner<T, U>(list: &Option<Vec<T>>, code: impl Fn(&T) -> U) -> Option<Vec<U>> {
    list.as_ref().map(|v| v.iter().map(code).collect())
}

impl FiltreActionsFormation {
    /// One page of the actions this filter selects (restricted to the métier `restrict_to` when given),
    /// each edge saying how it is attached to the ROME codes asked for.
    pub async fn page(
        self,
        ctx: &Context<'_>,
        restrict_to: Option<&passerelle_core::CodeRome>,
        page: passerelle_core::PageRequest,
    ) -> async_graphql::Result<crate::graphql::pagination::ActionFormationConnection> {
        use passerelle_core::Adapter as _;
        let (filter, codes) = self.resolve(ctx, restrict_to).await?;
        let result = crate::graphql::sources(ctx)
            .offre_info
            .search(&filter, page)
            .await;
        crate::graphql::pagination::page_rattache(
            page,
            result,
            crate::graphql::formation::ActionFormation,
            |a| {
                codes
                    .as_ref()
                    .map(|c| c.rattachement(&a.formation.codes_rome))
            },
        )
    }
}
