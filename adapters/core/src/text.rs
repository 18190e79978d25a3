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

/// The rank of each text, by position, in the order of the folded texts (equal ones by position):
/// an order by label computed once at load instead of folding at every search.
pub fn folded_ranks<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
    let mut folded: Vec<(String, usize)> = texts
        .into_iter()
        .enumerate()
        .map(|(i, t)| (fold(t), i))
        .collect();
    folded.sort_unstable();
    let mut ranks = vec![0u32; folded.len()];
    for (rank, (_, i)) in folded.into_iter().enumerate() {
        ranks[i] = u32::try_from(rank).unwrap_or(u32::MAX);
    }
    ranks
}

/// Whether every word of `query` (folded) starts a word of `text` (folded).
pub fn matches_words(text_folded: &str, query_folded: &str) -> bool {
    query_folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .all(|w| text_folded.split(' ').any(|t| t.starts_with(w)))
}

/// Line numbers of byte offsets in a document read front to back, counted incrementally. The csv
/// crate's own line numbers run one short in CRLF files (the `\n` of a `\r\n` is counted with the next
/// record), and the French exports (RNCP, ONISEP) are CRLF: parsers name lines through this instead.
#[derive(Debug)]
pub struct LineCounter<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    /// A counter over `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            at: 0,
            line: 1,
        }
    }

    /// The line (from 1) where the record starting at byte `offset` begins: line breaks just at the
    /// offset belong to the previous record.
    pub fn line_of(&mut self, offset: u64) -> u64 {
        let mut target = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while target < self.bytes.len() && matches!(self.bytes[target], b'\r' | b'\n') {
            target += 1;
        }
        if target < self.at {
            self.at = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.at..target]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.at = target;
        self.line
    }
}

/// A CSV file read whole: its headers (trimmed) and each record with the line it starts on.
#[derive(Debug)]
pub struct CsvTable {
    /// Column names, trimmed.
    pub headers: Vec<String>,
    /// Records, each with its line (from 1, counted right in CRLF files).
    pub records: Vec<(u64, csv::StringRecord)>,
}

/// Reads a CSV file separated by `delimiter` (a UTF-8 byte order mark skipped; rows may have more or
/// fewer fields than the header): an unreadable header or row is an error naming the file and line.
pub fn read_csv(
    source: crate::SourceId,
    name: &str,
    bytes: &[u8],
    delimiter: u8,
) -> Result<CsvTable, crate::AdapterError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| {
            crate::AdapterError::invalid(
                source,
                format!("{name}:1"),
                format!("en-tête illisible : {e}"),
            )
        })?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut lines = LineCounter::new(bytes);
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| lines.line_of(p.byte()));
            crate::AdapterError::invalid(
                source,
                format!("{name}:{line}"),
                format!("ligne illisible : {e}"),
            )
        })?;
        let line = record.position().map_or(0, |p| lines.line_of(p.byte()));
        records.push((line, record));
    }
    Ok(CsvTable { headers, records })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_folded_texts_then_positions() {
        assert_eq!(
            folded_ranks(["Électricien", "boulanger", "electricien", "Ébéniste"]),
            vec![2, 0, 3, 1]
        );
    }

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

    #[test]
    fn lines_of_crlf_and_lf_records() {
        let crlf = b"a;b\r\n1;2\r\n3;4\r\n";
        let mut c = LineCounter::new(crlf);
        // The csv crate reports the records at bytes 4 and 9 (the `\n` of each `\r\n`).
        assert_eq!(c.line_of(4), 2);
        assert_eq!(c.line_of(9), 3);
        let lf = b"a;b\n1;2\n3;4\n";
        let mut c = LineCounter::new(lf);
        assert_eq!(c.line_of(4), 2);
        assert_eq!(c.line_of(8), 3);
        assert_eq!(c.line_of(0), 1, "going back starts over");
    }
}
