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
