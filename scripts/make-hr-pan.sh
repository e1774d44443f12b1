#!/usr/bin/env bash
# Makes an HR ground-truth clip for fastsr-bench --hr: a pan with a slow zoom
# over a CC0 photo (lomiri-wallpapers-16.04), stored losslessly (FFV1).
#   scripts/make-hr-pan.sh OUT.mkv [WIDTHxHEIGHT] [FRAMES]
# e.g. scripts/make-hr-pan.sh /tmp/pan-hr.mkv 1920x1080 120
set -euo pipefail
out=${1:?usage: make-hr-pan.sh OUT.mkv [WxH] [FRAMES]}
size=${2:-1920x1080}
frames=${3:-120}
w=${size%x*} h=${size#*x}
photo=/usr/share/backgrounds/seeding_by_Clements_Engelhardt.jpg
[ -f "$photo" ] || { echo "missing $photo: apt-get install lomiri-wallpapers-16.04" >&2; exit 1; }
# The photo is first brought to ~2.8x the output width (less JPEG noise),
# then a window pans right and down while zooming in by 10% over the clip.
ffmpeg -hide_banner -loglevel error -y -loop 1 -framerate 25 -i "$photo" \
    -vf "scale=$((w * 28 / 10)):-2:flags=lanczos,zoompan=z='1+0.1*on/$frames':x='200+3*on':y='300+1.2*on':d=1:s=${w}x${h}:fps=25,format=yuv420p" \
    -frames:v "$frames" -c:v ffv1 "$out"
echo "$out: $frames frames ${w}x${h}"
