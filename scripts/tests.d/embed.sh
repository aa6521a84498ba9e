#!/usr/bin/env bash
# `make test`, after CTest: parity of the native all-MiniLM-L6-v2 (src/embed) with Hugging Face
# `tokenizers` and onnxruntime-node running Chroma's recipe, on random-weight models that the test
# generates (tests/embed/parity/parity.mjs; npm packages pinned in its package-lock.json, test only).
# Installs skip package scripts (.npmrc): onnxruntime-node's would fetch CUDA binaries from GitHub;
# its CPU binaries ship in the npm tarball.
set -euo pipefail
BUILD_DIR=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
TOOL="$BUILD_DIR/ochre_embed_tool"

if [ ! -x "$TOOL" ]; then
  echo "[embed parity] $TOOL not built (OCHRE_BUILD_TESTS=OFF?); skipping"
  exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "[embed parity] node and npm (>= 20) are required for tests/embed/parity" >&2
  exit 1
fi
cd "$ROOT/tests/embed/parity"
# Not `npm ci`: tokenizers 0.13.3 lists platform packages that were never published, so the lock
# file can't hold them and `npm ci` calls it out of sync; `npm install` follows the lock file.
npm install --no-audit --no-fund --loglevel=error --no-save
timeout 300 node parity.mjs "$TOOL"
