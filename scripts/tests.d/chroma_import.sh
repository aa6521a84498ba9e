#!/usr/bin/env bash
# `make test`, after CTest: `ochre import-chroma` against Chroma directories made at test time by the
# real Chroma 1.4.4 server (../shared/peer-chroma beside the checkout, or $OCHRE_PEER_CHROMA). The imported directory is
# served by `ochre run` and must answer get/query as Chroma did on the same data
# (tests/interop/check_import.mjs); the bad inputs must fail with their exit codes; the Chroma
# directory must be byte-identical afterwards.
set -euo pipefail
BUILD_DIR=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
OCHRE="$BUILD_DIR/src/cli/ochre"
PEER=${OCHRE_PEER_CHROMA:-$ROOT/../shared/peer-chroma}
if [ ! -x "$OCHRE" ]; then echo "[chroma import] $OCHRE not built; skipping"; exit 0; fi
if [ ! -x "$PEER/chroma-server.sh" ]; then echo "[chroma import] no peer-chroma at $PEER" >&2; exit 1; fi
"$PEER/setup.sh" >/dev/null

TMP=$(mktemp -d)
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CPORT=$(free_port)
OPID=
cleanup() {
  "$PEER/chroma-server.sh" stop "$TMP/chroma" "$CPORT" >/dev/null 2>&1 || true
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

echo "[chroma import] making a Chroma directory with the real Chroma server"
"$PEER/chroma-server.sh" start "$TMP/chroma" "$CPORT" >/dev/null
node "$ROOT/tests/interop/make_chroma_dir.mjs" "http://127.0.0.1:$CPORT" "$TMP/expected.json" --big 20000
expect 5 "a Chroma directory a running Chroma has open" -- "$OCHRE" import-chroma --from "$TMP/chroma" --path "$TMP/o_open"
[ ! -e "$TMP/o_open" ] || { echo "FAIL the refused import created $TMP/o_open"; fails=$((fails + 1)); }
"$PEER/chroma-server.sh" stop "$TMP/chroma" "$CPORT" >/dev/null

before=$(cd "$TMP/chroma" && find . -type f -exec md5sum {} + | sort)
expect 0 "import-chroma" -- "$OCHRE" import-chroma --from "$TMP/chroma" --path "$TMP/ochre" --json
cat "$TMP/out"
after=$(cd "$TMP/chroma" && find . -type f -exec md5sum {} + | sort)
[ "$before" = "$after" ] || { echo "FAIL the Chroma directory changed"; fails=$((fails + 1)); }

# The same import from Python (ochredb.import_chroma), when the module is built.
if compgen -G "$BUILD_DIR/python/ochredb/_ochredb*.so" >/dev/null; then
  PYTHONPATH="$BUILD_DIR/python" /usr/bin/python3 -c '
import sys, ochredb
r = ochredb.import_chroma(sys.argv[1], sys.argv[2])
assert r["records"] == 21739 and len(r["collections"]) == 7, r
c = ochredb.PersistentClient(path=sys.argv[2]).get_collection("cos_big")
assert c.count() == 19901, c.count()
print("ok   ochredb.import_chroma:", r["records"], "records")' "$TMP/chroma" "$TMP/ochre_py" || { echo "FAIL ochredb.import_chroma"; fails=$((fails + 1)); }
fi
expect 4 "destination not empty" -- "$OCHRE" import-chroma --from "$TMP/chroma" --path "$TMP/ochre"
mkdir -p "$TMP/plain" && echo hi >"$TMP/plain/x.txt"
expect 2 "not a Chroma directory" -- "$OCHRE" import-chroma --from "$TMP/plain" --path "$TMP/o2"
cp -r "$TMP/chroma" "$TMP/newer"
/usr/bin/python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("INSERT INTO migrations(dir,version,filename,sql,hash) VALUES (\"sysdb\",11,\"00011-future.sqlite.sql\",\"\",\"\")"); c.commit()' "$TMP/newer/chroma.sqlite3"
expect 3 "a newer Chroma schema" -- "$OCHRE" import-chroma --from "$TMP/newer" --path "$TMP/o3"
grep -q "sysdb/00011" "$TMP/err" || { echo "FAIL the error does not name sysdb/00011"; fails=$((fails + 1)); }
cp -r "$TMP/chroma" "$TMP/badpickle"
p=$(ls "$TMP"/badpickle/*/index_metadata.pickle | head -1)
printf '\x80\x03cos\nsystem\n(S"true"\ntR.' >"$p"
expect 6 "a pickle that would run code" -- "$OCHRE" import-chroma --from "$TMP/badpickle" --path "$TMP/o4"
expect 1 "ochre run on a Chroma directory" -- timeout 20 "$OCHRE" run --path "$TMP/chroma" --port 0
grep -q "ochre import-chroma" "$TMP/err" || { echo "FAIL ochre run's refusal does not name import-chroma"; fails=$((fails + 1)); }

echo "[chroma import] comparing OchreDB's answers with Chroma's"
OPORT=$(free_port)
"$OCHRE" run --path "$TMP/ochre" --port "$OPORT" --log-level warn >"$TMP/run.log" 2>&1 &
OPID=$!
for _ in $(seq 50); do
  node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "http://127.0.0.1:$OPORT/api/v2/heartbeat" && break
  sleep 0.2
done
node "$ROOT/tests/interop/check_import.mjs" "http://127.0.0.1:$OPORT" "$TMP/expected.json" || fails=$((fails + 1))
kill "$OPID"; wait "$OPID" 2>/dev/null || true; OPID=

echo "[chroma import] export / import round trip"
for t in default_tenant:default_database acme:prod; do
  "$OCHRE" export --path "$TMP/ochre" --tenant "${t%%:*}" --database "${t##*:}" --out "$TMP/e1_$t.jsonl" >/dev/null
  "$OCHRE" import --path "$TMP/rt" --in "$TMP/e1_$t.jsonl" >/dev/null
  "$OCHRE" export --path "$TMP/rt" --tenant "${t%%:*}" --database "${t##*:}" --out "$TMP/e2_$t.jsonl" >/dev/null
  if cmp -s "$TMP/e1_$t.jsonl" "$TMP/e2_$t.jsonl"; then echo "ok   export/import/export of $t: identical ($(wc -l <"$TMP/e1_$t.jsonl") lines)";
  else echo "FAIL export/import/export of $t differs"; fails=$((fails + 1)); fi
done
expect 4 "import of a collection that exists" -- "$OCHRE" import --path "$TMP/rt" --in "$TMP/e1_acme:prod.jsonl"
echo '{"format":"ochre-export","version":99}' >"$TMP/future.jsonl"
expect 3 "import of a newer export format" -- "$OCHRE" import --path "$TMP/rt2" --in "$TMP/future.jsonl"
echo 'hello' >"$TMP/junk.jsonl"
expect 2 "import of a file that is not an export" -- "$OCHRE" import --path "$TMP/rt2" --in "$TMP/junk.jsonl"

if [ "$fails" -ne 0 ]; then echo "[chroma import] $fails failures"; exit 1; fi
echo "[chroma import] all passed"
