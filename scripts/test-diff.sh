#!/usr/bin/env bash
# The differential test: the same seeded sequence of v2 calls against `ochre run` and the real
# Chroma server (../shared/peer-chroma), compared field by field (tests/compat/differential.test.mjs).
# Usage: scripts/test-diff.sh [BUILD_DIR]. Needs node >= 20 and the npm registry the first time.
set -euo pipefail
BUILD_DIR=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
PEER=${OCHRE_PEER_CHROMA:-$ROOT/../shared/peer-chroma}
export OCHRE_BIN="$BUILD_DIR/src/cli/ochre"
[ -x "$OCHRE_BIN" ] || { echo "[diff] $OCHRE_BIN is not built" >&2; exit 1; }
[ -x "$PEER/chroma-server.sh" ] || { echo "[diff] no peer Chroma at $PEER (set OCHRE_PEER_CHROMA)" >&2; exit 1; }

"$PEER/setup.sh" >/dev/null
(cd "$ROOT/tests/compat" && [ -d node_modules/chromadb ] || npm ci --omit=optional --no-audit --no-fund --loglevel=error)

PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
DATA=$(mktemp -d /tmp/ochre-diff-chroma.XXXXXX)
cleanup() {
  "$PEER/chroma-server.sh" stop "$DATA" "$PORT" >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT
"$PEER/chroma-server.sh" start "$DATA" "$PORT" >/dev/null
cd "$ROOT/tests/compat"
CHROMA_URL="http://127.0.0.1:$PORT" timeout 170 node --test --test-concurrency=1 --test-reporter=spec differential.test.mjs schema.test.mjs
