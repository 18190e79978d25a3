//! The playground, loaded and run in a real headless Chromium: it loads nothing from outside the
//! machine and shows the answer of the query it sends.

use std::process::Command;

use crate::helpers::spawn_app;

fn chromium() -> String {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()))
        .map(str::to_owned)
        .expect("a headless Chromium is needed for this test: ./tests/run.sh installs Debian's `chromium`")
}

#[tokio::test]
async fn the_playground_runs_a_query_in_a_real_browser() {
    let app = spawn_app().await;
    let html = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in ["src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(
            !html.contains(needle),
            "the playground must load nothing from outside: found {needle}"
        );
    }

    let browser = chromium();
    let profile = std::env::temp_dir().join(format!("passerelle-chromium-{}", std::process::id()));
    let url = format!("{}/?executer", app.base);
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
    let app = crate::helpers::spawn_app().await;
    let html = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let block = html
        .split("const EXAMPLES = {")
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
