#!/usr/bin/env bash
# Installs what is missing, builds, and upscales a video:
#   ./run.sh [fastsr options] INPUT OUTPUT
# e.g. ./run.sh samples/pan-540p.mp4 out.mp4   (OUTPUT is replaced if it exists)
set -euo pipefail
# No cd: INPUT and OUTPUT stay relative to the caller's folder.
FASTSR_ROOT=$(cd "$(dirname "$0")" && pwd)
. "$FASTSR_ROOT/scripts/deps.sh"
fastsr_install_deps
fastsr_build "$FASTSR_ROOT/build"
# -y: running the same command again replaces the previous result.
exec "$FASTSR_ROOT/build/fastsr" -y "$@"
