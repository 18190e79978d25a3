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

# Node.js tools of the tests (pinned by their package-lock.json): the GraphQL-over-HTTP audits, the
# browser driver of the playground test, and the federation gateway. The build also runs `npm ci` for
# the playground's GraphiQL (build.rs).
if ! command -v npm >/dev/null 2>&1; then
  say "installing nodejs and npm (Debian packages)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "Node.js $(node --version) is too old: playwright-core and Hive Gateway need Node.js 20 or later" >&2
  exit 1
fi
say "npm ci (tests/conformance: graphql-http, playwright-core)"
npm ci --prefix tests/conformance --no-audit --no-fund --loglevel=error
# Apollo Federation check: @theguild/federation-composition and Hive Gateway (pinned), on 127.0.0.1.
say "npm ci (tests/federation: Hive Gateway, federation-composition)"
npm ci --prefix tests/federation --no-audit --no-fund --loglevel=error

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "cargo test (workspace)"
cargo test --workspace --locked 2>&1 | tee target/test-output.txt

# GraphQL fuzzing with schemathesis (PyPI, pinned in tests/conformance/requirements.txt) against the
# real binary: no answer may be a server error.
say "schemathesis (200 examples per operation, seed 1, not_a_server_error)"
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi
if [ ! -x target/schemathesis/bin/schemathesis ]; then
  python3 -m venv target/schemathesis
  target/schemathesis/bin/pip install -q --disable-pip-version-check -r tests/conformance/requirements.txt
fi
cargo build --locked -q
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PASSERELLE_SERVER__LISTEN="127.0.0.1:$PORT" PASSERELLE_TODAY=2026-01-15 \
PASSERELLE_RATE_LIMIT__ANONYMOUS=100000000 RUST_LOG=warn \
  target/debug/passerelle > target/schemathesis-server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
python3 - "$PORT" <<'PY'
import sys, time, urllib.request
for _ in range(600):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health/ready", timeout=2)
        break
    except Exception:
        time.sleep(0.2)
else:
    sys.exit("passerelle did not become ready for schemathesis")
PY
(cd tests/conformance && SCHEMATHESIS_HOOKS=hooks PYTHONPATH=. ../../target/schemathesis/bin/schemathesis run \
  "http://127.0.0.1:$PORT/graphql" --max-examples 200 --seed 1 --checks not_a_server_error)
kill "$SERVER" 2>/dev/null || true

# One closing line for the whole run.
passed=$(grep -Eo '^test result: ok\. [0-9]+ passed' target/test-output.txt | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' target/test-output.txt | awk '{s+=$1} END {print s+0}')
echo
echo "${passed} passed, ${failed} failed"
