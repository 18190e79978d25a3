//! Embeds the playground's GraphiQL (UMD build) and React 18 (UMD) into the binary.
//!
//! The files come from the npm registry at build time: `npm ci` runs on a copy of `playground/` in
//! `OUT_DIR` (pinned by `playground/package-lock.json`), so nothing from npm is committed and the
//! source tree is never written to. Each file is embedded as is and gzip-compressed. Where npm is
//! missing or fails (no registry, `PASSERELLE_PLAYGROUND=minimal`), the build still succeeds: the
//! binary serves the minimal built-in page, which says why and which command enables GraphiQL.

#![allow(clippy::print_stdout)] // cargo reads a build script's instructions on stdout

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (name served under `/playground/`, path inside `node_modules`, media type).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "react.production.min.js",
        "react/umd/react.production.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "react-dom.production.min.js",
        "react-dom/umd/react-dom.production.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "graphiql.min.js",
        "graphiql/graphiql.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "graphiql.min.css",
        "graphiql/graphiql.min.css",
        "text/css; charset=utf-8",
    ),
];

fn main() {
    println!("cargo:rerun-if-changed=playground/package.json");
    println!("cargo:rerun-if-changed=playground/package-lock.json");
    println!("cargo:rerun-if-env-changed=PASSERELLE_PLAYGROUND");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let code = match install(&out) {
        Ok((modules, versions)) => match embed(&out, &modules) {
            Ok(entries) => format!(
                "/// GraphiQL's files, embedded at build time.\npub const GRAPHIQL: Result<&[Asset], &str> = Ok(&[\n{entries}]);\n/// The versions embedded.\npub const VERSIONS: &str = {versions:?};\n"
            ),
            Err(why) => unavailable(&why),
        },
        Err(why) => unavailable(&why),
    };
    std::fs::write(out.join("playground_assets.rs"), code).expect("OUT_DIR is writable");
}

fn unavailable(why: &str) -> String {
    println!(
        "cargo:warning=playground: GraphiQL not embedded ({why}); the minimal page is served instead"
    );
    format!(
        "/// Why GraphiQL is not embedded in this build.\npub const GRAPHIQL: Result<&[Asset], &str> = Err({why:?});\n/// No version embedded.\npub const VERSIONS: &str = \"\";\n"
    )
}

/// Runs `npm ci` on a copy of `playground/` in `OUT_DIR`; returns `node_modules` and the versions.
fn install(out: &Path) -> Result<(PathBuf, String), String> {
    if std::env::var("PASSERELLE_PLAYGROUND").is_ok_and(|v| v == "minimal") {
        return Err("PASSERELLE_PLAYGROUND=minimal".into());
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("playground");
    let dir = out.join("playground");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let lock = std::fs::read(src.join("package-lock.json"))
        .map_err(|e| format!("playground/package-lock.json: {e}"))?;
    let manifest = std::fs::read(src.join("package.json"))
        .map_err(|e| format!("playground/package.json: {e}"))?;
    let modules = dir.join("node_modules");
    // `npm ci` again only when the lock changed since the last install into this OUT_DIR.
    let installed = std::fs::read(dir.join("package-lock.json")).is_ok_and(|old| old == lock)
        && ASSETS
            .iter()
            .all(|(_, path, _)| modules.join(path).is_file());
    if !installed {
        std::fs::write(dir.join("package.json"), &manifest).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("package-lock.json"), &lock).map_err(|e| e.to_string())?;
        let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
        let output = Command::new(npm)
            .args([
                "ci",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--prefer-offline",
                "--loglevel=error",
            ])
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("npm could not be started: {e}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim();
            return Err(format!("npm ci failed: {last}"));
        }
    }
    let versions = ["graphiql", "react", "react-dom"]
        .iter()
        .map(|name| {
            let json = std::fs::read_to_string(modules.join(name).join("package.json"))
                .unwrap_or_default();
            let version = json
                .split("\"version\"")
                .nth(1)
                .and_then(|rest| rest.split('"').nth(1))
                .unwrap_or("?")
                .to_owned();
            format!("{name} {version}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok((modules, versions))
}

/// Copies and gzips each asset into `OUT_DIR`; returns the `Asset` entries of the generated code.
fn embed(out: &Path, modules: &Path) -> Result<String, String> {
    let mut entries = String::new();
    for (name, path, media_type) in ASSETS {
        let raw = std::fs::read(modules.join(path)).map_err(|e| format!("{path}: {e}"))?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&raw).map_err(|e| e.to_string())?;
        let gz = gz.finish().map_err(|e| e.to_string())?;
        std::fs::write(out.join(name), &raw).map_err(|e| e.to_string())?;
        std::fs::write(out.join(format!("{name}.gz")), &gz).map_err(|e| e.to_string())?;
        entries.push_str(&format!(
            "    Asset {{ name: {name:?}, media_type: {media_type:?}, raw: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{name}\")), gzip: include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{name}.gz\")) }},\n"
        ));
    }
    Ok(entries)
}
