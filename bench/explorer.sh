#!/usr/bin/env bash
# Latency of `explorer` (the cartographie dynamique) on the generated 100 000-action LHEO file, with the
# real ROME 4.0 export and the real communes: the gateway is started in release mode on 127.0.0.1, the
# done-when query is sent N times one after another, and the latencies are reported (p50, p90, p99, max).
#
#   bench/explorer.sh [ACTIONS=100000] [N=200]
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONS="${1:-100000}"
N="${2:-200}"
DATA="${PASSERELLE_DATA:-../shared/data}"
WORK="${TMPDIR:-/tmp}/passerelle-bench"
mkdir -p "$WORK"
FILE="$WORK/offres-$ACTIONS.xml"
if [ ! -s "$FILE" ]; then
  cargo run --release -q -p passerelle-offre-info --features generator --example generer_lheo -- \
    --actions "$ACTIONS" --sortie "$FILE" --donnees "$DATA"
fi
cargo build --release -q
PORT="${PORT:-18181}"
PASSERELLE_SERVER__LISTEN="127.0.0.1:$PORT" \
PASSERELLE_SOURCES__ROME__MODE=snapshot PASSERELLE_SOURCES__ROME__PATH="$DATA/rome" \
PASSERELLE_SOURCES__GEO__MODE=snapshot PASSERELLE_SOURCES__GEO__PATH="$DATA/geo/laposte_hexasmal.csv" \
PASSERELLE_SOURCES__OFFRE_INFO__MODE=snapshot PASSERELLE_SOURCES__OFFRE_INFO__PATH="$FILE" \
RUST_LOG=warn ./target/release/passerelle > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  if curl -sf "http://127.0.0.1:$PORT/health/ready" > /dev/null; then break; fi
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/health/ready" > /dev/null || { cat "$WORK/server.log"; exit 1; }
BODY='{"query":"{ explorer(codeRome: \"M1805\", lieu: { codeInsee: \"69123\" }, rayonsKm: [10, 30, 60], elargissements: [FICHES_DETAILLEES, METIERS_PROCHES, DOMAINE_PROFESSIONNEL]) { cellules { cible { niveau codesRome } rayonKm actionsFormation sessions organismes certifications ressources ecartCible { actionsFormation } ecartRayon { actionsFormation } } } }"}'
curl -s "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' -d "$BODY" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert "errors" not in d, d; c=d["data"]["explorer"]["cellules"]; print("cellules :", len(c), "; actions (métier seul, 10 km → domaine, 60 km) :", c[0]["actionsFormation"], "→", c[-1]["actionsFormation"])'
for _ in $(seq 1 "$N"); do
  curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' -d "$BODY"
done | python3 -c '
import sys
t = sorted(float(x) * 1000 for x in sys.stdin)
q = lambda p: t[min(len(t) - 1, int(p * len(t)))]
print(f"explorer, {len(t)} requêtes : p50 {q(0.5):.1f} ms, p90 {q(0.9):.1f} ms, p99 {q(0.99):.1f} ms, max {t[-1]:.1f} ms")
'
