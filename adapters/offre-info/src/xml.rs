//! A streaming reader of LHEO documents: it walks the document with quick-xml and hands over one
//! `<formation>` at a time as a small element tree, so memory stays constant per record whatever the size
//! of the file. Namespaces are matched by local name; the root must be an LHEO 2.2 or 2.3 `<lheo>`.

use passerelle_core::AdapterError;
use quick_xml::events::Event;

use crate::SOURCE;

/// LHEO 2.2 namespace, as the Intercarif feeds use it.
pub(crate) const NS_22: &str = "http://www.lheo.org/2.2";
/// LHEO 2.3 namespace (the XSD's target namespace).
pub(crate) const NS_23: &str = "http://lheo.gouv.fr/2.3";

/// An element with its attributes, text and children, and the line it starts on.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
    pub line: u64,
}

impl Node {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children named `name`.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child named `name`, if not empty.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// Follows a path of child names.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, name| node.child(name))
    }

    /// An attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads an LHEO document and calls `on_formation` for each `<formation>` (LHEO version is returned).
pub(crate) fn read_formations(
    name: &str,
    bytes: &[u8],
    mut on_formation: impl FnMut(Node),
) -> Result<&'static str, AdapterError> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut line: u64 = 1;
    let mut counted = 0usize;
    // Elements being built, innermost last; empty outside a <formation>.
    let mut stack: Vec<Node> = Vec::new();
    let mut version = None;
    let err = |line: u64, problem: String| {
        AdapterError::invalid(SOURCE, format!("{name}:{line}"), problem)
    };
    loop {
        let event = reader.read_event_into(&mut buf);
        let pos = usize::try_from(reader.buffer_position())
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let start_line = line;
        line += bytes[counted..pos].iter().filter(|&&b| b == b'\n').count() as u64;
        counted = pos;
        match event.map_err(|e| err(line, format!("XML invalide : {e}")))? {
            Event::Start(e) | Event::Empty(e) if version.is_none() => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let ns = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == b"xmlns")
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                    .unwrap_or_default();
                version = Some(match (local.as_str(), ns.as_str()) {
                    ("lheo", NS_22) => "2.2",
                    ("lheo", NS_23) => "2.3",
                    ("lheo", other) => {
                        return Err(err(
                            start_line,
                            format!(
                                "espace de noms « {other} » inconnu : {NS_22} ou {NS_23} attendu"
                            ),
                        ));
                    }
                    (other, _) => {
                        return Err(err(
                            start_line,
                            format!("élément racine <{other}> : <lheo> attendu"),
                        ));
                    }
                });
            }
            Event::Start(e) => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if !stack.is_empty() || local == "formation" {
                    stack.push(node(&e, local, start_line));
                }
            }
            Event::Empty(e) => {
                if let Some(parent) = stack.last_mut() {
                    let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    parent.children.push(node(&e, local, start_line));
                }
            }
            Event::Text(t) => {
                if let Some(current) = stack.last_mut() {
                    let text = t
                        .decode()
                        .map_err(|e| err(line, format!("texte illisible : {e}")))?;
                    let text = quick_xml::escape::unescape(&text)
                        .map_err(|e| err(line, format!("entité invalide : {e}")))?;
                    current.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(current) = stack.last_mut() {
                    let entity = String::from_utf8_lossy(&r);
                    let text = quick_xml::escape::unescape(&format!("&{entity};"))
                        .map_err(|e| err(line, format!("entité invalide : {e}")))?
                        .into_owned();
                    current.text.push_str(&text);
                }
            }
            Event::End(_) => {
                if let Some(done) = stack.pop() {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => on_formation(done),
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(err(
            line,
            "document tronqué : <formation> non refermée".into(),
        ));
    }
    version.ok_or_else(|| err(1, "document vide : <lheo> attendu".into()))
}

fn node(e: &quick_xml::events::BytesStart<'_>, name: String, line: u64) -> Node {
    let attrs = e
        .attributes()
        .flatten()
        .map(|a| {
            let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
            let value = a
                .unescape_value()
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
            (key, value)
        })
        .collect();
    Node {
        name,
        attrs,
        text: String::new(),
        children: Vec::new(),
        line,
    }
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
