//! Offre Info at national scale: `cargo bench -p passerelle-offre-info --features generator --bench offres`.
//!
//! Generates (once, under `target/bench-data`) a 100 000-action LHEO 2.3 file from the real codes of
//! `../shared/data`, then measures in one run: the load (read, streaming parse, mapping, indexes) as
//! time and MB/s, the peak resident memory of the load (VmHWM, reset before it), and the latency of
//! radius searches around real communes (10, 30 and 50 km, half of them with a ROME code), each query in
//! an HDR histogram. `BENCH_ACTIONS` changes the size.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a benchmark prints its figures"
)]

use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

use hdrhistogram::Histogram;
use passerelle_core::adapter::PageRequest;
use passerelle_core::config::{Mode, SourceConfig};
use passerelle_core::model::GeoPoint;
use passerelle_core::{Adapter, Clock, CodeRome};
use passerelle_offre_info::generator::{Referentiels, Rng, write};
use passerelle_offre_info::{Autour, OffreFilter, OffreInfoAdapter};

fn status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let actions: usize = std::env::var("BENCH_ACTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared/data");
    let refs = Referentiels::load(&shared)
        .expect("../shared/data holds the RNCP export and the La Poste file");
    let dir = root.join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("offres-{actions}.xml"));
    if !path.is_file() {
        let mut out = BufWriter::new(std::fs::File::create(&path).unwrap());
        let w = write(&mut out, &refs, actions, 2026).unwrap();
        drop(out);
        println!(
            "généré : {} ({} formations, {} actions)",
            path.display(),
            w.formations,
            w.actions
        );
    }
    let size = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = SourceConfig {
        mode: Mode::Snapshot,
        path: Some(path.clone().into()),
        ..SourceConfig::default()
    };
    let adapter = OffreInfoAdapter::new(&config, Clock::system()).unwrap();
    // Peak memory of the load alone: the high-water mark is reset first (Linux `clear_refs` 5).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before = status("VmRSS:").unwrap_or(0);
    let start = Instant::now();
    runtime.block_on(adapter.refresh()).unwrap();
    let load = start.elapsed();
    let hwm = status("VmHWM:").unwrap_or(0);
    let rss_after = status("VmRSS:").unwrap_or(0);
    let health = adapter.health();
    println!(
        "fichier : {size:.1} Mo, {} actions chargées, {} anomalies",
        health.records,
        health.anomalies.len()
    );
    println!(
        "chargement (lecture, analyse en flux, index) : {:.2} s, {:.1} Mo/s",
        load.as_secs_f64(),
        size / load.as_secs_f64()
    );
    println!(
        "mémoire résidente : {:.0} Mo avant, {:.0} Mo après, pic pendant le chargement (VmHWM{}) {:.0} Mo",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        if reset {
            ", remis à zéro avant"
        } else {
            ", depuis le début du processus"
        },
        hwm as f64 / 1024.0
    );

    let mut rng = Rng::new(7);
    let codes: Vec<CodeRome> = refs
        .fiches
        .iter()
        .flat_map(|f| f.romes.iter())
        .filter_map(|(c, _)| CodeRome::parse(c).ok())
        .collect();
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 10_000_000_000, 3).unwrap();
    let mut hits = 0usize;
    let queries = 3_000;
    for i in 0..queries {
        let (_, _, _, lat, lon) = rng.pick(&refs.communes).clone();
        let filter = OffreFilter {
            autour: Some(Autour {
                centre: GeoPoint::new(lat, lon).unwrap(),
                rayon_km: [10.0, 30.0, 50.0][i % 3],
            }),
            codes_rome: (i % 2 == 0).then(|| vec![rng.pick(&codes).clone()]),
            ..OffreFilter::default()
        };
        let start = Instant::now();
        let page = runtime
            .block_on(adapter.search(
                &filter,
                PageRequest {
                    offset: 0,
                    limit: 20,
                },
            ))
            .unwrap();
        histogram
            .record(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX))
            .unwrap();
        hits += page.total;
    }
    let us = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "recherche autour d'une commune ({queries} requêtes, 10/30/50 km, une sur deux avec un code ROME, 20 premiers par distance) : p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs, max {:.0} µs ; {:.0} résultats en moyenne",
        us(0.5),
        us(0.9),
        us(0.99),
        histogram.max() as f64 / 1000.0,
        hits as f64 / queries as f64
    );
}
