#!/usr/bin/env bash
# The benchmarks anyone can run (issue 10), all on 127.0.0.1, with oha (`cargo install oha --locked`):
#
#   1. a portal's métier page (métier + appellations + fiches ONISEP + 10 nearby actions + 5 resources)
#      on the generated 100 000-action LHEO file, the full ROME 4.0 and ONISEP Idéo data of
#      ../shared/data, the real communes and the samples for the rest, warm caches, no whole-response
#      cache (passerelle has none);
#   2. the same page through /export (NDJSON; bench/metier-page-export.graphql: the same blocks, the
#      nearby actions first, since the export writes the first list of the query);
#   3. the physical limit: an axum handler (bench/baseline.rs) answering the very same bytes, and the
#      floor of passerelle's own stack: `{ __typename }` through the same routes and layers, and GET
#      /health/live through the HTTP layers alone; then the
#      page and the floor again with `[server] scheduling = "per-core"` (one runtime per core);
#   4. uncached: four live sources asked from stand-ins (bench/upstreams.py, one process each) with a
#      fixed latency each (offre-info 20 ms, rome 15 — two calls at once —, onisep 10, geo 5: 50 ms in
#      all), the cache off and every request asking different codes; next to the slowest stand-in
#      (offre-info) asked alone the same way.
#
# Each run: CONNECTIONS connections for DURATION. Prints requests/s, p50 and p99, and the ratios.
#
#   bench/run.sh [DURATION=10s] [CONNECTIONS=32]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10s}"
CONNECTIONS="${2:-32}"
command -v oha > /dev/null || { echo "oha est absent : cargo install oha --locked" >&2; exit 1; }
. bench/lib.sh
FILE=$(offers_file 100000)
cargo build --release --locked -q --bin passerelle --example bench_baseline
BASELINE=target/release/examples/bench_baseline
RESULTS="$WORK/results.tsv"
: > "$RESULTS"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_http() { # URL
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "$1 ne répond pas" >&2; return 1
}

# json_body QUERY_FILE VARIABLES_JSON: the JSON request body on one line.
json_body() {
  python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read(), "variables": json.loads(sys.argv[2])}))' "$1" "$2"
}

# measure NAME URL BODY_OPTION BODY_FILE: one oha run (POST, -D: one body; -Z: one body per line in
# turn), one line in $RESULTS; any answer but 200 fails the bench.
measure() {
  local name=$1 url=$2 option=$3 body=$4
  oha -z "$DURATION" -c "$CONNECTIONS" --no-tui --output-format json -m POST \
    -H 'content-type: application/json' "$option" "$body" "$url" > "$WORK/oha.json"
  record "$name"
}

# measure_get NAME URL: the same for a GET without body.
measure_get() {
  oha -z "$DURATION" -c "$CONNECTIONS" --no-tui --output-format json "$2" > "$WORK/oha.json"
  record "$1"
}

# record NAME: the line of $WORK/oha.json in $RESULTS.
record() {
  python3 - "$1" "$WORK/oha.json" >> "$RESULTS" <<'PY'
import json, sys
d = json.load(open(sys.argv[2]))
codes = d.get("statusCodeDistribution", {})
bad = {k: v for k, v in codes.items() if k != "200"}
# The requests still in flight when the duration ends are cut by oha: not an error of the server.
errors = {k: v for k, v in d.get("errorDistribution", {}).items() if k != "aborted due to deadline"}
if bad or errors or not codes:
    sys.exit(f"{sys.argv[1]}: réponses autres que 200 : {bad} {errors}")
p = d["latencyPercentiles"]
print(f"{sys.argv[1]}\t{d['summary']['requestsPerSec']:.0f}\t{p['p50']*1000:.2f}\t{p['p99']*1000:.2f}")
PY
}

# --- 1-3: warm métier page, export, baseline -----------------------------------------------------
PORT=$(free_port)
PASSERELLE_SOURCES__ONISEP__MODE=snapshot \
PASSERELLE_SOURCES__ONISEP__PATH="$DATA/onisep/ideo-metiers_onisep.xml.xml" \
  start_gateway "$PORT" "$FILE"
PIDS+=("$SERVER")
trap cleanup EXIT  # start_gateway set its own trap
json_body bench/metier-page.graphql '{"codeRome": "M1805", "codeInsee": "69123"}' > "$WORK/page-body.json"
for _ in 1 2 3; do
  curl -sf "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' -d @"$WORK/page-body.json" > "$WORK/page.json"
done
python3 - "$WORK/page.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert not d.get("errors"), d["errors"]
m = d["data"]["metier"]
print(f"page métier {m['codeRome']} « {m['libelle']} » : {len(m['appellations'])} appellations, "
      f"{len(m['fichesOnisep'])} fiches ONISEP, {len(m['actionsFormation']['edges'])} actions proches "
      f"(sur {m['actionsFormation']['totalCount']}), {len(m['ressources']['nodes'])} ressources ; "
      f"{len(open(sys.argv[1], 'rb').read())} octets")
assert len(m["actionsFormation"]["edges"]) == 10 and m["fichesOnisep"] and m["ressources"]["nodes"]
PY
# The export takes the first list of the query: the same page with its nearby actions first.
json_body bench/metier-page-export.graphql '{"codeRome": "M1805", "codeInsee": "69123"}' > "$WORK/export-body.json"
EXPORT_URL="http://127.0.0.1:$PORT/export?format=ndjson"
curl -sf "$EXPORT_URL" -H 'content-type: application/json' -d @"$WORK/export-body.json" > "$WORK/export.ndjson"
echo "export : $(wc -l < "$WORK/export.ndjson") lignes NDJSON, $(wc -c < "$WORK/export.ndjson") octets"

measure "page métier (GraphQL)" "http://127.0.0.1:$PORT/graphql" -D "$WORK/page-body.json"
measure "page métier (/export NDJSON)" "$EXPORT_URL" -D "$WORK/export-body.json"
# The floor of the stack: the smallest operation through the same routes, layers and async-graphql.
echo '{"query": "{ __typename }"}' > "$WORK/typename-body.json"
measure "plancher : { __typename }" "http://127.0.0.1:$PORT/graphql" -D "$WORK/typename-body.json"
# Below it, the HTTP layers alone (routing, rate limit, metrics, traces, CORS), no GraphQL.
measure_get "plancher HTTP : GET /health/live" "http://127.0.0.1:$PORT/health/live"
kill "$SERVER" 2> /dev/null || true
wait "$SERVER" 2> /dev/null || true
# The same with `[server] scheduling = "per-core"`: one runtime per core, no hand-offs between threads.
PASSERELLE_SERVER__SCHEDULING=per-core \
PASSERELLE_SOURCES__ONISEP__MODE=snapshot \
PASSERELLE_SOURCES__ONISEP__PATH="$DATA/onisep/ideo-metiers_onisep.xml.xml" \
  start_gateway "$PORT" "$FILE"
PIDS+=("$SERVER")
trap cleanup EXIT
curl -sf "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' -d @"$WORK/page-body.json" > "$WORK/page-per-core.json"
cmp -s "$WORK/page.json" "$WORK/page-per-core.json" || { echo "per-core : une autre page" >&2; exit 1; }
measure "page métier (GraphQL), scheduling per-core" "http://127.0.0.1:$PORT/graphql" -D "$WORK/page-body.json"
measure "plancher : { __typename }, per-core" "http://127.0.0.1:$PORT/graphql" -D "$WORK/typename-body.json"
kill "$SERVER" 2> /dev/null || true

BPORT=$(free_port)
"$BASELINE" "$WORK/page.json" "$BPORT" > /dev/null &
PIDS+=($!)
wait_http "http://127.0.0.1:$BPORT/graphql"
measure "référence axum (mêmes octets que GraphQL)" "http://127.0.0.1:$BPORT/graphql" -D "$WORK/page-body.json"
kill "${PIDS[-1]}" 2> /dev/null || true
"$BASELINE" "$WORK/export.ndjson" "$BPORT" application/x-ndjson > /dev/null &
PIDS+=($!)
wait_http "http://127.0.0.1:$BPORT/export"
measure "référence axum (mêmes octets que l'export)" "http://127.0.0.1:$BPORT/export" -D "$WORK/export-body.json"
kill "${PIDS[-1]}" 2> /dev/null || true

# --- 4: uncached, four live sources with a fixed latency each --------------------------------------
# One stand-in process per source (Python serves one request at a time per process: sources sharing a
# process would slow each other down, which passerelle is not responsible for).
for src in rome offre-info onisep geo; do
  python3 bench/upstreams.py --port 0 --latency offre-info=20,rome=15,onisep=10,geo=5 \
    > "$WORK/upstream-$src.json" 2> "$WORK/upstream-$src.log" &
  PIDS+=($!)
done
for src in rome offre-info onisep geo; do
  for _ in $(seq 1 300); do [ -s "$WORK/upstream-$src.json" ] && break; sleep 0.2; done
done
eval "$(python3 - "$WORK" <<'PY'
import json, shlex, sys
for src in ("rome", "offre-info", "onisep", "geo"):
    info = json.loads(open(f"{sys.argv[1]}/upstream-{src}.json").readline())
    key = "PASSERELLE_SOURCES__" + src.upper().replace("-", "_") + "__"
    for k, v in {**info["env"], **info.get("env_bench", {})}.items():
        if k.startswith(key) or not k.startswith("PASSERELLE_SOURCES__"):
            print(f"export {k}={shlex.quote(str(v))}")
    print(f"UPSTREAM_{src.upper().replace('-', '_')}={shlex.quote(info['base'])}")
PY
)"
# Different codes in every request (oha -Z: one body per line), so that nothing is served from a
# cache or coalesced: each request makes its 5 upstream calls.
python3 - "$DATA/rome" bench/sources-en-parallele.graphql > "$WORK/uncached-bodies.ndjson" <<'PY'
import csv, glob, json, sys
query = open(sys.argv[2]).read()
codes = []
for path in glob.glob(sys.argv[1] + "/unix_referentiel_code_rome_v*_utf8.csv"):
    with open(path, encoding="utf-8") as f:
        codes += [row["code_rome"] for row in csv.DictReader(f) if row.get("code_rome")]
codes = sorted(set(codes)) or [f"M18{i:02d}" for i in range(1, 60)]
communes = ["69123", "75056", "13055", "31555", "06088", "44109", "67482", "34172", "33063", "59350"]
words = ["developpeur", "infirmier", "boulanger", "electricien", "comptable", "jardinier", "plombier"]
for i, code in enumerate(codes * 4):
    dep = communes[i % len(communes)][:2]
    print(json.dumps({"query": query, "variables": {
        "codeRome": code, "codeInsee": communes[i % len(communes)], "recherche": words[i % len(words)],
        "numero": f"{i}_AF_{code}_{dep}_SE_1"}}))
PY
UPORT=$(free_port)
PASSERELLE_SERVER__LISTEN="127.0.0.1:$UPORT" PASSERELLE_RATE_LIMIT__ANONYMOUS=1000000000 RUST_LOG=warn \
  target/release/passerelle > "$WORK/uncached-server.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$UPORT/health/ready"
head -1 "$WORK/uncached-bodies.ndjson" > "$WORK/one.json"
curl -sf "http://127.0.0.1:$UPORT/graphql" -H 'content-type: application/json' -d @"$WORK/one.json" \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); assert not d.get("errors"), d; print("requête sans cache :", json.dumps(d["data"], ensure_ascii=False)[:160], "…")'
SAVED=$CONNECTIONS
CONNECTIONS=1
oha -z "$DURATION" -c 1 --no-tui --output-format json \
  "$UPSTREAM_OFFRE_INFO/offre-info/serviceweb2/offre-info/?versionLHEO=2.2&numeroAction=1_AF_M1805_69_SE_1" > "$WORK/oha.json"
python3 - "$WORK/oha.json" >> "$RESULTS" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); p = d["latencyPercentiles"]
assert set(d["statusCodeDistribution"]) == {"200"}, d["statusCodeDistribution"]
print(f"amont le plus lent seul (offre-info, 20 ms), 1 connexion\t{d['summary']['requestsPerSec']:.0f}\t{p['p50']*1000:.2f}\t{p['p99']*1000:.2f}")
PY
for u in "$UPSTREAM_ROME" "$UPSTREAM_OFFRE_INFO" "$UPSTREAM_ONISEP" "$UPSTREAM_GEO"; do
  curl -sf -o /dev/null -X POST "$u/_reset" || true
done
measure "sans cache, 4 sources (20, 15, 10, 5 ms), 1 connexion" "http://127.0.0.1:$UPORT/graphql" -Z "$WORK/uncached-bodies.ndjson"
CONNECTIONS=$SAVED
measure "sans cache, 4 sources (20, 15, 10, 5 ms), $CONNECTIONS connexions" "http://127.0.0.1:$UPORT/graphql" -Z "$WORK/uncached-bodies.ndjson"
python3 - "$UPSTREAM_ROME" "$UPSTREAM_OFFRE_INFO" "$UPSTREAM_ONISEP" "$UPSTREAM_GEO" > "$WORK/upstream-stats.json" <<'PY' || true
import json, sys, urllib.request
total = {"requests": 0, "peak_in_flight": 0}
for base in sys.argv[1:]:
    t = json.load(urllib.request.urlopen(base + "/_stats"))["total"]
    total["requests"] += t.get("requests", 0)
    total["peak_in_flight"] = max(total["peak_in_flight"], t.get("peak_in_flight", 0))
print(json.dumps({"total": total}))
PY

# --- the table ------------------------------------------------------------------------------------
python3 - "$RESULTS" "$WORK/upstream-stats.json" "$DURATION" "$CONNECTIONS" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {r[0]: r for r in rows}
print(f"\n{sys.argv[4]} connexions (sauf mention), {sys.argv[3]} par mesure, oha et passerelle sur la même machine\n")
print(f"| {'mesure':<58} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} |")
print(f"|{'-'*60}|{'-'*10}|{'-'*9}|{'-'*9}|")
for name, rps, p50, p99 in rows:
    print(f"| {name:<58} | {rps:>8} | {p50:>7} | {p99:>7} |")
def ratio(a, b):
    ra, rb = float(by[a][1]), float(by[b][1])
    return f"{100 * ra / rb:.0f} %"
print()
print("page métier / référence axum :", ratio("page métier (GraphQL)", "référence axum (mêmes octets que GraphQL)"), "(cible ≥ 40 %)")
print("page, per-core / référence   :", ratio("page métier (GraphQL), scheduling per-core", "référence axum (mêmes octets que GraphQL)"),
      "(`[server] scheduling = \"per-core\"`)")
print("export / référence axum      :", ratio("page métier (/export NDJSON)", "référence axum (mêmes octets que l'export)"))
print("{ __typename } / référence   :", ratio("plancher : { __typename }", "référence axum (mêmes octets que GraphQL)"),
      "(le plancher des couches HTTP et d'async-graphql)")
print("GET /health/live / référence :", ratio("plancher HTTP : GET /health/live", "référence axum (mêmes octets que GraphQL)"),
      "(les couches HTTP seules, réponse de quelques octets)")
alone = float(by["amont le plus lent seul (offre-info, 20 ms), 1 connexion"][2])
gw = float([r for r in rows if r[0].startswith("sans cache") and r[0].endswith("1 connexion")][0][2])
print(f"sans cache, p50 : {gw:.2f} ms pour un amont le plus lent à {alone:.2f} ms seul : écart {gw - alone:+.2f} ms "
      f"(cible ≤ 1 ms ; la somme des quatre serait ≥ 50 ms)")
try:
    stats = json.load(open(sys.argv[2]))
    total = stats.get("total", {})
    print(f"amonts : {total.get('requests')} requêtes, au plus {total.get('peak_in_flight')} en même temps sur une source")
except Exception:
    pass
PY
