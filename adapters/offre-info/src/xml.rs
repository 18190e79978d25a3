//! LHEO documents read as a stream of `<formation>` records (see [`passerelle_core::xml`]); the root
//! must be an LHEO 2.2 or 2.3 `<lheo>`.

use passerelle_core::AdapterError;
pub(crate) use passerelle_core::xml::Node;

use crate::SOURCE;

/// LHEO 2.2 namespace, as the Intercarif feeds use it.
pub(crate) const NS_22: &str = "http://www.lheo.org/2.2";
/// LHEO 2.3 namespace (the XSD's target namespace).
pub(crate) const NS_23: &str = "http://lheo.gouv.fr/2.3";

/// Reads an LHEO document and calls `on_formation` for each `<formation>` (LHEO version is returned).
pub(crate) fn read_formations(
    name: &str,
    bytes: &[u8],
    on_formation: impl FnMut(Node),
) -> Result<&'static str, AdapterError> {
    let mut version = None;
    passerelle_core::xml::read_records(
        SOURCE,
        name,
        bytes,
        "formation",
        |root| {
            let ns = root.attr("xmlns").unwrap_or_default();
            version = Some(match (root.name.as_str(), ns) {
                ("lheo", NS_22) => "2.2",
                ("lheo", NS_23) => "2.3",
                ("lheo", other) => {
                    return Err(format!(
                        "espace de noms « {other} » inconnu : {NS_22} ou {NS_23} attendu"
                    ));
                }
                (other, _) => return Err(format!("élément racine <{other}> : <lheo> attendu")),
            });
            Ok(())
        },
        on_formation,
    )?;
    version.ok_or_else(|| {
        AdapterError::invalid(
            SOURCE,
            format!("{name}:1"),
            "document vide : <lheo> attendu",
        )
    })
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
        assert!(e.contains("<lheo> attendu"), "{e}");
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
