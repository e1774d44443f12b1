#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite twice:
# plainly (build/) and under AddressSanitizer + UndefinedBehaviorSanitizer
# (build-asan/).  Usage: ./test.sh [ctest arguments...]
# After each pass it says how many tests were skipped and why: a test that
# cannot run its checks (no AVX2 or FASTSR_CPU=c, no xvfb-run, no oneDNN)
# exits 77 and ctest counts it as skipped, never as passed.
set -euo pipefail
cd "$(dirname "$0")"
FASTSR_ROOT=$PWD
. scripts/deps.sh
fastsr_install_deps
fastsr_install_test_deps
jobs=$(nproc)

# The tests ctest skipped (from its output) and the "SKIPPED: test: reason"
# lines their programs printed (tests/common/testutil.c: tu_skip), by test.
report_skips() {
    local dir=$1 out=$1/ctest-output.log log=$1/Testing/Temporary/LastTest.log
    local skipped total n checks
    skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$out" | tr '\n' ' ')
    total=$(sed -n 's/.* tests failed out of \([0-9]*\)$/\1/p' "$out" | tail -1)
    n=$(echo "$skipped" | wc -w)
    checks=$( [ -f "$log" ] && awk '/^[0-9]+\/[0-9]+ Testing: /{t=$3}
        /^SKIPPED: /{sub(/^SKIPPED: /, ""); print "    " t ": " $0}' "$log" || true)
    echo "== $dir: $n of ${total:-?} tests skipped${skipped:+ (${skipped% })}; $(printf '%s' "$checks" |
        grep -c . || true) checks skipped${checks:+:}"
    [ -z "$checks" ] || printf '%s\n' "$checks"
}

run_ctest() {
    local dir=$1 rc=0; shift
    (cd "$dir" && ctest --output-on-failure -j"$jobs" "$@") 2>&1 | tee "$dir/ctest-output.log" || rc=$?
    report_skips "$dir"
    return "$rc"
}

fastsr_build build
run_ctest build "$@"
fastsr_build build-asan -DFASTSR_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_ctest build-asan "$@"
