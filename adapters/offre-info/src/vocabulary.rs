//! The LHEO vocabulary: every element name of LHEO 2.3 (which LHEO 2.2 documents also use), so that a
//! misspelled element (the Anotea fixture's `<coordonneFs>`) is reported with its path and line instead
//! of being skipped in silence. Names only, not a full schema validation: the content of `<extras>` is
//! free by design and is not checked.

use passerelle_core::xml::Node;

/// Every element name declared by the LHEO 2.3 schema, sorted.
const ELEMENTS: &[&str] = &[
    "SIRET",
    "SIRET-formateur",
    "SIRET-lieu-formation",
    "SIRET-organisme-formation",
    "a-distance",
    "acces-handicapes",
    "action",
    "adresse",
    "adresse-information",
    "adresse-inscription",
    "alternance",
    "annee-cycle",
    "bloc-competences",
    "blocs-competences",
    "capacite-cumulee",
    "capacite-simultanee",
    "certifiante",
    "certification",
    "civilite",
    "code-CERTIFINFO",
    "code-CPF",
    "code-ELU",
    "code-FORMACODE",
    "code-INSEE-canton",
    "code-INSEE-commune",
    "code-NSF",
    "code-RNCP",
    "code-ROME",
    "code-RS",
    "code-UAI",
    "code-UAI-formateur",
    "code-UAI-lieu-formation",
    "code-UAI-organisme-formation",
    "code-bloc",
    "code-financeur",
    "code-modalite-pedagogique",
    "code-niveau-entree",
    "code-niveau-sortie",
    "code-perimetre-recrutement",
    "code-public-vise",
    "code-type-formation",
    "codepostal",
    "commentaire",
    "conditions-specifiques",
    "contact-formateur",
    "contact-formation",
    "contact-formation-resume",
    "contact-organisme",
    "contact-session",
    "contenu-formation",
    "conventionnement",
    "coordonnees",
    "coordonnees-organisme",
    "courriel",
    "cout-indicatif-equipement",
    "cycle",
    "date",
    "date-information",
    "debut",
    "denomination",
    "departement",
    "detail-conditions-prise-en-charge",
    "domaine-formation",
    "duree-conventionnee",
    "duree-cycle",
    "duree-indicative",
    "effectif-minimal",
    "enseignement",
    "equipement",
    "etat-recrutement",
    "extra",
    "extras",
    "fax",
    "fin",
    "formation",
    "frais-restants",
    "geolocalisation",
    "hebergement",
    "heure-debut",
    "heure-fin",
    "identifiant-module",
    "info-public-vise",
    "infos-perimetre-recrutement",
    "intitule-formation",
    "langue-formation",
    "latitude",
    "lheo",
    "lheo-index",
    "lheo-plus",
    "libelle-bloc",
    "libelle-enseignement",
    "lieu-de-formation",
    "ligne",
    "longitude",
    "modalite-recrutement",
    "modalites-alternance",
    "modalites-enseignement",
    "modalites-entrees-sorties",
    "modalites-inscription",
    "modalites-pedagogiques",
    "modalites-recrutement",
    "modules-prerequis",
    "nb-places",
    "nb-places-financees",
    "niveau-entree-obligatoire",
    "nom",
    "nom-organisme",
    "nombre-heures-centre",
    "nombre-heures-entreprise",
    "nombre-heures-total",
    "numero-activite",
    "numtel",
    "objectif-formation",
    "objectif-general-formation",
    "obligatoire",
    "offres",
    "organisme-financeur",
    "organisme-formateur",
    "organisme-formation-responsable",
    "parcours-de-formation",
    "pays",
    "periode",
    "periode-inscription",
    "portable",
    "positionnement",
    "potentiel",
    "prenom",
    "prise-en-charge-frais-possible",
    "prix-horaire-TTC",
    "prix-total-TTC",
    "raison-sociale",
    "raison-sociale-formateur",
    "recrutement",
    "reference-certification",
    "reference-code-CERTIFINFO",
    "reference-code-FORMACODE",
    "reference-code-RNCP",
    "reference-code-RS",
    "reference-module",
    "region",
    "renseignements-specifiques",
    "restauration",
    "resultats-attendus",
    "resume-offre",
    "resume-organisme",
    "resumes-offres",
    "resumes-organismes",
    "rythme-alternance",
    "rythme-formation",
    "session",
    "sous-module",
    "sous-modules",
    "telfixe",
    "transport",
    "type-alternance",
    "type-contact",
    "type-cycle",
    "type-enseignement",
    "type-equipement",
    "type-module",
    "unite-rythme-alternance",
    "unites-centre",
    "unites-entreprise",
    "url-action",
    "url-formation",
    "url-session",
    "urlweb",
    "validation-blocs",
    "ville",
    "web",
];

/// Whether `name` is an LHEO element.
pub(crate) fn is_lheo(name: &str) -> bool {
    // Every element of every action is checked at load: a hash set, not a binary search.
    static SET: std::sync::LazyLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::LazyLock::new(|| ELEMENTS.iter().copied().collect());
    SET.contains(name)
}

/// Calls `unknown(path, node)` for every element of `node`'s tree that LHEO does not define (the
/// content of `<extras>` aside), with its path from `node`. Paths are built only for those.
pub(crate) fn check(node: &Node, path: &str, unknown: &mut impl FnMut(&str, &Node)) {
    let mut stack = vec![path];
    walk(node, &mut stack, unknown);
}

fn walk<'a>(node: &'a Node, stack: &mut Vec<&'a str>, unknown: &mut impl FnMut(&str, &Node)) {
    for child in &node.children {
        if !is_lheo(&child.name) {
            let mut path = stack.join("/");
            path.push('/');
            path.push_str(&child.name);
            unknown(&path, child);
        } else if child.name != "extras" && !child.children.is_empty() {
            stack.push(&child.name);
            walk(child, stack, unknown);
            stack.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_complete_against_the_real_xsd() {
        assert!(
            ELEMENTS.windows(2).all(|w| w[0] < w[1]),
            "sorted, for binary search"
        );
        let xsd = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/offre-info/lheo-2.3-schema/lheo.xsd");
        let text = std::fs::read_to_string(&xsd)
            .unwrap_or_else(|e| panic!("the LHEO 2.3 XSD is expected at {}: {e}", xsd.display()));
        let declared: std::collections::BTreeSet<&str> = text
            .split("<xs:element name=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        let ours: std::collections::BTreeSet<&str> = ELEMENTS.iter().copied().collect();
        assert_eq!(ours, declared, "the list is the XSD's element names");
        assert!(is_lheo("coordonnees") && !is_lheo("coordonneFs"));
    }
}
