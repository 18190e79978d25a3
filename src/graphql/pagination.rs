//! Relay connections over adapter search pages: `first`/`after`, `totalCount`, and what depends on the
//! search (the distance to the searched place) on the edge.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{OutputType, SimpleObject};
use passerelle_core::{AdapterError, PageRequest, SearchPage};

use crate::graphql::errors::{bad_input, limit_exceeded, source_error};

/// Page size when `first` is not given.
pub const DEFAULT_FIRST: i32 = 20;
/// Largest page a client may ask for.
pub const MAX_FIRST: i32 = 100;

/// Fields of every connection.
#[derive(Debug, SimpleObject)]
pub struct Total {
    /// Nombre total de résultats, toutes pages confondues.
    pub total_count: usize,
}

/// Fields of the edges of searches that may be made around a place.
#[derive(Debug, SimpleObject)]
pub struct Distance {
    /// Distance en kilomètres depuis le lieu de la recherche (`autour`), arrondie au mètre ; `null` sans recherche par lieu.
    pub distance_km: Option<f64>,
}

/// A connection with a total count and plain edges.
pub type Page<T> = Connection<String, T, Total>;
/// A connection whose edges carry a distance.
pub type PageAutour<T> = Connection<String, T, Total, Distance>;

/// Reads `first` and `after` into a page request, or says which rule they break.
pub fn page_request(first: Option<i32>, after: Option<String>) -> async_graphql::Result<PageRequest> {
    let first = first.unwrap_or(DEFAULT_FIRST);
    if first < 0 {
        return Err(bad_input("first", format!("first = {first} : un nombre positif ou nul est attendu")));
    }
    if first > MAX_FIRST {
        return Err(limit_exceeded("first", format!("first = {first} dépasse la limite de {MAX_FIRST} résultats par page")));
    }
    let offset = match after {
        None => 0,
        Some(cursor) => cursor
            .parse::<usize>()
            .map(|n| n + 1)
            .map_err(|_| bad_input("after", format!("curseur « {cursor} » invalide : utilisez la valeur `cursor` d'une arête reçue")))?,
    };
    Ok(PageRequest { offset, limit: first as usize })
}

fn connection<R, T, E>(
    page: PageRequest,
    result: Result<SearchPage<R>, AdapterError>,
    node: impl Fn(R) -> T,
    edge: impl Fn(Option<f64>) -> E,
) -> async_graphql::Result<Connection<String, T, Total, E>>
where
    T: OutputType,
    E: async_graphql::ObjectType,
{
    let found = result.map_err(|e| source_error(&e))?;
    let has_next = page.offset + found.hits.len() < found.total;
    let mut c = Connection::with_additional_fields(page.offset > 0, has_next, Total { total_count: found.total });
    c.edges.extend(
        found
            .hits
            .into_iter()
            .enumerate()
            .map(|(i, hit)| Edge::with_additional_fields((page.offset + i).to_string(), node(hit.record), edge(hit.distance_km))),
    );
    Ok(c)
}

/// A connection of plain edges from a search page.
pub fn page<R, T: OutputType>(page: PageRequest, result: Result<SearchPage<R>, AdapterError>, node: impl Fn(R) -> T) -> async_graphql::Result<Page<T>> {
    connection(page, result, node, |_| async_graphql::connection::EmptyFields)
}

/// A connection whose edges carry the distance of each hit.
pub fn page_autour<R, T: OutputType>(
    page: PageRequest,
    result: Result<SearchPage<R>, AdapterError>,
    node: impl Fn(R) -> T,
) -> async_graphql::Result<PageAutour<T>> {
    connection(page, result, node, |d| Distance { distance_km: d.map(|d| (d * 1000.0).round() / 1000.0) })
}
