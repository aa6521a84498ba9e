#!/usr/bin/env bash
# `make test`, after CTest: Chroma's official JS client (chromadb, pinned in tests/compat) against
# `ochre run`, plus the raw-HTTP, persistence and load tests. Every server runs on a free loopback
# port chosen by the OS (--port 0) and is stopped by the test that started it.
set -euo pipefail
BUILD_DIR=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
OCHRE_BIN="$BUILD_DIR/src/cli/ochre"

if [ ! -x "$OCHRE_BIN" ]; then
  echo "[server tests] $OCHRE_BIN not built (OCHRE_BUILD_SERVER=OFF?); skipping"
  exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "[server tests] node and npm (>= 20) are required for tests/compat" >&2
  exit 1
fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "[server tests] node $(node --version) is too old: chromadb 3.5.0 needs node >= 20 (e.g. nodesource's nodejs)" >&2
  exit 1
fi

cd "$ROOT/tests/compat"
# Optional dependencies are chromadb's native CLI bindings: not needed to talk to a server.
npm ci --omit=optional --no-audit --no-fund --loglevel=error
export OCHRE_BIN
export LOAD_SECONDS=${LOAD_SECONDS:-20}
# One file at a time: each starts its own servers, and the machine's cores are shared.
timeout 300 node --test --test-concurrency=1 --test-reporter=spec \
  client.test.mjs records.test.mjs admin.test.mjs persistence.test.mjs raw_http.test.mjs connections.test.mjs schema.test.mjs search.test.mjs sparse.test.mjs log_pipe.test.mjs \
  many_collections.test.mjs load.test.mjs

# The differential test against the real Chroma server, when the peer is available here.
PEER=${OCHRE_PEER_CHROMA:-$ROOT/../shared/peer-chroma}
if [ "${OCHRE_SKIP_DIFF:-0}" != 1 ] && [ -x "$PEER/chroma-server.sh" ]; then
  bash "$ROOT/scripts/test-diff.sh" "$BUILD_DIR"
else
  echo "[server tests] differential test skipped (no peer Chroma at $PEER, or OCHRE_SKIP_DIFF=1)"
fi
