#!/usr/bin/env bash
# Segmented run against a single run on a long 960x540 video (issue 20's
# target): makes the video (a slow back-and-forth pan over the CC0 photo
# of samples/make-sample.sh, with its two-tone audio, x264 default GOPs:
# an IDR at least every 250 frames), upscales it x2 with a single run and
# with `fastsr --segments --jobs JOBS`, and prints: frame counts, whether
# every frame's timestamp is the same, whether the audio packets are
# byte-identical, PSNR-Y of the merged output against the single run, and
# the wall time of both runs and of each segment.
# Usage: scripts/segments-measure.sh [BUILD_DIR] [SECONDS] [JOBS] [SEGMENT_SECONDS] [WORK]
set -euo pipefail
build=$(realpath "${1:-build}")
secs=${2:-600}
jobs=${3:-2}
segsecs=${4:-30}
work=${5:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"
photo=/usr/share/backgrounds/seeding_by_Clements_Engelhardt.jpg
[ -f "$photo" ] || { echo "missing $photo: apt-get install lomiri-wallpapers-16.04" >&2; exit 1; }
if [ ! -f long.mp4 ]; then
    # the photo scaled and decoded once (per frame takes longer than the runs)
    ffmpeg -hide_banner -loglevel error -y -i "$photo" -vf scale=2656:-2:flags=lanczos photo.png
    ffmpeg -hide_banner -loglevel error -y -i photo.png \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -f lavfi -i "sine=frequency=660:sample_rate=48000" \
        -filter_complex "[0:v]loop=loop=-1:size=1,setpts=N/25/TB,crop=960:540:x='400+700*(0.5-0.5*cos(2*PI*t/40))':y='300+300*(0.5-0.5*cos(2*PI*t/55))',format=yuv420p[v];[1:a][2:a]amerge=inputs=2,volume=0.3[a]" \
        -map "[v]" -map "[a]" -t "$secs" -c:v libx264 -crf 24 -preset veryfast -c:a aac -b:a 64k long.mp4
fi
echo "input: $(ffprobe -v error -select_streams v -count_packets -show_entries stream=width,height,nb_read_packets -of csv=p=0 long.mp4) (w,h,frames), $secs s"
t0=$(date +%s.%N)
"$build/fastsr" -q -y long.mp4 single.mp4
t1=$(date +%s.%N)
rm -rf seg.mp4.segments
"$build/fastsr" -y --segments --segment-seconds "$segsecs" --jobs "$jobs" --report seg-report.json long.mp4 seg.mp4 2> seg.log
t2=$(date +%s.%N)
cat seg.log
echo "single run: $(echo "$t1 - $t0" | bc) s wall; segmented, $jobs jobs: $(echo "$t2 - $t1" | bc) s wall (plan + segments + merge)"
for f in single.mp4 seg.mp4; do
    # one pts a frame (frames with side data print it after a comma and a blank line)
    ffprobe -v error -select_streams v -show_entries frame=pts -of csv=p=0 "$f" | grep -v '^$' | cut -d, -f1 > "$f.pts"
    ffmpeg -v error -i "$f" -map 0:a -c copy -f md5 - > "$f.audio"
done
echo "frames: single $(wc -l < single.mp4.pts), merged $(wc -l < seg.mp4.pts)"
cmp -s single.mp4.pts seg.mp4.pts && echo "timestamps: identical" || echo "timestamps: DIFFER"
cmp -s single.mp4.audio seg.mp4.audio && echo "audio: byte-identical ($(cat seg.mp4.audio))" || echo "audio: DIFFERS"
ffmpeg -hide_banner -i seg.mp4 -i single.mp4 -lavfi "[0:v]extractplanes=y[a];[1:v]extractplanes=y[b];[a][b]psnr" \
    -f null - 2>&1 | grep -o "PSNR y:.*" | sed 's/^/merged vs single run: /'
# the merge alone, from the finished segments
t3=$(date +%s.%N)
"$build/fastsr-segments" merge -y seg.mp4.segments merge-again.mp4
t4=$(date +%s.%N)
cmp -s merge-again.mp4 seg.mp4 && same=identical || same=DIFFERENT
echo "merge alone: $(echo "$t4 - $t3" | bc) s for $(du -m seg.mp4 | cut -f1) MB ($same bytes)"
for j in seg.mp4.segments/seg-*.json; do
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("%s: %d frames, SR %d, %.1f s (decode %.1f, SR %.1f, transfer %.1f, encode %.1f)" % (sys.argv[1].split("/")[-1], r["frames"], r["sr_frames"], r["seconds"]["total"], r["seconds"]["decode"], r["seconds"]["sr"], r["seconds"]["transfer"], r["seconds"]["encode"]))' "$j"
done
