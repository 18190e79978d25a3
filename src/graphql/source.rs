//! `Source`: the sources directory, with freshness and health.

use async_graphql::{Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use passerelle_core::SourceStatus;

use crate::sources::SourceEntry;

/// État d'une source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum StatutSource {
    /// Premier chargement en cours.
    Chargement,
    /// Sert des données à jour.
    Pret,
    /// Sert ses données précédentes : le dernier rechargement a échoué.
    Degrade,
    /// Rien à servir : le premier chargement a échoué.
    Erreur,
}

/// Un problème trouvé dans les données d'une source, qui n'a pas empêché de servir le reste.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct Anomalie {
    /// Où : fichier et ligne, chemin d'élément, identifiant d'enregistrement.
    pub emplacement: String,
    /// Quoi, avec la règle en cause.
    pub probleme: String,
    /// Nombre d'occurrences de ce problème (les premiers emplacements seulement sont nommés).
    pub nombre: usize,
    /// Chaque occurrence est un enregistrement écarté (non servi), plutôt qu'un enregistrement gardé avec un défaut.
    pub rejet: bool,
}

impl From<&passerelle_core::Anomaly> for Anomalie {
    fn from(a: &passerelle_core::Anomaly) -> Self {
        Self {
            emplacement: a.location.clone(),
            probleme: a.problem.clone(),
            nombre: a.count,
            rejet: a.rejected,
        }
    }
}

/// La protection d'une API interrogée en direct (mode `http`) : son disjoncteur et son cache.
#[derive(Debug, SimpleObject)]
#[graphql(crate = "crate::graphql::fast")]
pub struct ProtectionApi {
    /// État du disjoncteur : `ferme` (les appels passent), `ouvert` (réponse immédiate en erreur, sans appel), `semi-ouvert` (un appel d'essai en cours).
    pub disjoncteur: &'static str,
    /// Nombre d'ouvertures du disjoncteur depuis le démarrage.
    pub ouvertures_disjoncteur: u64,
    /// Requêtes envoyées à l'API (nouveaux essais compris).
    pub requetes_amont: u64,
    /// Appels refusés sur-le-champ par le disjoncteur ouvert.
    pub appels_court_circuites: u64,
    /// Réponses servies fraîches depuis le cache local.
    pub cache_succes: u64,
    /// Recherches dans le cache qui ont dû demander ailleurs (cache partagé ou API).
    pub cache_echecs: u64,
    /// Demandes qui ont attendu la réponse d'une même demande en cours au lieu d'appeler l'API.
    pub cache_regroupees: u64,
    /// Réponses périmées servies pendant leur rafraîchissement en arrière-plan.
    pub cache_perimees_revalidation: u64,
    /// Réponses périmées servies parce que l'API était en échec.
    pub cache_perimees_sur_erreur: u64,
    /// Réponses trouvées dans le cache partagé (Redis).
    pub cache_partage_succes: u64,
}

/// Une source de données de passerelle, sa licence et sa fraîcheur.
#[derive(Debug)]
pub struct Source(pub SourceEntry);

/// Une source de données de passerelle, sa licence et sa fraîcheur.
#[Object(cache_control(no_cache), crate = "crate::graphql::fast")]
impl Source {
    /// Identifiant (`rome`, `onisep`, `rncp`, `offre-info`, `repere-metiers`, `geo`).
    async fn id(&self) -> &str {
        self.0.descriptor.id
    }
    /// Nom.
    async fn nom(&self) -> &str {
        self.0.descriptor.nom
    }
    /// Producteur des données.
    async fn producteur(&self) -> &str {
        self.0.descriptor.producteur
    }
    /// Licence des données.
    async fn licence(&self) -> &str {
        self.0.descriptor.licence
    }
    /// Page des données chez le producteur.
    async fn url(&self) -> &str {
        self.0.descriptor.url
    }
    /// Mention de la source à afficher par qui réutilise ses données, comme sa licence le demande.
    async fn attribution(&self) -> &str {
        self.0.descriptor.attribution
    }
    /// Mode de service configuré (`sample`, `snapshot`, `http`).
    async fn mode(&self) -> &str {
        self.0.health.mode
    }
    /// État.
    async fn statut(&self) -> StatutSource {
        match self.0.health.status {
            SourceStatus::Loading => StatutSource::Chargement,
            SourceStatus::Ready => StatutSource::Pret,
            SourceStatus::Degraded => StatutSource::Degrade,
            SourceStatus::Failed => StatutSource::Erreur,
        }
    }
    /// Nombre d'enregistrements servis.
    async fn enregistrements(&self) -> usize {
        self.0.health.records
    }
    /// Version ou date des données, telle que le producteur la nomme.
    async fn version(&self) -> Option<&str> {
        self.0.health.version.as_deref()
    }
    /// Moment où les données servies ont été récupérées.
    async fn charge_le(&self) -> Option<DateTime<Utc>> {
        self.0.health.loaded_at
    }
    /// Prochain essai de chargement prévu : rechargement périodique d'un jeu complet (`refresh`), ou nouvel essai d'un premier chargement qui a échoué ; `null` pour un échantillon ou une API interrogée en direct.
    async fn prochaine_actualisation(&self) -> Option<DateTime<Utc>> {
        self.0.next_refresh
    }
    /// Dernière erreur de chargement, si le dernier essai a échoué.
    async fn derniere_erreur(&self) -> Option<&str> {
        self.0.health.last_error.as_deref()
    }
    /// Nombre d'anomalies trouvées dans les données servies (toutes occurrences comptées).
    async fn nombre_anomalies(&self) -> usize {
        self.0.health.anomalies.iter().map(|a| a.count).sum()
    }
    /// Anomalies trouvées dans les données servies, regroupées par problème.
    async fn anomalies(
        &self,
        #[graphql(desc = "Nombre maximal d'anomalies (20 par défaut).", default = 20)] first: usize,
    ) -> Vec<Anomalie> {
        self.0
            .health
            .anomalies
            .iter()
            .take(first)
            .map(Anomalie::from)
            .collect()
    }
    /// Nombre d'enregistrements écartés à la lecture (mal formés, sans identifiant, hors du périmètre servi), toutes raisons confondues.
    async fn enregistrements_rejetes(&self) -> usize {
        self.0
            .health
            .anomalies
            .iter()
            .filter(|a| a.rejected)
            .map(|a| a.count)
            .sum()
    }
    /// Les raisons des enregistrements écartés, regroupées, avec leurs premiers emplacements.
    async fn rejets(
        &self,
        #[graphql(desc = "Nombre maximal de raisons (20 par défaut).", default = 20)] first: usize,
    ) -> Vec<Anomalie> {
        self.0
            .health
            .anomalies
            .iter()
            .filter(|a| a.rejected)
            .take(first)
            .map(Anomalie::from)
            .collect()
    }
    /// Mode `http` : le disjoncteur et le cache de l'API interrogée en direct (`null` dans les autres modes).
    async fn protection(&self) -> Option<ProtectionApi> {
        self.0.live.as_ref().map(|l| ProtectionApi {
            disjoncteur: l.circuit.name(),
            ouvertures_disjoncteur: l.circuit_opened,
            requetes_amont: l.requests,
            appels_court_circuites: l.short_circuited,
            cache_succes: l.cache.hits,
            cache_echecs: l.cache.misses,
            cache_regroupees: l.cache.coalesced,
            cache_perimees_revalidation: l.cache.stale_revalidating,
            cache_perimees_sur_erreur: l.cache.stale_on_error,
            cache_partage_succes: l.cache.l2_hits,
        })
    }
}
