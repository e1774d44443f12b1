#!/usr/bin/env bash
# Makes an HR ground-truth clip for fastsr-bench --hr: a pan with a slow zoom
# over a CC0 photo (lomiri-wallpapers-16.04), stored losslessly (FFV1).
#   scripts/make-hr-pan.sh OUT.mkv [WIDTHxHEIGHT] [FRAMES] [HOLD]
# HOLD: the camera stays still for the first HOLD frames, then pans and
# zooms (content whose difficulty changes half-way).
# e.g. scripts/make-hr-pan.sh /tmp/pan-hr.mkv 1920x1080 120
#      scripts/make-hr-pan.sh /tmp/mixed-hr.mkv 960x540 100 50
set -euo pipefail
out=${1:?usage: make-hr-pan.sh OUT.mkv [WxH] [FRAMES] [HOLD]}
size=${2:-1920x1080}
frames=${3:-120}
hold=${4:-0}
w=${size%x*} h=${size#*x}
photo=/usr/share/backgrounds/seeding_by_Clements_Engelhardt.jpg
[ -f "$photo" ] || { echo "missing $photo: apt-get install lomiri-wallpapers-16.04" >&2; exit 1; }
if [ "$hold" -gt 0 ]; then
    t="if(gt(on,$hold),on-$hold,0)"
    zoom="1+0.004*$t" x="200+3*$t" y="300+1.2*$t"
else
    zoom="1+0.1*on/$frames" x="200+3*on" y="300+1.2*on"
fi
ffmpeg -hide_banner -loglevel error -y -loop 1 -framerate 25 -i "$photo" \
    -vf "scale=$((w * 28 / 10)):-2:flags=lanczos,zoompan=z='$zoom':x='$x':y='$y':d=1:s=${w}x${h}:fps=25,format=yuv420p" \
    -frames:v "$frames" -c:v ffv1 "$out"
echo "$out: $frames frames ${w}x${h}"
