#!/usr/bin/env bash
# Regenerates samples/pan-540p.mp4: a 5-second 960x540 pan over a CC0 photo
# from Debian's lomiri-wallpapers-16.04 package, with a stereo audio track
# (a 440/660 Hz tone pair from ffmpeg's sine source), H.264 (x264 defaults,
# CRF 24) + AAC.  Needs: apt-get install ffmpeg lomiri-wallpapers-16.04
set -euo pipefail
cd "$(dirname "$0")"
photo=/usr/share/backgrounds/seeding_by_Clements_Engelhardt.jpg
[ -f "$photo" ] || { echo "missing $photo: apt-get install lomiri-wallpapers-16.04" >&2; exit 1; }
# Photo scaled to half size first (less JPEG noise), then a window that
# moves 90 px/s right and 24 px/s down.
ffmpeg -hide_banner -loglevel error -y \
    -loop 1 -framerate 25 -i "$photo" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -f lavfi -i "sine=frequency=660:sample_rate=48000" \
    -filter_complex "[0:v]scale=2656:-2:flags=lanczos,crop=960:540:x='400+90*t':y='500+24*t',format=yuv420p[v];[1:a][2:a]amerge=inputs=2,volume=0.3[a]" \
    -map "[v]" -map "[a]" -t 5 \
    -c:v libx264 -crf 24 -preset medium -c:a aac -b:a 64k -movflags +faststart \
    -metadata title="fastsr sample: pan over seeding_by_Clements_Engelhardt.jpg (CC0)" \
    pan-540p.mp4
ls -l pan-540p.mp4
