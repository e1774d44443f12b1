#!/usr/bin/env bash
# Issue 19's 10-bit targets, measured: the same content through fastsr at 10
# and at 8 bits, PSNR-Y of each against its own HR reference (peak 1023 and
# 255), and the time of each run.
#
# Content: a pan over a large photo, area-downscaled with 16-bit precision,
# so that the HR reference has real 10-bit samples (not 8-bit ones shifted);
# its 8-bit twin is the same pictures rounded without dither.  LR: bicubic
# downscale by 2 and libx265 at CRF 18, 10-bit with PQ tags and HDR10 side
# data, and 8-bit.  fastsr writes FFV1 (lossless), so only fastsr's own
# error is measured.
#
# Time: the same pan made at 960x540 (LR) for 1920x1080 output, through
# `fastsr --preset superfast --accel none` to H.264 (libx264, the default,
# at 10 bits for the 10-bit input) as a user would run it; REPS runs of each
# depth and length, alternating so that the machine's load hits all alike,
# and the median of each.  Per pixel is measured on the frames after the
# first third (N and N/3 frames, the difference): the process's start-up,
# and above all libx264's own set-up, whose frame buffers are twice as large
# at 10 bits and are first touched (zeroed by the kernel) in the first
# frames, are paid once a run, not per pixel.  FASTSR_TIME_FRAMES (N,
# default 360) and FASTSR_TIME_REPS (default 5) set them;
# FASTSR_TIME_REPS=0 skips the timing.  Wall time needs a quiet machine
# (10 bits need more CPU, so other load hurts them more); the CPU time of
# the runs (user + system, all threads) is printed too.
#
# Usage: scripts/measure-10bit.sh [BUILD] [IMAGE] [FRAMES] [fastsr options...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
img=${2:-/usr/share/backgrounds/Bridge_by_Sander_Klootwijk.jpg}
n=${3:-60}
shift $(($# < 3 ? $# : 3))
w=$(mktemp -d /tmp/measure-10bit.XXXXXX)
trap 'rm -rf "$w"' EXIT
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

ff -loop 1 -framerate 25 -i "$img" -frames:v "$n" \
   -vf "format=rgb48le,scale=1920:-2:flags=area,crop=1280:720:x='20+t*60':y=100,scale=960:540:flags=area,format=yuv420p10le" \
   -c:v ffv1 "$w/hr10.mkv"
ff -i "$w/hr10.mkv" -sws_dither none -vf format=yuv420p -c:v ffv1 "$w/hr8.mkv"
hdr="hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400"
ff -i "$w/hr10.mkv" -vf scale=480:270:flags=bicubic -c:v libx265 -crf 18 -pix_fmt yuv420p10le \
   -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -x265-params "log-level=error:$hdr" "$w/lr10.mkv"
ff -i "$w/hr8.mkv" -vf scale=480:270:flags=bicubic -c:v libx265 -crf 18 -pix_fmt yuv420p \
   -x265-params log-level=error "$w/lr8.mkv"

psnr() { # out ref -> mean PSNR-Y
    ffmpeg -nostdin -hide_banner -i "$1" -i "$2" -lavfi "[0:v][1:v]psnr" -f null - 2>&1 |
        sed -n 's/.*PSNR y:\([0-9.inf]*\).*/\1/p' | tail -1
}
for mode in fast srcnn; do
    for d in 10 8; do
        "$build/fastsr" -y -q --accel none --mode "$mode" --encoder ffv1 --report "$w/r$d.json" "$@" \
            "$w/lr$d.mkv" "$w/out$d-$mode.mkv"
        fmt=$(ffprobe -v error -select_streams v:0 -show_entries stream=pix_fmt -of csv=p=0 "$w/out$d-$mode.mkv" | tr -d ,)
        secs=$(python3 -c "import json; r=json.load(open('$w/r$d.json')); print('%.2f' % r['seconds']['total'])")
        echo "$mode $d-bit: output $fmt, PSNR-Y $(psnr "$w/out$d-$mode.mkv" "$w/hr$d.mkv") dB, $secs s"
    done
done

reps=${FASTSR_TIME_REPS:-5}
[ "$reps" -gt 0 ] || exit 0
tn=${FASTSR_TIME_FRAMES:-360}
short=$((tn / 3))
for n in "$short" "$tn"; do
    ff -loop 1 -framerate 25 -i "$img" -frames:v "$n" \
       -vf "format=rgb48le,scale=3840:-2:flags=area,crop=1920:1080:x='20+t*60':y=100,scale=960:540:flags=area,format=yuv420p10le" \
       -c:v libx265 -crf 18 -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc \
       -x265-params "log-level=error:$hdr" "$w/t10-$n.mkv"
    ff -i "$w/t10-$n.mkv" -sws_dither none -vf format=yuv420p -c:v libx265 -crf 18 -x265-params log-level=error \
       "$w/t8-$n.mkv"
done
for i in $(seq "$reps"); do
    for n in "$short" "$tn"; do
        for d in 8 10; do
            /usr/bin/time -f "%U %S" -o "$w/t$d-$n-$i.cpu" "$build/fastsr" -y -q --preset superfast --accel none \
                --report "$w/t$d-$n-$i.json" "$@" "$w/t$d-$n.mkv" "$w/t$d.mp4"
        done
    done
done
python3 - "$w" "$reps" "$short" "$tn" <<'PY'
import json, statistics, sys
w, reps, short, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def med(d, m):
    runs = []
    for i in range(1, reps + 1):
        r = json.load(open(f"{w}/t{d}-{m}-{i}.json"))["seconds"]
        u, s = open(f"{w}/t{d}-{m}-{i}.cpu").read().split()[-2:]
        r["cpu"] = float(u) + float(s)  # user + system, all threads
        runs.append(r)
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}
res = {}
for d in (8, 10):
    a, b = med(d, short), med(d, n)
    res[d] = (a, b)
    print(f"time {d}-bit, 960x540 -> 1920x1080, median of {reps}: {short} frames {a['total']:.2f} s, "
          f"{n} frames {b['total']:.2f} s; the last {n - short} frames " +
          ", ".join(f"{k} {b[k] - a[k]:.2f} s" for k in b))
whole = res[10][1]["total"] / res[8][1]["total"]
steady = (res[10][1]["total"] - res[10][0]["total"]) / (res[8][1]["total"] - res[8][0]["total"])
print(f"10-bit / 8-bit time: {n} frames {whole:.2f}x; per frame after the first {short} (start-up and "
      f"the encoders' set-up excluded) {steady:.2f}x (target at most 1.50x)")
cwhole = res[10][1]["cpu"] / res[8][1]["cpu"]
csteady = (res[10][1]["cpu"] - res[10][0]["cpu"]) / (res[8][1]["cpu"] - res[8][0]["cpu"])
print(f"10-bit / 8-bit CPU time (user + system, all threads; less sensitive to other load on the machine): "
      f"{n} frames {cwhole:.2f}x; per frame after the first {short} {csteady:.2f}x")
PY
