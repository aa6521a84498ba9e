#!/usr/bin/env bash
# The import-chroma benchmark: a 100k x 384 cosine collection made by the real Chroma 1.4.4 server
# (peer-chroma), then `ochre import-chroma` timed (records/s), then `ochre export` and `ochre import`.
#   bash bench/interop/import_chroma_bench.sh [BUILD_DIR] [N] [DIM]
set -euo pipefail
BUILD_DIR=${1:-build}; N=${2:-100000}; DIM=${3:-384}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
PEER=${PEER_CHROMA:-/work/shared/peer-chroma}
"$PEER/setup.sh" >/dev/null
TMP=${BENCH_TMP:-$(mktemp -d)}
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ ! -f "$TMP/chroma/chroma.sqlite3" ]; then
  "$PEER/chroma-server.sh" start "$TMP/chroma" "$PORT" >/dev/null
  t0=$(date +%s.%N)
  node "$ROOT/bench/interop/make_big_chroma.mjs" "http://127.0.0.1:$PORT" "$N" "$DIM"
  t1=$(date +%s.%N)
  "$PEER/chroma-server.sh" stop "$TMP/chroma" "$PORT" >/dev/null
  echo "chroma ingest: $(echo "$N / ($t1 - $t0)" | bc -l | cut -d. -f1) records/s (for reference)"
fi
rm -rf "$TMP/ochre"
t0=$(date +%s.%N)
"$BUILD_DIR/src/cli/ochre" import-chroma --from "$TMP/chroma" --path "$TMP/ochre" --json
t1=$(date +%s.%N)
echo "import-chroma: $N x $DIM in $(echo "$t1 - $t0" | bc -l | cut -c1-6) s = $(echo "$N / ($t1 - $t0)" | bc -l | cut -d. -f1) records/s"
du -sh "$TMP/chroma" "$TMP/ochre"
# export / import rates of the same data
rm -rf "$TMP/e.jsonl" "$TMP/rt"
t0=$(date +%s.%N); "$BUILD_DIR/src/cli/ochre" export --path "$TMP/ochre" --out "$TMP/e.jsonl" >/dev/null; t1=$(date +%s.%N)
echo "export: $(echo "$N / ($t1 - $t0)" | bc -l | cut -d. -f1) records/s ($(du -h "$TMP/e.jsonl" | cut -f1))"
t0=$(date +%s.%N); "$BUILD_DIR/src/cli/ochre" import --path "$TMP/rt" --in "$TMP/e.jsonl" >/dev/null; t1=$(date +%s.%N)
echo "import: $(echo "$N / ($t1 - $t0)" | bc -l | cut -d. -f1) records/s"
