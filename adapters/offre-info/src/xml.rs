//! LHEO documents read as a stream of records (see [`passerelle_core::xml`]): the `<formation>`s of an
//! offer document (`<lheo>`), or the `<resume-offre>`s of an Intercarif search answer (`<lheo-index>`),
//! in the LHEO 2.2 or 2.3 namespace.

use passerelle_core::AdapterError;
pub(crate) use passerelle_core::xml::Node;

use crate::SOURCE;

/// LHEO 2.2 namespace, as the Intercarif feeds use it.
pub(crate) const NS_22: &str = "http://www.lheo.org/2.2";
/// LHEO 2.3 namespace (the XSD's target namespace).
pub(crate) const NS_23: &str = "http://lheo.gouv.fr/2.3";

/// What an LHEO document holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `<lheo>`: full offers, one `<formation>` per record.
    Offres,
    /// `<lheo-index>`: an Intercarif search answer, one `<resume-offre>` per record.
    Index,
}

/// The kind and LHEO version of a document, from its root element alone.
pub(crate) fn identify(name: &str, bytes: &[u8]) -> Result<(Kind, &'static str), AdapterError> {
    let err = |problem: String| AdapterError::invalid(SOURCE, format!("{name}:1"), problem);
    let root = passerelle_core::xml::root_element(bytes)
        .ok_or_else(|| err("document vide ou illisible : <lheo> attendu".into()))?;
    let kind = match root.name.as_str() {
        "lheo" => Kind::Offres,
        "lheo-index" => Kind::Index,
        other => {
            return Err(err(format!(
                "élément racine <{other}> : <lheo> (offres) ou <lheo-index> (réponse de recherche Intercarif) attendu"
            )));
        }
    };
    let version = match root.attr("xmlns").unwrap_or_default() {
        NS_22 => "2.2",
        NS_23 => "2.3",
        other => {
            return Err(err(format!(
                "espace de noms « {other} » inconnu : {NS_22} ou {NS_23} attendu"
            )));
        }
    };
    Ok((kind, version))
}

/// Reads an LHEO document and calls `on_record` for each record (`<formation>` or `<resume-offre>`);
/// returns the kind of document and its LHEO version.
pub(crate) fn read_document(
    name: &str,
    bytes: &[u8],
    on_record: impl FnMut(Node),
) -> Result<(Kind, &'static str), AdapterError> {
    let (kind, version) = identify(name, bytes)?;
    let record = match kind {
        Kind::Offres => "formation",
        Kind::Index => "resume-offre",
    };
    passerelle_core::xml::read_records(SOURCE, name, bytes, record, |_| Ok(()), on_record)?;
    Ok((kind, version))
}

/// Reads an offer document (`<lheo>`) and calls `on_formation` for each `<formation>`.
#[cfg(test)]
pub(crate) fn read_formations(
    name: &str,
    bytes: &[u8],
    on_formation: impl FnMut(Node),
) -> Result<&'static str, AdapterError> {
    read_document(name, bytes, on_formation).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_formations_with_lines() {
        let doc = format!(
            "<?xml version=\"1.0\"?>\n<lheo xmlns=\"{NS_23}\">\n<offres>\n<formation numero=\"F1\">\n<intitule-formation>A &amp; B</intitule-formation>\n<certifiante/>\n</formation>\n</offres>\n</lheo>\n"
        );
        let mut seen = Vec::new();
        let version = read_formations("f.xml", doc.as_bytes(), |n| seen.push(n)).unwrap();
        assert_eq!(version, "2.3");
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].attr("numero"), Some("F1"));
        assert_eq!(seen[0].line, 4);
        assert_eq!(seen[0].text_of("intitule-formation"), Some("A & B"));
        assert_eq!(seen[0].child("intitule-formation").map(|n| n.line), Some(5));
    }

    #[test]
    fn wrong_root_or_namespace_is_an_error() {
        let e = read_formations("f.xml", b"<offres/>", |_| {})
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("<lheo> (offres)") && e.contains("<offres>"),
            "{e}"
        );
        let e = read_formations("f.xml", b"<lheo xmlns=\"urn:x\"></lheo>", |_| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("urn:x"), "{e}");
        let e = read_formations(
            "f.xml",
            format!("<lheo xmlns=\"{NS_22}\"><offres><formation>").as_bytes(),
            |_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("f.xml:1"), "{e}");
    }
}
