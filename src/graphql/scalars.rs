//! Custom scalars: official codes in arguments are validated by their `parse` constructor, so a
//! malformed code is refused before any resolver runs, with `extensions.code = "BAD_USER_INPUT"`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

use crate::graphql::errors::BAD_USER_INPUT;

macro_rules! code_scalar {
    ($name:ident, $inner:ty, $gql:literal, $desc:literal) => {
        #[doc = $desc]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub $inner);

        #[doc = $desc]
        #[Scalar(name = $gql)]
        impl ScalarType for $name {
            fn parse(value: Value) -> InputValueResult<Self> {
                match value {
                    Value::String(s) => <$inner>::parse(&s).map($name).map_err(|e| {
                        InputValueError::custom(e).with_extension("code", BAD_USER_INPUT)
                    }),
                    other => Err(InputValueError::expected_type(other)
                        .with_extension("code", BAD_USER_INPUT)),
                }
            }

            fn is_valid(value: &Value) -> bool {
                matches!(value, Value::String(_))
            }

            fn to_value(&self) -> Value {
                Value::String(self.0.to_string())
            }
        }
    };
}

code_scalar!(
    CodeRome,
    passerelle_core::CodeRome,
    "CodeRome",
    "Code ROME d'une fiche métier : une lettre de A à N suivie de 4 chiffres (ex. M1805)."
);
code_scalar!(
    CodeInsee,
    passerelle_core::CodeInsee,
    "CodeInsee",
    "Code officiel géographique (INSEE) d'une commune : 5 caractères, 2A/2B pour la Corse (ex. 69123)."
);
code_scalar!(
    Formacode,
    passerelle_core::Formacode,
    "Formacode",
    "Formacode (Centre Inffo) : 5 chiffres (ex. 31054)."
);
code_scalar!(
    CodeRncp,
    passerelle_core::CodeRncp,
    "CodeRncp",
    "Numéro de fiche RNCP, normalisé avec son préfixe (RNCP37674) ; 37674 est accepté."
);
code_scalar!(
    CodeCertifInfo,
    passerelle_core::CodeCertifInfo,
    "CodeCertifInfo",
    "Numéro Certif Info d'une certification."
);
code_scalar!(
    Siret,
    passerelle_core::Siret,
    "Siret",
    "SIRET d'un établissement : 14 chiffres avec clé de Luhn."
);
code_scalar!(
    CodeDepartement,
    passerelle_core::CodeDepartement,
    "CodeDepartement",
    "Code de département : 01 à 95, 2A, 2B, ou 971 à 989."
);
code_scalar!(
    CodeCfd,
    passerelle_core::Cfd,
    "CodeCfd",
    "Code formation diplôme (CFD) de l'Éducation nationale : 8 caractères (ex. 32031213)."
);
code_scalar!(
    IdFormationOnisep,
    passerelle_core::IdFormationOnisep,
    "IdFormationOnisep",
    "Identifiant ONISEP d'une formation Idéo (ex. FOR.3642)."
);
code_scalar!(
    IdOnisep,
    passerelle_core::IdOnisep,
    "IdOnisep",
    "Identifiant ONISEP d'un métier Idéo (ex. MET.84)."
);

/// Date calendaire au format ISO 8601 (AAAA-MM-JJ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// Date calendaire au format ISO 8601 (AAAA-MM-JJ).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!(
                        "date « {s} » invalide : format AAAA-MM-JJ attendu"
                    ))
                    .with_extension("code", BAD_USER_INPUT)
                }),
            _ => Err(InputValueError::expected_type(value).with_extension("code", BAD_USER_INPUT)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(iso_date(self.0))
    }
}

/// `AAAA-MM-JJ`, as `format("%Y-%m-%d")` writes it, without parsing that pattern for every date of a
/// response (years outside 0–9999 keep chrono's writing).
fn iso_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    let year = date.year();
    if (0..=9999).contains(&year) {
        format!("{year:04}-{:02}-{:02}", date.month(), date.day())
    } else {
        date.format("%Y-%m-%d").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        for (y, m, d) in [
            (2026, 1, 5),
            (1999, 12, 31),
            (0, 1, 1),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 3, 4),
            (33, 7, 9),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(
                iso_date(date),
                date.format("%Y-%m-%d").to_string(),
                "{date:?}"
            );
        }
    }
}
