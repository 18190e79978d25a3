//! A generator of realistic LHEO 2.3 files, for benchmarks at national scale: formations indexed on
//! real (ROME, Formacode) pairs taken from the RNCP export's fiches (with their RNCP number), actions in
//! real communes of the La Poste file (with their coordinates), valid SIRETs, sessions over two years,
//! CPF eligibility, teaching modes and exit levels. Deterministic for a given seed. Behind the
//! `generator` feature (the `generer_lheo` example and the `offres` benchmark use it).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

/// The real codes the generated offers use.
#[derive(Debug, Clone)]
pub struct Referentiels {
    /// RNCP fiches with their ROME codes and Formacodes (code, label).
    pub fiches: Vec<Fiche>,
    /// Communes with coordinates: code INSEE, postal code, name, latitude, longitude.
    pub communes: Vec<(String, String, String, f64, f64)>,
}

/// One RNCP fiche of the export.
#[derive(Debug, Clone, Default)]
pub struct Fiche {
    /// `RNCPnnnn`.
    pub rncp: String,
    /// ROME codes with their labels.
    pub romes: Vec<(String, String)>,
    /// Formacodes with their labels.
    pub formacodes: Vec<(String, String)>,
}

fn rows(path: &Path) -> io::Result<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .skip(1)
        .map(|l| {
            l.trim_end_matches('\r')
                .split(';')
                .map(|f| f.trim_matches('"').trim().replace("''", "'"))
                .collect()
        })
        .collect())
}

impl Referentiels {
    /// Reads the RNCP export (`crosswalks/france-competences-rncp`) and the La Poste file
    /// (`geo/laposte_hexasmal.csv`) under `shared` (the `../shared/data` folder).
    pub fn load(shared: &Path) -> io::Result<Self> {
        let rncp = shared.join("crosswalks/france-competences-rncp");
        let find = |aspect: &str| -> io::Result<std::path::PathBuf> {
            std::fs::read_dir(&rncp)?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(&format!("export_fiches_CSV_{aspect}_")))
                })
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("{aspect} absent de {}", rncp.display()),
                    )
                })
        };
        let mut fiches: BTreeMap<String, Fiche> = BTreeMap::new();
        for r in rows(&find("Rome")?)? {
            if let [num, code, label, ..] = r.as_slice() {
                let f = fiches.entry(num.clone()).or_default();
                f.rncp = num.clone();
                f.romes.push((code.clone(), label.clone()));
            }
        }
        for r in rows(&find("Formacode")?)? {
            if let [num, code, label, ..] = r.as_slice()
                && let Some(f) = fiches.get_mut(num)
            {
                f.formacodes.push((code.clone(), label.clone()));
            }
        }
        let mut communes = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in rows(&shared.join("geo/laposte_hexasmal.csv"))? {
            if let [insee, nom, cp, _, _, gps, ..] = r.as_slice()
                && let Some((lat, lon)) = gps.split_once(',')
                && let (Ok(lat), Ok(lon)) = (lat.trim().parse::<f64>(), lon.trim().parse::<f64>())
                && seen.insert(insee.clone())
            {
                communes.push((insee.clone(), cp.clone(), nom.clone(), lat, lon));
            }
        }
        let fiches: Vec<Fiche> = fiches
            .into_values()
            .filter(|f| f.rncp.starts_with("RNCP") && !f.formacodes.is_empty())
            .collect();
        Ok(Self { fiches, communes })
    }
}

/// A small deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % (n.max(1) as u64)).unwrap_or(0)
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A SIRET with a valid Luhn key, from a number.
fn siret(n: u64) -> String {
    let base = format!("{:013}", 100_000_000_000 + n % 800_000_000_000);
    (0..10u32)
        .map(|k| format!("{base}{k}"))
        .find(|s| {
            let sum: u32 = s
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, b)| {
                    let d = u32::from(b - b'0');
                    if i % 2 == 1 {
                        let dd = d * 2;
                        if dd > 9 { dd - 9 } else { dd }
                    } else {
                        d
                    }
                })
                .sum();
            sum.is_multiple_of(10)
        })
        .unwrap_or(base)
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Formations.
    pub formations: usize,
    /// Actions.
    pub actions: usize,
}

/// Writes an LHEO 2.3 document of `actions` actions (one to four per formation) built from `refs`.
pub fn write(
    out: &mut impl Write,
    refs: &Referentiels,
    actions: usize,
    seed: u64,
) -> io::Result<Written> {
    let mut rng = Rng::new(seed);
    let mut written = Written {
        formations: 0,
        actions: 0,
    };
    if refs.fiches.is_empty() || refs.communes.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "référentiels vides",
        ));
    }
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(out, "<lheo xmlns=\"http://lheo.gouv.fr/2.3\">\n<offres>")?;
    let organismes: Vec<(String, String)> = (0..2_000u64)
        .map(|i| {
            (
                siret(i * 7919 + 17),
                format!("Organisme de formation n°{i}"),
            )
        })
        .collect();
    while written.actions < actions {
        let fiche = rng.pick(&refs.fiches).clone();
        let (_, label) = rng.pick(&fiche.formacodes).clone();
        let n = written.formations;
        written.formations += 1;
        let niveau = ["13", "14", "15", "16", "17"][rng.below(5)];
        writeln!(out, "<formation numero=\"GEN_F{n:07}\">")?;
        writeln!(out, "<domaine-formation>")?;
        for (i, (code, _)) in fiche.formacodes.iter().take(3).enumerate() {
            let tag = if i == 0 { " tag=\"principal\"" } else { "" };
            writeln!(
                out,
                "<code-FORMACODE ref=\"V14\"{tag}>{code}</code-FORMACODE>"
            )?;
        }
        for (code, _) in fiche.romes.iter().take(3) {
            writeln!(out, "<code-ROME>{code}</code-ROME>")?;
        }
        writeln!(out, "</domaine-formation>")?;
        let metier = fiche.romes.first().map_or("", |r| r.1.as_str());
        writeln!(
            out,
            "<intitule-formation>{} — {}</intitule-formation>",
            escape(&label),
            escape(metier)
        )?;
        writeln!(
            out,
            "<objectif-formation>Acquérir les compétences de {} pour exercer le métier : {}.</objectif-formation>",
            escape(&label.to_lowercase()),
            escape(&metier.to_lowercase())
        )?;
        writeln!(
            out,
            "<resultats-attendus>Certification {}</resultats-attendus>",
            fiche.rncp
        )?;
        writeln!(
            out,
            "<contenu-formation>Modules théoriques et pratiques, stage en entreprise.</contenu-formation>"
        )?;
        writeln!(out, "<certifiante>1</certifiante>")?;
        writeln!(
            out,
            "<parcours-de-formation>{}</parcours-de-formation>",
            1 + rng.below(4)
        )?;
        writeln!(
            out,
            "<code-niveau-entree>{}</code-niveau-entree>",
            ["0", "12", "13", "14"][rng.below(4)]
        )?;
        writeln!(
            out,
            "<certification><code-RNCP>{}</code-RNCP></certification>",
            fiche.rncp.trim_start_matches("RNCP")
        )?;
        writeln!(out, "<code-niveau-sortie>{niveau}</code-niveau-sortie>")?;
        let count = (1 + rng.below(4)).min(actions - written.actions);
        for _ in 0..count {
            let a = written.actions;
            written.actions += 1;
            let (insee, cp, ville, lat, lon) = rng.pick(&refs.communes).clone();
            let (siret, nom) = rng.pick(&organismes).clone();
            // A place near the commune's centre, and one action in twenty without coordinates.
            let jitter = |rng: &mut Rng| (rng.below(2001) as f64 - 1000.0) / 100_000.0;
            let (la, lo) = (lat + jitter(&mut rng), lon + jitter(&mut rng));
            writeln!(out, "<action numero=\"GEN_A{a:08}\">")?;
            writeln!(out, "<rythme-formation>Temps plein</rythme-formation>")?;
            writeln!(
                out,
                "<code-public-vise ref=\"V14\">83056</code-public-vise>"
            )?;
            writeln!(
                out,
                "<niveau-entree-obligatoire>0</niveau-entree-obligatoire>"
            )?;
            writeln!(out, "<modalites-alternance>-</modalites-alternance>")?;
            writeln!(
                out,
                "<modalites-enseignement>{}</modalites-enseignement>",
                ["0", "0", "0", "1", "2"][rng.below(5)]
            )?;
            writeln!(out, "<conditions-specifiques>-</conditions-specifiques>")?;
            writeln!(
                out,
                "<prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>"
            )?;
            writeln!(
                out,
                "<lieu-de-formation><coordonnees><nom>{}</nom><adresse><ligne>1 rue de la Formation</ligne><codepostal>{cp}</codepostal><ville>{}</ville><code-INSEE-commune>{insee}</code-INSEE-commune>",
                escape(&nom),
                escape(&ville)
            )?;
            if rng.below(20) != 0 {
                writeln!(
                    out,
                    "<geolocalisation><latitude>{la:.6}</latitude><longitude>{lo:.6}</longitude></geolocalisation>"
                )?;
            }
            writeln!(out, "</adresse></coordonnees></lieu-de-formation>")?;
            writeln!(
                out,
                "<modalites-entrees-sorties>{}</modalites-entrees-sorties>",
                rng.below(2)
            )?;
            for _ in 0..(1 + rng.below(3)) {
                let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 5)
                    .and_then(|d| d.checked_add_days(chrono::Days::new(rng.below(700) as u64)))
                    .unwrap_or_default();
                let end = start
                    .checked_add_days(chrono::Days::new(30 + rng.below(300) as u64))
                    .unwrap_or(start);
                writeln!(
                    out,
                    "<session><periode><debut>{}</debut><fin>{}</fin></periode><adresse-inscription><adresse><ligne>-</ligne><codepostal>{cp}</codepostal><ville>{}</ville></adresse></adresse-inscription><etat-recrutement>{}</etat-recrutement>",
                    start.format("%Y%m%d"),
                    end.format("%Y%m%d"),
                    escape(&ville),
                    1 + rng.below(3)
                )?;
                if rng.below(3) == 0 {
                    writeln!(
                        out,
                        "<extras info=\"eligibilite-cpf\" numero=\"{}\"><extra info=\"france-entiere\">1</extra></extras>",
                        rng.below(200_000)
                    )?;
                }
                writeln!(out, "</session>")?;
            }
            writeln!(
                out,
                "<adresse-information><adresse><ligne>-</ligne><codepostal>{cp}</codepostal><ville>{}</ville></adresse></adresse-information>",
                escape(&ville)
            )?;
            writeln!(
                out,
                "<date-information><date>00000000</date></date-information>"
            )?;
            writeln!(
                out,
                "<restauration>-</restauration><hebergement>-</hebergement><transport>-</transport><acces-handicapes>Accès handicapé possible</acces-handicapes><langue-formation>FR</langue-formation><modalites-recrutement>Entretien</modalites-recrutement><code-perimetre-recrutement>3</code-perimetre-recrutement>"
            )?;
            writeln!(
                out,
                "<nombre-heures-centre>{}</nombre-heures-centre><nombre-heures-entreprise>{}</nombre-heures-entreprise>",
                200 + rng.below(800),
                rng.below(300)
            )?;
            writeln!(
                out,
                "<organisme-formateur><SIRET-formateur><SIRET>{siret}</SIRET></SIRET-formateur><raison-sociale-formateur>{}</raison-sociale-formateur></organisme-formateur>",
                escape(&nom)
            )?;
            writeln!(
                out,
                "<organisme-financeur><code-financeur>{}</code-financeur></organisme-financeur>",
                [2, 4, 10, 16][rng.below(4)]
            )?;
            writeln!(out, "</action>")?;
        }
        writeln!(out, "</formation>")?;
    }
    writeln!(out, "</offres>\n</lheo>")?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirets_are_valid_and_output_is_deterministic() {
        for n in [0, 1, 42, 999_999] {
            assert!(
                passerelle_core::Siret::parse(&siret(n)).is_ok(),
                "{}",
                siret(n)
            );
        }
        let refs = Referentiels {
            fiches: vec![Fiche {
                rncp: "RNCP36721".into(),
                romes: vec![("I1607".into(), "Réparation de cycles".into())],
                formacodes: vec![("23635".into(), "Mécanique cycle".into())],
            }],
            communes: vec![("37266".into(), "37250".into(), "VEIGNE".into(), 47.28, 0.73)],
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let w = write(&mut a, &refs, 10, 7).unwrap();
        write(&mut b, &refs, 10, 7).unwrap();
        assert_eq!(a, b);
        assert_eq!(w.actions, 10);
        assert!(w.formations >= 3);
    }
}
