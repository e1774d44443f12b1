#!/usr/bin/env bash
# FAST with MPEG-2 / MPEG-4 Part 2 stream maps against the motion search,
# per-frame SR and bicubic on the pan sample (README "MPEG-2 and MPEG-4
# block maps").  scripts/measure-mpeg-maps.sh [BUILD_DIR] [MODEL]
# Every command runs under nice; the machine is shared.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
model=${2:-$root/models/srcnn-9-1-5-x2.safetensors}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
S=$root/samples/pan-540p.mp4
V="-an -vf scale=480:270:flags=bicubic -pix_fmt yuv420p"
ff() { nice -n 19 ffmpeg -hide_banner -loglevel error -y "$@"; }
ff -i "$S" $V -c:v mpeg2video -q:v 3 -g 12 -bf 2 "$tmp/m2.mpg"
ff -i "$S" $V -c:v mpeg2video -q:v 3 -g 300 -bf 2 "$tmp/m2-g300.mpg"
ff -i "$S" $V -c:v mpeg2video -q:v 3 -g 12 -bf 2 -flags +ilme+ildct -top 1 "$tmp/m2i.mpg"
ff -i "$S" $V -c:v mpeg4 -q:v 3 -bf 2 "$tmp/m4.avi"
ff -i "$S" $V -c:v mpeg4 -q:v 3 -g 300 -bf 2 "$tmp/m4-g300.avi"
ff -i "$S" $V -c:v mpeg4 -q:v 3 -bf 2 -flags +qpel+mv4 "$tmp/m4q.avi"
for lr in m2.mpg m2-g300.mpg m2i.mpg m4.avi m4-g300.avi m4q.avi; do
    for motion in stream search; do
        # bicubic: the bench prices the maps against the transfer of the
        # frames it measured against bicubic
        modes=bicubic,fast
        [ $motion = stream ] && modes=bicubic,srcnn,fast
        echo "== $lr --motion $motion"
        nice -n 19 "$build/fastsr-bench" --hr "$S" --lr-in "$tmp/$lr" --model "$model" --modes $modes \
            --keyframes every:16 --motion $motion --no-ssim --accel none |
            grep -E '^(bicubic|srcnn|fast|transfer|stream maps|motion search) '
    done
done
