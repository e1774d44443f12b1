#!/usr/bin/env bash
# Soak test (README "Fuzzing and faults"): memory must not grow with the
# length of the video.
#
#   scripts/soak.sh [MINUTES]        (default 60: one hour of video)
#
# Makes a MINUTES-long 480x270 25 fps H.264 video on the fly (ffmpeg's
# testsrc2, moving, x264 ultrafast, MPEG-TS) and streams it through a FIFO,
# so no long input is stored:
#   1. fastsr in fast mode (x2, the shipped model, adaptive key frames) to
#      an .mkv in a scratch folder (deleted at the end);
#   2. fastsr-play --benchmark --no-sync over the same video (SDL's dummy
#      video driver: no display needed).
# For each it samples the process's peak RSS (VmHWM) every 2 s and prints it
# after one minute of video, at the middle and at the end; it fails when the
# peak at the end exceeds the one-minute peak by more than 5%.  Uses build/
# (built first if missing).  Exit 0 when both pass.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
minutes=${1:-60}
[[ $minutes =~ ^[0-9]+$ ]] && [ "$minutes" -ge 2 ] || { echo "soak.sh: MINUTES must be an integer >= 2" >&2; exit 2; }
frames=$((minutes * 60 * 25))
if [ ! -x build/fastsr ] || [ ! -x build/fastsr-play ]; then
    FASTSR_ROOT=$root
    . scripts/deps.sh
    fastsr_install_deps
    fastsr_build build
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill $(jobs -p) 2>/dev/null || true' EXIT

# feed: the generated video into the FIFO; ffmpeg's -progress says how many
# frames it has written (the consumer is at most a few queues behind)
feed() {
    rm -f "$tmp/in.ts" "$tmp/progress"
    mkfifo "$tmp/in.ts"
    ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=480x270:rate=25 -frames:v "$frames" \
        -c:v libx264 -preset ultrafast -progress "$tmp/progress" -f mpegts "$tmp/in.ts" &
}

fed() { # frames written so far
    sed -n 's/^frame=//p' "$tmp/progress" 2>/dev/null | tail -1 | awk '{print $1 + 0}'
}

hwm() { # peak RSS of pid in kB (empty when gone)
    awk '/^VmHWM/{print $2}' "/proc/$1/status" 2>/dev/null || true
}

# watch NAME PID: samples until PID exits; prints the three peaks and
# returns non-zero when the end exceeds one minute by more than 5%
watch() {
    local name=$1 pid=$2 one="" mid="" last="" n h
    while kill -0 "$pid" 2>/dev/null; do
        h=$(hwm "$pid")
        n=$(fed)
        if [ -n "$h" ]; then
            last=$h
            [ -z "$one" ] && [ "${n:-0}" -ge 1500 ] && one=$h && echo "soak $name: peak RSS after 1 min of video: $h kB"
            [ -z "$mid" ] && [ "${n:-0}" -ge $((frames / 2)) ] && mid=$h && echo "soak $name: peak RSS at the middle: $h kB"
        fi
        sleep 2
    done
    local rc=0
    wait "$pid" || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "soak $name: FAILED: exit $rc (log: $3)" >&2
        cat "$3" >&2
        return 1
    fi
    echo "soak $name: peak RSS at the end: $last kB"
    if [ -z "$one" ] || [ -z "$last" ]; then
        echo "soak $name: FAILED: no sample after one minute" >&2
        return 1
    fi
    awk -v a="$one" -v b="$last" -v n="$name" 'BEGIN {
        g = 100 * (b - a) / a
        printf "soak %s: end vs one minute: %+.2f%% (limit +5%%) %s\n", n, g, g <= 5 ? "ok" : "FAILED"
        exit g <= 5 ? 0 : 1 }'
}

status=0
echo "soak: $minutes min of 480x270 video ($frames frames), generated on the fly"
feed
start=$(date +%s)
build/fastsr -q -y -m fast --preset ultrafast "$tmp/in.ts" "$tmp/out.mkv" >"$tmp/fastsr.log" 2>&1 &
watch fastsr $! "$tmp/fastsr.log" || status=1
echo "soak fastsr: $(( $(date +%s) - start )) s"
wait || true
rm -f "$tmp/out.mkv"

feed
start=$(date +%s)
SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy build/fastsr-play --no-sync --benchmark --size 240x135 "$tmp/in.ts" \
    >"$tmp/play.log" 2>&1 &
watch fastsr-play $! "$tmp/play.log" || status=1
echo "soak fastsr-play: $(( $(date +%s) - start )) s; $(grep -m1 'shown' "$tmp/play.log" | sed 's/^fastsr-play: benchmark: //')"
wait || true
exit $status
