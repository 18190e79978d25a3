#!/usr/bin/env bash
# How long a request's batch loader waits to gather keys (`[server] batch_delay`) against throughput and
# latency: the release gateway on 127.0.0.1 with the real ROME 4.0 and communes and the generated LHEO
# file, a query of 50 actions each asking for its métiers and commune (two loaders per action), sent by
# `oha` at 1 connection (latency) and at 32 connections for 10 s (throughput), for each delay.
#
#   bench/batch_delay.sh [ACTIONS=20000] [DELAYS="0us 100us 1ms 5ms"]
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONS="${1:-20000}"
DELAYS="${2:-0us 100us 1ms 5ms}"
. bench/lib.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked
FILE=$(offers_file "$ACTIONS")
cargo build --release -q
PORT="${PORT:-18182}"
BODY='{"query":"{ actionsFormation(first: 50, filtre: { departements: [\"69\"] }) { edges { node { numero formation { metiers { codeRome libelle } } lieu { commune { nom } } } } } }"}'
SUMMARY='
import json, sys
d = json.load(sys.stdin)
s, p = d["summary"], d["latencyPercentiles"]
assert s["successRate"] == 1.0, s
codes = d["statusCodeDistribution"]
assert list(codes) == ["200"], codes
print("%.0f %.2fms %.2fms" % (s["requestsPerSec"], p["p50"] * 1000, p["p99"] * 1000))
'
printf '%-8s %14s %12s %12s %16s %12s %12s\n' delai 'c=1 req/s' 'c=1 p50' 'c=1 p99' 'c=32 req/s' 'c=32 p50' 'c=32 p99'
for DELAY in $DELAYS; do
  PASSERELLE_SERVER__BATCH_DELAY="$DELAY" start_gateway "$PORT" "$FILE"
  curl -s "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' -d "$BODY" \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); assert "errors" not in d, d; assert len(d["data"]["actionsFormation"]["edges"]) == 50, d'
  run() {
    oha --no-tui --output-format json -c "$1" -z "$2" -m POST -H 'content-type: application/json' \
      -d "$BODY" "http://127.0.0.1:$PORT/graphql" | python3 -c "$SUMMARY"
  }
  read -r R1 P501 P991 <<< "$(run 1 5s)"
  read -r R32 P5032 P9932 <<< "$(run 32 10s)"
  printf '%-8s %14s %12s %12s %16s %12s %12s\n' "$DELAY" "$R1" "$P501" "$P991" "$R32" "$P5032" "$P9932"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
done
