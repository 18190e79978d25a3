//! Relay connections over adapter search pages: `first`/`after`, `totalCount`, and what depends on the
//! search (the distance to the searched place) on the edge. Our own types rather than async-graphql's,
//! so that every type and field of the contract is described in French.

use async_graphql::SimpleObject;
use passerelle_core::{AdapterError, PageRequest, SearchPage};

use crate::graphql::certification::Certification;
use crate::graphql::commune::Commune;
use crate::graphql::errors::{bad_input, limit_exceeded, source_error};
use crate::graphql::formation::ActionFormation;
use crate::graphql::metier::{Appellation, Metier, Rattachement};
use crate::graphql::onisep::FicheOnisep;
use crate::graphql::ressource::Ressource;

/// Page size when `first` is not given.
pub const DEFAULT_FIRST: i32 = 20;
/// Largest page a client may ask for.
pub const MAX_FIRST: i32 = 100;

/// Informations de pagination d'une connexion (Relay).
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct PageInfo {
    /// Il existe des résultats avant cette page.
    pub has_previous_page: bool,
    /// Il existe des résultats après cette page.
    pub has_next_page: bool,
    /// Curseur de la première arête de la page.
    pub start_cursor: Option<String>,
    /// Curseur de la dernière arête de la page : à passer dans `after` pour la page suivante.
    pub end_cursor: Option<String>,
}

/// The hits of one page with their cursor, distance and attachment, ready to become a connection.
pub struct Parts<T> {
    page_info: PageInfo,
    total_count: usize,
    hits: Vec<(String, T, Option<f64>, Option<Rattachement>)>,
}

/// Declares a connection type and its edge type for one node type. With `autour`, edges carry the
/// distance to the searched place.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty) => {
        #[doc = "Une arête : un résultat et son curseur."]
        #[derive(Debug, SimpleObject)]
        #[graphql(crate = "crate::graphql::fast")]
        pub struct $edge {
            /// Curseur de cette arête.
            pub cursor: String,
            /// Le résultat.
            pub node: $node,
        }

        #[doc = "Une page de résultats (connexion Relay) avec le nombre total de résultats."]
        #[derive(Debug, SimpleObject)]
        #[graphql(crate = "crate::graphql::fast")]
        pub struct $conn {
            /// Informations de pagination.
            pub page_info: PageInfo,
            /// Les arêtes de la page.
            pub edges: Vec<$edge>,
            /// Les résultats de la page, sans curseur.
            pub nodes: Vec<$node>,
            /// Nombre total de résultats, toutes pages confondues.
            pub total_count: usize,
        }

        impl From<Parts<$node>> for $conn {
            fn from(p: Parts<$node>) -> Self {
                let edges: Vec<$edge> = p.hits.into_iter().map(|(cursor, node, _, _)| $edge { cursor, node }).collect();
                let nodes = edges.iter().map(|e| e.node.clone()).collect();
                Self { page_info: p.page_info, edges, nodes, total_count: p.total_count }
            }
        }
    };
    ($conn:ident, $edge:ident, $node:ty, autour) => {
        #[doc = "Une arête d'une recherche qui peut se faire autour d'un lieu : un résultat, son curseur et sa distance."]
        #[derive(Debug, SimpleObject)]
        #[graphql(crate = "crate::graphql::fast")]
        pub struct $edge {
            /// Curseur de cette arête.
            pub cursor: String,
            /// Le résultat.
            pub node: $node,
            /// Distance en kilomètres depuis le lieu de la recherche (`autour`), arrondie au mètre ; `null` sans recherche par lieu, ou pour une ressource mobilisable en région.
            pub distance_km: Option<f64>,
            /// Avec un filtre `codesRome` (ou sous un `Metier`) : DIRECT si le résultat est indexé sur l'un des codes demandés, VIA_FICHE_PARENTE s'il ne l'est que sur la fiche V3 qu'un code demandé détaille ; `null` sans critère de code ROME.
            pub rattachement: Option<Rattachement>,
        }

        #[doc = "Une page de résultats (connexion Relay) d'une recherche qui peut se faire autour d'un lieu, avec le nombre total de résultats."]
        #[derive(Debug, SimpleObject)]
        #[graphql(crate = "crate::graphql::fast")]
        pub struct $conn {
            /// Informations de pagination.
            pub page_info: PageInfo,
            /// Les arêtes de la page, avec leur distance.
            pub edges: Vec<$edge>,
            /// Les résultats de la page, sans curseur ni distance.
            pub nodes: Vec<$node>,
            /// Nombre total de résultats, toutes pages confondues.
            pub total_count: usize,
        }

        impl From<Parts<$node>> for $conn {
            fn from(p: Parts<$node>) -> Self {
                let edges: Vec<$edge> = p
                    .hits
                    .into_iter()
                    .map(|(cursor, node, d, rattachement)| $edge { cursor, node, distance_km: d.map(|d| (d * 1000.0).round() / 1000.0), rattachement })
                    .collect();
                let nodes = edges.iter().map(|e| e.node.clone()).collect();
                Self { page_info: p.page_info, edges, nodes, total_count: p.total_count }
            }
        }
    };
}

connection!(MetierConnection, MetierEdge, Metier);
connection!(AppellationConnection, AppellationEdge, Appellation);
connection!(FicheOnisepConnection, FicheOnisepEdge, FicheOnisep);
connection!(CertificationConnection, CertificationEdge, Certification);
connection!(CommuneConnection, CommuneEdge, Commune);
connection!(
    ActionFormationConnection,
    ActionFormationEdge,
    ActionFormation,
    autour
);
connection!(RessourceConnection, RessourceEdge, Ressource, autour);

/// The page an export asks of the root list field it walks (request data): that field answers this page
/// whatever its `first` and `after`, so that the export is not limited to a client's page size.
#[derive(Debug, Clone)]
pub struct ExportPage {
    /// Response key (alias or name) of the root field walked.
    pub key: String,
    /// The page.
    pub page: PageRequest,
}

/// Reads `first` and `after` into a page request, or says which rule they break. Under an export, the
/// root field it walks answers the export's page instead.
pub fn page_request(
    ctx: &async_graphql::Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<PageRequest> {
    if let Some(export) = ctx.data_opt::<ExportPage>()
        && ctx.path_node.as_ref().is_some_and(|n| n.parent.is_none())
        && ctx.item.node.response_key().node.as_str() == export.key
    {
        return Ok(export.page);
    }
    let first = first.unwrap_or(DEFAULT_FIRST);
    if first < 0 {
        return Err(bad_input(
            "first",
            format!("first = {first} : un nombre positif ou nul est attendu"),
        ));
    }
    if first > MAX_FIRST {
        return Err(limit_exceeded(
            "first",
            "résultats par page",
            first,
            MAX_FIRST,
            format!("first = {first} dépasse la limite de {MAX_FIRST} résultats par page"),
        ));
    }
    let offset = match after {
        None => 0,
        Some(cursor) => cursor.parse::<usize>().map(|n| n + 1).map_err(|_| {
            bad_input(
                "after",
                format!(
                    "curseur « {cursor} » invalide : utilisez la valeur `cursor` d'une arête reçue"
                ),
            )
        })?,
    };
    Ok(PageRequest {
        offset,
        limit: usize::try_from(first).unwrap_or(0),
    })
}

/// Turns a search page into a connection `C` of nodes made by `node`.
pub fn page<R, T, C: From<Parts<T>>>(
    request: PageRequest,
    result: Result<SearchPage<R>, AdapterError>,
    node: impl Fn(R) -> T,
) -> async_graphql::Result<C> {
    page_rattache(request, result, node, |_| None)
}

/// [`page`], each edge saying how its record is attached (see [`Rattachement`]).
pub fn page_rattache<R, T, C: From<Parts<T>>>(
    request: PageRequest,
    result: Result<SearchPage<R>, AdapterError>,
    node: impl Fn(R) -> T,
    rattachement: impl Fn(&R) -> Option<Rattachement>,
) -> async_graphql::Result<C> {
    let found = result.map_err(|e| source_error(&e))?;
    let has_next_page = request.offset + found.hits.len() < found.total;
    let hits: Vec<(String, T, Option<f64>, Option<Rattachement>)> = found
        .hits
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            let r = rattachement(&h.record);
            (
                (request.offset + i).to_string(),
                node(h.record),
                h.distance_km,
                r,
            )
        })
        .collect();
    let page_info = PageInfo {
        has_previous_page: request.offset > 0,
        has_next_page,
        start_cursor: hits.first().map(|h| h.0.clone()),
        end_cursor: hits.last().map(|h| h.0.clone()),
    };
    Ok(Parts {
        page_info,
        total_count: found.total,
        hits,
    }
    .into())
}
