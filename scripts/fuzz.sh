#!/usr/bin/env bash
# Coverage-guided fuzzing of fastsr's parsers (README "Fuzzing and faults").
#
#   scripts/fuzz.sh [HARNESS|all] [SECONDS]
#
# Builds the libFuzzer harnesses of tests/fuzz/ with clang, ASan and UBSan
# (-DFASTSR_FUZZ=ON, in $FUZZ_BUILD, default build-fuzz/), makes the seed
# corpora (scripts/fuzz-seeds.sh), and runs HARNESS (h264_parse, reader,
# model, accel_json, manifest; default all, one after the other) for SECONDS each
# (default 60) on:
#   $FUZZ_BUILD/corpus/NAME    the corpus, grown by earlier runs (written)
#   $FUZZ_BUILD/seeds/NAME     the seeds
#   tests/fuzz/crashes/NAME    reproducers of crashes found before
# An input running longer than $FUZZ_TIMEOUT seconds (default 1) counts as
# a failure (a hang).  Extra libFuzzer options go in $FUZZ_ARGS (e.g.
# "-jobs=2 -workers=2").  Output of each run: $FUZZ_BUILD/logs/NAME.log;
# crashes: $FUZZ_BUILD/artifacts/NAME/.  Prints one line per harness
# (executions, edges covered, result) and exits non-zero when any harness
# found a crash, a sanitizer report, a leak or a hang.  A crash found
# becomes a regression test: copy the reproducer into
# tests/fuzz/crashes/NAME/ (ctest runs those in every build) and fix it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
which=${1:-all}
seconds=${2:-60}
build=${FUZZ_BUILD:-$root/build-fuzz}
timeout=${FUZZ_TIMEOUT:-1}
all="h264_parse reader model accel_json manifest"
case " $all all " in
    *" $which "*) ;;
    *) echo "fuzz.sh: no harness \"$which\" (one of: $all, all)" >&2; exit 2 ;;
esac
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || { echo "fuzz.sh: SECONDS must be a positive integer" >&2; exit 2; }
[ "$which" = all ] && harnesses=$all || harnesses=$which

# ---- dependencies: fastsr's, then clang with libFuzzer and OpenMP ----
FASTSR_ROOT=$root
. scripts/deps.sh
fastsr_install_deps
FASTSR_PACKAGES="clang libclang-rt-14-dev libomp-dev"
fastsr_install_deps

# ---- build (only the harnesses) and seeds ----
log=$build.log
mkdir -p "$build"
if ! { CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFASTSR_FUZZ=ON \
           -DFASTSR_BUILD_PLAYER=OFF &&
       cmake --build "$build" -j"$(nproc)" --target $(printf 'fuzz_%s ' $harnesses); } >"$log" 2>&1; then
    cat "$log" >&2
    echo "fuzz.sh: build in $build failed (log: $log)" >&2
    exit 1
fi
grep -E "warning:" "$log" >&2 || true
seeds=$build/seeds
[ -d "$seeds/manifest" ] || scripts/fuzz-seeds.sh "$seeds" >/dev/null

# ---- runs ----
max_len() {
    case $1 in
        reader) echo 65536 ;;
        h264_parse) echo 16384 ;;
        model) echo 8192 ;;
        *) echo 4096 ;;
    esac
}
failed=0
for h in $harnesses; do
    corpus=$build/corpus/$h artifacts=$build/artifacts/$h
    mkdir -p "$corpus" "$artifacts" "$build/logs"
    dirs=("$corpus" "$seeds/$h")
    [ -d tests/fuzz/crashes/$h ] && dirs+=("tests/fuzz/crashes/$h")
    dict=()
    [ -f tests/fuzz/$h.dict ] && dict=(-dict="tests/fuzz/$h.dict")
    rc=0
    # ASan aborts on the first report; UBSan too (the build sets
    # -fno-sanitize-recover); leaks are reported at the end of each input.
    # timeout(1): libFuzzer's own timeout can deadlock when its alarm lands
    # inside malloc; a hung run must still end (as a failure).
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        timeout -k 10 $((seconds + 120 + 2 * timeout)) \
        "$build/tests/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2560 \
        -max_len="$(max_len "$h")" -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
        ${FUZZ_ARGS:-} "${dirs[@]}" >"$build/logs/$h.log" 2>&1 || rc=$?
    log=$build/logs/$h.log
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s += $1} END {print s + 0}')
    cov=$(grep -o "cov: [0-9]*" "$log" | tail -1 | awk "{print \$2}" || true)
    if [ "$rc" -eq 0 ]; then
        echo "fuzz $h: ${runs} executions in ${seconds} s, ${cov:-?} edges covered, no crash"
    else
        failed=1
        crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        why=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|ALARM|SUMMARY' "$log" || true)
        echo "fuzz $h: FAILED after ${runs} executions (exit $rc): ${why:-see $log}" >&2
        echo "  reproducer: ${crash:-none written}; log: $log" >&2
        echo "  rerun: $build/tests/fuzz/fuzz_$h ${crash:-INPUT}" >&2
    fi
done
exit "$failed"
