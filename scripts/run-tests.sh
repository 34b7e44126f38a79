#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: install what is missing, build, test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" --tests
"$root/scripts/build.sh"
build=${BUILD_DIR:-$root/build}
ctest --test-dir "$build" --output-on-failure -j"${JOBS:-2}"
