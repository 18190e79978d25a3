//! The query root: one lookup and one searchable list per kind of record, and the sources directory.

use async_graphql::{Any, Context, ID, Object};
use passerelle_core::{Adapter, PageRequest};

use crate::graphql::certification::{Certification, load_certification};
use crate::graphql::commune::Commune;
use crate::graphql::errors::bad_input;
use crate::graphql::errors::source_error;
use crate::graphql::filters::{
    FiltreActionsFormation, FiltreCertifications, FiltreCommunes, FiltreFichesOnisep,
    FiltreMetiers, FiltreRessources,
};
use crate::graphql::formation::{ActionFormation, Formation};
use crate::graphql::metier::{
    Appellation, DomaineProfessionnel, GrandDomaine, Metier, load_metier,
};
use crate::graphql::onisep::FicheOnisep;
use crate::graphql::pagination::{
    ActionFormationConnection, AppellationConnection, CertificationConnection, CommuneConnection,
    FicheOnisepConnection, MetierConnection, RessourceConnection, page, page_request,
};
use crate::graphql::ressource::Ressource;
use crate::graphql::scalars::{CodeCertifInfo, CodeCfd, CodeInsee, CodeRncp, CodeRome, IdOnisep};
use crate::graphql::source::Source;
use crate::graphql::{entities, loaders, sources};

fn check_recherche(recherche: Option<String>) -> async_graphql::Result<Option<String>> {
    crate::graphql::filters::check_recherche("recherche", recherche)
}

/// Racine des requêtes de passerelle.
#[derive(Debug, Default)]
pub struct QueryRoot;

/// Racine des requêtes de passerelle.
#[Object(name = "Query", crate = "crate::graphql::fast")]
impl QueryRoot {
    /// Une fiche métier du ROME 4.0 par son code ; `null` si le code n'existe pas.
    async fn metier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Code ROME (ex. M1805).")] code_rome: CodeRome,
    ) -> async_graphql::Result<Option<Metier>> {
        load_metier(ctx, code_rome.0).await
    }

    /// Les fiches métier du ROME 4.0, par code sans `recherche`, ou dans l'ordre de leur meilleure appellation pour la `recherche`, filtrées. En mode http, l'API France Travail ne sait ni lister toutes les fiches, ni filtrer, ni dépasser ses 20 appellations trouvées : ces demandes répondent SOURCE_UNSUPPORTED. `null` si la source ROME est indisponible.
    async fn metiers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Ce que la personne dit de son métier, cherché dans toutes les appellations : casse et accents ignorés, chaque mot compte, début de mot accepté pendant la frappe, une faute de frappe tolérée (mots de 4 lettres ou plus)."
        )]
        recherche: Option<String>,
        filtre: Option<FiltreMetiers>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<MetierConnection>> {
        let p = page_request(ctx, first, after)?;
        let recherche = check_recherche(recherche)?;
        let filter = filtre.unwrap_or_default().into_filter(recherche);
        let result = sources(ctx).rome.search(&filter, p).await;
        page(p, result, Metier).map(Some)
    }

    /// Les appellations (intitulés d'emploi) du ROME 4.0 qui répondent à la `recherche`, les meilleures d'abord : moins de fautes, mots entiers avant débuts de mot, appellations principales avant synonymes, appellations peu usitées en dernier. En mode http, l'ordre est celui de l'API et seuls ses 20 premiers résultats existent (au-delà : SOURCE_UNSUPPORTED). `null` si la source ROME est indisponible.
    async fn appellations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Ce que la personne dit de son métier (ex. « dévelopeur web », « aide soignante ») : casse et accents ignorés, chaque mot compte, début de mot accepté, une faute de frappe tolérée."
        )]
        recherche: String,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<AppellationConnection>> {
        let p = page_request(ctx, first, after)?;
        let recherche = check_recherche(Some(recherche))?.unwrap_or_default();
        let result = sources(ctx).rome.search_appellations(&recherche, p).await;
        page(p, result, Appellation::from).map(Some)
    }

    /// Les grands domaines du ROME 4.0 (14), par code, chacun avec ses domaines professionnels. Mode snapshot ou échantillon seulement (SOURCE_UNSUPPORTED en mode http). `null` si la source ROME est indisponible.
    async fn grands_domaines(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<GrandDomaine>>> {
        let n = sources(ctx)
            .rome
            .nomenclatures()
            .map_err(|e| source_error(&e))?;
        Ok(Some(GrandDomaine::all(&n, &rome_provenance(ctx))))
    }

    /// Les domaines professionnels du ROME 4.0 (110), par code, éventuellement ceux d'un grand domaine. Mode snapshot ou échantillon seulement (SOURCE_UNSUPPORTED en mode http). `null` si la source ROME est indisponible.
    async fn domaines_professionnels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Lettre du grand domaine (ex. M).")] code_grand_domaine: Option<String>,
    ) -> async_graphql::Result<Option<Vec<DomaineProfessionnel>>> {
        let n = sources(ctx)
            .rome
            .nomenclatures()
            .map_err(|e| source_error(&e))?;
        let wanted = code_grand_domaine.map(|g| g.trim().to_ascii_uppercase());
        Ok(Some(DomaineProfessionnel::all(
            &n,
            wanted.as_deref(),
            &rome_provenance(ctx),
        )))
    }

    /// Une fiche métier ONISEP par son identifiant ; `null` si elle n'existe pas.
    async fn fiche_onisep(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Identifiant ONISEP (ex. MET.84).")] id: IdOnisep,
    ) -> async_graphql::Result<Option<FicheOnisep>> {
        Ok(loaders(ctx)
            .fiches_onisep
            .load_one(id.0)
            .await
            .map_err(|e| source_error(&e))?
            .map(FicheOnisep))
    }

    /// Les fiches métier ONISEP : pour une `recherche`, les meilleures d'abord ; sinon par libellé. En mode http, l'API ONISEP est interrogée pour la recherche, les codes ROME ou le domaine ; lister toutes les fiches sans critère répond SOURCE_UNSUPPORTED. `null` si la source ONISEP est indisponible.
    async fn fiches_onisep(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Ce que la personne cherche, dans le libellé, ses formes masculine et féminine et les synonymes : casse et accents ignorés, chaque mot compte, début de mot accepté, une faute de frappe tolérée (mots de 4 lettres ou plus)."
        )]
        recherche: Option<String>,
        filtre: Option<FiltreFichesOnisep>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<FicheOnisepConnection>> {
        let p = page_request(ctx, first, after)?;
        let recherche = check_recherche(recherche)?;
        let filter = filtre.unwrap_or_default().into_filter(recherche);
        let result = sources(ctx).onisep.search(&filter, p).await;
        page(p, result, FicheOnisep).map(Some)
    }

    /// Une certification par l'un de ses codes — exactement un de `rncp`, `certifInfo` ou `cfd` ; `null` si elle n'existe pas. Un CFD qui désigne plusieurs certifications (mentions, options) est refusé en nommant leur nombre : `certifications(filtre: { cfd })` les liste.
    async fn certification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Numéro de fiche RNCP (RNCP36721 ou 36721).")] rncp: Option<CodeRncp>,
        #[graphql(desc = "Numéro Certif Info (ex. 82581).")] certif_info: Option<CodeCertifInfo>,
        #[graphql(desc = "Code formation diplôme de l'Éducation nationale (ex. 46X25201).")]
        cfd: Option<CodeCfd>,
    ) -> async_graphql::Result<Option<Certification>> {
        use passerelle_rncp::CleCertification;
        match (rncp, certif_info, cfd) {
            (Some(r), None, None) => load_certification(ctx, CleCertification::Rncp(r.0)).await,
            (None, Some(c), None) => {
                load_certification(ctx, CleCertification::CertifInfo(c.0)).await
            }
            (None, None, Some(cfd)) => {
                let filter = passerelle_rncp::RncpFilter {
                    cfd: Some(cfd.0.clone()),
                    ..Default::default()
                };
                let found = sources(ctx)
                    .rncp
                    .search(&filter, PageRequest::ALL)
                    .await
                    .map_err(|e| source_error(&e))?;
                match found.hits.len() {
                    0 | 1 => Ok(found
                        .hits
                        .into_iter()
                        .next()
                        .map(|h| Certification(h.record))),
                    n => Err(bad_input(
                        "cfd",
                        format!(
                            "le CFD {} désigne {n} certifications (mentions ou options) : \
                             utilisez certifications(filtre: {{ cfd: \"{}\" }}) pour les lister",
                            cfd.0, cfd.0
                        ),
                    )),
                }
            }
            _ => Err(bad_input(
                "rncp",
                "certification : donnez exactement un code parmi rncp, certifInfo et cfd",
            )),
        }
    }

    /// Les certifications (fiches RNCP et entrées Certif Info sans fiche RNCP) : pour une `recherche`, les meilleures d'abord ; sinon par numéro RNCP. `null` si la source des certifications est indisponible.
    async fn certifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Mots de l'intitulé (RNCP ou Certif Info) : casse et accents ignorés, chaque mot compte, début de mot accepté, une faute de frappe tolérée."
        )]
        recherche: Option<String>,
        filtre: Option<FiltreCertifications>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<CertificationConnection>> {
        let p = page_request(ctx, first, after)?;
        let recherche = check_recherche(recherche)?;
        let filter = filtre.unwrap_or_default().into_filter(recherche)?;
        let result = sources(ctx).rncp.search(&filter, p).await;
        page(p, result, Certification).map(Some)
    }

    /// Une formation par son numéro, avec ses actions ; `null` si elle n'existe pas. Modes snapshot et échantillon (SOURCE_UNSUPPORTED en mode http : le service web Intercarif répond par action).
    async fn formation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Numéro de la formation chez le Carif-Oref (ex. 07_10).")] numero: String,
    ) -> async_graphql::Result<Option<Formation>> {
        let found = sources(ctx)
            .offre_info
            .formation(numero.trim())
            .map_err(|e| source_error(&e))?;
        Ok(found.map(|(f, _)| Formation(f)))
    }

    /// Une action de formation par son numéro ; `null` si elle n'existe pas.
    async fn action_formation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Numéro de l'action chez le Carif-Oref.")] numero: String,
    ) -> async_graphql::Result<Option<ActionFormation>> {
        Ok(loaders(ctx)
            .actions
            .load_one(numero)
            .await
            .map_err(|e| source_error(&e))?
            .map(ActionFormation))
    }

    /// Les actions de formation, filtrées ; autour d'un lieu, les plus proches d'abord. `null` si la source Offre Info est indisponible.
    async fn actions_formation(
        &self,
        ctx: &Context<'_>,
        filtre: Option<FiltreActionsFormation>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<ActionFormationConnection>> {
        let p = page_request(ctx, first, after)?;
        filtre
            .unwrap_or_default()
            .page(ctx, None, p)
            .await
            .map(Some)
    }

    /// Une ressource de découverte par son identifiant ; `null` si elle n'existe pas ou n'est pas publiée.
    async fn ressource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Identifiant (ex. RM-000101).")] id: ID,
    ) -> async_graphql::Result<Option<crate::graphql::ressource::Ressource>> {
        Ok(loaders(ctx)
            .ressources
            .load_one(id.0)
            .await
            .map_err(|e| source_error(&e))?
            .map(Ressource))
    }

    /// Les ressources de découverte publiées, filtrées. `null` si la source Repère Métiers est indisponible.
    async fn ressources(
        &self,
        ctx: &Context<'_>,
        filtre: Option<FiltreRessources>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<RessourceConnection>> {
        let p = page_request(ctx, first, after)?;
        filtre
            .unwrap_or_default()
            .page(ctx, None, p)
            .await
            .map(Some)
    }

    /// Une commune par son code INSEE ; `null` si elle n'existe pas.
    async fn commune(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Code INSEE (ex. 69123).")] code_insee: CodeInsee,
    ) -> async_graphql::Result<Option<Commune>> {
        Ok(loaders(ctx)
            .communes
            .load_one(code_insee.0)
            .await
            .map_err(|e| source_error(&e))?
            .map(Commune))
    }

    /// Les communes, filtrées, par code INSEE. `null` si le référentiel des communes est indisponible.
    async fn communes(
        &self,
        ctx: &Context<'_>,
        filtre: Option<FiltreCommunes>,
        #[graphql(desc = "Nombre d'arêtes (20 par défaut, 100 au plus).")] first: Option<i32>,
        #[graphql(desc = "Curseur de l'arête après laquelle commencer.")] after: Option<String>,
    ) -> async_graphql::Result<Option<CommuneConnection>> {
        let p = page_request(ctx, first, after)?;
        let result = sources(ctx)
            .geo
            .search(&filtre.unwrap_or_default().into(), p)
            .await;
        page(p, result, Commune).map(Some)
    }

    /// La cartographie dynamique : autour d'un métier et d'un lieu, combien d'actions de formation, de sessions, d'organismes, de certifications et de ressources de découverte, pour chaque rayon et à chaque élargissement de la cible métier (chaque niveau réunit le précédent et son élargissement), avec ce que chaque élargissement ajoute. Les comptes sont ceux des listes `actionsFormation` et `ressources` filtrées sur les mêmes codes ROME et le même rayon. `null` si le métier n'existe pas.
    async fn explorer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Le métier de départ (code ROME).")] code_rome: CodeRome,
        #[graphql(desc = "Le lieu : une commune (son centre) ou des coordonnées.")]
        lieu: crate::graphql::explorer::LieuExplorer,
        #[graphql(desc = "Les rayons en kilomètres (200 au plus chacun, 6 rayons au plus).")]
        rayons_km: Vec<f64>,
        #[graphql(
            desc = "Les élargissements de la cible, appliqués dans l'ordre.",
            default
        )]
        elargissements: Vec<crate::graphql::explorer::Elargissement>,
        #[graphql(
            desc = "Fenêtre des sessions comptées, en mois à partir d'aujourd'hui (1 à 36).",
            default = 6
        )]
        mois_sessions: i32,
    ) -> async_graphql::Result<Option<crate::graphql::explorer::Exploration>> {
        crate::graphql::explorer::explorer(
            ctx,
            code_rome,
            lieu,
            rayons_km,
            elargissements,
            mois_sessions,
        )
        .await
    }

    /// Des comptes pour l'analyse : actions de formation, sessions ou ressources, regroupées par une ou deux dimensions, sous les mêmes filtres que les listes. Un enregistrement à plusieurs valeurs dans une dimension compte dans chacun de leurs groupes : chaque groupe vaut le `totalCount` de la liste filtrée sur ses codes.
    async fn statistiques(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Ce que l'on compte.")]
        objet: crate::graphql::statistiques::ObjetStatistique,
        #[graphql(desc = "Une ou deux dimensions de regroupement.")] par: Vec<
            crate::graphql::statistiques::Dimension,
        >,
        #[graphql(desc = "Le filtre des actions (objets ACTIONS_FORMATION et SESSIONS).")]
        filtre_actions: Option<FiltreActionsFormation>,
        #[graphql(desc = "Le filtre des ressources (objet RESSOURCES).")] filtre_ressources: Option<
            FiltreRessources,
        >,
    ) -> async_graphql::Result<Option<crate::graphql::statistiques::Statistiques>> {
        crate::graphql::statistiques::statistiques(
            ctx,
            objet,
            par,
            filtre_actions,
            filtre_ressources,
        )
        .await
    }

    /// L'annuaire des sources : producteur, licence, mode, état, nombre d'enregistrements et fraîcheur.
    async fn sources(&self, ctx: &Context<'_>) -> Vec<Source> {
        sources(ctx).directory().into_iter().map(Source).collect()
    }

    // Apollo Federation v2 entities: a supergraph router resolves `_entities` through the same lookups
    // (and so the same per-request batch loaders) as the root fields. Each key is the argument's name;
    // it is read as it comes and parsed by `entities::resolve`, so that a bad key or a failed source
    // nulls its own entity only.

    #[graphql(entity)]
    async fn entite_metier(
        &self,
        ctx: &Context<'_>,
        code_rome: Any,
    ) -> async_graphql::Result<Option<Metier>> {
        entities::resolve(ctx, "Metier", "codeRome", code_rome, |code| {
            self.metier(ctx, code)
        })
        .await
    }

    #[graphql(entity)]
    async fn entite_fiche_onisep(
        &self,
        ctx: &Context<'_>,
        id: Any,
    ) -> async_graphql::Result<Option<FicheOnisep>> {
        entities::resolve(ctx, "FicheOnisep", "id", id, |id| {
            self.fiche_onisep(ctx, id)
        })
        .await
    }

    #[graphql(entity)]
    async fn entite_formation(
        &self,
        ctx: &Context<'_>,
        numero: Any,
    ) -> async_graphql::Result<Option<Formation>> {
        entities::resolve(ctx, "Formation", "numero", numero, |numero| {
            self.formation(ctx, numero)
        })
        .await
    }

    #[graphql(entity)]
    async fn entite_action_formation(
        &self,
        ctx: &Context<'_>,
        numero: Any,
    ) -> async_graphql::Result<Option<ActionFormation>> {
        entities::resolve(ctx, "ActionFormation", "numero", numero, |numero| {
            self.action_formation(ctx, numero)
        })
        .await
    }

    #[graphql(entity)]
    async fn entite_ressource(
        &self,
        ctx: &Context<'_>,
        id: Any,
    ) -> async_graphql::Result<Option<Ressource>> {
        entities::resolve(ctx, "Ressource", "id", id, |id| self.ressource(ctx, id)).await
    }

    #[graphql(entity)]
    async fn entite_commune(
        &self,
        ctx: &Context<'_>,
        code_insee: Any,
    ) -> async_graphql::Result<Option<Commune>> {
        entities::resolve(ctx, "Commune", "codeInsee", code_insee, |code| {
            self.commune(ctx, code)
        })
        .await
    }

    #[graphql(entity)]
    async fn entite_certification(
        &self,
        ctx: &Context<'_>,
        rncp: Any,
    ) -> async_graphql::Result<Option<Certification>> {
        entities::resolve(ctx, "Certification", "rncp", rncp, |rncp: CodeRncp| {
            load_certification(ctx, passerelle_rncp::CleCertification::Rncp(rncp.0))
        })
        .await
    }
}

/// The provenance of the ROME 4.0 référentiel loaded (for its nomenclatures).
fn rome_provenance(ctx: &Context<'_>) -> passerelle_core::Provenance {
    let rome = &sources(ctx).rome;
    let health = rome.health();
    passerelle_core::Provenance::new(
        rome.descriptor(),
        health.version,
        health.loaded_at.unwrap_or_else(|| sources(ctx).clock.now()),
    )
}
