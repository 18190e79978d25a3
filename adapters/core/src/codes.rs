//! Official codes as types.
//!
//! Every join in passerelle is made on a code published by a producer (ROME, INSEE, RNCP…). Each code is
//! a newtype whose only constructor is `parse`: it trims and normalises the input (upper case, optional
//! prefixes such as `RNCP`) and rejects malformed values with a [`CodeError`] that names the value and the
//! rule. A value of one of these types is therefore always well-formed; whether it *exists* in a
//! référentiel is the adapters' business.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A code that did not follow its rule. The message names the kind of code, the value and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} « {value} » invalide : {rule}")]
pub struct CodeError {
    /// The kind of code (« code ROME », « code INSEE »…).
    pub kind: &'static str,
    /// The rejected value, as given (trimmed).
    pub value: String,
    /// The rule the value breaks, in words.
    pub rule: &'static str,
}

impl CodeError {
    fn new(kind: &'static str, value: &str, rule: &'static str) -> Self {
        Self {
            kind,
            value: value.to_owned(),
            rule,
        }
    }
}

/// Declares a string newtype with `parse`, `as_str`, `Display`, `FromStr` and serde support going through
/// `parse`, so that a code deserialised from a file or a configuration is validated like any other.
macro_rules! code_type {
    ($(#[$meta:meta])* $name:ident, $kind:literal, $normalise:path) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Human name of this kind of code, used in error messages.
            pub const KIND: &'static str = $kind;

            /// Parses and normalises a code, or says which rule it breaks.
            pub fn parse(input: &str) -> Result<Self, CodeError> {
                $normalise(input.trim()).map(Self).map_err(|rule| CodeError::new($kind, input.trim(), rule))
            }

            /// The normalised code.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn normalise_rome(s: &str) -> Result<String, &'static str> {
    let up = s.to_ascii_uppercase();
    let b = up.as_bytes();
    let ok = b.len() == 5 && (b'A'..=b'N').contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit);
    if ok {
        Ok(up)
    } else {
        Err("une lettre de A à N suivie de 4 chiffres (ex. M1805)")
    }
}

fn normalise_ogr(s: &str) -> Result<String, &'static str> {
    let trimmed = s.trim_start_matches('0');
    if all_digits(s) && s.len() <= 9 && !trimmed.is_empty() {
        Ok(trimmed.to_owned())
    } else {
        Err("un identifiant numérique non nul d'au plus 9 chiffres (ex. 38971)")
    }
}

fn normalise_formacode(s: &str) -> Result<String, &'static str> {
    if all_digits(s) && s.len() == 5 {
        Ok(s.to_owned())
    } else {
        Err("5 chiffres (ex. 31054)")
    }
}

fn normalise_rncp(s: &str) -> Result<String, &'static str> {
    let up = s.to_ascii_uppercase();
    let digits = up.strip_prefix("RNCP").unwrap_or(&up).trim_start();
    let digits = digits.trim_start_matches('0');
    if all_digits(digits) && digits.len() <= 6 {
        Ok(format!("RNCP{digits}"))
    } else {
        Err(
            "un numéro de fiche RNCP : 1 à 6 chiffres, avec ou sans le préfixe RNCP (ex. RNCP37674 ou 37674)",
        )
    }
}

fn normalise_certif_info(s: &str) -> Result<String, &'static str> {
    let trimmed = s.trim_start_matches('0');
    if all_digits(s) && s.len() <= 7 && !trimmed.is_empty() {
        Ok(trimmed.to_owned())
    } else {
        Err("un numéro Certif Info : 1 à 7 chiffres (ex. 80735)")
    }
}

fn normalise_cfd(s: &str) -> Result<String, &'static str> {
    let up = s.to_ascii_uppercase();
    if up.len() == 8 && up.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(up)
    } else {
        Err("8 caractères alphanumériques (ex. 32031213)")
    }
}

/// Luhn checksum over ASCII digits, as used for SIREN and SIRET.
fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn normalise_siret(s: &str) -> Result<String, &'static str> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !(all_digits(&compact) && compact.len() == 14) {
        return Err("14 chiffres (SIREN sur 9 chiffres + NIC sur 5)");
    }
    // La Poste's establishments (SIREN 356000000) do not follow the Luhn rule on the full SIRET.
    if compact.starts_with("356000000") || luhn_ok(&compact) {
        Ok(compact)
    } else {
        Err("la clé de contrôle (algorithme de Luhn) ne correspond pas")
    }
}

fn normalise_insee(s: &str) -> Result<String, &'static str> {
    let up = s.to_ascii_uppercase();
    let b = up.as_bytes();
    let rule = "5 caractères : 2 chiffres de département (ou 2A/2B pour la Corse) puis 3 chiffres (ex. 69123, 2A004)";
    if b.len() != 5 || !b[2..].iter().all(u8::is_ascii_digit) {
        return Err(rule);
    }
    let dept_ok =
        b[..2].iter().all(u8::is_ascii_digit) || (b[0] == b'2' && (b[1] == b'A' || b[1] == b'B'));
    if dept_ok && &up[..2] != "00" {
        Ok(up)
    } else {
        Err(rule)
    }
}

fn normalise_departement(s: &str) -> Result<String, &'static str> {
    let up = s.to_ascii_uppercase();
    let rule = "2 chiffres (01 à 95), 2A ou 2B, ou 3 chiffres pour l'outre-mer (971 à 989)";
    let ok = match up.len() {
        1 if all_digits(&up) && up != "0" => return Ok(format!("0{up}")),
        2 => {
            (all_digits(&up) && up != "00" && up != "20" && up.as_str() <= "95")
                || up == "2A"
                || up == "2B"
        }
        3 => all_digits(&up) && ("971"..="989").contains(&up.as_str()),
        _ => false,
    };
    if ok { Ok(up) } else { Err(rule) }
}

/// `PREFIX.n`: the prefix (any case) and a number of at most 8 digits, leading zeros dropped.
fn normalise_onisep_id(s: &str, prefix: &str, rule: &'static str) -> Result<String, &'static str> {
    let up = s.to_ascii_uppercase();
    let digits = up
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('.'))
        .ok_or(rule)?;
    let trimmed = digits.trim_start_matches('0');
    if all_digits(digits) && digits.len() <= 8 && !trimmed.is_empty() {
        Ok(format!("{prefix}.{trimmed}"))
    } else {
        Err(rule)
    }
}

fn normalise_onisep(s: &str) -> Result<String, &'static str> {
    normalise_onisep_id(
        s,
        "MET",
        "un identifiant ONISEP de métier : MET. suivi d'un nombre (ex. MET.84)",
    )
}

fn normalise_onisep_formation(s: &str) -> Result<String, &'static str> {
    normalise_onisep_id(
        s,
        "FOR",
        "un identifiant ONISEP de formation : FOR. suivi d'un nombre (ex. FOR.3642)",
    )
}

code_type!(
    /// Code ROME of a fiche métier (`M1805`): a letter from A to N (the grand domaine) and four digits.
    CodeRome, "code ROME", normalise_rome
);
code_type!(
    /// Code OGR: ROME's internal identifier of an appellation, a compétence or a savoir.
    CodeOgr, "code OGR", normalise_ogr
);
code_type!(
    /// Formacode (Centre Inffo): the 5-digit thesaurus code of a training domain.
    Formacode, "Formacode", normalise_formacode
);
code_type!(
    /// Number of a certification in the Répertoire national des certifications professionnelles,
    /// normalised with its `RNCP` prefix (`RNCP37674`): `37674` and `RNCP37674` are one code.
    CodeRncp, "code RNCP", normalise_rncp
);
code_type!(
    /// Certif Info number of a certification (Carif-Oref / ONISEP référentiel).
    CodeCertifInfo, "code Certif Info", normalise_certif_info
);
code_type!(
    /// Code formation diplôme (Éducation nationale), 8 characters.
    Cfd, "code CFD", normalise_cfd
);
code_type!(
    /// SIRET of an establishment: 14 digits with a Luhn key (spaces are removed).
    Siret, "SIRET", normalise_siret
);
code_type!(
    /// Code officiel géographique of a commune (INSEE), `2A`/`2B` in Corsica.
    CodeInsee, "code INSEE", normalise_insee
);
code_type!(
    /// Code of a département: `01`–`95`, `2A`, `2B`, or `971`–`989` overseas.
    CodeDepartement, "code département", normalise_departement
);
code_type!(
    /// Identifier of an ONISEP Idéo formation (`FOR.3642`).
    IdFormationOnisep, "identifiant de formation ONISEP", normalise_onisep_formation
);
code_type!(
    /// Identifier of an ONISEP Idéo métier (`MET.84`).
    IdOnisep, "identifiant ONISEP", normalise_onisep
);

impl CodeRome {
    /// The grand domaine letter (`M` for `M1805`).
    pub fn grand_domaine(&self) -> &str {
        &self.0[..1]
    }

    /// The domaine professionnel (`M18` for `M1805`).
    pub fn domaine_professionnel(&self) -> &str {
        &self.0[..3]
    }
}

impl CodeInsee {
    /// The département a commune belongs to, derived from its code: two characters in metropolitan
    /// France and Corsica (`2A`, `2B`), three for the overseas départements and collectivités (`97x`, `98x`).
    pub fn departement(&self) -> CodeDepartement {
        CodeDepartement(self.departement_str().to_owned())
    }

    /// [`CodeInsee::departement`], borrowed.
    pub fn departement_str(&self) -> &str {
        let len = if self.0.starts_with("97") || self.0.starts_with("98") {
            3
        } else {
            2
        };
        &self.0[..len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rome_is_normalised_and_checked() {
        assert_eq!(
            CodeRome::parse(" m1805 ").map(|c| c.to_string()),
            Ok("M1805".to_owned())
        );
        let err = CodeRome::parse("ZZ").unwrap_err();
        assert_eq!(err.value, "ZZ");
        assert!(
            err.to_string().contains("code ROME « ZZ » invalide"),
            "{err}"
        );
        assert!(err.to_string().contains("A à N"), "{err}");
        assert!(
            CodeRome::parse("O1234").is_err(),
            "O is not a grand domaine"
        );
        assert!(CodeRome::parse("K15").is_err());
        assert_eq!(
            CodeRome::parse("M1805").map(|c| c.domaine_professionnel().to_owned()),
            Ok("M18".into())
        );
    }

    #[test]
    fn rncp_with_or_without_prefix_is_one_code() {
        assert_eq!(CodeRncp::parse("RNCP36721"), CodeRncp::parse("36721"));
        assert_eq!(
            CodeRncp::parse("rncp 320").map(|c| c.to_string()),
            Ok("RNCP320".into())
        );
        let err = CodeRncp::parse("RNCPabc").unwrap_err();
        assert!(err.rule.contains("chiffres"));
    }

    #[test]
    fn insee_accepts_corsica_and_overseas() {
        assert_eq!(
            CodeInsee::parse("2a004").map(|c| c.to_string()),
            Ok("2A004".into())
        );
        assert_eq!(
            CodeInsee::parse("97411").map(|c| c.departement().to_string()),
            Ok("974".into())
        );
        assert_eq!(
            CodeInsee::parse("2B033").map(|c| c.departement().to_string()),
            Ok("2B".into())
        );
        assert_eq!(
            CodeInsee::parse("69123").map(|c| c.departement().to_string()),
            Ok("69".into())
        );
        for bad in ["6912", "2C004", "ABCDE", "00123", "691234"] {
            assert!(CodeInsee::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn departement_rules() {
        assert_eq!(
            CodeDepartement::parse("1").map(|c| c.to_string()),
            Ok("01".into())
        );
        assert!(CodeDepartement::parse("2a").is_ok());
        assert!(CodeDepartement::parse("974").is_ok());
        assert!(CodeDepartement::parse("96").is_err());
        assert!(CodeDepartement::parse("20").is_err());
    }

    #[test]
    fn siret_checks_length_and_luhn() {
        assert_eq!(
            Siret::parse("824 228 142 01874").map(|c| c.to_string()),
            Ok("82422814201874".into())
        );
        let too_long = Siret::parse("824228142018745").unwrap_err();
        assert!(too_long.rule.contains("14 chiffres"), "{too_long}");
        let bad_key = Siret::parse("82422814201875").unwrap_err();
        assert!(bad_key.rule.contains("Luhn"), "{bad_key}");
        assert!(
            Siret::parse("35600000000048").is_ok(),
            "La Poste is exempt from Luhn"
        );
    }

    #[test]
    fn other_codes() {
        assert!(Formacode::parse("31054").is_ok());
        assert!(Formacode::parse("3105").is_err());
        assert_eq!(
            CodeOgr::parse("00494").map(|c| c.to_string()),
            Ok("494".into())
        );
        assert!(CodeOgr::parse("0").is_err());
        assert_eq!(
            CodeCertifInfo::parse("80735").map(|c| c.to_string()),
            Ok("80735".into())
        );
        assert!(CodeCertifInfo::parse("80a35").is_err());
        assert_eq!(
            Cfd::parse("32031213").map(|c| c.to_string()),
            Ok("32031213".into())
        );
        assert!(Cfd::parse("3203121").is_err());
        assert_eq!(
            IdOnisep::parse("met.084").map(|c| c.to_string()),
            Ok("MET.84".into())
        );
        assert!(IdOnisep::parse("FOR.84").is_err());
        assert!(IdOnisep::parse("MET.").is_err());
        assert!(IdOnisep::parse("MET.000").is_err());
        assert_eq!(
            IdFormationOnisep::parse("for.3642").map(|c| c.to_string()),
            Ok("FOR.3642".into())
        );
        let e = IdFormationOnisep::parse("MET.12").unwrap_err().to_string();
        assert!(e.contains("MET.12") && e.contains("FOR."), "{e}");
    }

    #[test]
    fn serde_goes_through_parse() {
        let ok: Result<CodeRome, _> = serde_json::from_str("\"m1805\"");
        assert_eq!(ok.map(|c| c.to_string()).ok(), Some("M1805".into()));
        let bad: Result<CodeRome, _> = serde_json::from_str("\"K15\"");
        assert!(bad.is_err());
    }
}
