#!/usr/bin/env bash
# `make test`, after CTest: `ochre copy` (src/interop/copy). Always: ours -> `ochre run` (token
# auth) -> a fresh ours, an interrupted copy resumed (OCHRE_COPY_STOP_AFTER_BATCHES), and the bad
# inputs with their exit codes. With the real Chroma server (../shared/peer-chroma or
# $OCHRE_PEER_CHROMA): ours -> Chroma -> a fresh ours, interrupted and resumed too. "Equal" is a
# byte comparison of `ochre export` files: ids, base64 float32 embeddings, documents, metadata
# with its JSON types, uris and the configuration.
set -euo pipefail
BUILD_DIR=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
OCHRE="$BUILD_DIR/src/cli/ochre"
PEER=${OCHRE_PEER_CHROMA:-$ROOT/../shared/peer-chroma}
if [ ! -x "$OCHRE" ]; then echo "[copy] $OCHRE not built; skipping"; exit 0; fi

TMP=$(mktemp -d)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
OPORT=$(free_port)
CPORT=
OPID=
cleanup() {
  [ -n "$CPORT" ] && "$PEER/chroma-server.sh" stop "$TMP/chroma" "$CPORT" >/dev/null 2>&1 || true
  [ -n "$OPID" ] && kill "$OPID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fails=0
expect() {  # expect CODE DESCRIPTION -- command...
  local want=$1 what=$2
  shift 3
  set +e
  "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  set -e
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $what: exit $rc, expected $want"; cat "$TMP/out" "$TMP/err"; fails=$((fails + 1))
  else
    echo "ok   $what (exit $rc: $(head -c 200 "$TMP/err" "$TMP/out" | tr '\n' ' '))"
  fi
}
same() {  # same DIR DESCRIPTION: DIR's export equals the source's
  "$OCHRE" export --path "$1" --out "$TMP/cmp.jsonl" >/dev/null
  if cmp -s "$TMP/src.jsonl" "$TMP/cmp.jsonl"; then echo "ok   $2: identical export"; else
    echo "FAIL $2: exports differ"; diff <(head -c 3000 "$TMP/src.jsonl") <(head -c 3000 "$TMP/cmp.jsonl") | head -20
    fails=$((fails + 1)); fi
  rm -f "$TMP/cmp.jsonl"
}
cd "$TMP"
/usr/bin/python3 "$ROOT/tests/interop/make_copy_export.py" 2500 >data.jsonl
"$OCHRE" import --path src --in data.jsonl >/dev/null
"$OCHRE" export --path src --out src.jsonl >/dev/null

echo "[copy] against ochre run (token auth)"
OCHRE_AUTH_TOKEN=sekret "$OCHRE" run --path srv --host 127.0.0.1 --port "$OPORT" >run.log 2>&1 &
OPID=$!
for _ in $(seq 100); do grep -q listening run.log 2>/dev/null && break; sleep 0.1; done
URL=http://127.0.0.1:$OPORT
expect 0 "ours -> ochre run" -- "$OCHRE" copy --from src --to "$URL" --token sekret --json
expect 0 "ochre run -> ours" -- "$OCHRE" copy --from "$URL" --to back1 --token sekret --json
same back1 "ours -> ochre run -> ours"
expect 0 "ours -> ours" -- "$OCHRE" copy --from src --to local2 --json
same local2 "ours -> ours"
expect 7 "a wrong token" -- "$OCHRE" copy --from src --to "$URL" --token wrong --json
expect 7 "no token" -- "$OCHRE" copy --from "$URL" --to none1 --json
expect 4 "a destination collection not made by this copy" -- "$OCHRE" copy --from src --to "$URL" --token sekret --json
expect 9 "an unreachable server" -- "$OCHRE" copy --from src --to "http://127.0.0.1:$(free_port)" --json
expect 2 "a missing source collection" -- "$OCHRE" copy --from src --to local3 --collection nosuch --json
expect 2 "a URL with a path" -- "$OCHRE" copy --from src --to "$URL/api/v2" --json
# Interrupted after 2 batches of 1000 (the local destination's batch size), then resumed.
OCHRE_COPY_STOP_AFTER_BATCHES=2 expect 8 "an interrupted copy" -- "$OCHRE" copy --from "$URL" --to back2 --token sekret --json
expect 0 "the resumed copy" -- "$OCHRE" copy --from "$URL" --to back2 --token sekret --json
grep -q '"already_present":2000' out && grep -q '"resumed":true' out || { echo "FAIL resume counts: $(cat out)"; fails=$((fails + 1)); }
same back2 "interrupted and resumed"
kill "$OPID"; wait "$OPID" 2>/dev/null || true; OPID=

if [ -x "$PEER/chroma-server.sh" ]; then
  echo "[copy] against the real Chroma server"
  "$PEER/setup.sh" >/dev/null
  CPORT=$(free_port)
  "$PEER/chroma-server.sh" start "$TMP/chroma" "$CPORT" >/dev/null
  CURL=http://127.0.0.1:$CPORT
  OCHRE_COPY_STOP_AFTER_BATCHES=1 expect 8 "ours -> Chroma, interrupted" -- "$OCHRE" copy --from src --to "$CURL" --json
  expect 0 "ours -> Chroma, resumed" -- "$OCHRE" copy --from src --to "$CURL" --json
  expect 0 "Chroma -> ours" -- "$OCHRE" copy --from "$CURL" --to back3 --json
  "$OCHRE" export --path back3 --out back3.jsonl >/dev/null
  expect 0 "ours -> Chroma -> ours: same records (l2 bit-exact, cosine within 4 ulps)" -- \
    /usr/bin/python3 "$ROOT/tests/interop/compare_exports.py" src.jsonl back3.jsonl --cosine-ulps 4
  expect 4 "Chroma destination not empty" -- "$OCHRE" copy --from src --to "$CURL" --json
else
  echo "[copy] no peer-chroma at $PEER: the real-Chroma part is skipped" >&2
fi
[ "$fails" -eq 0 ] && echo "[copy] all passed" || { echo "[copy] $fails failed"; exit 1; }
