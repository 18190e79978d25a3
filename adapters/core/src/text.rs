//! Text helpers shared by parsers and searches.

/// Folds a text for matching: lower case, accents removed, ligatures expanded, punctuation turned into
/// spaces, spaces collapsed. « Développeur / Développeuse » and "developpeur developpeuse" fold alike.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut space = true;
    for c in input.chars().flat_map(char::to_lowercase) {
        let mapped: &str = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
            'ù' | 'û' | 'ü' | 'ú' => "u",
            'ÿ' => "y",
            'œ' => "oe",
            'æ' => "ae",
            c if c.is_alphanumeric() => {
                out.push(c);
                space = false;
                continue;
            }
            _ => " ",
        };
        if mapped == " " {
            if !space {
                out.push(' ');
                space = true;
            }
        } else {
            out.push_str(mapped);
            space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Whether every word of `query` (folded) starts a word of `text` (folded).
pub fn matches_words(text_folded: &str, query_folded: &str) -> bool {
    query_folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .all(|w| text_folded.split(' ').any(|t| t.starts_with(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(
            fold("Développeur / Développeuse  WEB"),
            "developpeur developpeuse web"
        );
        assert_eq!(fold("Chef(fe) de chœur"), "chef fe de choeur");
        assert!(matches_words(
            &fold("Développeur / Développeuse web"),
            &fold("dév web")
        ));
        assert!(!matches_words(&fold("Développeur web"), &fold("plaquiste")));
    }
}
