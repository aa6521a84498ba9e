#!/usr/bin/env bash
# ThreadSanitizer run of the concurrency tests (run by `make test` after CTest): readers and a
# writer on one collection through the public API (also during compactions and through the
# in-memory metadata index), and on the HNSW index itself. Builds only those test binaries, in
# <build>-tsan, and fails on any report.
set -euo pipefail
BUILD_DIR=${1:-build}
TSAN_DIR="${BUILD_DIR%/}-tsan"
cmake -S . -B "$TSAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOCHRE_SANITIZE=thread \
  -DOCHRE_BUILD_PYTHON=OFF -DOCHRE_BUILD_BENCHMARKS=OFF -DOCHRE_BUILD_EXAMPLES=OFF -DOCHRE_BUILD_SERVER=OFF >/dev/null
cmake --build "$TSAN_DIR" --target ochre_recovery_tests ochre_index_tests ochre_api_tests -j "$(nproc)"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
"$TSAN_DIR/ochre_recovery_tests" --gtest_filter='ConcurrencyTest.*'
"$TSAN_DIR/ochre_index_tests" --gtest_filter='HnswConcurrencyTest.*:*HnswCompact*'
"$TSAN_DIR/ochre_api_tests" \
  --gtest_filter='CompactionTest.ReadsAndWrites*:CompactionTest.CompactsAutomatically*:*FilterIndexTest.ReadersUnderAConcurrentWriter*'
