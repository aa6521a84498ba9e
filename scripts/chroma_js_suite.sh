#!/usr/bin/env bash
# Runs the test suite of Chroma's official JS client (clients/new-js/packages/chromadb/test, jest)
# against `ochre run`, and with --peer also against the real Chroma 1.4.4 server
# (../shared/peer-chroma) for comparison; prints the counts and every test that did not pass.
#
# Usage: scripts/chroma_js_suite.sh [--peer] [--unskip-search] CHROMA [OCHRE_BIN] [-- JEST_ARGS...]
#   CHROMA          a Chroma checkout or export (the folder holding clients/), the chromadb package
#                   folder itself, or a git directory without a work tree (its HEAD is exported)
#   OCHRE_BIN       the server binary (default build/src/cli/ochre)
#   --peer          also run the suite against the real Chroma server (OCHRE_PEER_CHROMA, default
#                   ../shared/peer-chroma next to the repo)
#   --unskip-search also run the test Chroma skips because its local server has no Search API
#                   ("collection handle it should search with pre-computed embeddings"); the fork
#                   tests stay skipped (they embed documents with the default model)
#   JEST_ARGS       passed to jest, e.g. `-- -t schema` or `-- test/admin.test.ts`
#
# Not part of `make test`: it needs Chroma's source, which CI cannot fetch from GitHub. Needs
# node >= 20 and, the first time, the npm registry: the packages Chroma's tests use, pinned in
# scripts/chroma_js_suite/package-lock.json to the versions of chromadb 3.5.0's pnpm-lock.yaml
# (the client version tests/compat pins), go in the cache folder
#   ${OCHRE_CHROMA_JS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ochre-chroma-js}
# together with the jest setup (which only points the tests at a running server, instead of
# Chroma's, which builds and starts one) and a copy of the package's src/ and test/. Nothing is
# written in the Chroma tree. Each server runs on a fresh temporary directory and a free loopback
# port, with reset allowed (most test files reset in beforeEach), and is stopped at the end.
# Exit status: 0 when no test failed on our server, 1 otherwise, 2 for bad arguments.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE="$ROOT/scripts/chroma_js_suite"
CACHE=${OCHRE_CHROMA_JS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ochre-chroma-js}
PEER=${OCHRE_PEER_CHROMA:-$ROOT/../shared/peer-chroma}
# The client version the pinned packages come from.
CHROMADB_VERSION=3.5.0

log() { printf '[chroma-js] %s\n' "$*"; }
die() { printf '[chroma-js] %s\n' "$*" >&2; exit 2; }

# ---------------------------------------------------------------- arguments
run_peer=0
unskip_search=0
positional=()
jest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --peer) run_peer=1 ;;
    --unskip-search) unskip_search=1 ;;
    --) shift; jest_args=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) positional+=("$1") ;;
  esac
  shift
done
[ ${#positional[@]} -ge 1 ] && [ ${#positional[@]} -le 2 ] || die "usage: $0 [--peer] [--unskip-search] CHROMA [OCHRE_BIN] [-- JEST_ARGS...]"
SRC=${positional[0]}
OCHRE_BIN=${positional[1]:-$ROOT/build/src/cli/ochre}
[ -x "$OCHRE_BIN" ] || die "$OCHRE_BIN is not an executable (build it, or pass the binary)"
OCHRE_BIN=$(cd "$(dirname "$OCHRE_BIN")" && pwd)/$(basename "$OCHRE_BIN")
command -v node >/dev/null && command -v npm >/dev/null || die "node (>= 20) and npm are required"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || die "node >= 20 is required (found $(node --version))"
if [ $run_peer = 1 ] && [ ! -x "$PEER/chroma-server.sh" ]; then
  die "no peer Chroma at $PEER (set OCHRE_PEER_CHROMA)"
fi
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd -P)

# ---------------------------------------------------------------- the chromadb package
# Find the package folder; a bare git directory (what a mirror holds) is exported first.
PKG_REL=clients/new-js/packages/chromadb
if [ -f "$SRC/$PKG_REL/package.json" ]; then
  PKG="$SRC/$PKG_REL"
elif [ -f "$SRC/package.json" ] && [ -d "$SRC/test" ] && [ -d "$SRC/src" ]; then
  PKG="$SRC"
elif git --git-dir="$SRC" rev-parse -q --verify 'HEAD^{commit}' >/dev/null 2>&1; then
  rm -rf "$CACHE/export" && mkdir -p "$CACHE/export"
  # A mirror may lack large files elsewhere in the tree; git names them on stderr but still
  # writes the requested folder, so its log is shown only when the package did not come out.
  git --git-dir="$SRC" archive HEAD "$PKG_REL" 2>"$CACHE/export.log" | tar -x -C "$CACHE/export"
  PKG="$CACHE/export/$PKG_REL"
  [ -f "$PKG/package.json" ] || { cat "$CACHE/export.log" >&2; die "no $PKG_REL in $SRC at HEAD"; }
  log "exported $PKG_REL from $SRC at $(git --git-dir="$SRC" rev-parse --short HEAD)"
else
  die "$SRC is neither a Chroma checkout, the chromadb package folder nor a git directory"
fi
version=$(node -p 'require(process.argv[1]).version' "$PKG/package.json")
[ "$version" = "$CHROMADB_VERSION" ] ||
  log "warning: chromadb is $version here; the pinned test packages come from $CHROMADB_VERSION"

# ---------------------------------------------------------------- npm packages (pinned)
# Installed again only when the lock file or node changes. No install scripts: onnxruntime-node's
# would download GPU libraries, and no test embeds anything.
cp "$HERE/package.json" "$HERE/package-lock.json" "$CACHE/"
stamp="$(sha256sum <"$CACHE/package-lock.json" | cut -c1-16)-$(node --version)"
if [ "$(cat "$CACHE/node_modules/.suite-stamp" 2>/dev/null)" != "$stamp" ]; then
  log "npm ci into $CACHE (pinned jest, ts-jest, typescript, @chroma-core/default-embed, ...)"
  (cd "$CACHE" && timeout 1200 npm ci --ignore-scripts --no-audit --no-fund --update-notifier=false --loglevel=error)
  echo "$stamp" >"$CACHE/node_modules/.suite-stamp"
fi

# ---------------------------------------------------------------- jest setup and the tests
cp "$HERE/jest.config.cjs" "$HERE/global-setup.cjs" "$HERE/global-teardown.cjs" "$HERE/tsconfig.json" \
  "$HERE/summary.cjs" "$CACHE/"
rm -rf "$CACHE/chromadb" && mkdir -p "$CACHE/chromadb"
cp -R "$PKG/src" "$PKG/test" "$CACHE/chromadb/"
if [ $unskip_search = 1 ]; then
  sed -i 's/test\.skip("it should search with pre-computed embeddings"/test("it should search with pre-computed embeddings"/' \
    "$CACHE/chromadb/test/collection.handle.test.ts"
fi

# ---------------------------------------------------------------- servers
TMP=$(mktemp -d /tmp/ochre-chroma-js.XXXXXX)
ochre_pid=""
peer_port=""
cleanup() {
  if [ -n "$ochre_pid" ]; then kill -TERM "$ochre_pid" 2>/dev/null || true; wait "$ochre_pid" 2>/dev/null || true; fi
  if [ -n "$peer_port" ]; then "$PEER/chroma-server.sh" stop "$TMP/peer" "$peer_port" >/dev/null 2>&1 || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# Starts `ochre run` on a free port (--port 0: it prints the port it got) and sets ochre_url.
# The settings that could ask clients for a token or change the path are cleared; OCHRE_OFFLINE
# because the server never embeds (clients send vectors).
start_ochre() {
  env -u OCHRE_CONFIG -u OCHRE_AUTH_TOKEN -u OCHRE_AUTH_TOKEN_FILE -u CHROMA_SERVER_AUTHN_CREDENTIALS \
    -u CHROMA_SERVER_AUTHN_CREDENTIALS_FILE OCHRE_OFFLINE=1 \
    "$OCHRE_BIN" run --path "$TMP/ochre" --host 127.0.0.1 --port 0 --allow-reset --log-level warn \
    >"$TMP/ochre.out" 2>"$TMP/ochre.err" &
  ochre_pid=$!
  for _ in $(seq 1 300); do
    ochre_url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$TMP/ochre.out")
    [ -n "$ochre_url" ] && return 0
    kill -0 "$ochre_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$TMP/ochre.err" >&2
  die "ochre run did not start"
}

# Runs the suite against URL; writes the jest JSON to FILE and prints the summary. Returns 0
# when no test failed.
run_suite() {
  local label=$1 url=$2 out=$3
  log "$label: jest --runInBand against $url"
  # jest exits non-zero when a test fails; the summary says which, so its status is not used here.
  (cd "$CACHE" && CHROMA_JS_SUITE_URL="$url" timeout 900 node node_modules/jest/bin/jest.js \
    --config jest.config.cjs --runInBand --ci --silent --json --outputFile="$out" ${jest_args[@]+"${jest_args[@]}"} \
    >"$out.log" 2>&1) || true
  [ -s "$out" ] || { tail -40 "$out.log" >&2; die "jest wrote no result ($out.log)"; }
  node "$CACHE/summary.cjs" "$label" "$out"
  [ "$(node -p 'require(process.argv[1]).numFailedTests + require(process.argv[1]).numFailedTestSuites' "$out")" = 0 ]
}

start_ochre
ochre_ok=0
run_suite "ochre $("$OCHRE_BIN" --version)" "$ochre_url" "$TMP/ochre.json" || ochre_ok=1
cp "$TMP/ochre.json" "$CACHE/last-ochre.json"
kill -TERM "$ochre_pid"
stop_status=0
wait "$ochre_pid" || stop_status=$?
[ $stop_status = 0 ] || log "warning: ochre run exited with status $stop_status on SIGTERM (0 expected)"
ochre_pid=""

if [ $run_peer = 1 ]; then
  "$PEER/setup.sh" >/dev/null
  peer_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  "$PEER/chroma-server.sh" start "$TMP/peer" "$peer_port" >/dev/null
  run_suite "$("$PEER/chroma-server.sh" version)" "http://127.0.0.1:$peer_port" "$TMP/peer.json" || true
  cp "$TMP/peer.json" "$CACHE/last-peer.json"
  "$PEER/chroma-server.sh" stop "$TMP/peer" "$peer_port" >/dev/null
  peer_port=""
fi
log "jest results kept in $CACHE/last-ochre.json$([ $run_peer = 1 ] && echo " and $CACHE/last-peer.json")"
exit $ochre_ok
