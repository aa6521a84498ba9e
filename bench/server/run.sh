#!/usr/bin/env bash
# Runs the server benchmark: `ochre run` and the real Chroma server (../shared/peer-chroma), one
# after the other, with Chroma's official JS client. Extra arguments go to bench.mjs, e.g.
#   bench/server/run.sh build --n 10000        (a quick run)
#   bench/server/run.sh build                  (the full 100k x 384 run, ~10 minutes)
set -euo pipefail
BUILD_DIR=${1:-build}
shift || true
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
PEER=${OCHRE_PEER_CHROMA:-$ROOT/../shared/peer-chroma}
"$PEER/setup.sh" >/dev/null
cd "$ROOT/bench/server"
[ -d node_modules/chromadb ] || npm ci --omit=optional --no-audit --no-fund --loglevel=error
exec node --max-old-space-size=4096 bench.mjs --ochre-bin "$BUILD_DIR/src/cli/ochre" --peer "$PEER" "$@"
