//! Where a record comes from: every record passerelle serves carries its [`Provenance`].

use chrono::{DateTime, Utc};

use crate::error::SourceId;

/// The static description of a source, shown in the sources directory.
#[derive(Debug, Clone)]
pub struct SourceDescriptor {
    /// Stable identifier used in configuration and errors (`rome`).
    pub id: SourceId,
    /// Human name (« ROME 4.0 »).
    pub nom: &'static str,
    /// Who publishes the data.
    pub producteur: &'static str,
    /// Licence of the data as published.
    pub licence: &'static str,
    /// Page describing the data at the producer.
    pub url: &'static str,
    /// The attribution text its licence asks reusers to show (« Source : … »).
    pub attribution: &'static str,
}

/// Where one record comes from and how fresh it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// Source id.
    pub source: SourceId,
    /// Producer of the data.
    pub producteur: &'static str,
    /// Licence of the data.
    pub licence: &'static str,
    /// The attribution text the licence asks reusers to show.
    pub attribution: &'static str,
    /// Link to the record at the producer, when the producer has one.
    pub url: Option<String>,
    /// Version or date of the dataset the record was read from.
    pub version: Option<String>,
    /// When passerelle fetched the data the record was read from.
    pub recupere_le: DateTime<Utc>,
}

impl Provenance {
    /// The provenance of a record of `descriptor` read from a dataset of `version` fetched at `recupere_le`.
    pub fn new(
        descriptor: &SourceDescriptor,
        version: Option<String>,
        recupere_le: DateTime<Utc>,
    ) -> Self {
        Self {
            source: descriptor.id,
            producteur: descriptor.producteur,
            licence: descriptor.licence,
            attribution: descriptor.attribution,
            url: None,
            version,
            recupere_le,
        }
    }

    /// The same provenance, pointing at one record.
    #[must_use]
    pub fn with_url(mut self, url: Option<String>) -> Self {
        self.url = url;
        self
    }
}
