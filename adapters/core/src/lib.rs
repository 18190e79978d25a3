//! passerelle-core: what every source adapter shares.
//!
//! Layout:
//! - [`codes`]: official codes as newtypes (`CodeRome`, `CodeInsee`, `Siret`…) with `parse` constructors.
//! - [`model`]: the domain model (métier, fiche ONISEP, formation, action, session, ressource, commune).
//! - [`provenance`]: where a record comes from ([`Provenance`], [`SourceDescriptor`]).
//! - [`adapter`]: the [`Adapter`] contract (fetch by keys, search, health, refresh).
//! - [`http`]: what live API clients share (secrets, rate limit, backoff, `Retry-After`).
//! - [`error`]: [`AdapterError`], cloneable and free of secrets.
//! - [`snapshot`]: whole-dataset sources (embedded sample, path, URL) swapped atomically on refresh.
//! - [`config`]: the per-source configuration keys (`mode`, `path`, `url`, `refresh`).
//! - [`clock`]: the injectable clock all date logic goes through.
//! - [`text`]: text helpers shared by parsers and searches (accent folding).
//! - [`search`]: the typo-tolerant label index (ROME appellations, ONISEP names, certification titles).
//! - [`xml`]: the streaming record reader of XML publications (LHEO, ONISEP).
//! - [`testkit`]: the compliance checks every adapter's tests run.

pub mod adapter;
pub mod breaker;
pub mod cache;
pub mod clock;
pub mod codes;
pub mod config;
pub mod error;
pub mod freshness;
pub mod http;
pub mod metrics;
pub mod model;
pub mod provenance;
pub mod search;
pub mod snapshot;
pub mod testkit;
pub mod text;
pub mod trace;
pub mod xml;

pub use adapter::{
    Adapter, Anomalies, Anomaly, Hit, PageRequest, RefreshOutcome, SearchPage, SourceHealth,
    SourceStatus,
};
pub use clock::Clock;
pub use codes::{
    Cfd, CodeCertifInfo, CodeDepartement, CodeError, CodeInsee, CodeOgr, CodeRncp, CodeRome,
    Formacode, IdFormationOnisep, IdOnisep, Siret,
};
pub use error::{AdapterError, SourceId};
pub use provenance::{Provenance, SourceDescriptor};
