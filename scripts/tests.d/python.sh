#!/usr/bin/env bash
# The Python front end's tests, run by `make test` after CTest: builds the _ochredb module in the
# build directory given as $1 (when it is not built yet), then runs the Python examples, each on a
# fresh temporary directory, and pytest on bindings/python/tests. Exits non-zero on any failure,
# including "no tests collected".
set -euo pipefail
BUILD_DIR=${1:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac

# Debian's interpreter has python3-numpy and python3-pytest; a pyenv/venv python3 on PATH may not.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

module_built() { compgen -G "$BUILD_DIR/python/ochredb/_ochredb*.so" >/dev/null; }
if ! module_built; then
  echo "[python] building the _ochredb module in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DOCHRE_BUILD_PYTHON=ON >/dev/null
  cmake --build "$BUILD_DIR" --target _ochredb -j "$(nproc)"
fi
if ! module_built; then
  echo "[python] the _ochredb module was not built (is pybind11-dev installed? run scripts/bootstrap.sh)" >&2
  exit 1
fi

export PYTHONPATH="$BUILD_DIR/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

run_example() {
  local name=$1
  shift
  echo "[python] examples/python/$name"
  (cd "$TMP" && "$PY" "$ROOT/examples/python/$name" "$@")
}
run_example test_structure.py
run_example examples.py --path "$TMP/examples_db"
run_example persistent_client_demo.py --path "$TMP/demo_db"
# A second run on the same directory must find the first run's data (part 0) and still pass.
run_example persistent_client_demo.py --path "$TMP/demo_db" --docs 1000 --queries 100

echo "[python] pytest bindings/python/tests"
set +e
(cd "$ROOT" && "$PY" -m pytest -q -p no:cacheprovider bindings/python/tests)
rc=$?
set -e
if [ $rc -eq 5 ]; then
  echo "[python] pytest collected no tests" >&2
  exit 1
fi
exit $rc
