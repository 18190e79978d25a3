//! The compliance checks every adapter's tests run (in the spirit of Vector's shared source tests).
//!
//! [`check_adapter`] loads the adapter and checks the contract: health once loaded, fetch by keys
//! (known, unknown, duplicated), search paging that adds up, and provenance on every record.

use std::fmt::Debug;

use crate::adapter::{Adapter, PageRequest, SourceStatus};
use crate::provenance::Provenance;

/// What the compliance check needs to know about one adapter.
#[derive(Debug)]
pub struct Expectations<'a, A: Adapter> {
    /// Keys that exist in the adapter's data.
    pub known: Vec<A::Key>,
    /// A well-formed key that does not exist.
    pub unknown: A::Key,
    /// A filter that matches at least three records.
    pub broad_filter: &'a A::Filter,
    /// The record's provenance.
    pub provenance: fn(&A::Record) -> &Provenance,
}

/// Runs the contract checks; panics with a message naming the broken rule.
pub async fn check_adapter<A>(adapter: &A, expect: Expectations<'_, A>)
where
    A: Adapter,
    A::Filter: Debug,
{
    let id = adapter.descriptor().id;
    adapter
        .refresh()
        .await
        .unwrap_or_else(|e| panic!("{id}: refresh failed: {e}"));
    let health = adapter.health();
    assert_eq!(
        health.status,
        SourceStatus::Ready,
        "{id}: ready after a successful refresh"
    );
    assert!(health.records > 0, "{id}: a loaded source has records");
    assert!(
        health.loaded_at.is_some(),
        "{id}: a loaded source says when it loaded"
    );
    let d = adapter.descriptor();
    for (field, value) in [
        ("nom", d.nom),
        ("producteur", d.producteur),
        ("licence", d.licence),
        ("url", d.url),
    ] {
        assert!(!value.is_empty(), "{id}: descriptor.{field} is empty");
    }

    // Fetch: known keys, duplicates once, unknown absent without error.
    let mut keys = expect.known.clone();
    keys.extend(expect.known.iter().cloned());
    keys.push(expect.unknown.clone());
    let found = adapter
        .fetch(&keys)
        .await
        .unwrap_or_else(|e| panic!("{id}: fetch failed: {e}"));
    for key in &expect.known {
        let record = found
            .get(key)
            .unwrap_or_else(|| panic!("{id}: known key {key:?} not found"));
        let p = (expect.provenance)(record);
        assert_eq!(p.source, id, "{id}: provenance names its source");
        assert!(!p.licence.is_empty(), "{id}: provenance has a licence");
    }
    assert!(
        !found.contains_key(&expect.unknown),
        "{id}: unknown key {:?} must be absent",
        expect.unknown
    );
    assert_eq!(
        found.len(),
        expect.known.len(),
        "{id}: one entry per distinct known key"
    );
    let empty = adapter
        .fetch(&[])
        .await
        .unwrap_or_else(|e| panic!("{id}: empty fetch failed: {e}"));
    assert!(empty.is_empty(), "{id}: empty fetch gives nothing");

    // Search: pages add up to the whole.
    let all = adapter
        .search(expect.broad_filter, PageRequest::ALL)
        .await
        .unwrap_or_else(|e| panic!("{id}: search failed: {e}"));
    assert!(
        all.total >= 3,
        "{id}: broad filter {:?} matches at least 3 records, got {}",
        expect.broad_filter,
        all.total
    );
    assert_eq!(
        all.total,
        all.hits.len(),
        "{id}: an unbounded page holds every hit"
    );
    let mut paged = 0;
    let mut offset = 0;
    while offset < all.total {
        let page = adapter
            .search(expect.broad_filter, PageRequest { offset, limit: 2 })
            .await
            .unwrap_or_else(|e| panic!("{id}: paged search failed: {e}"));
        assert_eq!(
            page.total, all.total,
            "{id}: total does not depend on the page"
        );
        assert!(
            page.hits.len() <= 2,
            "{id}: a page holds at most `limit` hits"
        );
        paged += page.hits.len();
        offset += 2;
    }
    assert_eq!(paged, all.total, "{id}: the pages together hold every hit");
    let beyond = adapter
        .search(
            expect.broad_filter,
            PageRequest {
                offset: all.total + 5,
                limit: 10,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{id}: search beyond the end failed: {e}"));
    assert!(
        beyond.hits.is_empty(),
        "{id}: a page beyond the end is empty"
    );
}
