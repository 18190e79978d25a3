//! `spawn_app`: the real application on a free port, with "today" pinned.

use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use passerelle::app::Application;
use passerelle::config::Config;
use serde_json::{Value, json};

/// The day the tests live on: the samples have sessions and events before and after it.
pub const TODAY: (i32, u32, u32) = (2026, 1, 15);

/// A running application.
pub struct TestApp {
    pub base: String,
    pub sources: std::sync::Arc<passerelle::sources::Sources>,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// The default test configuration: samples, port 0, today pinned.
pub fn test_config() -> Config {
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    config.server.today = NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2);
    config
}

/// Starts the application and waits until it is ready (or until `wait_ready` is false).
pub async fn spawn_app_with(config: Config, wait_ready: bool) -> TestApp {
    let app = Application::build(config)
        .await
        .expect("application builds");
    let base = format!("http://{}", app.local_addr());
    let sources = app.sources();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let test = TestApp {
        base,
        sources,
        client,
        stop: Some(tx),
        server: Some(server),
    };
    if wait_ready {
        test.wait_ready().await;
    }
    test
}

/// Starts the application on the embedded samples.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_config(), true).await
}

impl TestApp {
    pub async fn wait_ready(&self) {
        for _ in 0..200 {
            let ready = self
                .client
                .get(format!("{}/health/ready", self.base))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the application did not become ready");
    }

    /// POSTs a query; returns the status and the JSON body.
    pub async fn query(&self, query: &str, variables: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server stopped cleanly");
        }
    }
}

/// A file of the real reference data, beside the project.
pub fn shared(path: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(path);
    assert!(
        p.exists(),
        "reference data expected at {} (shared/data beside the project)",
        p.display()
    );
    p
}

/// The errors of a response, or an empty list.
pub fn errors(body: &Value) -> Vec<Value> {
    body["errors"].as_array().cloned().unwrap_or_default()
}
