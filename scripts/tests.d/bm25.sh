#!/usr/bin/env bash
# `make test`, after CTest: parity of the native chroma_bm25 (src/embed/bm25_embedding.cc) with
# Chroma's own JS package @chroma-core/chroma-bm25 on 3,000 generated texts
# (tests/embed/bm25_parity/parity.mjs; the package pinned in its package-lock.json, test only).
set -euo pipefail
BUILD_DIR=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
TOOL="$BUILD_DIR/ochre_bm25_tool"

if [ ! -x "$TOOL" ]; then
  echo "[bm25 parity] $TOOL not built (OCHRE_BUILD_TESTS=OFF?); skipping"
  exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "[bm25 parity] node and npm (>= 20) are required for tests/embed/bm25_parity" >&2
  exit 1
fi
cd "$ROOT/tests/embed/bm25_parity"
npm ci --no-audit --no-fund --loglevel=error
timeout 120 node parity.mjs "$TOOL"
