# Shared by the bench scripts (sourced): the generated LHEO file, the release gateway on 127.0.0.1 with
# the real ROME 4.0 and communes, and its readiness.
DATA="${PASSERELLE_DATA:-../shared/data}"
WORK="${TMPDIR:-/tmp}/passerelle-bench"
mkdir -p "$WORK"

# The generated LHEO file of $1 actions (written once), its path on stdout.
offers_file() {
  local file="$WORK/offres-$1.xml"
  if [ ! -s "$file" ]; then
    cargo run --release -q -p passerelle-offre-info --features generator --example generer_lheo -- \
      --actions "$1" --sortie "$file" --donnees "$DATA" >&2
  fi
  echo "$file"
}

# Starts the release gateway on port $1 with the offers file $2 (extra variables from the caller's
# environment; the anonymous rate limit out of the way), sets SERVER to its pid and waits until it is
# ready.
start_gateway() {
  PASSERELLE_SERVER__LISTEN="127.0.0.1:$1" \
  PASSERELLE_SOURCES__ROME__MODE=snapshot PASSERELLE_SOURCES__ROME__PATH="$DATA/rome" \
  PASSERELLE_SOURCES__GEO__MODE=snapshot PASSERELLE_SOURCES__GEO__PATH="$DATA/geo/laposte_hexasmal.csv" \
  PASSERELLE_SOURCES__OFFRE_INFO__MODE=snapshot PASSERELLE_SOURCES__OFFRE_INFO__PATH="$2" \
  PASSERELLE_RATE_LIMIT__ANONYMOUS=1000000000 \
  RUST_LOG=warn ./target/release/passerelle > "$WORK/server.log" 2>&1 &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  for _ in $(seq 1 600); do
    if curl -sf "http://127.0.0.1:$1/health/ready" > /dev/null; then return 0; fi
    sleep 0.5
  done
  cat "$WORK/server.log"
  return 1
}
