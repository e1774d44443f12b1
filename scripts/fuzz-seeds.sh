#!/usr/bin/env bash
# Makes the seed corpora of the fuzz harnesses (tests/fuzz/) under OUT/NAME/:
#   reader      tiny H.264 streams made by x264 (through ffmpeg) covering
#               B-pyramid, multi-reference, weighted prediction (explicit P,
#               implicit B), slices, interlaced (MBAFF), 8x8 transform, CAVLC,
#               PCM macroblocks, lossless, cropping, open GOP, intra refresh,
#               4:4:4, and an MP4 (avcC) file
#   h264_parse  the same elementary streams with the harness's flags byte in
#               front: Annex B framing, MP4 framing at 1, 2 and 4 bytes, and
#               one with a raw avcC record
#   model       tiny safetensors models: F32, F16, BF16; scales 2, 3, 4; zero
#               and replicate padding; 1 to 3 layers
#   accel_json  the README's architecture and network examples and variants
#   manifest    segment plans (manifest.json of fastsr --segments): three
#               segments, one, and one with a segment marked done
# Usage: scripts/fuzz-seeds.sh OUT   (needs ffmpeg with libx264, python3)
set -euo pipefail
out=${1:?usage: scripts/fuzz-seeds.sh OUT}
for tool in ffmpeg python3; do
    command -v "$tool" >/dev/null || { echo "fuzz-seeds: $tool not found (apt-get install $tool)" >&2; exit 1; }
done
mkdir -p "$out"/{reader,h264_parse,model,accel_json,manifest}

# ---- H.264 streams: 64x48 (unless noted), 10 frames, an AUD before each picture ----
moving="testsrc2=s=64x48:r=25"
fading="testsrc2=s=64x48:r=25,fade=in:0:8"
noise="nullsrc=s=48x32:r=25,geq=lum='if(lt(X\,16)\,random(1)*255\,X*4)':cb=128:cr=128"
h264() { # NAME SOURCE X264_PARAMS [extra ffmpeg output options...]
    local name=$1 src=$2 params=$3; shift 3
    ffmpeg -nostdin -v error -y -f lavfi -i "$src" -frames:v 10 -pix_fmt yuv420p "$@" \
        -c:v libx264 -x264-params "aud=1:$params" -f h264 "$out/reader/$name.h264"
}
h264 bpyramid     "$moving" "bframes=3:b-pyramid=normal:ref=3:keyint=10"
h264 bpyramid-strict "$moving" "bframes=3:b-pyramid=strict:ref=2:keyint=5"
h264 multiref     "$moving" "bframes=0:ref=5:keyint=30"
h264 weightp      "$fading" "bframes=0:weightp=2:ref=3"
h264 weightb      "$fading" "bframes=2:weightb=1:weightp=1"
h264 slices       "$moving" "slices=4:bframes=2"
h264 interlaced   "testsrc2=s=64x64:r=25" "interlaced=1:tff=1:bframes=2"
h264 dct8x8-cabac "$moving" "8x8dct=1:cabac=1:bframes=1"
h264 cavlc        "$moving" "cabac=0:8x8dct=0:bframes=0" -profile:v baseline
h264 pcm          "$noise" "qp=1:psy=0:subme=7:bframes=0:keyint=3"
h264 lossless     "$moving" "qp=0:bframes=1"
h264 crop         "testsrc2=s=62x46:r=25" "bframes=1"
h264 opengop      "$moving" "open-gop=1:keyint=4:bframes=2"
h264 intrarefresh "$moving" "intra-refresh=1:keyint=5:bframes=0"
h264 yuv444       "$moving" "bframes=1" -pix_fmt yuv444p
ffmpeg -nostdin -v error -y -f lavfi -i "$moving" -frames:v 8 -pix_fmt yuv420p -c:v libx264 \
    -x264-params "bframes=2:ref=2" -f mp4 "$out/reader/avcc.mp4"

for f in "$out"/reader/*.h264; do
    name=$(basename "$f" .h264)
    printf '\000' | cat - "$f" > "$out/h264_parse/$name-annexb"
done
# MP4 framing (flags bit 0) with 1-, 2- and 4-byte NAL lengths
for flags in 001 003 007; do
    printf "\\$flags" | cat - "$out/reader/bpyramid.h264" > "$out/h264_parse/bpyramid-avcc$flags"
    printf "\\$flags" | cat - "$out/reader/weightp.h264" > "$out/h264_parse/weightp-avcc$flags"
done
# raw avcC extradata (flags 0x0f: MP4 framing, 4-byte lengths, extradata given):
# the stream's own SPS and PPS in an avcC record
python3 - "$out/reader/bpyramid.h264" "$out/h264_parse/bpyramid-rawavcc" <<'PY'
import re, sys
data = open(sys.argv[1], 'rb').read()
nals = [n.rstrip(b'\0') for n in re.split(b'\0\0\1', data)[1:]]
sps = [n for n in nals if n and n[0] & 31 == 7][:1]
pps = [n for n in nals if n and n[0] & 31 == 8][:1]
ext = bytes([1, sps[0][1], sps[0][2], sps[0][3], 0xff, 0xe0 | len(sps)])
for n in sps:
    ext += len(n).to_bytes(2, 'big') + n
ext += bytes([len(pps)])
for n in pps:
    ext += len(n).to_bytes(2, 'big') + n
assert len(ext) < 256
open(sys.argv[2], 'wb').write(bytes([0x0f, len(ext)]) + ext + data)
PY

# ---- models ----
python3 - "$out/model" <<'PY'
import json, struct, sys
out = sys.argv[1]

def f16(x):
    return struct.pack('<e', x)

def bf16(x):
    return struct.pack('<I', struct.unpack('<I', struct.pack('<f', x))[0])[2:]

def save(name, layers, dtype='F32', scale=2, padding='zero', extra=None):
    enc = {'F32': lambda x: struct.pack('<f', x), 'F16': f16, 'BF16': bf16}[dtype]
    header, blobs, off = {}, [], 0
    for i, (cin, cout, k) in enumerate(layers, 1):
        w = [((j * 7) % 11 - 5) / 20.0 for j in range(cout * cin * k * k)]
        b = [0.01 * j for j in range(cout)]
        for suffix, shape, vals in (('weight', [cout, cin, k, k], w), ('bias', [cout], b)):
            data = b''.join(enc(v) for v in vals)
            header['conv%d.%s' % (i, suffix)] = {'dtype': dtype, 'shape': shape,
                                                 'data_offsets': [off, off + len(data)]}
            blobs.append(data)
            off += len(data)
    meta = {'arch': 'srcnn', 'scale': str(scale), 'padding': padding, 'input': 'bicubic_y'}
    meta.update(extra or {})
    header['__metadata__'] = meta
    h = json.dumps(header, separators=(',', ':')).encode()
    with open('%s/%s.safetensors' % (out, name), 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))

save('one-layer-x2', [(1, 1, 3)])
save('two-layer-x3-replicate', [(1, 4, 3), (4, 1, 3)], scale=3, padding='replicate')
save('three-layer-x4', [(1, 4, 5), (4, 2, 1), (2, 1, 3)], scale=4)
save('f16-x2', [(1, 3, 3), (3, 1, 3)], dtype='F16')
save('bf16-x2', [(1, 2, 3), (2, 1, 1)], dtype='BF16', padding='replicate')
save('wide-kernel-x2', [(1, 2, 7), (2, 1, 5)])
PY

# ---- accelerator JSON ----
a=$out/accel_json
cat > "$a/arch-full.json" <<'J'
{"name": "chip", "pe_rows": 12, "pe_cols": 14, "rf_words": {"ifmap": 12, "filter": 224, "psum": 24},
 "glb_bytes": 110592, "word_bits": 16, "acc_bits": 32, "rounding": "truncate", "clock_hz": 200e6,
 "dram_bus_bits": 64, "dram_clock_hz": 60e6, "dram_overlap": "prefetch",
 "noc_words_per_cycle": {"ifmap": 4, "filter": 4, "psum": 0}, "filters_in_glb": true,
 "psum_add_uses_mac": false, "set_rule": "free", "column_tiles": true, "rlc": true, "zero_gating": true,
 "dataflow": "rs", "energy": {"unit": "pJ", "mac": 1, "rf": 1, "array": 2, "glb": 6, "dram": 200, "static_mw": 5}}
J
cat > "$a/arch-base.json" <<'J'
{"base": "eyeriss-v1", "name": "small", "pe_rows": 4, "pe_cols": 6, "glb_bytes": 8192, "dataflow": "ws"}
J
cat > "$a/arch-os.json" <<'J'
{"base": "eyeriss-v1-tiled", "name": "os", "dataflow": "os", "word_bits": 8, "dram_bytes_per_cycle": 2.5,
 "energy": {"unit": "mac", "mac": 1, "rf": 1, "array": 2, "glb": 6, "dram": 200}}
J
cat > "$a/net-readme.json" <<'J'
{"name": "net", "layers": [
  {"name": "conv1", "type": "conv", "C": 3, "M": 96, "H": 227, "W": 227,
   "R": 11, "S": 11, "stride": 4, "pad": 0, "groups": 1},
  {"name": "fc", "type": "fc", "C": 256, "M": 4096, "H": 6, "W": 6}]}
J
cat > "$a/net-small.json" <<'J'
{"name": "sr", "layers": [
  {"name": "c1", "type": "conv", "C": 1, "M": 8, "H": 16, "W": 24, "R": 5, "S": 5, "pad": 2,
   "ifmap_zeros": 0.1, "ofmap_zeros": 0.5},
  {"name": "dw", "type": "conv", "C": 8, "M": 8, "H": 16, "W": 24, "R": 3, "S": 3, "pad": 1, "groups": 8},
  {"name": "c3", "type": "conv", "C": 8, "M": 1, "H": 16, "W": 24, "R": 3, "S": 3, "stride": 2}]}
J
# ---- segment plans ----
m=$out/manifest
seg() { # index first frames cut start end s0 s1 state
    printf '{"index": %s, "first_frame": %s, "frames": %s, "cut_pts": %s, "start_pts": %s, "end_pts": %s, ' "$1" "$2" "$3" "$4" "$5" "$6"
    printf '"start_seconds": %s, "end_seconds": %s, "state": "%s"}' "$7" "$8" "$9"
}
plan() { # frames, then the segments
    local frames=$1; shift
    printf '{"fastsr_segments": 1, "fastsr_version": "0.1.0",\n'
    printf ' "input": {"path": "/tmp/tiny.mp4", "size": 68534, "sha256": "%s"},\n' \
        ad39d3536b3ed095981e124a4a9cc8cd8bceee6d2d13269bb0bacc9e08612e3b
    printf ' "output": "/tmp/tiny-out.mp4",\n'
    printf ' "options": {"segment_seconds": 1, "scale": 2, "mode": "fast", "model": null, "backend": 0,\n'
    printf '  "keyframes": "every:8", "hr_filter": null, "fallback": 10, "deblock": 0, "crf": -1, "preset": null,\n'
    printf '  "x264_params": null, "encoder_opts": null, "motion": 0, "keep_going": 0, "accel": "eyeriss-v1-tiled",\n'
    printf '  "accel_shape_only": 0},\n'
    printf ' "video": {"time_base": [1, 12800], "frames": %s},\n "segments": [%s]}\n' "$frames" "$(IFS=,; echo "$*")"
}
plan 75 "$(seg 0 0 25 0 0 12800 0 1 pending)" "$(seg 1 25 25 12800 12800 25600 1 2 pending)" \
    "$(seg 2 50 25 25600 25600 38400 2 3 pending)" > "$m/three.json"
plan 25 "$(seg 0 0 25 0 0 12800 0 1 pending)" > "$m/one.json"
plan 50 "$(seg 0 0 25 0 0 12800 0 1 done)" "$(seg 1 25 25 12800 12800 25600 1 2 pending)" > "$m/done.json"
# version 2: open cuts, segments decoding more packets than they show
sed -e 's/"fastsr_segments": 1/"fastsr_segments": 2/' -e 's/"cut_pts": \([0-9]*\), /"cut_pts": \1, "packets": 27, /g' \
    "$m/three.json" > "$m/three-v2.json"

echo "fuzz-seeds: $(find "$out" -type f | wc -l) seeds in $out"
