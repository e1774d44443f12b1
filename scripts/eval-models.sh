#!/usr/bin/env bash
# Set5 PSNR-Y / SSIM-Y of every shipped model and of bicubic, with the
# standard protocol (README "Image evaluation"), as a markdown table.
#   scripts/eval-models.sh [SET5_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
set5=${1:-$root/../shared/data/Set5}
mean() { "$root/build/fastsr-bench" --images "$set5" "$@" | awk '$1 == "mean" { printf "%.2f / %.4f", $2, $3 }'; }
echo "| model | x2 | x3 | x4 |"
echo "|---|---|---|---|"
printf "| bicubic |"
for s in 2 3 4; do printf " %s |" "$(mean --scale $s --mode bicubic)"; done
echo
# one row per model family: NAME, then the file pattern with S for the scale
family() {
    local row="| $1 |" any=0 s m
    for s in 2 3 4; do
        m="$root/models/${2//S/$s}"
        if [ -f "$m" ]; then row="$row $(mean --scale $s --model "$m") |"; any=1; else row="$row - |"; fi
    done
    [ $any = 0 ] || echo "$row"
}
for arch in 9-1-5 9-3-5 9-5-5; do family "srcnn-$arch" "srcnn-$arch-xS.safetensors"; done
family fsrcnn "fsrcnn-xS.safetensors"
