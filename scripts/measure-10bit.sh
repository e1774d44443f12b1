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
# Time: the same pan made at 960x540 (LR) for 1920x1080 output, at both
# depths: fastsr's own work (raw y4m to /dev/null), fastsr to H.264 as users
# run it (libx264 at 10 bits for the 10-bit input), and libx264 alone on the
# same pictures; REPS runs of each, alternating so that the machine's load
# hits all alike, and the median of each.  Per pixel is measured on the
# frames after the first third (N and N/3 frames, the difference): the
# process's start-up, and above all libx264's own set-up, whose frame
# buffers are twice as large at 10 bits and are first touched (zeroed by the
# kernel) in the first frames, are paid once a run, not per pixel.  FASTSR_TIME_FRAMES (N,
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
# three ways, each at both depths and both lengths, alternating:
#   fastsr: fastsr's own work (decode, maps, SR, transfer) writing raw y4m
#           to /dev/null;
#   x264:   fastsr to H.264 as users run it (libx264, 10-bit for 10-bit);
#   alone:  libx264 by itself on the same pictures (ffmpeg: decode and a
#           bilinear scale to 1080p, then the encode; minus the same
#           without it)
run() { # case depth frames rep
    local f="$w/t$2-$3.mkv" o="$w/$1-$2-$3-$4"
    case $1 in
    fastsr) /usr/bin/time -f "%e %U %S" -o "$o.cpu" "$build/fastsr" -y -q --accel none --format yuv4mpegpipe \
                --report "$o.json" "${extra[@]}" "$f" - > /dev/null ;;
    x264)   /usr/bin/time -f "%e %U %S" -o "$o.cpu" "$build/fastsr" -y -q --preset superfast --accel none \
                --report "$o.json" "${extra[@]}" "$f" "$w/out.mp4" ;;
    alone)  /usr/bin/time -f "%e %U %S" -o "$o.cpu" ffmpeg -nostdin -loglevel error -i "$f" \
                -vf scale=1920:1080:flags=bilinear -c:v libx264 -preset superfast -f null -
            /usr/bin/time -f "%e %U %S" -o "$o.base" ffmpeg -nostdin -loglevel error -i "$f" \
                -vf scale=1920:1080:flags=bilinear -c:v rawvideo -f null - ;;
    esac
}
extra=("$@")
for i in $(seq "$reps"); do
    for c in fastsr x264 alone; do
        for n in "$short" "$tn"; do
            for d in 8 10; do run "$c" "$d" "$n" "$i"; done
        done
    done
done
python3 - "$w" "$reps" "$short" "$tn" <<'PY'
import os, statistics, sys
w, reps, short, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def one(path):  # wall, cpu (user + system, all threads)
    e, u, s = open(path).read().split()[-3:]
    return float(e), float(u) + float(s)
def med(c, d, m):
    runs = []
    for i in range(1, reps + 1):
        o = f"{w}/{c}-{d}-{m}-{i}"
        wall, cpu = one(o + ".cpu")
        if os.path.exists(o + ".base"):
            bw, bc = one(o + ".base")
            wall, cpu = wall - bw, cpu - bc
        runs.append((wall, cpu))
    return tuple(statistics.median(r[k] for r in runs) for k in (0, 1))
what = {"fastsr": "fastsr's own work (raw y4m out)", "x264": "fastsr to H.264 (libx264, the default)",
        "alone": "libx264 alone on the same pictures"}
print(f"960x540 -> 1920x1080 pan, median of {reps} alternating runs; 'per frame' = the frames after "
      f"the first {short} (N={n} minus N={short}: start-up and set-up excluded)")
print("| what | 8-bit, wall / CPU per frame | 10-bit, wall / CPU per frame | 10/8 wall | 10/8 CPU |")
print("|---|---|---|---|---|")
for c in ("fastsr", "x264", "alone"):
    r = {}
    for d in (8, 10):
        a, b = med(c, d, short), med(c, d, n)
        r[d] = ((b[0] - a[0]) / (n - short), (b[1] - a[1]) / (n - short))
    print(f"| {what[c]} | {1000 * r[8][0]:.1f} / {1000 * r[8][1]:.1f} ms | {1000 * r[10][0]:.1f} / "
          f"{1000 * r[10][1]:.1f} ms | {r[10][0] / r[8][0]:.2f}x | {r[10][1] / r[8][1]:.2f}x |")
PY
