//! Partner keys and rate limits: a key over its rate gets 429 with `RATE_LIMITED`, `Retry-After` and
//! `RateLimit-*` while another key is still served; an unknown key is `UNAUTHENTICATED`; the anonymous
//! tier has its own rate; with Redis, two replicas count together.

use passerelle::http::partners::PartnerConfig;
use passerelle::http::persisted::sha256_hex;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with, test_config};

fn partner(name: &str, key: &str, rate: u64) -> PartnerConfig {
    PartnerConfig {
        name: name.into(),
        key_sha256: sha256_hex(key),
        rate,
    }
}

async fn ask(app: &TestApp, key: Option<&str>) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": "{ __typename }" }));
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

fn header(h: &reqwest::header::HeaderMap, name: &str) -> u64 {
    h[name].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_key_over_its_rate_gets_429_while_another_is_served() {
    let mut config = test_config();
    config.partners = vec![
        partner("portail-a", "cle-portail-a-0123", 3),
        partner("portail-b", "cle-portail-b-4567", 3),
    ];
    config.rate_limit.anonymous = 2;
    // A long window: the test never straddles two windows.
    config.rate_limit.window = std::time::Duration::from_secs(86_400);
    let app = spawn_app_with(config, true).await;

    for expected in [2, 1, 0] {
        let (status, h, body) = ask(&app, Some("cle-portail-a-0123")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(header(&h, "ratelimit-limit"), 3);
        assert_eq!(header(&h, "ratelimit-remaining"), expected);
    }
    let (status, h, body) = ask(&app, Some("cle-portail-a-0123")).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    let retry = header(&h, "retry-after");
    assert!((1..=86_400).contains(&retry), "{retry}");
    assert_eq!(header(&h, "ratelimit-remaining"), 0);
    assert_eq!(header(&h, "ratelimit-reset"), retry);
    // The export endpoint is under the same rule.
    let r = app
        .client
        .post(format!("{}/export?format=csv", app.base))
        .header("x-api-key", "cle-portail-a-0123")
        .json(&json!({ "query": "{ metiers { nodes { codeRome } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);

    // Another key is still served.
    let (status, h, _) = ask(&app, Some("cle-portail-b-4567")).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "ratelimit-remaining"), 2);

    // An unknown key.
    let (status, _, body) = ask(&app, Some("cle-inventee")).await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(
        !body.to_string().contains("cle-inventee"),
        "the key is never echoed"
    );

    // The anonymous tier has its own rate.
    assert_eq!(ask(&app, None).await.0, 200);
    assert_eq!(ask(&app, None).await.0, 200);
    assert_eq!(ask(&app, None).await.0, 429);
    // Health is never limited.
    let r = app
        .client
        .get(format!("{}/health/live", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn replicas_sharing_redis_count_a_key_together() {
    let redis = crate::resilience::start_redis();
    let replica = || {
        let mut config = test_config();
        config.partners = vec![partner("portail-c", "cle-portail-c-89ab", 4)];
        config.cache.redis_url = Some(redis.url.clone());
        config.cache.redis_timeout = std::time::Duration::from_secs(2);
        config.rate_limit.window = std::time::Duration::from_secs(86_400);
        config
    };
    let a = spawn_app_with(replica(), true).await;
    let b = spawn_app_with(replica(), true).await;
    let key = Some("cle-portail-c-89ab");
    assert_eq!(ask(&a, key).await.0, 200);
    assert_eq!(ask(&b, key).await.0, 200);
    assert_eq!(ask(&a, key).await.0, 200);
    let (status, h, _) = ask(&b, key).await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&h, "ratelimit-remaining"),
        0,
        "counted across replicas"
    );
    assert_eq!(ask(&a, key).await.0, 429);
    assert_eq!(ask(&b, key).await.0, 429);
}
