#!/usr/bin/env bash
# Installs the Debian packages OchreDB builds, tests and benchmarks with.
# Idempotent: when everything is present it only runs dpkg-query (well under a second).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libsqlite3-dev nlohmann-json3-dev libsimdjson-dev libcpp-httplib-dev libre2-dev libstemmer-dev
  libcli11-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  pybind11-dev python3-dev python3-numpy python3-pytest python3-pip python3-setuptools python3-wheel python3-venv
  python3-requests python3-httpx
  libhnswlib-dev libfaiss-dev dataset-fashion-mnist
  nodejs
  libopenblas-dev libarchive-dev libicu-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "[bootstrap] installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
