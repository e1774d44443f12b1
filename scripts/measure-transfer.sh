#!/usr/bin/env bash
# The measurements behind the transfer's defaults (README "Transfer
# choices"): HR interpolation filter over long chains, then the fallback
# threshold.  scripts/measure-transfer.sh HR_VIDEO MODEL [FRAMES]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hr=$1 model=$2 frames=${3:-0}
bench() { OMP_WAIT_POLICY=passive "$root/build/fastsr-bench" --hr "$hr" --model "$model" --frames "$frames" \
          --no-ssim --accel none "$@" | sed -n '/^run /,$p'; }
for f in bicubic h264 bilinear cubic:-0.25 cubic:-0.75; do
    echo "== filter $f, fallback off"
    bench --modes fast --keyframes intra,every:16 --hr-filter "$f" --fallback 0
done
for t in 0 5 10 20; do
    echo "== fallback $t (filter bicubic)"
    bench --modes fast --keyframes every:8,every:16 --fallback "$t"
done
