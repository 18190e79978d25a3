//! API Géo's JSON -> communes: the wire DTOs of `/communes` and `/communes/{code}`, and the pure mapping
//! to the domain [`Commune`], with the same conventions as the La Poste snapshot (labels from our
//! table, postal codes sorted, Paris, Lyon and Marseille linked to their arrondissements).

use passerelle_core::model::{CodeLibelle, Commune, GeoPoint};
use passerelle_core::{CodeInsee, Provenance};
use serde::Deserialize;

use crate::{plm_links, territoires, territory_of};

/// The fields asked of API Géo for every commune.
pub(crate) const FIELDS: &str = "nom,code,centre,codeDepartement,codeRegion,codesPostaux";

/// API Géo's `type` of the municipal arrondissements of Paris, Lyon and Marseille (its default type,
/// `commune-actuelle`, leaves them out).
pub(crate) const ARRONDISSEMENT: &str = "arrondissement-municipal";

/// One commune (or municipal arrondissement) as API Géo serves it with `fields` = [`FIELDS`]. Any other
/// field (`_score` in a search by name) is ignored; a missing or `null` optional field is `None`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommuneDto {
    pub(crate) nom: String,
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) code_departement: Option<String>,
    #[serde(default)]
    pub(crate) code_region: Option<String>,
    #[serde(default)]
    pub(crate) codes_postaux: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) centre: Option<PointDto>,
}

/// A GeoJSON point: `coordinates` are `[longitude, latitude]`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PointDto {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) coordinates: Vec<f64>,
}

impl PointDto {
    /// The point, when it is a GeoJSON `Point` with coordinates in range.
    fn point(&self) -> Option<GeoPoint> {
        match (self.kind.as_str(), self.coordinates.as_slice()) {
            ("Point", [longitude, latitude, ..]) => GeoPoint::new(*latitude, *longitude),
            _ => None,
        }
    }
}

/// Whether `code` is a municipal arrondissement of Paris, Lyon or Marseille.
pub(crate) fn is_arrondissement(code: &CodeInsee) -> bool {
    plm_links(code).1.is_some()
}

/// The record's address at the API whose base is `base`: `…/communes/{code}`, with
/// `?type=arrondissement-municipal` for an arrondissement.
pub(crate) fn record_url(base: &str, code: &CodeInsee) -> String {
    if is_arrondissement(code) {
        format!("{base}/communes/{code}?type={ARRONDISSEMENT}")
    } else {
        format!("{base}/communes/{code}")
    }
}

fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The commune of a DTO read from the API at `base`: `provenance` gets the record's URL. The département
/// and région codes are the API's (the département derived from the code INSEE, and the région from our
/// table, when the API gives none); their labels come from our table, as in the snapshot mode. A code
/// that is not a code INSEE is refused with a message naming the value and the rule.
pub(crate) fn commune(
    dto: CommuneDto,
    base: &str,
    provenance: &Provenance,
) -> Result<Commune, String> {
    let code = CodeInsee::parse(dto.code.trim()).map_err(|e| e.to_string())?;
    let departement_code =
        non_blank(dto.code_departement.as_deref()).unwrap_or(code.departement_str());
    let (departement, table_region) = territory_of(departement_code);
    let region = match non_blank(dto.code_region.as_deref()) {
        Some(r) => Some(CodeLibelle {
            code: r.to_owned(),
            libelle: territoires::region(r).map(str::to_owned),
        }),
        None => table_region,
    };
    let mut codes_postaux: Vec<String> = dto
        .codes_postaux
        .unwrap_or_default()
        .iter()
        .map(|cp| cp.trim())
        .filter(|cp| !cp.is_empty())
        .map(str::to_owned)
        .collect();
    codes_postaux.sort();
    codes_postaux.dedup();
    let (arrondissements, commune_parente) = plm_links(&code);
    Ok(Commune {
        nom: dto.nom.trim().to_owned(),
        codes_postaux,
        departement,
        region,
        position: dto.centre.as_ref().and_then(PointDto::point),
        arrondissements,
        commune_parente,
        provenance: provenance.clone().with_url(Some(record_url(base, &code))),
        code_insee: code,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use passerelle_core::Clock;

    use super::*;
    use crate::client::{API_GEO, VERSION};

    const BASE: &str = "https://geo.api.gouv.fr";

    fn provenance() -> Provenance {
        Provenance::new(&API_GEO, Some(VERSION.to_owned()), Clock::system().now())
    }

    fn map(json: &str) -> Result<Commune, String> {
        commune(serde_json::from_str(json).unwrap(), BASE, &provenance())
    }

    #[test]
    fn a_commune_as_the_api_serves_it() {
        let c = map(
            r#"{"nom":"Veigné","code":"37266","codeDepartement":"37","codeRegion":"24",
                "codesPostaux":["37250"],"centre":{"type":"Point","coordinates":[0.7386,47.2889]},
                "_score":0.98}"#,
        )
        .unwrap();
        assert_eq!(c.code_insee.as_str(), "37266");
        assert_eq!(c.nom, "Veigné");
        assert_eq!(c.codes_postaux, ["37250"]);
        assert_eq!(c.departement, CodeLibelle::new("37", "Indre-et-Loire"));
        assert_eq!(
            c.region,
            Some(CodeLibelle::new("24", "Centre-Val de Loire"))
        );
        let p = c.position.unwrap();
        assert!((p.latitude - 47.2889).abs() < 1e-9 && (p.longitude - 0.7386).abs() < 1e-9);
        assert!(c.arrondissements.is_empty() && c.commune_parente.is_none());
        assert_eq!(c.provenance.source, "geo");
        assert_eq!(c.provenance.producteur, API_GEO.producteur);
        assert_eq!(
            c.provenance.url.as_deref(),
            Some("https://geo.api.gouv.fr/communes/37266")
        );
        assert_eq!(c.provenance.version.as_deref(), Some(VERSION));
    }

    #[test]
    fn paris_lyon_marseille_and_their_arrondissements() {
        let lyon = map(
            r#"{"nom":"Lyon","code":"69123","codeDepartement":"69","codeRegion":"84",
                "codesPostaux":["69009","69001","69001"]}"#,
        )
        .unwrap();
        assert_eq!(lyon.arrondissements.len(), 9);
        assert_eq!(lyon.arrondissements[6].as_str(), "69387");
        assert_eq!(lyon.codes_postaux, ["69001", "69009"], "sorted, once");
        assert!(lyon.position.is_none());
        let paris = map(r#"{"nom":"Paris","code":"75056"}"#).unwrap();
        assert_eq!(paris.arrondissements.len(), 20);
        assert_eq!(paris.arrondissements[19].as_str(), "75120");
        let arr = map(
            r#"{"nom":"Marseille 16e Arrondissement","code":"13216","codeDepartement":"13",
                "codeRegion":"93","codesPostaux":["13016"]}"#,
        )
        .unwrap();
        assert_eq!(
            arr.commune_parente.map(|c| c.to_string()),
            Some("13055".into())
        );
        assert_eq!(
            arr.provenance.url.as_deref(),
            Some("https://geo.api.gouv.fr/communes/13216?type=arrondissement-municipal")
        );
        let not_arr = map(r#"{"nom":"Tarascon","code":"13108"}"#).unwrap();
        assert!(not_arr.commune_parente.is_none());
    }

    #[test]
    fn missing_fields_fall_back_on_the_code_and_our_table() {
        let c = map(
            r#"{"nom":" Ajaccio ","code":"2A004","codeDepartement":null,"codeRegion":"",
                "codesPostaux":null,"centre":{"type":"Point","coordinates":[200.0,41.9]}}"#,
        )
        .unwrap();
        assert_eq!(c.nom, "Ajaccio");
        assert_eq!(c.departement.code, "2A");
        assert_eq!(c.region.as_ref().map(|r| r.code.as_str()), Some("94"));
        assert!(c.codes_postaux.is_empty());
        assert!(
            c.position.is_none(),
            "a longitude out of range is no position"
        );
        let com = map(r#"{"nom":"Saint-Barthélemy","code":"97701"}"#).unwrap();
        assert_eq!(com.departement.code, "977");
        assert_eq!(com.departement.libelle.as_deref(), Some("Saint-Barthélemy"));
        assert!(com.region.is_none());
    }

    #[test]
    fn a_code_that_is_not_insee_is_refused_by_name() {
        let e = map(r#"{"nom":"Nulle part","code":"ABCDE"}"#).unwrap_err();
        assert!(e.contains("ABCDE"), "{e}");
    }
}
