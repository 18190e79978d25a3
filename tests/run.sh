#!/usr/bin/env bash
# Runs every test of passerelle on a fresh machine: installs what the tests need, then checks formatting,
# lints and runs the whole workspace's tests (unit, adapters on the real reference data, integration
# tests against the real application, the playground in a headless Chromium, the shared cache on a
# real redis-server).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

# The reference data is read in place, never copied into the repository.
if [ ! -d ../shared/data ]; then
  echo "../shared/data is missing: the tests read the sources' real publications from there" >&2
  exit 1
fi

# A headless browser for the playground test (Debian's package; no browser download).
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  say "installing chromium (Debian package)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# A real Redis for the shared-cache tests (two replicas on one Redis); the tests start their own
# redis-server on a free port, never the system service.
if ! command -v redis-server >/dev/null 2>&1; then
  say "installing redis-server (Debian package)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

# The GraphQL-over-HTTP audits (graphql-http, pinned by tests/conformance/package-lock.json).
if ! command -v npm >/dev/null 2>&1; then
  say "installing nodejs and npm (Debian packages)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
say "npm ci (tests/conformance)"
npm ci --prefix tests/conformance --no-audit --no-fund --loglevel=error

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "cargo test (workspace)"
cargo test --workspace --locked 2>&1 | tee target/test-output.txt

# One closing line for the whole run.
passed=$(grep -Eo '^test result: ok\. [0-9]+ passed' target/test-output.txt | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' target/test-output.txt | awk '{s+=$1} END {print s+0}')
echo
echo "${passed} passed, ${failed} failed"
