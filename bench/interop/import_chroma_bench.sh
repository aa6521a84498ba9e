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
rate() { /usr/bin/python3 -c "import sys; print(int(float(sys.argv[3]) / (float(sys.argv[2]) - float(sys.argv[1]))))" "$1" "$2" "$N"; }
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ ! -f "$TMP/chroma/chroma.sqlite3" ]; then
  "$PEER/chroma-server.sh" start "$TMP/chroma" "$PORT" >/dev/null
  t0=$(date +%s.%N)
  node "$ROOT/bench/interop/make_big_chroma.mjs" "http://127.0.0.1:$PORT" "$N" "$DIM"
  t1=$(date +%s.%N)
  "$PEER/chroma-server.sh" stop "$TMP/chroma" "$PORT" >/dev/null
  echo "chroma ingest: $(rate "$t0" "$t1") records/s (for reference)"
fi
rm -rf "$TMP/ochre"
t0=$(date +%s.%N)
"$BUILD_DIR/src/cli/ochre" import-chroma --from "$TMP/chroma" --path "$TMP/ochre" --json
t1=$(date +%s.%N)
echo "import-chroma: $N x $DIM in $(/usr/bin/python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 2))" "$t0" "$t1") s = $(rate "$t0" "$t1") records/s"
du -sh "$TMP/chroma" "$TMP/ochre"
# export / import rates of the same data
rm -rf "$TMP/e.jsonl" "$TMP/rt"
t0=$(date +%s.%N); "$BUILD_DIR/src/cli/ochre" export --path "$TMP/ochre" --out "$TMP/e.jsonl" >/dev/null; t1=$(date +%s.%N)
echo "export: $(rate "$t0" "$t1") records/s ($(du -h "$TMP/e.jsonl" | cut -f1))"
t0=$(date +%s.%N); "$BUILD_DIR/src/cli/ochre" import --path "$TMP/rt" --in "$TMP/e.jsonl" >/dev/null; t1=$(date +%s.%N)
echo "import: $(rate "$t0" "$t1") records/s"
