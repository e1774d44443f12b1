#!/usr/bin/env bash
# Trains the shipped SRCNN models (models/README.md has the results).
# Needs: ../shared/data (T91, Set5), apt-get install lomiri-wallpapers-16.04,
# a Release build in build/.  Usage: scripts/train-models.sh ARCH SCALE [extra fastsr-train options]
# e.g. scripts/train-models.sh 9-1-5 3 --epochs 40
# Each run is single-threaded (deterministic for its seed) and resumable:
# scripts/train-models.sh 9-1-5 3 --resume models/srcnn-9-1-5-x3.safetensors.ckpt
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
arch=$1 scale=$2
shift 2
data=${FASTSR_DATA:-$root/../shared/data}
exec env OMP_WAIT_POLICY=passive "$root/build/fastsr-train" \
    --arch "$arch" --scale "$scale" \
    --data "$data/T91" --data /usr/share/backgrounds --max-size 800 \
    --val "$data/Set5" \
    --lr 3e-4 --lr-last 3e-5 --batch 16 --patch 33 --seed 1 --threads 1 \
    --out "$root/models/srcnn-$arch-x$scale.safetensors" \
    --checkpoint "$root/models/srcnn-$arch-x$scale.ckpt" "$@"
