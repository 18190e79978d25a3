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
. bench/lib.sh
FILE=$(offers_file "$ACTIONS")
cargo build --release -q
PORT="${PORT:-18181}"
start_gateway "$PORT" "$FILE"
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
