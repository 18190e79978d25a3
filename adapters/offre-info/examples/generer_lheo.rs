//! Writes a realistic LHEO 2.3 file for benchmarks: `cargo run --release -p passerelle-offre-info
//! --features generator --example generer_lheo -- --actions 100000 --sortie offres.xml`. Formations use
//! real (ROME, Formacode) pairs of the RNCP export and real communes of the La Poste file, read from
//! `--donnees` (default `../shared/data`). The same `--graine` gives the same file.
#![allow(
    clippy::print_stdout,
    reason = "a command-line tool prints its results"
)]

use std::io::BufWriter;
use std::path::PathBuf;

use passerelle_offre_info::generator::{Referentiels, write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut actions = 100_000usize;
    let mut sortie = PathBuf::from("offres-generees.xml");
    let mut donnees = PathBuf::from("../shared/data");
    let mut graine = 2026u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} : une valeur est attendue"))
        };
        match arg.as_str() {
            "--actions" => actions = value()?.parse()?,
            "--sortie" => sortie = value()?.into(),
            "--donnees" => donnees = value()?.into(),
            "--graine" => graine = value()?.parse()?,
            other => {
                return Err(format!(
                    "option inconnue « {other} » (--actions, --sortie, --donnees, --graine)"
                )
                .into());
            }
        }
    }
    let refs = Referentiels::load(&donnees)?;
    let mut out = BufWriter::new(std::fs::File::create(&sortie)?);
    let written = write(&mut out, &refs, actions, graine)?;
    drop(out);
    let size = std::fs::metadata(&sortie)?.len();
    println!(
        "{} : {} formations, {} actions, {:.1} Mo",
        sortie.display(),
        written.formations,
        written.actions,
        size as f64 / 1e6
    );
    Ok(())
}
