#!/usr/bin/env bash
# Trains the FSRCNN(56,12,4) models (models/README.md has the results).
# Needs: ../shared/data (T91, Set5), apt-get install lomiri-wallpapers-16.04,
# a Release build in build/.  Usage: scripts/train-fsrcnn.sh SCALE [extra fastsr-train options]
# e.g. scripts/train-fsrcnn.sh 2 --epochs 2000
# Each run is single-threaded (deterministic for its seed) and resumable:
# scripts/train-fsrcnn.sh 2 --resume models/fsrcnn-x2.ckpt
# FASTSR_TRAIN=path runs another fastsr-train binary (e.g. a copy, so that
# rebuilding build/ never touches a run in progress).
# LR patches per scale: the valid layers shave 6 LR pixels per side and the
# 9x9 transposed convolution about 4 HR pixels more, so these give HR targets
# of 25..33 pixels (the trainer prints "patch P -> target T").
# Learning rates as Dong et al. 2016: 1e-3 for the convolutions, 1e-4 for the
# transposed convolution (--lr-last).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scale=$1
shift 1
case $scale in
2) patch=32 ;;
3) patch=24 ;;
4) patch=20 ;;
*) echo "train-fsrcnn.sh: scale must be 2, 3 or 4" >&2; exit 2 ;;
esac
data=${FASTSR_DATA:-$root/../shared/data}
exec env OMP_WAIT_POLICY=passive "${FASTSR_TRAIN:-$root/build/fastsr-train}" \
    --arch fsrcnn --scale "$scale" \
    --data "$data/T91" --data /usr/share/backgrounds --max-size 800 \
    --val "$data/Set5" \
    --lr 1e-3 --lr-last 1e-4 --batch 16 --patch "$patch" --stride 7 --seed 1 --threads 1 \
    --out "$root/models/fsrcnn-x$scale.safetensors" \
    --checkpoint "$root/models/fsrcnn-x$scale.ckpt" "$@"
