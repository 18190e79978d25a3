//! Latency of the appellation search over the whole ROME 4.0 export (13 120 appellations).
//!
//! Every query's latency goes into an HDR histogram (a mean hides the tail); the run prints the
//! percentiles. Queries are what people type: every prefix of real appellation labels as they are
//! typed letter by letter, the same labels with one typo, and a few common searches.
//!
//! `cargo bench -p passerelle-rome --bench recherche` (reads `../shared/data/rome`, or the folder or
//! `RefRomeCsv.zip` given in `ROME_EXPORT`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Instant;

use hdrhistogram::Histogram;
use passerelle_core::config::Mode;
use passerelle_core::{Adapter, Clock, PageRequest};
use passerelle_rome::{RomeAdapter, RomeConfig};

fn main() {
    let path = std::env::var_os("ROME_EXPORT").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/rome"),
        PathBuf::from,
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = RomeConfig {
        mode: Mode::Snapshot,
        path: Some(path.clone().into()),
        ..RomeConfig::default()
    };
    let adapter = RomeAdapter::new(&config, Clock::system()).unwrap();
    let started = Instant::now();
    runtime
        .block_on(adapter.refresh())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let load = started.elapsed();
    let RomeAdapter::Snapshot(snapshot) = &adapter else {
        unreachable!()
    };
    let data = snapshot.current().unwrap();
    println!(
        "export {} : {} fiches, {} appellations, chargé en {:.0} ms",
        path.display(),
        adapter.health().records,
        data.appellation_count(),
        load.as_secs_f64() * 1000.0
    );

    // Queries: every 13th appellation label, typed letter by letter, then with one typo.
    let all = runtime
        .block_on(adapter.search(&Default::default(), PageRequest::ALL))
        .unwrap();
    let labels: Vec<String> = all
        .hits
        .iter()
        .flat_map(|h| h.record.appellations.iter().map(|a| a.libelle.clone()))
        .step_by(13)
        .collect();
    let mut queries: Vec<String> = [
        "developpeur web",
        "dévelopeur web",
        "aide soignante",
        "aide soigante",
        "boulanger",
        "infirmier",
        "chauffeur poids lourd",
        "comptable",
        "plombier chauffagiste",
        "vendeur",
        "professeur des ecoles",
        "agent d entretien",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for label in &labels {
        let typed: Vec<char> = label.chars().take(24).collect();
        for end in 1..=typed.len() {
            queries.push(typed[..end].iter().collect());
        }
        // One letter dropped in the middle of the first long word.
        if let Some(word) = label.split_whitespace().find(|w| w.chars().count() >= 6) {
            let mut chars: Vec<char> = word.chars().collect();
            chars.remove(chars.len() / 2);
            queries.push(label.replacen(word, &chars.iter().collect::<String>(), 1));
        }
    }

    let page = PageRequest {
        offset: 0,
        limit: 20,
    };
    // Warm-up.
    for q in queries.iter().take(2000) {
        std::hint::black_box(data.search_appellations(q, page));
    }
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    let mut found = 0usize;
    let started = Instant::now();
    for q in &queries {
        let t = Instant::now();
        let result = std::hint::black_box(data.search_appellations(q, page));
        let ns = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
        histogram.record(ns.max(1)).unwrap();
        found += usize::from(result.total > 0);
    }
    let total = started.elapsed();
    let us = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{} requêtes ({} avec résultat) en {:.2} s, une à la fois sur un cœur",
        queries.len(),
        found,
        total.as_secs_f64()
    );
    println!(
        "latence (µs) : p50 {:.1}  p90 {:.1}  p99 {:.1}  p99.9 {:.1}  max {:.1}  moyenne {:.1}",
        us(0.50),
        us(0.90),
        us(0.99),
        us(0.999),
        histogram.max() as f64 / 1000.0,
        histogram.mean() / 1000.0
    );
}
