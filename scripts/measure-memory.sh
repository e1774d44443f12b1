#!/usr/bin/env bash
# Peak RSS of fastsr for a short and a ten-times-longer input: memory must
# not grow with video length.  scripts/measure-memory.sh [fastsr options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in 300 3000; do
    ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=480x270:rate=25 -frames:v $n \
        -c:v libx264 -preset ultrafast "$tmp/in$n.mp4"
    /usr/bin/time -f "$n frames: peak RSS %M kB, %e s" "$root/build/fastsr" -q -y --preset ultrafast "$@" \
        "$tmp/in$n.mp4" "$tmp/out$n.mp4"
done
