//! LHEO element trees -> domain formations, actions and sessions. Pure functions.
//!
//! Lenient by design: a malformed value (a 15-digit SIRET, a date that is not `AAAAMMJJ`) is dropped from
//! its record and reported as an anomaly naming the element path, the line and the rule; the record
//! is kept. `00000000` is LHEO's "unknown date" and becomes `None` without a report.

use std::sync::Arc;

use chrono::NaiveDate;
use passerelle_core::model::{
    ActionFormation, CertificationVisee, CodeLibelle, FormacodeIndexe, Formation, GeoPoint, Lieu,
    Organisme, Session,
};
use passerelle_core::{
    Anomalies, CodeCertifInfo, CodeInsee, CodeRncp, CodeRome, Formacode, Provenance, Siret,
};

use crate::code_lists;
use crate::xml::Node;

/// Collects anomalies with the file name in their location.
pub(crate) struct Report<'a> {
    pub file: &'a str,
    pub anomalies: Anomalies,
}

impl Report<'_> {
    fn push(&mut self, path: &str, node: &Node, problem: String) {
        self.anomalies
            .add(problem, format!("{}:{} {path}", self.file, node.line));
    }

    /// Parses a code with `parse`; on failure reports it and gives `None`.
    fn code<T, E: std::fmt::Display>(
        &mut self,
        path: &str,
        node: &Node,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let text = node.text.trim();
        if text.is_empty() {
            return None;
        }
        match parse(text) {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(path, node, format!("{e} (valeur ignorée)"));
                None
            }
        }
    }
}

fn text(node: &Node, name: &str) -> Option<String> {
    node.text_of(name).map(str::to_owned)
}

fn coded(node: &Node, name: &str, label: fn(&str) -> Option<&'static str>) -> Option<CodeLibelle> {
    node.text_of(name).map(|code| CodeLibelle {
        code: code.to_owned(),
        libelle: label(code).map(str::to_owned),
    })
}

/// `AAAAMMJJ` -> date; `00000000` -> `None` (LHEO's unknown date).
fn date(report: &mut Report<'_>, path: &str, node: Option<&Node>) -> Option<NaiveDate> {
    let node = node?;
    let t = node.text.trim();
    if t.is_empty() || t == "00000000" {
        return None;
    }
    match NaiveDate::parse_from_str(t, "%Y%m%d") {
        Ok(d) => Some(d),
        Err(_) => {
            report.push(
                path,
                node,
                format!("date « {t} » invalide : format AAAAMMJJ attendu (valeur ignorée)"),
            );
            None
        }
    }
}

fn lieu(report: &mut Report<'_>, path: &str, coordonnees: &Node) -> Lieu {
    let adresse = coordonnees.child("adresse");
    let position = adresse
        .and_then(|a| a.child("geolocalisation"))
        .and_then(|g| {
            let lat = g.text_of("latitude")?.replace(',', ".").parse().ok()?;
            let lon = g.text_of("longitude")?.replace(',', ".").parse().ok()?;
            GeoPoint::new(lat, lon)
        });
    let code_insee = adresse
        .and_then(|a| a.child("code-INSEE-commune"))
        .and_then(|n| {
            report.code(
                &format!("{path}/adresse/code-INSEE-commune"),
                n,
                CodeInsee::parse,
            )
        });
    Lieu {
        nom: text(coordonnees, "nom").or_else(|| text(coordonnees, "denomination")),
        adresse: adresse
            .map(|a| {
                a.children("ligne")
                    .map(|l| l.text.trim().to_owned())
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        code_postal: adresse.and_then(|a| text(a, "codepostal")),
        ville: adresse.and_then(|a| text(a, "ville")),
        code_insee,
        position,
    }
}

fn formation(report: &mut Report<'_>, f: &Node, numero: String, intitule: String) -> Formation {
    let mut formacodes = Vec::new();
    let mut codes_rome = Vec::new();
    let mut codes_nsf = Vec::new();
    if let Some(domaine) = f.child("domaine-formation") {
        for c in domaine.children("code-FORMACODE") {
            if let Some(code) = report.code(
                "formation/domaine-formation/code-FORMACODE",
                c,
                Formacode::parse,
            ) {
                formacodes.push(FormacodeIndexe {
                    code,
                    principal: c.attr("tag") == Some("principal"),
                });
            }
        }
        for c in domaine.children("code-ROME") {
            if let Some(code) =
                report.code("formation/domaine-formation/code-ROME", c, CodeRome::parse)
                && !codes_rome.contains(&code)
            {
                codes_rome.push(code);
            }
        }
        codes_nsf.extend(
            domaine
                .children("code-NSF")
                .map(|c| c.text.trim().to_owned())
                .filter(|c| !c.is_empty()),
        );
    }
    let certifications = f
        .children("certification")
        .map(|c| CertificationVisee {
            rncp: c
                .child("code-RNCP")
                .and_then(|n| report.code("formation/certification/code-RNCP", n, CodeRncp::parse)),
            certif_info: c.child("code-CERTIFINFO").and_then(|n| {
                report.code(
                    "formation/certification/code-CERTIFINFO",
                    n,
                    CodeCertifInfo::parse,
                )
            }),
        })
        .filter(|c| c.rncp.is_some() || c.certif_info.is_some())
        .collect();
    Formation {
        numero,
        intitule,
        objectif: text(f, "objectif-formation"),
        resultats_attendus: text(f, "resultats-attendus"),
        contenu: text(f, "contenu-formation"),
        certifiante: f.text_of("certifiante") == Some("1"),
        formacodes,
        codes_rome,
        codes_nsf,
        certifications,
        niveau_entree: coded(f, "code-niveau-entree", code_lists::niveau),
        niveau_sortie: coded(f, "code-niveau-sortie", code_lists::niveau),
        url: f
            .at(&["url-formation", "urlweb"])
            .map(|u| u.text.trim().to_owned())
            .filter(|u| !u.is_empty()),
        organisme_responsable: f
            .child("organisme-formation-responsable")
            .map(|o| Organisme {
                siret: o.at(&["SIRET-organisme-formation", "SIRET"]).and_then(|n| {
                    report.code(
                        "formation/organisme-formation-responsable/SIRET-organisme-formation/SIRET",
                        n,
                        Siret::parse,
                    )
                }),
                raison_sociale: text(o, "raison-sociale")
                    .or_else(|| text(o, "nom-organisme"))
                    .unwrap_or_default(),
            }),
    }
}

fn session(report: &mut Report<'_>, s: &Node) -> Session {
    let inscription = s.at(&["periode-inscription", "periode"]);
    Session {
        numero: s.attr("numero").map(str::to_owned),
        debut: date(report, "session/periode/debut", s.at(&["periode", "debut"])),
        fin: date(report, "session/periode/fin", s.at(&["periode", "fin"])),
        inscription_debut: date(
            report,
            "session/periode-inscription/periode/debut",
            inscription.and_then(|p| p.child("debut")),
        ),
        inscription_fin: date(
            report,
            "session/periode-inscription/periode/fin",
            inscription.and_then(|p| p.child("fin")),
        ),
        etat_recrutement: coded(s, "etat-recrutement", code_lists::etat_recrutement),
    }
}

fn action(
    report: &mut Report<'_>,
    a: &Node,
    formation: &Arc<Formation>,
    provenance: &Provenance,
) -> Option<ActionFormation> {
    let Some(numero) = a.attr("numero").map(str::trim).filter(|n| !n.is_empty()) else {
        report.push(
            "formation/action",
            a,
            format!(
                "action sans attribut numero dans la formation {} : ignorée",
                formation.numero
            ),
        );
        return None;
    };
    let organisme_formateur = a.child("organisme-formateur").map(|o| Organisme {
        siret: o.at(&["SIRET-formateur", "SIRET"]).and_then(|n| {
            report.code(
                "action/organisme-formateur/SIRET-formateur/SIRET",
                n,
                Siret::parse,
            )
        }),
        raison_sociale: text(o, "raison-sociale-formateur").unwrap_or_default(),
    });
    let mut sessions: Vec<Session> = a.children("session").map(|s| session(report, s)).collect();
    sessions.sort_by_key(|s| s.debut);
    let eligible_cpf = a.children("session").any(|s| {
        s.children("extras")
            .any(|e| e.attr("info") == Some("eligibilite-cpf"))
    });
    let prix = a
        .text_of("prix-total-TTC")
        .and_then(|p| p.replace(',', ".").parse().ok());
    Some(ActionFormation {
        numero: numero.to_owned(),
        formation: Arc::clone(formation),
        rythme: text(a, "rythme-formation"),
        modalites_enseignement: coded(
            a,
            "modalites-enseignement",
            code_lists::modalites_enseignement,
        ),
        publics_vises: a
            .children("code-public-vise")
            .map(|c| c.text.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect(),
        lieu: a
            .at(&["lieu-de-formation", "coordonnees"])
            .map(|c| lieu(report, "action/lieu-de-formation/coordonnees", c)),
        organisme_formateur,
        financeurs: a
            .children("organisme-financeur")
            .filter_map(|f| coded(f, "code-financeur", code_lists::financeur))
            .collect(),
        nombre_heures_total: a
            .text_of("nombre-heures-total")
            .and_then(|h| h.parse().ok()),
        prix_total_ttc: prix,
        eligible_cpf,
        sessions,
        provenance: provenance.clone().with_url(
            a.at(&["url-action", "urlweb"])
                .map(|u| u.text.trim().to_owned())
                .filter(|u| !u.is_empty())
                .or_else(|| formation.url.clone()),
        ),
    })
}

/// Maps one `<formation>` to its actions (each carrying the shared formation).
pub(crate) fn actions(
    report: &mut Report<'_>,
    f: &Node,
    provenance: &Provenance,
) -> Vec<ActionFormation> {
    let Some(numero) = f.attr("numero").map(str::trim).filter(|n| !n.is_empty()) else {
        report.push(
            "formation",
            f,
            "formation sans attribut numero : ignorée".into(),
        );
        return Vec::new();
    };
    let Some(intitule) = text(f, "intitule-formation") else {
        report.push(
            "formation/intitule-formation",
            f,
            format!("formation {numero} sans intitulé : ignorée"),
        );
        return Vec::new();
    };
    let formation = Arc::new(formation(report, f, numero.to_owned(), intitule));
    f.children("action")
        .filter_map(|a| action(report, a, &formation, provenance))
        .collect()
}
