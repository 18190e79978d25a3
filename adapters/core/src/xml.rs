//! A streaming XML reader for record-oriented publications (LHEO offers, ONISEP exports): it walks the
//! document with quick-xml and hands over one record element at a time as a small tree, so memory stays
//! constant per record whatever the size of the file. Names are matched by local name (namespaces are
//! the caller's business, through the root element), text and CDATA are joined, entities decoded, and
//! every element knows the line it starts on, for anomalies that say where.

use quick_xml::events::Event;

use crate::error::{AdapterError, SourceId};

/// An element with its attributes, text and children, and the line it starts on.
#[derive(Debug, Default, Clone)]
pub struct Node {
    /// Local name.
    pub name: String,
    /// Attributes by local name.
    pub attrs: Vec<(String, String)>,
    /// Text and CDATA content, joined.
    pub text: String,
    /// Child elements, in document order.
    pub children: Vec<Node>,
    /// Line of the start tag.
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

/// Reads a document whose records are the elements named `record` (at any depth outside another
/// record). `on_root` sees the root element (without children) and may refuse the document with a
/// message; `on_record` receives each record whole. Errors name the file and line.
pub fn read_records(
    source: SourceId,
    name: &str,
    bytes: &[u8],
    record: &str,
    mut on_root: impl FnMut(&Node) -> Result<(), String>,
    mut on_record: impl FnMut(Node),
) -> Result<(), AdapterError> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut line: u64 = 1;
    let mut counted = 0usize;
    // Elements being built, innermost last; empty outside a record.
    let mut stack: Vec<Node> = Vec::new();
    let mut seen_root = false;
    let err = |line: u64, problem: String| {
        AdapterError::invalid(source, format!("{name}:{line}"), problem)
    };
    loop {
        // Read from the slice itself: events borrow the document, nothing is copied.
        let event = reader.read_event();
        let pos = usize::try_from(reader.buffer_position())
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let start_line = line;
        line += bytes[counted..pos].iter().filter(|&&b| b == b'\n').count() as u64;
        counted = pos;
        match event.map_err(|e| err(line, format!("XML invalide : {e}")))? {
            Event::Start(e) | Event::Empty(e) if !seen_root => {
                seen_root = true;
                let root = node(&e, start_line);
                on_root(&root).map_err(|m| err(start_line, m))?;
            }
            Event::Start(e) => {
                let n = node(&e, start_line);
                if !stack.is_empty() || n.name == record {
                    stack.push(n);
                }
            }
            Event::Empty(e) => {
                let n = node(&e, start_line);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(n),
                    None if n.name == record => on_record(n),
                    None => {}
                }
            }
            Event::Text(t) => {
                // Blank text before any other text is indentation between elements (or leading blanks,
                // which readers trim anyway): not kept, so that containers allocate no text.
                if let Some(current) = stack
                    .last_mut()
                    .filter(|c| !c.text.is_empty() || !t.iter().all(u8::is_ascii_whitespace))
                {
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
                        None => on_record(done),
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(err(
            line,
            format!("document tronqué : <{record}> non refermé"),
        ));
    }
    if !seen_root {
        return Err(err(1, "document vide : aucun élément".into()));
    }
    Ok(())
}

/// The document's root element (name and attributes, no children), read without going further; `None`
/// when the document has no element or is not XML.
pub fn root_element(bytes: &[u8]) -> Option<Node> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) => return Some(node(&e, 0)),
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The local name of the document's root element (see [`root_element`]).
pub fn root_name(bytes: &[u8]) -> Option<String> {
    root_element(bytes).map(|n| n.name)
}

fn node(e: &quick_xml::events::BytesStart<'_>, line: u64) -> Node {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
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

    fn records(doc: &str, record: &str) -> Result<Vec<Node>, AdapterError> {
        let mut seen = Vec::new();
        read_records(
            "t",
            "f.xml",
            doc.as_bytes(),
            record,
            |_| Ok(()),
            |n| seen.push(n),
        )?;
        Ok(seen)
    }

    #[test]
    fn streams_records_with_lines_text_and_cdata() {
        let doc = "<?xml version=\"1.0\"?>\n<root>\n<item n=\"1\">\n<a>A &amp; B</a>\n<b><![CDATA[<p>x</p>]]></b>\n</item>\n<item/>\n</root>\n";
        let seen = records(doc, "item").unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].attr("n"), Some("1"));
        assert_eq!(seen[0].line, 3);
        assert_eq!(seen[0].text_of("a"), Some("A & B"));
        assert_eq!(seen[0].text_of("b"), Some("<p>x</p>"));
        assert_eq!(seen[0].child("a").map(|n| n.line), Some(4));
        assert!(seen[1].children.is_empty());
    }

    #[test]
    fn indentation_is_not_text_but_blanks_between_entities_are() {
        let doc = "<root>\n  <item>\n    <a>&lt; &gt;</a>\n    <b>  x  </b>\n    <c>\n</c>\n  </item>\n</root>";
        let seen = records(doc, "item").unwrap();
        let item = &seen[0];
        assert_eq!(item.text, "", "the indentation of a container is not kept");
        assert_eq!(item.child("a").unwrap().text, "< >");
        assert_eq!(item.child("b").unwrap().text, "  x  ");
        assert_eq!(item.child("c").unwrap().text, "");
        assert_eq!(item.child("b").unwrap().line, 4);
    }

    #[test]
    fn the_root_can_refuse_and_truncation_is_an_error() {
        let e = read_records(
            "t",
            "f.xml",
            b"<offres/>",
            "x",
            |r| Err(format!("élément racine <{}> : <lheo> attendu", r.name)),
            |_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("<lheo> attendu") && e.contains("f.xml:1"), "{e}");
        let e = records("<root><item><a>", "item").unwrap_err().to_string();
        assert!(e.contains("tronqué"), "{e}");
        assert!(
            records("", "item")
                .unwrap_err()
                .to_string()
                .contains("vide")
        );
    }

    #[test]
    fn the_root_name_alone() {
        assert_eq!(
            root_name(b"<?xml version=\"1.0\"?>\n<!-- c -->\n<metiers><metier/>").as_deref(),
            Some("metiers")
        );
        assert_eq!(root_name(b"not xml"), None);
    }
}
