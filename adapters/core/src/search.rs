//! Search over short labels (ROME appellations, ONISEP métier names and synonyms, certification titles),
//! as a person types what they are looking for.
//!
//! A query is folded (case, accents, ligatures and punctuation ignored) and split into words; **every**
//! word must match a word of the appellation's label:
//! - exactly (`web` ~ `web`),
//! - as a prefix, while typing (`dev` ~ `developpeur`),
//! - or with one typo — an insertion, a deletion, a substitution or a swap of two neighbours
//!   (`developeur` ~ `developpeur`), also on a prefix (`devlop` ~ `develop…`). Typos are tolerated on
//!   words of 4 letters or more whose first letter is right, as the best search engines do: first
//!   letters are rarely mistyped, and that keeps the scan to a slice of the vocabulary.
//!
//! Ranking, best first: demoted labels (ROME's `peu usité` appellations) last; then fewer typos; then
//! fewer words matched only as prefixes; then primary labels (a fiche's own name) before secondary ones
//! (synonyms); then the label closest in length to the query; then the label's alphabetical order
//! (stable, so pages never overlap).
//!
//! The index is a sorted vocabulary of the distinct folded words, each with the labels using it.
//! A query scans only the vocabulary range sharing each word's first letter, then intersects.

use std::collections::BTreeMap;

use crate::text::fold;

/// Cost of one query word's match; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Match {
    Exact,
    Prefix,
    Typo,
}

/// One searchable label and what ranks it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Folded label (see [`fold`]).
    pub folded: String,
    /// The record's own name (ROME's appellation principale), ranked before secondary labels (synonyms).
    pub primary: bool,
    /// Ranked after every other match (ROME's `peu usité` appellations).
    pub demoted: bool,
}

impl Entry {
    /// An entry for `label`, folded here.
    pub fn new(label: &str, primary: bool, demoted: bool) -> Self {
        Self {
            folded: fold(label),
            primary,
            demoted,
        }
    }
}

/// A label found, by its position in the index, with its rank key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Index of the entry, as given to [`SearchIndex::new`].
    pub entry: usize,
    key: (bool, u16, u16, bool, u16, u32),
}

/// Minimum word length for a typo to be tolerated.
const TYPO_MIN_LEN: usize = 4;

/// The index of a set of labels.
#[derive(Debug, Default)]
pub struct SearchIndex {
    entries: Vec<Entry>,
    /// Distinct folded words, sorted, with the entries using them.
    vocabulary: Vec<(String, Vec<u32>)>,
    /// Alphabetical rank of each entry's label, for a stable last tie-break.
    alpha: Vec<u32>,
}

impl SearchIndex {
    pub fn new(entries: Vec<Entry>) -> Self {
        let mut words: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (i, e) in entries.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            for w in e.folded.split(' ').filter(|w| !w.is_empty()) {
                let postings = words.entry(w).or_default();
                if postings.last() != Some(&id) {
                    postings.push(id);
                }
            }
        }
        let vocabulary = words.into_iter().map(|(w, p)| (w.to_owned(), p)).collect();
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by(|&a, &b| entries[a].folded.cmp(&entries[b].folded));
        let mut alpha = vec![0; entries.len()];
        for (rank, i) in order.into_iter().enumerate() {
            alpha[i] = u32::try_from(rank).unwrap_or(u32::MAX);
        }
        Self {
            entries,
            vocabulary,
            alpha,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the index has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries matching every word of `query`, best first. An empty query matches nothing.
    pub fn search(&self, query: &str) -> Vec<Found> {
        self.search_top(query, usize::MAX).1
    }

    /// The number of entries matching `query`, and the best `keep` of them, best first. Only those are
    /// sorted: a one-letter query typed in a search box matches thousands.
    pub fn search_top(&self, query: &str, keep: usize) -> (usize, Vec<Found>) {
        let folded = fold(query);
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        if words.is_empty() {
            return (0, Vec::new());
        }
        let n = self.entries.len();
        // How many query words each entry has matched so far, and the sums of its match costs.
        let mut matched = vec![0u8; n];
        let mut typos = vec![0u16; n];
        let mut prefixes = vec![0u16; n];
        for (i, word) in words.iter().enumerate() {
            let round = u8::try_from(i).unwrap_or(u8::MAX);
            let mut candidates = self.matching_words(word);
            // Cheapest matches first, so an entry's first match for this word is its best one.
            candidates.sort_by_key(|(m, _)| *m);
            let mut any = false;
            for (kind, v) in candidates {
                for &e in &self.vocabulary[v].1 {
                    let e = e as usize;
                    if matched[e] == round {
                        matched[e] = round + 1;
                        any = true;
                        match kind {
                            Match::Exact => {}
                            Match::Prefix => prefixes[e] += 1,
                            Match::Typo => typos[e] += 1,
                        }
                    }
                }
            }
            if !any {
                return (0, Vec::new());
            }
        }
        let all = u8::try_from(words.len()).unwrap_or(u8::MAX);
        let query_len = u16::try_from(folded.len()).unwrap_or(u16::MAX);
        let mut found: Vec<Found> = (0..n)
            .filter(|&e| matched[e] == all)
            .map(|e| {
                let entry = &self.entries[e];
                let len = u16::try_from(entry.folded.len()).unwrap_or(u16::MAX);
                Found {
                    entry: e,
                    key: (
                        entry.demoted,
                        typos[e],
                        prefixes[e],
                        !entry.primary,
                        len.abs_diff(query_len),
                        self.alpha[e],
                    ),
                }
            })
            .collect();
        let total = found.len();
        if keep < total {
            found.select_nth_unstable_by_key(keep, |f| f.key);
            found.truncate(keep);
        }
        found.sort_unstable_by_key(|f| f.key);
        (total, found)
    }

    /// The vocabulary words a query word matches, with how.
    fn matching_words(&self, word: &str) -> Vec<(Match, usize)> {
        let mut out = Vec::new();
        // Exact and prefix matches: the sorted range of words starting with `word`.
        let start = self.vocabulary.partition_point(|(w, _)| w.as_str() < word);
        let mut end = start;
        while end < self.vocabulary.len() && self.vocabulary[end].0.starts_with(word) {
            let kind = if self.vocabulary[end].0 == word {
                Match::Exact
            } else {
                Match::Prefix
            };
            out.push((kind, end));
            end += 1;
        }
        if word.chars().count() < TYPO_MIN_LEN {
            return out;
        }
        // One typo, first letter right: scan the words sharing the first letter.
        let first = &word[..word.chars().next().map_or(0, char::len_utf8)];
        let lo = self.vocabulary.partition_point(|(w, _)| w.as_str() < first);
        let hi = lo + self.vocabulary[lo..].partition_point(|(w, _)| w.starts_with(first));
        let q = word.as_bytes();
        for v in (lo..hi).filter(|v| !(start..end).contains(v)) {
            let w = self.vocabulary[v].0.as_bytes();
            if one_edit(q, w) || one_edit_prefix(q, w) {
                out.push((Match::Typo, v));
            }
        }
        out
    }
}

/// Whether `a` and `b` are at most one edit apart (insertion, deletion, substitution, or a swap of two
/// neighbouring letters). Linear time.
fn one_edit(a: &[u8], b: &[u8]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if common == a.len() && common == b.len() {
        return true;
    }
    let (ra, rb) = (&a[common..], &b[common..]);
    match ra.len().cmp(&rb.len()) {
        std::cmp::Ordering::Equal => {
            ra[1..] == rb[1..]
                || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        std::cmp::Ordering::Less => ra == &rb[1..],
        std::cmp::Ordering::Greater => &ra[1..] == rb,
    }
}

/// Whether `query` is one edit away from a prefix of `word` (one typo while typing).
fn one_edit_prefix(query: &[u8], word: &[u8]) -> bool {
    let n = query.len();
    [n.saturating_sub(1), n, n + 1]
        .into_iter()
        .filter(|&len| len > 0 && len < word.len())
        .any(|len| one_edit(query, &word[..len]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(label: &str, primary: bool, demoted: bool) -> Entry {
        Entry::new(label, primary, demoted)
    }

    #[test]
    fn edits() {
        assert!(one_edit(b"developeur", b"developpeur"));
        assert!(one_edit(b"devleoppeur", b"developpeur"));
        assert!(one_edit(b"soignante", b"soignente"));
        assert!(!one_edit(b"soignante", b"seignente"));
        assert!(one_edit_prefix(b"devlop", b"developpeur"));
        assert!(!one_edit_prefix(b"dxvxlop", b"developpeur"));
    }

    #[test]
    fn ranks_principal_then_synonyms_then_rare() {
        let index = SearchIndex::new(vec![
            entry("Webmestre développeur", false, true),
            entry("Développeur web junior", false, false),
            entry("Développeur / Développeuse web", true, false),
            entry("Plombier", true, false),
        ]);
        let found: Vec<usize> = index
            .search("developpeur web")
            .iter()
            .map(|f| f.entry)
            .collect();
        assert_eq!(found, vec![2, 1, 0]);
        let typed: Vec<usize> = index
            .search("dévelopeur WEB")
            .iter()
            .map(|f| f.entry)
            .collect();
        assert_eq!(typed, vec![2, 1, 0], "one typo is tolerated");
        assert_eq!(
            index.search("dev we").len(),
            3,
            "prefixes match while typing"
        );
        assert!(
            index.search("developpeur plombier").is_empty(),
            "every word counts"
        );
        assert!(index.search("  ").is_empty());
        assert!(index.search("pl").iter().any(|f| f.entry == 3));
    }

    #[test]
    fn exact_beats_typo() {
        let index = SearchIndex::new(vec![
            entry("Aide-soignant / Aide-soignante", true, false),
            entry("Aide soignante de nuit", false, false),
            entry("Aide à domicile", true, false),
        ]);
        let found: Vec<usize> = index
            .search("aide soignante")
            .iter()
            .map(|f| f.entry)
            .collect();
        assert_eq!(found[..2], [0, 1]);
        assert!(!found.contains(&2));
    }
}
