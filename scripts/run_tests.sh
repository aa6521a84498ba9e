#!/usr/bin/env bash
# Runs every test of `make test`: the C++ suite through CTest (unit, property, recovery, examples),
# then the suites of the front ends that are built. Exits non-zero on the first failing suite.
set -euo pipefail
BUILD_DIR=${1:-build}
JOBS=$(nproc)

echo "== C++ tests (CTest)"
(cd "$BUILD_DIR" && ctest --output-on-failure -j "$JOBS" -LE slow)

for extra in scripts/tests.d/*.sh; do
  [ -e "$extra" ] || continue
  echo "== $(basename "$extra" .sh)"
  bash "$extra" "$BUILD_DIR"
done
