//! Partner keys and rate limits on `/graphql` and `/export`.
//!
//! A partner sends its key in `X-API-Key`. Keys are configured by their SHA-256 only (`[[partners]]
//! key_sha256 = "…"`), each with a name and a rate; a request without a key is in the anonymous tier,
//! counted per client address with its own rate. An unknown key is refused (`401`, `UNAUTHENTICATED`);
//! past its rate a client gets `429` with `RATE_LIMITED`, `Retry-After` and the `RateLimit-Limit`,
//! `RateLimit-Remaining` and `RateLimit-Reset` headers (also sent on every answer). Windows are fixed
//! (`[rate_limit] window`); with a shared Redis the replicas count together (`INCR` per window), and
//! when Redis fails each replica counts alone.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::http::AppState;

/// `[[partners]]`: one partner.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerConfig {
    /// The partner's name (logs, limits).
    pub name: String,
    /// SHA-256 of the key, in hexadecimal (`printf %s "$KEY" | sha256sum`): the key itself is never stored.
    pub key_sha256: String,
    /// Requests per window. Default 6 000.
    #[serde(default = "default_partner_rate")]
    pub rate: u64,
}

fn default_partner_rate() -> u64 {
    6_000
}

/// `[rate_limit]`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Requests per window without a key, per client address; `0` refuses requests without a key.
    /// Default 600.
    pub anonymous: u64,
    /// The window. Default `1m`.
    #[serde(deserialize_with = "passerelle_core::config::deserialize_duration")]
    pub window: Duration,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            anonymous: 600,
            window: Duration::from_secs(60),
        }
    }
}

/// Who is asking.
#[derive(Debug, Clone)]
struct Identity {
    key: String,
    limit: u64,
}

/// The limiter shared by the routes.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    partners: Arc<HashMap<String, (String, u64)>>,
    config: RateLimitConfig,
    local: Arc<Mutex<HashMap<String, (u64, u64)>>>,
    shared: Option<Arc<passerelle_core::cache::RedisL2>>,
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    let mut r = (
        status,
        json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }).to_string(),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

impl RateLimiter {
    /// The limiter of the configured partners; a hash that is not 64 hexadecimal digits is an error
    /// naming the partner.
    pub fn new(
        partners: &[PartnerConfig],
        config: RateLimitConfig,
        shared: Option<Arc<passerelle_core::cache::RedisL2>>,
    ) -> Result<Self, String> {
        let mut by_hash = HashMap::new();
        for p in partners {
            let hash = p.key_sha256.trim().to_ascii_lowercase();
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "partners « {} » : key_sha256 doit être l'empreinte SHA-256 de la clé (64 chiffres hexadécimaux)",
                    p.name
                ));
            }
            by_hash.insert(hash, (p.name.clone(), p.rate));
        }
        Ok(Self {
            partners: Arc::new(by_hash),
            config,
            local: Arc::default(),
            shared,
        })
    }

    fn identify(
        &self,
        key: Option<&str>,
        peer: Option<SocketAddr>,
    ) -> Result<Identity, Box<Response>> {
        match key {
            Some(key) => {
                let hash = crate::http::persisted::sha256_hex(key);
                match self.partners.get(&hash) {
                    Some((name, rate)) => Ok(Identity {
                        key: format!("cle:{name}"),
                        limit: *rate,
                    }),
                    None => Err(Box::new(error(
                        StatusCode::UNAUTHORIZED,
                        "UNAUTHENTICATED",
                        "clé d'API inconnue (en-tête X-API-Key) : vérifiez la clé que passerelle vous a remise".into(),
                    ))),
                }
            }
            None if self.config.anonymous == 0 => Err(Box::new(error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "une clé d'API est exigée (en-tête X-API-Key) : l'accès anonyme est fermé".into(),
            ))),
            None => Ok(Identity {
                key: format!(
                    "anonyme:{}",
                    peer.map_or_else(|| "inconnu".to_owned(), |p| p.ip().to_string())
                ),
                limit: self.config.anonymous,
            }),
        }
    }

    /// Counts one request of `who` in the current window: the count and the seconds until the window ends.
    async fn count(&self, who: &str) -> (u64, u64) {
        let window = self.config.window.as_millis().max(1) as u64;
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let index = now / window;
        let reset = ((index + 1) * window - now).div_ceil(1000);
        if let Some(redis) = &self.shared
            && let Some(n) = redis
                .incr_window(&format!("rl:{who}:{index}"), self.config.window)
                .await
        {
            return (n, reset);
        }
        let mut local = self.local.lock().unwrap_or_else(PoisonError::into_inner);
        if local.len() > 100_000 {
            local.retain(|_, (i, _)| *i == index);
        }
        let entry = local.entry(who.to_owned()).or_insert((index, 0));
        if entry.0 != index {
            *entry = (index, 0);
        }
        entry.1 += 1;
        (entry.1, reset)
    }
}

/// The middleware: identifies, counts, refuses past the rate, and adds the `RateLimit-*` headers.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limiter = &state.limiter;
    let key = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned);
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let who = match limiter.identify(key.as_deref(), peer) {
        Ok(who) => who,
        Err(response) => return *response,
    };
    let (count, reset) = limiter.count(&who.key).await;
    let remaining = who.limit.saturating_sub(count);
    let mut response = if count > who.limit {
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            format!(
                "limite de débit atteinte : {} requêtes par {} s ; réessayez dans {reset} s",
                who.limit,
                limiter.config.window.as_secs()
            ),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(reset));
        r
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(who.limit));
    headers.insert("ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("ratelimit-reset", HeaderValue::from(reset));
    response
}
