//! The geographic spine: communes and points.

use crate::codes::CodeInsee;
use crate::model::CodeLibelle;
use crate::provenance::Provenance;

/// A point in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    /// Latitude in degrees.
    pub latitude: f64,
    /// Longitude in degrees.
    pub longitude: f64,
}

impl GeoPoint {
    /// Mean Earth radius used for distances (IUGG), in km.
    pub const EARTH_RADIUS_KM: f64 = 6371.0088;

    /// A point, if the coordinates are finite and within range.
    pub fn new(latitude: f64, longitude: f64) -> Option<Self> {
        let ok = latitude.is_finite()
            && longitude.is_finite()
            && (-90.0..=90.0).contains(&latitude)
            && (-180.0..=180.0).contains(&longitude);
        ok.then_some(Self {
            latitude,
            longitude,
        })
    }

    /// Great-circle distance in kilometres (haversine formula).
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.longitude - self.longitude).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * Self::EARTH_RADIUS_KM * a.sqrt().asin()
    }
}

/// A commune (or a municipal arrondissement of Paris, Lyon or Marseille).
#[derive(Debug, Clone)]
pub struct Commune {
    /// Code INSEE.
    pub code_insee: CodeInsee,
    /// Name.
    pub nom: String,
    /// Postal codes, sorted.
    pub codes_postaux: Vec<String>,
    /// Département (code and name).
    pub departement: CodeLibelle,
    /// Région (code and name), when the département is known.
    pub region: Option<CodeLibelle>,
    /// Position (centre), when published.
    pub position: Option<GeoPoint>,
    /// For Paris, Lyon and Marseille: their municipal arrondissements.
    pub arrondissements: Vec<CodeInsee>,
    /// For an arrondissement: its commune.
    pub commune_parente: Option<CodeInsee>,
    /// Where the record comes from.
    pub provenance: Provenance,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lyon_to_grenoble_is_about_95_km() {
        let lyon = GeoPoint::new(45.7578, 4.8320).unwrap();
        let grenoble = GeoPoint::new(45.1875, 5.7357).unwrap();
        let d = lyon.distance_km(&grenoble);
        assert!((94.0..97.0).contains(&d), "{d}");
        assert_eq!(lyon.distance_km(&lyon), 0.0);
        assert!(GeoPoint::new(91.0, 0.0).is_none());
        assert!(GeoPoint::new(f64::NAN, 0.0).is_none());
    }
}
