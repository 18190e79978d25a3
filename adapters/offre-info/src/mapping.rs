//! LHEO element trees -> domain formations, actions and sessions. Pure functions.
//!
//! Lenient by design: a malformed value (a 15-digit SIRET, a date that is not `AAAAMMJJ`) and an element
//! LHEO does not define (a misspelled `<coordonneFs>`) are dropped from their record and reported as
//! anomalies naming the element path, the line and the rule; the record keeps everything else (the
//! source's `strict` mode rejects such a file whole instead). `00000000` is LHEO's "unknown date" and
//! becomes `None` without a report; a day `00` (`20170900`, month precision in the Intercarif search
//! answers) is the month's first day for a start and its last day for an end.

use std::sync::Arc;

use chrono::NaiveDate;
use passerelle_core::model::{
    ActionFormation, CertificationVisee, CodeLibelle, ContactOffre, FormacodeIndexe, Formation,
    GeoPoint, Lieu, Organisme, OriginePosition, Session,
};
use passerelle_core::{
    Anomalies, CodeCertifInfo, CodeInsee, CodeRncp, CodeRome, Formacode, Provenance, Siret,
};

use crate::code_lists;
use crate::vocabulary;
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

    /// A record left out.
    fn reject(&mut self, path: &str, node: &Node, problem: String) {
        self.anomalies
            .reject(problem, format!("{}:{} {path}", self.file, node.line));
    }

    /// Reports the elements of `node`'s tree that LHEO does not define.
    pub(crate) fn unknown_elements(&mut self, node: &Node, path: &str) {
        let mut found = Vec::new();
        vocabulary::check(node, path, &mut |p, n| {
            found.push((p.to_owned(), n.line, n.name.clone()))
        });
        for (p, line, name) in found {
            self.anomalies.add(
                format!("élément <{name}> inconnu de LHEO 2.2/2.3 (faute de frappe ?) : ignoré"),
                format!("{}:{line} {p}", self.file),
            );
        }
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

/// `AAAAMMJJ` -> date; `00000000` -> `None` (LHEO's unknown date); `AAAAMM00` -> the month's first
/// day, or its last day when `end`.
fn date(report: &mut Report<'_>, path: &str, node: Option<&Node>, end: bool) -> Option<NaiveDate> {
    let node = node?;
    let t = node.text.trim();
    if t.is_empty() || t == "00000000" {
        return None;
    }
    let month = t
        .strip_suffix("00")
        .filter(|m| m.len() == 6)
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}01"), "%Y%m%d").ok())
        .map(|first| {
            if end {
                first
                    .checked_add_months(chrono::Months::new(1))
                    .and_then(|d| d.pred_opt())
                    .unwrap_or(first)
            } else {
                first
            }
        });
    match month.map_or_else(|| NaiveDate::parse_from_str(t, "%Y%m%d"), Ok) {
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
        departement: adresse.and_then(|a| text(a, "departement")),
        position,
        origine_position: OriginePosition::Source,
    }
}

/// A contact as published (`<coordonnees>`): real people's professional data, never more than given.
fn contact(c: &Node) -> Option<ContactOffre> {
    let numbers = |name: &str| {
        c.children(name)
            .filter_map(|n| n.text_of("numtel").map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let mut telephones = numbers("telfixe");
    telephones.extend(numbers("portable"));
    let contact = ContactOffre {
        civilite: text(c, "civilite"),
        nom: text(c, "nom"),
        prenom: text(c, "prenom"),
        telephones,
        courriel: text(c, "courriel"),
        web: c
            .children("web")
            .flat_map(|w| w.children("urlweb"))
            .map(|u| u.text.trim().to_owned())
            .filter(|u| !u.is_empty())
            .collect(),
    };
    (contact != ContactOffre::default()).then_some(contact)
}

/// The indexing of a `<formation>` or `<resume-offre>`: Formacodes, ROME codes, NSF codes.
struct Domaine {
    formacodes: Vec<FormacodeIndexe>,
    codes_rome: Vec<CodeRome>,
    codes_nsf: Vec<String>,
}

fn domaine(report: &mut Report<'_>, f: &Node, path: &str) -> Domaine {
    let mut d = Domaine {
        formacodes: Vec::new(),
        codes_rome: Vec::new(),
        codes_nsf: Vec::new(),
    };
    let Some(domaine) = f.child("domaine-formation") else {
        return d;
    };
    for c in domaine.children("code-FORMACODE") {
        if let Some(code) = report.code(
            &format!("{path}/domaine-formation/code-FORMACODE"),
            c,
            Formacode::parse,
        ) {
            d.formacodes.push(FormacodeIndexe {
                code,
                principal: c.attr("tag") == Some("principal"),
            });
        }
    }
    for c in domaine.children("code-ROME") {
        if let Some(code) = report.code(
            &format!("{path}/domaine-formation/code-ROME"),
            c,
            CodeRome::parse,
        ) && !d.codes_rome.contains(&code)
        {
            d.codes_rome.push(code);
        }
    }
    d.codes_nsf.extend(
        domaine
            .children("code-NSF")
            .map(|c| c.text.trim().to_owned())
            .filter(|c| !c.is_empty()),
    );
    d
}

fn certifications(report: &mut Report<'_>, f: &Node, path: &str) -> Vec<CertificationVisee> {
    f.children("certification")
        .map(|c| CertificationVisee {
            rncp: c.child("code-RNCP").and_then(|n| {
                report.code(
                    &format!("{path}/certification/code-RNCP"),
                    n,
                    CodeRncp::parse,
                )
            }),
            certif_info: c.child("code-CERTIFINFO").and_then(|n| {
                report.code(
                    &format!("{path}/certification/code-CERTIFINFO"),
                    n,
                    CodeCertifInfo::parse,
                )
            }),
        })
        .filter(|c| c.rncp.is_some() || c.certif_info.is_some())
        .collect()
}

fn formation(
    report: &mut Report<'_>,
    f: &Node,
    numero: String,
    intitule: String,
    provenance: &Provenance,
) -> Formation {
    let Domaine {
        formacodes,
        codes_rome,
        codes_nsf,
    } = domaine(report, f, "formation");
    let certifications = certifications(report, f, "formation");
    let url = f
        .at(&["url-formation", "urlweb"])
        .map(|u| u.text.trim().to_owned())
        .filter(|u| !u.is_empty());
    Formation {
        provenance: provenance.clone().with_url(url.clone()),
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
        url,
        parcours: coded(f, "parcours-de-formation", code_lists::parcours),
        objectif_general: coded(
            f,
            "objectif-general-formation",
            code_lists::objectif_general,
        ),
        contact: f
            .at(&["contact-formation", "coordonnees"])
            .and_then(contact),
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
        debut: date(
            report,
            "session/periode/debut",
            s.at(&["periode", "debut"]),
            false,
        ),
        fin: date(
            report,
            "session/periode/fin",
            s.at(&["periode", "fin"]),
            true,
        ),
        inscription_debut: date(
            report,
            "session/periode-inscription/periode/debut",
            inscription.and_then(|p| p.child("debut")),
            false,
        ),
        inscription_fin: date(
            report,
            "session/periode-inscription/periode/fin",
            inscription.and_then(|p| p.child("fin")),
            true,
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
        report.reject(
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
        nombre_heures_centre: a
            .text_of("nombre-heures-centre")
            .and_then(|h| h.parse().ok()),
        nombre_heures_entreprise: a
            .text_of("nombre-heures-entreprise")
            .and_then(|h| h.parse().ok()),
        modalites_entrees_sorties: coded(a, "modalites-entrees-sorties", code_lists::modalites_es),
        modalites_recrutement: text(a, "modalites-recrutement").filter(|t| t != "-"),
        conditions_specifiques: text(a, "conditions-specifiques").filter(|t| t != "-"),
        acces_handicapes: text(a, "acces-handicapes"),
        restauration: text(a, "restauration"),
        hebergement: text(a, "hebergement"),
        transport: text(a, "transport"),
        langue: text(a, "langue-formation"),
        contact: a
            .at(&["organisme-formateur", "contact-formateur", "coordonnees"])
            .and_then(contact),
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
        report.reject(
            "formation",
            f,
            "formation sans attribut numero : ignorée".into(),
        );
        return Vec::new();
    };
    let Some(intitule) = text(f, "intitule-formation") else {
        report.reject(
            "formation/intitule-formation",
            f,
            format!("formation {numero} sans intitulé : ignorée"),
        );
        return Vec::new();
    };
    report.unknown_elements(f, "formation");
    let formation = Arc::new(formation(
        report,
        f,
        numero.to_owned(),
        intitule,
        provenance,
    ));
    f.children("action")
        .filter_map(|a| action(report, a, &formation, provenance))
        .collect()
}

/// The value of `<extras info="{group}"><extra info="{name}">`.
fn extra<'a>(node: &'a Node, group: &str, name: &str) -> Option<&'a str> {
    node.children("extras")
        .filter(|e| e.attr("info") == Some(group))
        .flat_map(|e| e.children("extra"))
        .find(|e| e.attr("info") == Some(name))
        .map(|e| e.text.trim())
        .filter(|t| !t.is_empty())
}

/// Maps one `<resume-offre>` of an Intercarif search answer (`<lheo-index>`): one action and its
/// session, with the summary of its formation. The resume has no formation number: the formation takes
/// the action's.
pub(crate) fn resume(
    report: &mut Report<'_>,
    r: &Node,
    provenance: &Provenance,
) -> Option<ActionFormation> {
    let Some(numero) = r.attr("numero").map(str::trim).filter(|n| !n.is_empty()) else {
        report.reject(
            "resume-offre",
            r,
            "resume-offre sans attribut numero : ignoré".into(),
        );
        return None;
    };
    let Some(intitule) = r
        .text_of("intitule-formation")
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
    else {
        report.reject(
            "resume-offre/intitule-formation",
            r,
            format!("offre {numero} sans intitulé : ignorée"),
        );
        return None;
    };
    report.unknown_elements(r, "resume-offre");
    let Domaine {
        formacodes,
        codes_rome,
        codes_nsf,
    } = domaine(report, r, "resume-offre");
    let certifications = certifications(report, r, "resume-offre");
    let url = r
        .attr("file")
        .or_else(|| r.attr("href"))
        .map(str::to_owned)
        .filter(|u| !u.is_empty());
    let formation = Arc::new(Formation {
        numero: numero.to_owned(),
        intitule,
        objectif: None,
        resultats_attendus: None,
        contenu: None,
        certifiante: r.text_of("certifiante") == Some("1"),
        formacodes,
        codes_rome,
        codes_nsf,
        certifications,
        niveau_entree: coded(r, "code-niveau-entree", code_lists::niveau),
        niveau_sortie: extra(r, "complements", "code-niveau-sortie").map(|code| CodeLibelle {
            code: code.to_owned(),
            libelle: code_lists::niveau(code).map(str::to_owned),
        }),
        url: url.clone(),
        organisme_responsable: None,
        parcours: None,
        objectif_general: None,
        contact: None,
        provenance: provenance.clone().with_url(url.clone()),
    });
    let position = match (
        extra(r, "geolocalisation", "latitude"),
        extra(r, "geolocalisation", "longitude"),
    ) {
        (Some(lat), Some(lon)) => lat
            .replace(',', ".")
            .parse()
            .ok()
            .zip(lon.replace(',', ".").parse().ok())
            .and_then(|(lat, lon)| GeoPoint::new(lat, lon)),
        _ => None,
    };
    let code_insee = r
        .child("code-INSEE-commune")
        .and_then(|n| report.code("resume-offre/code-INSEE-commune", n, CodeInsee::parse));
    let mut sessions: Vec<Session> = r.children("session").map(|s| session(report, s)).collect();
    sessions.sort_by_key(|s| s.debut);
    Some(ActionFormation {
        numero: numero.to_owned(),
        formation,
        rythme: None,
        modalites_enseignement: coded(
            r,
            "modalites-enseignement",
            code_lists::modalites_enseignement,
        ),
        publics_vises: r
            .children("code-public-vise")
            .map(|c| c.text.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect(),
        lieu: Some(Lieu {
            nom: None,
            adresse: Vec::new(),
            code_postal: text(r, "codepostal"),
            ville: text(r, "ville"),
            code_insee,
            departement: text(r, "departement"),
            position,
            origine_position: OriginePosition::Source,
        }),
        organisme_formateur: r.child("nom-organisme").map(|o| Organisme {
            siret: r
                .child("SIRET")
                .and_then(|n| report.code("resume-offre/SIRET", n, Siret::parse)),
            raison_sociale: o.text.trim().to_owned(),
        }),
        financeurs: Vec::new(),
        nombre_heures_total: r
            .text_of("nombre-heures-total")
            .and_then(|h| h.parse().ok()),
        prix_total_ttc: None,
        eligible_cpf: false,
        nombre_heures_centre: None,
        nombre_heures_entreprise: None,
        modalites_entrees_sorties: None,
        modalites_recrutement: None,
        conditions_specifiques: None,
        acces_handicapes: None,
        restauration: None,
        hebergement: None,
        transport: None,
        langue: None,
        contact: None,
        sessions,
        provenance: provenance.clone().with_url(url),
    })
}
