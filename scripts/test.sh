#!/usr/bin/env bash
# The whole test suite: installs dependencies (apt-get), builds, runs every test with ctest.
# This is the README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh build
cd build
ctest --output-on-failure --timeout 600 -j"$(nproc)"
