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

/// `dict-niveaux` (the former levels 0–8 and the 2019 nomenclature 11–18).
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
        "12" => "Niveau 2 (CEC)",
        "13" => "Niveau 3 (CAP, BEP)",
        "14" => "Niveau 4 (baccalauréat)",
        "15" => "Niveau 5 (bac + 2)",
        "16" => "Niveau 6 (grade de licence)",
        "17" => "Niveau 7 (grade de master)",
        "18" => "Niveau 8 (doctorat)",
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
        "19" => "État - Ministère de l'intérieur",
        "20" => "OFII - Office français de l'immigration et de l'intégration",
        _ => return None,
    })
}
