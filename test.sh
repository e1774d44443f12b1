#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite twice:
# plainly (build/) and under AddressSanitizer + UndefinedBehaviorSanitizer
# (build-asan/).  Usage: ./test.sh [ctest arguments...]
set -euo pipefail
cd "$(dirname "$0")"
FASTSR_ROOT=$PWD
. scripts/deps.sh
fastsr_install_deps
jobs=$(nproc)
fastsr_build build
(cd build && ctest --output-on-failure -j"$jobs" "$@")
fastsr_build build-asan -DFASTSR_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd build-asan && ctest --output-on-failure -j"$jobs" "$@")
