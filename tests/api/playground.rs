//! The playground, loaded and run in a real headless Chromium: it loads nothing from outside the
//! machine and shows the answer of the query it sends.

use std::process::Command;

use crate::helpers::spawn_app;

/// The full path of Debian's `chromium` (or another Chromium) found on `PATH`.
fn chromium() -> std::path::PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .expect("a headless Chromium is needed for this test: ./tests/run.sh installs Debian's `chromium`")
}

/// GraphiQL (embedded UMD build) in a real headless Chromium driven by playwright-core (pinned in
/// `tests/conformance`): the page opens pre-filled with the example query and the documentation
/// explorer, runs it, shows the answer, and makes no request to another host than 127.0.0.1. The
/// screenshot is saved to `target/playground.png`.
#[tokio::test]
async fn graphiql_runs_the_example_query_in_a_real_browser() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let conformance = root.join("tests/conformance");
    assert!(
        conformance.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: ./tests/run.sh installs it (npm ci --prefix tests/conformance)"
    );
    let app = spawn_app().await;
    let page = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("/playground/graphiql.min.js"),
        "this build embeds GraphiQL (npm is installed by ./tests/run.sh before cargo runs):\n{html}"
    );
    no_outside_reference(&html);

    let screenshot = root.join("target/playground.png");
    let _ = std::fs::remove_file(&screenshot);
    let (base, shot, browser) = (app.base.clone(), screenshot.clone(), chromium());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(conformance.join("playground.mjs"))
            .arg(base)
            .arg(shot)
            .arg(browser)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs (./tests/run.sh installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"));
    assert_eq!(
        report["foreign"],
        serde_json::json!([]),
        "requests left 127.0.0.1: {report:#}"
    );
    assert_eq!(report["pageErrors"], serde_json::json!([]), "{report:#}");
    // A Content-Security-Policy violation (a script or style from elsewhere) is a console error.
    assert_eq!(report["consoleErrors"], serde_json::json!([]), "{report:#}");
    assert!(report.get("error").is_none(), "{report:#}\n{stderr}");
    assert!(output.status.success(), "{report:#}\n{stderr}");
    let requests: Vec<&str> = report["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    for file in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    ] {
        assert!(
            requests
                .iter()
                .any(|r| r.ends_with(&format!("/playground/{file}"))),
            "{file} is loaded from passerelle: {requests:?}"
        );
    }
    assert!(
        requests.iter().all(|r| r.starts_with(&app.base)),
        "{requests:?}"
    );
    let editor = report["editor"].as_str().unwrap();
    assert!(
        editor.contains("M1805") && editor.contains("MetierEtAlentours"),
        "pre-filled: {editor}"
    );
    let docs = report["docExplorer"].as_str().unwrap();
    assert!(
        docs.contains("query: Query") && docs.contains("ActionFormation"),
        "doc explorer: {docs}"
    );
    let result = report["result"].as_str().unwrap();
    assert!(result.contains("\"codeRome\": \"M1805\""), "{result}");
    assert!(
        result.contains("Développeur / Développeuse informatique"),
        "{result}"
    );
    let png = std::fs::read(&screenshot).expect("the screenshot is saved");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
    eprintln!(
        "GraphiQL in Chromium: {} requests, all to {}; screenshot {} ({} KiB)",
        requests.len(),
        app.base,
        screenshot.display(),
        png.len() / 1024
    );
}

fn no_outside_reference(html: &str) {
    for needle in ["src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(
            !html.contains(needle),
            "the playground must load nothing from outside: found {needle}"
        );
    }
}

/// GraphiQL's files are served gzip-compressed to clients that accept it, and cached.
#[tokio::test]
async fn graphiql_files_are_compressed_and_cached() {
    let app = spawn_app().await;
    let url = format!("{}/playground/graphiql.min.js", app.base);
    // A client that leaves the encoding alone, to see what passerelle sends.
    let client = reqwest::Client::builder().no_gzip().build().unwrap();
    let raw = client
        .get(&url)
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert!(
        raw.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert!(raw.headers().get("content-encoding").is_none());
    let raw = raw.bytes().await.unwrap();
    let gz = client
        .get(&url)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(gz.headers()["vary"], "accept-encoding");
    let gz = gz.bytes().await.unwrap();
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, raw);
    assert!(
        gz.len() * 3 < raw.len(),
        "{} gzip bytes for {}",
        gz.len(),
        raw.len()
    );
    let missing = app
        .client
        .get(format!("{}/playground/inconnu.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

/// The minimal page (always at `/playground/simple`, and at `/` in a build without npm) runs a query too.
#[tokio::test]
async fn the_minimal_page_runs_a_query_in_a_real_browser() {
    let app = spawn_app().await;
    let html = crate::helpers::get_text(&format!("{}/playground/simple", app.base)).await;
    no_outside_reference(&html);
    assert!(
        !html.contains("n'est pas intégré"),
        "GraphiQL is embedded in this build"
    );
    let browser = chromium();
    let profile = std::env::temp_dir().join(format!("passerelle-chromium-{}", std::process::id()));
    let url = format!("{}/playground/simple?executer", app.base);
    let output = tokio::task::spawn_blocking(move || {
        Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--virtual-time-budget=10000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .output()
    })
    .await
    .unwrap()
    .expect("chromium runs");
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(
        dom.contains("HTTP 200"),
        "the page shows the status of its request:\n{dom}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        dom.contains("\"codeRome\": \"M1805\""),
        "the page shows the answer:\n{dom}"
    );
    assert!(dom.contains("Développeur / Développeuse informatique"));
}

#[tokio::test]
async fn every_playground_example_runs_without_error() {
    let app = spawn_app().await;
    let html = crate::helpers::get_text(&format!("{}/playground/examples.js", app.base)).await;
    let block = html
        .split("window.PASSERELLE_EXAMPLES = {")
        .nth(1)
        .and_then(|rest| rest.split("\n};").next())
        .expect("the examples are in the page");
    // Entries are `"name": `query``.
    let examples: Vec<(&str, &str)> = block
        .split("`,")
        .filter_map(|entry| {
            let (name, query) = entry.split_once(": `")?;
            Some((name.trim().trim_matches('"'), query.trim_end_matches('`')))
        })
        .collect();
    assert!(examples.len() >= 5, "{examples:?}");
    for (name, query) in examples {
        let (status, body) = app
            .query(query, serde_json::json!({ "code": "69123" }))
            .await;
        assert_eq!(status, 200, "{name}: {body}");
        assert!(crate::helpers::errors(&body).is_empty(), "{name}: {body}");
    }
}
