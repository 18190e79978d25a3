//! Idéo-Fiches métiers records (`<metier>` element trees) -> detailed fiches. Pure functions.
//!
//! The dataset's structure has moved over the years, so the reading is lenient: unknown elements are
//! ignored, missing ones are `None`, and the known variants are all accepted — `<synonyme>` as text or
//! with a `<nom_metier>` child, `<format_court>` inside `<formats_courts>` or directly under `<metier>`,
//! `id`/`libelle` as child elements or attributes, ROME codes in `<romesV3><romeV3>` (or
//! `<romes><rome>`).

use passerelle_core::model::{
    CodeLibelle, FicheDetaillee, FormatCourt, FormationOnisep, MetierAssocie,
};
use passerelle_core::xml::Node;
use passerelle_core::{IdFormationOnisep, IdOnisep};

/// What a `<metier>` record gives.
#[derive(Debug)]
pub(crate) struct FicheRecord {
    pub id: IdOnisep,
    pub libelle: Option<String>,
    /// ROME codes as published (checked by the caller).
    pub codes_rome: Vec<String>,
    pub detail: FicheDetaillee,
}

/// Why a record could not be used.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// No `<identifiant>`.
    NoId,
    /// An identifier that is not `MET.n`.
    BadId(String),
}

fn text(node: &Node, name: &str) -> Option<String> {
    node.text_of(name).map(str::to_owned)
}

fn own_text(node: &Node) -> Option<String> {
    Some(node.text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// `id` and `libelle`, as children or attributes; a bare text is a label.
fn id_libelle(node: &Node) -> (Option<String>, Option<String>) {
    let id = node
        .text_of("id")
        .or_else(|| node.attr("id"))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let libelle = node
        .text_of("libelle")
        .or_else(|| node.attr("libelle"))
        .map(str::to_owned)
        .or_else(|| own_text(node).filter(|_| node.children.is_empty()));
    (id, libelle)
}

/// The items of a list element (`<statuts><statut>…`), or of its items placed directly under `parent`.
fn items<'a>(
    parent: &'a Node,
    list: &'a str,
    item: &'a str,
) -> impl Iterator<Item = &'a Node> + 'a {
    parent
        .children(list)
        .flat_map(move |l| l.children(item))
        .chain(parent.children(item))
}

fn coded(parent: &Node, list: &str, item: &str) -> Vec<CodeLibelle> {
    items(parent, list, item)
        .filter_map(|n| match id_libelle(n) {
            (Some(code), libelle) => Some(CodeLibelle { code, libelle }),
            (None, Some(libelle)) => Some(CodeLibelle {
                code: String::new(),
                libelle: Some(libelle),
            }),
            (None, None) => None,
        })
        .collect()
}

/// Reads one `<metier>` record.
pub(crate) fn fiche(node: &Node) -> Result<FicheRecord, Unusable> {
    let raw_id = node.text_of("identifiant").ok_or(Unusable::NoId)?;
    let id = IdOnisep::parse(raw_id).map_err(|_| Unusable::BadId(raw_id.to_owned()))?;
    let synonymes = items(node, "synonymes", "synonyme")
        .filter_map(|s| text(s, "nom_metier").or_else(|| own_text(s)))
        .collect();
    let codes_rome = items(node, "romesV3", "romeV3")
        .chain(items(node, "romes", "rome"))
        .filter_map(|r| text(r, "code").or_else(|| own_text(r)))
        .collect();
    let formats_courts: Vec<FormatCourt> = items(node, "formats_courts", "format_court")
        .map(|f| FormatCourt {
            type_format: text(f, "type"),
            libelle: text(f, "libelle"),
            descriptif: text(f, "descriptif"),
        })
        .collect();
    let accroche = text(node, "accroche_metier").or_else(|| {
        formats_courts
            .iter()
            .find(|f| f.type_format.as_deref() == Some("accroche_metier"))
            .and_then(|f| f.descriptif.clone())
    });
    let formations_minimales = items(node, "formations_min_requise", "formation_min_requise")
        .filter_map(|f| {
            let (id, libelle) = id_libelle(f);
            Some(FormationOnisep {
                id: IdFormationOnisep::parse(&id?).ok()?,
                libelle,
            })
        })
        .collect();
    let metiers_associes = items(node, "metiers_associes", "metier_associe")
        .filter_map(|m| {
            let (id, libelle) = id_libelle(m);
            Some(MetierAssocie {
                id: IdOnisep::parse(&id?).ok()?,
                libelle,
            })
        })
        .collect();
    let niveau_acces_minimum = node.child("niveau_acces_min").and_then(|n| {
        let (code, libelle) = id_libelle(n);
        (code.is_some() || libelle.is_some()).then(|| CodeLibelle {
            code: code.unwrap_or_default(),
            libelle,
        })
    });
    Ok(FicheRecord {
        id,
        libelle: text(node, "nom_metier"),
        codes_rome,
        detail: FicheDetaillee {
            libelle_feminin: text(node, "libelle_feminin"),
            libelle_masculin: text(node, "libelle_masculin"),
            synonymes,
            accroche,
            nature_travail: text(node, "nature_travail"),
            competences: text(node, "competences"),
            conditions_travail: text(node, "condition_travail")
                .or_else(|| text(node, "conditions_travail")),
            acces_metier: text(node, "acces_metier"),
            vie_professionnelle: text(node, "vie_professionnelle"),
            niveau_acces_minimum,
            formations_minimales,
            centres_interet: coded(node, "centres_interet", "centre_interet"),
            metiers_associes,
            secteurs_activite: coded(node, "secteurs_activite", "secteur_activite"),
            statuts: coded(node, "statuts", "statut"),
            formats_courts,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Vec<Node> {
        let mut nodes = Vec::new();
        passerelle_core::xml::read_records(
            "onisep",
            "f.xml",
            xml.as_bytes(),
            "metier",
            |_| Ok(()),
            |n| nodes.push(n),
        )
        .unwrap();
        nodes
    }

    #[test]
    fn the_2023_structure() {
        let xml = r#"<metiers><metier>
<identifiant>MET.31</identifiant><nom_metier>cartographe</nom_metier>
<libelle_feminin>cartographe</libelle_feminin>
<synonymes><synonyme>cartographe SIG</synonyme></synonymes>
<romesV3><romeV3>M1808</romeV3></romesV3>
<competences><![CDATA[<p>Rigueur</p>]]></competences>
<accroche_metier><![CDATA[<p>Cartes</p>]]></accroche_metier>
<formats_courts><format_court><type>Dico des métiers</type><libelle>cartographe</libelle><descriptif>court</descriptif></format_court></formats_courts>
<statuts><statut><id>T-ITM.9</id><id_ideo1>100215</id_ideo1><libelle>salarié</libelle></statut></statuts>
<metiers_associes/>
<niveau_acces_min><id>REF.410</id><libelle>Bac + 5</libelle></niveau_acces_min>
<formations_min_requise><formation_min_requise><id>FOR.1013</id><libelle>master géographie</libelle></formation_min_requise></formations_min_requise>
<secteurs_activite><secteur_activite><id>T-IDEO2.4852</id><libelle>Agriculture</libelle></secteur_activite></secteurs_activite>
<centres_interet><centre_interet><id>T-IDEO2.5718</id><libelle>j'ai un bon coup de crayon</libelle></centre_interet></centres_interet>
<inconnu>ignoré</inconnu>
</metier></metiers>"#;
        let f = fiche(&parse(xml)[0]).unwrap();
        assert_eq!(f.id.as_str(), "MET.31");
        assert_eq!(f.codes_rome, vec!["M1808".to_owned()]);
        let d = f.detail;
        assert_eq!(d.synonymes, vec!["cartographe SIG".to_owned()]);
        assert_eq!(d.competences.as_deref(), Some("<p>Rigueur</p>"));
        assert_eq!(d.accroche.as_deref(), Some("<p>Cartes</p>"));
        assert_eq!(d.statuts[0].libelle.as_deref(), Some("salarié"));
        assert_eq!(
            d.niveau_acces_minimum.map(|n| n.code),
            Some("REF.410".into())
        );
        assert_eq!(d.formations_minimales[0].id.as_str(), "FOR.1013");
        assert_eq!(d.centres_interet[0].code, "T-IDEO2.5718");
        assert_eq!(d.formats_courts.len(), 1);
        assert!(d.metiers_associes.is_empty());
        assert_eq!(d.nature_travail, None, "missing elements are None");
    }

    #[test]
    fn the_newer_variants_and_unusable_records() {
        let xml = r#"<metiers>
<metier><identifiant>MET.12</identifiant><nom_metier>développeur</nom_metier>
<synonymes><synonyme><nom_metier>programmeur</nom_metier></synonyme></synonymes>
<format_court><type>accroche_metier</type><descriptif>Du code</descriptif></format_court>
<centres_interet><centre_interet id="T-IDEO2.1" libelle="j'aime l'informatique"/></centres_interet>
<metiers_associes><metier_associe><id>MET.84</id><libelle>testeur</libelle></metier_associe></metiers_associes>
</metier>
<metier><nom_metier>sans identifiant</nom_metier></metier>
<metier><identifiant>FOR.3</identifiant></metier>
</metiers>"#;
        let nodes = parse(xml);
        let f = fiche(&nodes[0]).unwrap();
        assert_eq!(f.detail.synonymes, vec!["programmeur".to_owned()]);
        assert_eq!(f.detail.accroche.as_deref(), Some("Du code"));
        assert_eq!(
            f.detail.centres_interet[0].libelle.as_deref(),
            Some("j'aime l'informatique")
        );
        assert_eq!(f.detail.metiers_associes[0].id.as_str(), "MET.84");
        assert_eq!(fiche(&nodes[1]).unwrap_err(), Unusable::NoId);
        assert_eq!(
            fiche(&nodes[2]).unwrap_err(),
            Unusable::BadId("FOR.3".into())
        );
    }
}
