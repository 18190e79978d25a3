//! `spawn_app`: the real application on a free port, with "today" pinned.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
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
        let (status, text) = self.query_text(query, &variables).await;
        (status, serde_json::from_str(&text).expect("JSON body"))
    }

    /// POSTs a query; returns the status and the body's bytes as sent (field order included).
    pub async fn query_text(&self, query: &str, variables: &Value) -> (u16, String) {
        let response = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// POSTs a whole GraphQL request body; returns the status and the JSON body.
    pub async fn query_with(&self, request: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&request)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// POSTs a query to `/export` with the URL parameters `params`; returns the status, the headers and
    /// the body (an error if the body was cut short).
    pub async fn export(
        &self,
        params: &str,
        query: &str,
        variables: Value,
    ) -> (u16, reqwest::header::HeaderMap, Result<Vec<u8>, String>) {
        let response = self
            .client
            .post(format!("{}/export?{params}", self.base))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| e.to_string());
        (status, headers, body)
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

/// The real binary, its credentials in the environment, every log line captured.
pub struct Binary {
    child: std::process::Child,
    pub addr: String,
    pub logs: Arc<Mutex<String>>,
}

impl Binary {
    /// Waits until `/health/ready` answers 200 (every source has data); panics with the logs otherwise.
    pub async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..400 {
            let r = client
                .get(format!("http://{}/health/ready", self.addr))
                .send()
                .await;
            if r.is_ok_and(|r| r.status() == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "the binary never became ready: {}",
            self.logs.lock().unwrap()
        );
    }
}

/// The real binary with the ROME source asked live from the France Travail stand-in at `upstream`
/// (credentials in the environment), and `extra` TOML after it.
pub fn start_rome_binary(name: &str, upstream: std::net::SocketAddr, extra: &str) -> Binary {
    use passerelle_rome::fake_upstream::{CLIENT_ID, SECRET};
    start_binary(
        name,
        &format!(
            r#"[server]
listen = "127.0.0.1:0"
today = "2026-01-15"

[sources.rome]
mode = "http"
url = "http://{upstream}/partenaire"

[sources.rome.http]
token_url = "http://{upstream}/connexion/oauth2/access_token?realm=%2Fpartenaire"
rate_limit = 500

{extra}
"#
        ),
        &[
            ("FRANCE_TRAVAIL_CLIENT_ID", CLIENT_ID),
            ("FRANCE_TRAVAIL_CLIENT_SECRET", SECRET),
        ],
    )
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the real binary with `config` (TOML) and the variables `env`, logging at trace level.
pub fn start_binary(name: &str, config: &str, env: &[(&str, &str)]) -> Binary {
    let dir = std::env::temp_dir().join(format!("passerelle-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("passerelle.toml");
    std::fs::write(&path, config).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_passerelle"));
    command.arg("--config").arg(&path);
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Logs go to stdout; anything else (a panic) to stderr: both are kept.
    let logs = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    for output in [
        Box::new(stdout) as Box<dyn std::io::Read + Send>,
        Box::new(stderr),
    ] {
        let sink = Arc::clone(&logs);
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(output).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("playground : http://").nth(1) {
                    let addr = rest.split(['/', ' ', '"']).next().unwrap_or_default();
                    let _ = tx.send(addr.to_owned());
                }
                let mut logs = sink.lock().unwrap();
                logs.push_str(&line);
                logs.push('\n');
            }
        });
    }
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| {
            panic!(
                "the binary did not announce its address: {}",
                logs.lock().unwrap()
            )
        });
    Binary { child, addr, logs }
}

/// A port free on 127.0.0.1 now (for a process that binds it itself).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// POSTs `body` as JSON to `url` and reads the JSON answer.
pub async fn post_json(url: &str, body: &Value) -> Value {
    reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// GETs `url` and reads the answer as text.
pub async fn get_text(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}
