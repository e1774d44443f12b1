#!/usr/bin/env bash
# Installs what is missing, builds, and upscales a video:
#   ./run.sh [fastsr options] INPUT OUTPUT
# e.g. ./run.sh samples/pan-540p.mp4 out.mp4
set -euo pipefail
cd "$(dirname "$0")"
. scripts/deps.sh
fastsr_install_deps
fastsr_build build
exec build/fastsr "$@"
