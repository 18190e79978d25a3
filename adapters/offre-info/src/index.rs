//! The offers held in memory and their indexes: by code (ROME, Formacode, RNCP, Certif Info,
//! département), a spatial R*-tree of the places, and a word index of the titles and objectives.
//!
//! A search takes its candidates from the indexes of the criteria given (a union within a criterion,
//! an intersection across criteria), from the R*-tree for `autour` (points on the unit sphere, so that
//! the straight-line distance is monotonic with the great-circle distance and a radius is one ball
//! query), and from the word index for `recherche`; the criteria without an index (session dates, CPF,
//! levels, teaching mode, recruitment) are checked on the candidates. Order: nearest first around a
//! place, else best title match for a `recherche`, else by action number.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use passerelle_core::adapter::{Hit, PageRequest, SearchPage};
use passerelle_core::model::{ActionFormation, Formation, GeoPoint};
use passerelle_core::search::{Entry, SearchIndex};
use passerelle_core::{CodeCertifInfo, CodeRncp, CodeRome, Formacode};
use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::{FormationActions, OffreFilter};

type Point = GeomWithData<[f64; 3], u32>;

/// Below this many candidates from the code indexes, a search around a place checks their distances
/// one by one instead of walking the R*-tree.
const SCAN_BELOW: usize = 4096;

/// A point on the sphere of radius [`GeoPoint::EARTH_RADIUS_KM`].
fn cartesian(p: &GeoPoint) -> [f64; 3] {
    let (lat, lon) = (p.latitude.to_radians(), p.longitude.to_radians());
    let r = GeoPoint::EARTH_RADIUS_KM;
    [
        r * lat.cos() * lon.cos(),
        r * lat.cos() * lon.sin(),
        r * lat.sin(),
    ]
}

/// The straight-line distance between two points of the sphere `km` apart along it.
fn chord(km: f64) -> f64 {
    let r = GeoPoint::EARTH_RADIUS_KM;
    2.0 * r * (km.min(std::f64::consts::PI * r) / (2.0 * r)).sin()
}

/// The actions, their formations and indexes.
#[derive(Debug, Default)]
pub(crate) struct OffreIndex {
    /// By action number.
    pub actions: Vec<Arc<ActionFormation>>,
    by_numero: HashMap<String, u32>,
    formations: HashMap<String, (Arc<Formation>, Vec<u32>)>,
    by_rome: HashMap<CodeRome, Vec<u32>>,
    by_formacode: HashMap<Formacode, Vec<u32>>,
    by_rncp: HashMap<CodeRncp, Vec<u32>>,
    by_certif_info: HashMap<CodeCertifInfo, Vec<u32>>,
    by_departement: HashMap<String, Vec<u32>>,
    tree: RTree<Point>,
    /// For each ROME code with more than [`SCAN_BELOW`] actions, an R*-tree of those actions alone:
    /// a métier around a place is one ball query among its own actions, not among all actions.
    rome_trees: HashMap<CodeRome, RTree<Point>>,
    /// Titles (primary) and objectives (secondary); `labels[i]` is the formation of entry `i`.
    words: SearchIndex,
    labels: Vec<String>,
}

fn push<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Vec<u32>>, key: K, id: u32) {
    let ids = map.entry(key).or_default();
    if ids.last() != Some(&id) {
        ids.push(id);
    }
}

/// A sorted set of ids, the union of several sorted lists.
fn union<'a>(lists: impl Iterator<Item = &'a Vec<u32>>) -> Vec<u32> {
    let lists: Vec<&Vec<u32>> = lists.collect();
    // Each list is sorted without duplicates (ids are pushed in increasing order, once).
    if let [only] = lists.as_slice() {
        return only.to_vec();
    }
    let mut all = Vec::with_capacity(lists.iter().map(|l| l.len()).sum());
    for list in lists {
        all.extend_from_slice(list);
    }
    all.sort_unstable();
    all.dedup();
    all
}

fn intersect(a: Vec<u32>, b: &[u32]) -> Vec<u32> {
    a.into_iter()
        .filter(|x| b.binary_search(x).is_ok())
        .collect()
}

impl OffreIndex {
    /// Indexes `actions` (keyed by number; the last of duplicates was kept by the caller).
    pub fn new(actions: BTreeMap<String, Arc<ActionFormation>>) -> Self {
        let mut ix = Self::default();
        let mut points = Vec::new();
        for (i, (numero, a)) in actions.into_iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            ix.by_numero.insert(numero, id);
            let f = &a.formation;
            ix.formations
                .entry(f.numero.clone())
                .or_insert_with(|| (Arc::clone(f), Vec::new()))
                .1
                .push(id);
            for c in &f.codes_rome {
                push(&mut ix.by_rome, c.clone(), id);
            }
            for c in &f.formacodes {
                push(&mut ix.by_formacode, c.code.clone(), id);
            }
            for c in &f.certifications {
                if let Some(r) = &c.rncp {
                    push(&mut ix.by_rncp, r.clone(), id);
                }
                if let Some(ci) = &c.certif_info {
                    push(&mut ix.by_certif_info, ci.clone(), id);
                }
            }
            if let Some(d) = a.departement() {
                push(&mut ix.by_departement, d.to_owned(), id);
            }
            if let Some(p) = a.position() {
                points.push(Point::new(cartesian(&p), id));
            }
            ix.actions.push(a);
        }
        ix.tree = RTree::bulk_load(points);
        for (code, ids) in &ix.by_rome {
            if ids.len() > SCAN_BELOW {
                let points = ids
                    .iter()
                    .filter_map(|&id| {
                        let p = ix.actions[id as usize].position()?;
                        Some(Point::new(cartesian(&p), id))
                    })
                    .collect();
                ix.rome_trees.insert(code.clone(), RTree::bulk_load(points));
            }
        }
        let mut entries = Vec::new();
        let mut numbers: Vec<&String> = ix.formations.keys().collect();
        numbers.sort();
        for numero in numbers {
            let f = &ix.formations[numero].0;
            entries.push(Entry::new(&f.intitule, true, false));
            ix.labels.push(numero.clone());
            if let Some(o) = &f.objectif {
                entries.push(Entry::new(o, false, false));
                ix.labels.push(numero.clone());
            }
        }
        ix.words = SearchIndex::new(entries);
        ix
    }

    /// The action numbered `numero`.
    pub fn action(&self, numero: &str) -> Option<Arc<ActionFormation>> {
        self.by_numero
            .get(numero)
            .map(|&i| Arc::clone(&self.actions[i as usize]))
    }

    /// The formation numbered `numero`, with its actions by number.
    pub fn formation(&self, numero: &str) -> Option<FormationActions> {
        self.formations.get(numero).map(|(f, ids)| {
            (
                Arc::clone(f),
                ids.iter()
                    .map(|&i| Arc::clone(&self.actions[i as usize]))
                    .collect(),
            )
        })
    }

    /// The RNCP numbers the actions prepare, each with its number of actions.
    pub fn cited_rncp(&self) -> Vec<(CodeRncp, usize)> {
        self.by_rncp
            .iter()
            .map(|(c, ids)| (c.clone(), ids.len()))
            .collect()
    }

    /// Number of formations.
    pub fn formation_count(&self) -> usize {
        self.formations.len()
    }

    /// The candidates of the indexed code criteria, sorted; `None` when no such criterion is given.
    fn candidates(&self, f: &OffreFilter) -> Option<Vec<u32>> {
        let mut sets: Vec<Vec<u32>> = Vec::new();
        if let Some(codes) = &f.codes_rome {
            sets.push(union(codes.iter().filter_map(|c| self.by_rome.get(c))));
        }
        if let Some(codes) = &f.formacodes {
            sets.push(union(codes.iter().filter_map(|c| self.by_formacode.get(c))));
        }
        if let Some(codes) = &f.rncp {
            sets.push(union(codes.iter().filter_map(|c| self.by_rncp.get(c))));
        }
        if let Some(codes) = &f.certif_info {
            sets.push(union(
                codes.iter().filter_map(|c| self.by_certif_info.get(c)),
            ));
        }
        if let Some(any) = &f.any_of {
            sets.push(union(
                any.codes_rome
                    .iter()
                    .filter_map(|c| self.by_rome.get(c))
                    .chain(
                        any.formacodes
                            .iter()
                            .filter_map(|c| self.by_formacode.get(c)),
                    )
                    .chain(any.rncp.iter().filter_map(|c| self.by_rncp.get(c)))
                    .chain(
                        any.certif_info
                            .iter()
                            .filter_map(|c| self.by_certif_info.get(c)),
                    ),
            ));
        }
        for prefixes in [&f.grands_domaines, &f.domaines_professionnels]
            .into_iter()
            .flatten()
        {
            sets.push(union(
                self.by_rome
                    .iter()
                    .filter(|(code, _)| {
                        prefixes
                            .iter()
                            .any(|p| code.as_str().starts_with(p.as_str()))
                    })
                    .map(|(_, ids)| ids),
            ));
        }
        if let Some(codes) = &f.departements {
            sets.push(union(
                codes
                    .iter()
                    .filter_map(|c| self.by_departement.get(c.as_str())),
            ));
        }
        sets.sort_by_key(Vec::len);
        let mut sets = sets.into_iter();
        let first = sets.next()?;
        Some(sets.fold(first, |acc, s| intersect(acc, &s)))
    }

    /// The criteria without an index.
    fn accepts(&self, a: &ActionFormation, f: &OffreFilter) -> bool {
        let starts = |d: Option<NaiveDate>| {
            d.is_some_and(|d| {
                f.sessions_debut.is_none_or(|(du, au)| {
                    du.is_none_or(|du| d >= du) && au.is_none_or(|au| d <= au)
                })
            })
        };
        (f.sessions_debut.is_none() || a.sessions.iter().any(|s| starts(s.debut)))
            && f.eligible_cpf.is_none_or(|cpf| a.eligible_cpf == cpf)
            && f.niveaux_sortie.as_ref().is_none_or(|n| {
                a.formation
                    .niveau_sortie
                    .as_ref()
                    .is_some_and(|s| n.contains(&s.code))
            })
            && f.modalites_enseignement.as_ref().is_none_or(|m| {
                a.modalites_enseignement
                    .as_ref()
                    .is_some_and(|x| m.contains(&x.code))
            })
            && f.recrutement_ouvert.is_none_or(|open| {
                a.sessions
                    .iter()
                    .any(|s| s.etat_recrutement.as_ref().is_some_and(|e| e.code == "1"))
                    == open
            })
    }

    /// Whether the actions of `code` have an R*-tree of their own.
    #[cfg(test)]
    pub fn has_rome_tree(&self, code: &CodeRome) -> bool {
        self.rome_trees.contains_key(code)
    }

    /// How many actions a search by these ROME codes checks one by one (the codes without a tree
    /// of their own).
    fn rome_scan(&self, codes: &[CodeRome]) -> usize {
        codes
            .iter()
            .filter(|c| !self.rome_trees.contains_key(*c))
            .filter_map(|c| self.by_rome.get(c))
            .map(Vec::len)
            .sum()
    }

    /// The actions matching `filter`, in the documented order, paged.
    pub fn search(
        &self,
        filter: &OffreFilter,
        page: PageRequest,
    ) -> SearchPage<Arc<ActionFormation>> {
        let candidates = self.candidates(filter);
        let allowed = |id: u32| {
            candidates
                .as_ref()
                .is_none_or(|c| c.binary_search(&id).is_ok())
                && self.accepts(&self.actions[id as usize], filter)
        };
        // Relevance of each action for a `recherche`: the rank of its formation's best label.
        let ranked: Option<HashMap<u32, usize>> = filter
            .recherche
            .as_deref()
            .filter(|q| !q.trim().is_empty())
            .map(|q| {
                let mut rank = HashMap::new();
                for (r, found) in self.words.search(q).into_iter().enumerate() {
                    if let Some((_, ids)) = self.formations.get(&self.labels[found.entry]) {
                        for &id in ids {
                            rank.entry(id).or_insert(r);
                        }
                    }
                }
                rank
            });
        let matches = |id: u32| ranked.as_ref().is_none_or(|r| r.contains_key(&id)) && allowed(id);
        let hits: Vec<Hit<Arc<ActionFormation>>> = match &filter.autour {
            Some(autour) => {
                let within = |id: u32| {
                    let d = self.actions[id as usize]
                        .position()?
                        .distance_km(&autour.centre);
                    (d <= autour.rayon_km).then_some((d, id))
                };
                let reach = chord(autour.rayon_km);
                let ball = |tree: &RTree<Point>| {
                    tree.locate_within_distance(cartesian(&autour.centre), reach * reach)
                        .map(|p| p.data)
                        .collect::<Vec<u32>>()
                };
                // A selective code criterion is cheaper to scan than the tree's ball; métiers
                // with many actions have a ball of their own.
                let ids: Vec<u32> = match (&candidates, &filter.codes_rome) {
                    (Some(c), _) if c.len() <= SCAN_BELOW => c.clone(),
                    (_, Some(codes)) if self.rome_scan(codes) <= SCAN_BELOW => {
                        let mut ids = Vec::new();
                        for code in codes {
                            match self.rome_trees.get(code) {
                                Some(tree) => ids.extend(ball(tree)),
                                None => ids.extend(self.by_rome.get(code).into_iter().flatten()),
                            }
                        }
                        ids.sort_unstable();
                        ids.dedup();
                        ids
                    }
                    _ => ball(&self.tree),
                };
                let mut near: Vec<(f64, u32)> = ids
                    .into_iter()
                    .filter(|&id| matches(id))
                    .filter_map(within)
                    .collect();
                // Only the requested page needs ordering: the rest only counts.
                let total = near.len();
                let order =
                    |a: &(f64, u32), b: &(f64, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
                let end = page.offset.saturating_add(page.limit).min(total);
                if end < total {
                    near.select_nth_unstable_by(end, order);
                    near.truncate(end);
                }
                near.sort_unstable_by(order);
                let hits = near
                    .into_iter()
                    .skip(page.offset)
                    .map(|(d, id)| Hit {
                        record: Arc::clone(&self.actions[id as usize]),
                        distance_km: Some(d),
                    })
                    .collect();
                return SearchPage { total, hits };
            }
            None => {
                let mut ids: Vec<u32> = match (&ranked, &candidates) {
                    (Some(r), _) => r.keys().copied().filter(|&id| allowed(id)).collect(),
                    (None, Some(c)) => c.iter().copied().filter(|&id| allowed(id)).collect(),
                    (None, None) => (0..self.actions.len())
                        .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
                        .filter(|&id| allowed(id))
                        .collect(),
                };
                match &ranked {
                    Some(r) => ids.sort_by_key(|id| (r[id], *id)),
                    None => ids.sort_unstable(),
                }
                ids.into_iter()
                    .map(|id| Hit::new(Arc::clone(&self.actions[id as usize])))
                    .collect()
            }
        };
        page.slice(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chords_are_monotonic_with_distances() {
        let lyon = GeoPoint::new(45.7578, 4.8320).unwrap();
        let grenoble = GeoPoint::new(45.1885, 5.7245).unwrap();
        let d = lyon.distance_km(&grenoble);
        let [x1, y1, z1] = cartesian(&lyon);
        let [x2, y2, z2] = cartesian(&grenoble);
        let straight = ((x1 - x2).powi(2) + (y1 - y2).powi(2) + (z1 - z2).powi(2)).sqrt();
        assert!(
            (straight - chord(d)).abs() < 1e-6,
            "{straight} {}",
            chord(d)
        );
        assert!(chord(d - 1.0) < straight && straight < chord(d + 1.0));
    }
}
