//! Labels of the LHEO code lists passerelle serves (from `lheo-gml.xml`, LHEO 2.3).

/// `dict-etat-recrutement`.
pub(crate) fn etat_recrutement(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "ouvert",
        "2" => "fermé",
        "3" => "suspendu",
        _ => return None,
    })
}

/// `dict-modalites-enseignement`.
pub(crate) fn modalites_enseignement(code: &str) -> Option<&'static str> {
    Some(match code {
        "0" => "formation entièrement présentielle",
        "1" => "formation mixte",
        "2" => "formation entièrement à distance",
        _ => return None,
    })
}

/// `dict-niveaux` (the former levels 0–8 and the levels 11–18 of the 2019 nomenclature, whose labels
/// are the nomenclature's definitions).
pub(crate) fn niveau(code: &str) -> Option<&'static str> {
    Some(match code {
        "0" => "information non communiquée",
        "1" => "sans niveau spécifique",
        "2" => "niveau VI (illettrisme, analphabétisme)",
        "3" => "niveau V bis (préqualification)",
        "4" => "niveau V (CAP, BEP, CFPA du premier degré)",
        "5" => "niveau IV (BP, BT, baccalauréat professionnel ou technologique)",
        "6" => "niveau III (BTS, DUT)",
        "7" => "niveau II (licence ou maîtrise universitaire)",
        "8" => "niveau I (supérieur à la maîtrise)",
        "11" => "Niveau 1. Maîtrise des savoirs de base",
        "12" => {
            "Niveau 2. Capacité à effectuer des activités simples et résoudre des problèmes courants à l'aide de règles et d'outils simples en mobilisant des savoir-faire professionnels dans un contexte structuré"
        }
        "13" => {
            "Niveau 3. Capacité à effectuer des activités et résoudre des problèmes en sélectionnant et appliquant des méthodes, des outils, des matériels et des informations de base, dans un contexte connu, ainsi que la capacité à adapter les moyens d'exécution et son comportement aux circonstances"
        }
        "14" => {
            "Niveau 4. Capacité à effectuer des activités nécessitant de mobiliser un éventail large d'aptitudes, d'adapter des solutions existantes pour résoudre des problèmes précis, à organiser son travail de manière autonome dans des contextes généralement prévisibles mais susceptibles de changer, ainsi qu'à participer à l'évaluation des activités. Exemple: diplôme national du baccalauréat"
        }
        "15" => {
            "Niveau 5. Capacité à maitriser des savoir-faire dans un champ d'activité, à élaborer des solutions à des problèmes nouveaux, à analyser et interpréter des informations, en mobilisant des concepts, à transmettre le savoir-faire et des méthodes"
        }
        "16" => {
            "Niveau 6. Capacité à analyser et résoudre des problèmes complexes imprévus dans un domaine spécifique, à formaliser des savoir-faire et des méthodes et à les capitaliser. Exemple: grade de licence"
        }
        "17" => {
            "Niveau 7. Capacité à élaborer et mettre en œuvre des stratégies alternatives pour le développement de l'activité professionnelle dans des contextes professionnels complexes, ainsi qu'à évaluer les risques et les conséquences de son activité. Exemple: grade de master"
        }
        "18" => {
            "Niveau 8. Capacité à identifier et résoudre des problèmes complexes et nouveaux impliquant une pluralité de domaines, en mobilisant les connaissances et les savoir-faire les plus avancés, à concevoir et piloter des projets et des processus de recherche et d'innovation. Exemple: diplôme national de doctorat"
        }
        _ => return None,
    })
}

/// `dict-financeurs`.
pub(crate) fn financeur(code: &str) -> Option<&'static str> {
    Some(match code {
        "0" => "Autre",
        "1" => "Code(s) obsolète(s)",
        "2" => "Collectivité territoriale - Conseil régional",
        "3" => "Fonds européens - FSE",
        "4" => "Pôle emploi",
        "5" => "Entreprise",
        "6" => "ACSÉ (anciennement FASILD)",
        "7" => "AGEFIPH",
        "8" => "Collectivité territoriale - Conseil général",
        "9" => "Collectivité territoriale - Commune",
        "10" => "Bénéficiaire de l'action",
        "11" => "Etat - Ministère chargé de l'emploi",
        "12" => "Etat - Ministère de l'éducation nationale",
        "13" => "Etat - Autre",
        "14" => "Fonds européens - Autre",
        "15" => "Collectivité territoriale - Autre",
        "16" => "OPCO",
        "17" => "Transition Pro",
        "18" => "LADOM",
        "19" => "État - Ministère de l’intérieur",
        "20" => "OFII - Office français de l’immigration et de l'intégration",
        _ => return None,
    })
}

/// `dict-type-parcours` (`parcours-de-formation`).
pub(crate) fn parcours(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "en groupe (non personnalisable)",
        "2" => "individualisé",
        "3" => "modularisé",
        "4" => "mixte",
        _ => return None,
    })
}

/// `dict-modalites-es` (`modalites-entrees-sorties`).
pub(crate) fn modalites_es(code: &str) -> Option<&'static str> {
    Some(match code {
        "0" => "entrées/sorties à dates fixes",
        "1" => "entrées/sorties permanentes",
        _ => return None,
    })
}

/// `dict-AIS` (`objectif-general-formation`).
pub(crate) fn objectif_general(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "Code(s) obsolète(s)",
        "2" | "3" => "Perfectionnement, élargissement des compétences",
        "4" => "Création d'entreprise",
        "5" => "Remise à niveau, maîtrise des savoirs de base, initiation",
        "6" => "Certification",
        "7" => "Professionnalisation",
        "8" => "Préparation à la qualification",
        "9" => "(Re)mobilisation, aide à l'élaboration de projet professionnel",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry of a dictionary of the real `lheo-gml.xml`, as (key, label).
    fn dictionary(gml: &[u8], name: &str) -> Vec<(String, String)> {
        let mut entries = Vec::new();
        passerelle_core::xml::read_records(
            "offre-info",
            "lheo-gml.xml",
            gml,
            "dict",
            |_| Ok(()),
            |d| {
                if d.attr("name") == Some(name) {
                    for e in d.children("entry") {
                        let value = e
                            .children("value")
                            .find(|v| v.attr("lang") == Some("fr"))
                            .and_then(|v| v.attr("val"))
                            .unwrap_or_default();
                        // An entry can carry several keys (dict-AIS: 2 and 3).
                        for key in e.children("key").filter_map(|k| k.attr("val")) {
                            entries.push((key.to_owned(), value.to_owned()));
                        }
                    }
                }
            },
        )
        .unwrap();
        entries
    }

    #[test]
    fn labels_are_those_of_the_real_code_lists() {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/offre-info/lheo-schema-repo/lheo-gml.xml");
        let gml = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("lheo-gml.xml is expected at {}: {e}", path.display()));
        type Label = fn(&str) -> Option<&'static str>;
        let lists: [(&str, Label); 7] = [
            ("dict-etat-recrutement", etat_recrutement),
            ("dict-modalites-enseignement", modalites_enseignement),
            ("dict-niveaux", niveau),
            ("dict-financeurs", financeur),
            ("dict-type-parcours", parcours),
            ("dict-modalites-es", modalites_es),
            ("dict-AIS", objectif_general),
        ];
        for (name, label) in lists {
            let entries = dictionary(&gml, name);
            assert!(!entries.is_empty(), "{name} is in lheo-gml.xml");
            for (key, value) in entries {
                assert_eq!(label(&key), Some(value.as_str()), "{name} {key}");
            }
        }
    }
}
