#!/usr/bin/env bash
# `ochre copy` rates: N x 384 records (default 20000) ours -> ours, ours -> `ochre run`,
# `ochre run` -> ours, and with ../shared/peer-chroma (or $OCHRE_PEER_CHROMA) ours -> Chroma and
# Chroma -> ours. Usage: bash bench/interop/copy_bench.sh [BUILD_DIR] [N]. Prints records/s each.
set -euo pipefail
BUILD_DIR=${1:-build}
N=${2:-20000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
OCHRE="$BUILD_DIR/src/cli/ochre"
PEER=${OCHRE_PEER_CHROMA:-$ROOT/../shared/peer-chroma}
TMP=$(mktemp -d)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
OPORT=$(free_port); CPORT=; OPID=
cleanup() {
  [ -n "$CPORT" ] && "$PEER/chroma-server.sh" stop "$TMP/chroma" "$CPORT" >/dev/null 2>&1 || true
  [ -n "$OPID" ] && kill "$OPID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP"
/usr/bin/python3 - "$N" >data.jsonl <<'PY'
import base64, json, random, struct, sys
n = int(sys.argv[1]); rnd = random.Random(1)
print(json.dumps({"format": "ochre-export", "version": 1}))
print(json.dumps({"type": "collection", "name": "bench", "configuration": {"hnsw": {"space": "l2"}}}))
for i in range(n):
    v = struct.pack("<384f", *[rnd.random() for _ in range(384)])
    print(json.dumps({"type": "record", "id": "id%07d" % i, "embedding": base64.b64encode(v).decode(),
                      "document": "document %d" % i, "metadata": {"i": i, "s": "x"}, "uri": None}))
PY
"$OCHRE" import --path src --in data.jsonl >/dev/null
rate() {  # rate LABEL -- command...
  local label=$1; shift 2
  local t0 t1; t0=$(date +%s.%N); "$@" --json >out.json; t1=$(date +%s.%N)
  /usr/bin/python3 -c 'import sys,json
r=json.load(open("out.json")); s=float(sys.argv[2])-float(sys.argv[1]); n=r["records"]; b=r["batch_size"]
print(f"{sys.argv[3]}: {n} records in {s:.1f} s = {n/s:,.0f} records/s (batches of {b})")' "$t0" "$t1" "$label"
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
rate "ours -> ours" -- "$OCHRE" copy --from src --to dst1
"$OCHRE" run --path srv --host 127.0.0.1 --port "$OPORT" >run.log 2>&1 &
OPID=$!
for _ in $(seq 100); do grep -q listening run.log 2>/dev/null && break; sleep 0.1; done
rate "ours -> ochre run" -- "$OCHRE" copy --from src --to "http://127.0.0.1:$OPORT"
rate "ochre run -> ours" -- "$OCHRE" copy --from "http://127.0.0.1:$OPORT" --to dst2
if [ -x "$PEER/chroma-server.sh" ]; then
  "$PEER/setup.sh" >/dev/null
  CPORT=$(free_port)
  "$PEER/chroma-server.sh" start "$TMP/chroma" "$CPORT" >/dev/null
  rate "ours -> Chroma 1.4.4" -- "$OCHRE" copy --from src --to "http://127.0.0.1:$CPORT"
  rate "Chroma 1.4.4 -> ours" -- "$OCHRE" copy --from "http://127.0.0.1:$CPORT" --to dst3
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
