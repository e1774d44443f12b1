#!/usr/bin/env bash
# FAST on every codec path (issue 14's table): for each HR clip with ground
# truth and each LR codec, per-frame SRCNN, bicubic and FAST every:16 (and
# regions), the SR-stage speed-up and the motion search's cost per frame.
#   scripts/measure-codecs.sh [BUILD_DIR] [MODEL] [FRAMES] [CLIPS]
# CLIPS: a comma-separated subset of pan,zoom,camera (default all three):
#   pan     samples/pan-540p.mp4 (pan with a slow zoom; fastsr was tuned on it)
#   zoom    a zoom into another photo of lomiri-wallpapers-16.04 (not tuned on)
#   camera  opencv-doc's vtest.avi, 768x576 (people walking; not tuned on)
# Prints one markdown row per clip and codec.  PSNR is deterministic; the
# seconds are not (every command runs under nice on a shared machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
model=${2:-$root/models/srcnn-9-1-5-x2.safetensors}
frames=${3:-60}
clips=${4:-pan,zoom,camera}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ff() { nice -n 19 ffmpeg -hide_banner -loglevel error -y "$@"; }

declare -A hr
for c in ${clips//,/ }; do
    case $c in
    pan) hr[pan]=$root/samples/pan-540p.mp4 ;;
    zoom)
        photo=/usr/share/backgrounds/Bridge_by_Sander_Klootwijk.jpg
        [ -f $photo ] || { echo "missing $photo: apt-get install lomiri-wallpapers-16.04" >&2; exit 1; }
        ff -loop 1 -framerate 25 -i $photo -vf "scale=2688:-2:flags=lanczos,zoompan=z='1+0.006*on':x='iw/2-iw/zoom/2+2*on':y='ih/2-ih/zoom/2':d=1:s=960x540:fps=25,format=yuv420p" \
            -frames:v "$frames" -c:v ffv1 "$tmp/zoom.mkv"
        hr[zoom]=$tmp/zoom.mkv ;;
    camera)
        v=/usr/share/doc/opencv-doc/examples/data/vtest.avi
        [ -f $v ] || { echo "missing $v: apt-get install opencv-doc" >&2; exit 1; }
        ff -i $v -frames:v "$frames" -c:v ffv1 "$tmp/camera.mkv"
        hr[camera]=$tmp/camera.mkv ;;
    *) echo "unknown clip '$c' (pan, zoom, camera)" >&2; exit 2 ;;
    esac
done

# LR codecs at settings a user would choose (quantiser 3 for the MPEG
# codecs: global_quality is q x 118)
codecs=(
    "mpeg2video:flags=+qscale:global_quality=354:g=12:bf=2|MPEG-2 (q 3, GOP 12, 2 B)|auto"
    "mpeg4:flags=+qscale:global_quality=354:bf=2|MPEG-4 Part 2 (q 3, 2 B)|auto"
    "libx265:crf=24:preset=fast|HEVC (x265 CRF 24)|auto"
    "libvpx-vp9:crf=32:b=0:deadline=good:cpu-used=4|VP9 (CRF 32)|auto"
    "libsvtav1:crf=35:preset=8|AV1 (SVT-AV1 CRF 35)|auto"
    "libx264:crf=18|H.264 (x264 CRF 18), stream vectors|stream"
    "libx264:crf=18|H.264 (x264 CRF 18), --motion search|search"
)

echo "| clip | LR codec | bicubic | per-frame SRCNN | FAST every:16 | FAST regions (SR work) | SR-stage speed-up every:16 | map cost per frame |"
echo "|---|---|---|---|---|---|---|---|"
for c in ${clips//,/ }; do
    for entry in "${codecs[@]}"; do
        IFS='|' read -r spec label motion <<<"$entry"
        out=$(nice -n 19 "${BENCH:-$build/fastsr-bench}" --hr "${hr[$c]}" --frames "$frames" --lr-codec "$spec" \
            --model "$model" --modes bicubic,srcnn,fast --keyframes every:16,regions --motion "$motion" \
            --no-ssim --accel none 2>&1) || { echo "$c $spec: fastsr-bench failed:" >&2; echo "$out" >&2; exit 1; }
        # the bench's table: run PSNR-Y vsSRCNN SSIM SR SRwork SR+xfer total fps speedup
        bic=$(awk '$1 == "bicubic" && $2 ~ /^[0-9.]+$/ && NF >= 9 { print $2; exit }' <<<"$out")
        sr=$(awk '$1 == "srcnn" && $2 ~ /^[0-9.]+$/ && NF >= 9 { print $2; exit }' <<<"$out")
        srx=$(awk '$1 == "srcnn" && $2 ~ /^[0-9.]+$/ && NF >= 9 { print $7; exit }' <<<"$out")
        read -r f16 d16 x16 <<<"$(awk '$1 == "fast" && $2 == "every:16" && NF >= 10 { print $3, $4, $8; exit }' <<<"$out")"
        read -r fr dr wr <<<"$(awk '$1 == "fast" && $2 == "regions" && NF >= 10 { print $3, $4, $7; exit }' <<<"$out")"
        cost=$(grep -E '^(motion search|stream maps) every:16' <<<"$out" | sed -E 's/^(motion search|stream maps) every:16 *//; s/ per frame//; s/ \([0-9]+ frames searched\)//' || true)
        speed=$(awk -v a="$srx" -v b="$x16" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }')
        [ "$motion" = stream ] && cost="(the stream's)"
        echo "| $c | $label | $bic | $sr | $f16 ($d16) | $fr ($dr, $wr) | $speed | ${cost:--} |"
    done
done
