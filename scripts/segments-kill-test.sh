#!/usr/bin/env bash
# Resume after kill -9, N times over (issue 20): a segmented run of a clip
# with an IDR frame every second is killed (SIGKILL) at a random moment of
# an uninterrupted run's duration, rerun to completion, and its output
# compared byte for byte with the uninterrupted run's.  After every kill,
# each seg-N.mp4 in the work folder must hold the frames the plan gives it
# (counted by ffprobe), i.e. no segment looks done that is not.  The clip:
# INPUT (default the 5 s sample) at 320x180, 25 fps, a key frame every 25
# frames: closed GOPs (IDR frames), or with GOP=open open GOPs with B
# frames (x264 open-gop: the segments cut at non-IDR I frames with
# pre-roll).
# Usage: scripts/segments-kill-test.sh [BUILD_DIR] [N] [INPUT] [GOP=closed|open]
set -euo pipefail
build=$(realpath "${1:-build}")
n=${2:-20}
src=${3:-$(dirname "$0")/../samples/pan-540p.mp4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gop=${4:-closed}
case $gop in
closed) x264=() ;;
open) x264=(-bf 2 -x264-params open-gop=1) ;;
*) echo "segments-kill-test.sh: GOP must be closed or open" >&2; exit 2 ;;
esac
ffmpeg -hide_banner -loglevel error -y -i "$src" -vf scale=320:180 -c:v libx264 -preset ultrafast -g 25 -crf 24 \
    "${x264[@]}" -c:a copy "$tmp/clip.mp4"
run() { "$build/fastsr" -q -y --segments --segment-seconds 1 --preset ultrafast --jobs 2 "$tmp/clip.mp4" "$1"; }
t0=$(date +%s%N)
run "$tmp/ref.mp4"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ref=$(md5sum < "$tmp/ref.mp4")
segments=$(ls "$tmp"/ref.mp4.segments/seg-*.mp4 | wc -l)
# the frames of each segment, from the plan
planned() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["segments"][int(sys.argv[2])]["frames"])' \
    "$tmp/ref.mp4.segments/manifest.json" "$1"; }
echo "$gop GOPs: $segments segments; uninterrupted: $ms ms, md5 ${ref%% *}"
ok=0
for i in $(seq 1 "$n"); do
    rm -rf "$tmp/k.mp4" "$tmp/k.mp4.segments"
    delay=$(( 50 + (RANDOM * 32768 + RANDOM) % ms ))
    "$build/fastsr" -q -y --segments --segment-seconds 1 --preset ultrafast --jobs 2 "$tmp/clip.mp4" "$tmp/k.mp4" &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    sleep 0.2
    done_before=0
    for f in "$tmp"/k.mp4.segments/seg-*.mp4; do
        [ -e "$f" ] || continue
        frames=$(ffprobe -v error -count_packets -select_streams v -show_entries stream=nb_read_packets -of csv=p=0 "$f")
        idx=$(basename "$f" .mp4); idx=$((10#${idx#seg-}))
        want=$(planned "$idx")
        [ "$frames" = "$want" ] || { echo "kill $i: $f looks done with $frames frames, not $want" >&2; exit 1; }
        done_before=$((done_before + 1))
    done
    run "$tmp/k.mp4"
    got=$(md5sum < "$tmp/k.mp4")
    same=no
    [ "$got" = "$ref" ] && same=yes && ok=$((ok + 1))
    echo "kill $i after $delay ms: $done_before of $segments segments done at the kill; rerun output identical: $same"
done
echo "$ok of $n resumed runs identical to the uninterrupted one"
[ "$ok" = "$n" ]
