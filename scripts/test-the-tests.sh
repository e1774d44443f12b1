#!/usr/bin/env bash
# Mutation checks: proves that the tests guarding FAST bite.
#
# Every scripts/mutations/NAME.patch deliberately breaks one thing the
# pipeline relies on (ignore the vectors, drop the residual, use the wrong
# reference, ...).  Its first line names the ctest tests that must then fail:
#     # expect-fail: transfer blockmap
# and its second line says what it breaks:
#     # breaks: motion vectors are ignored (every block predicts from (0,0))
# The script copies the source tree to a scratch folder (the checkout is
# never touched), checks that the named tests pass there unmutated, then for
# each patch: applies it, rebuilds incrementally, runs the named tests, and
# reverts it.  A mutation the tests do not catch is a failure of the suite.
#
# Usage: scripts/test-the-tests.sh [NAME...]   (default: every patch)
# Environment: FASTSR_MUTATION_DIR (scratch folder, default /tmp/fastsr-mutations)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${FASTSR_MUTATION_DIR:-/tmp/fastsr-mutations}
jobs=$(nproc)

patches=()
if [ $# -gt 0 ]; then
    for n in "$@"; do patches+=("$root/scripts/mutations/${n%.patch}.patch"); done
else
    for p in "$root"/scripts/mutations/*.patch; do [ -e "$p" ] && patches+=("$p"); done
fi
[ ${#patches[@]} -gt 0 ] || { echo "test-the-tests: no mutations in scripts/mutations/" >&2; exit 2; }

expect_of() { sed -n '1s/^# expect-fail: *//p' "$1"; }
breaks_of() { sed -n '2s/^# breaks: *//p' "$1"; }
# ctest -R pattern matching exactly the named tests
pattern_of() { echo "^($(echo "$1" | tr ' ' '|'))\$"; }

for p in "${patches[@]}"; do
    [ -f "$p" ] || { echo "test-the-tests: $p: no such mutation" >&2; exit 2; }
    [ -n "$(expect_of "$p")" ] || { echo "test-the-tests: $p: first line must be '# expect-fail: TEST...'" >&2; exit 2; }
done

echo "test-the-tests: copying the tree to $work" >&2
src="$work/src-tree"
rm -rf "$src"
mkdir -p "$src"
tar -C "$root" --exclude='./build*' --exclude='./.git' -cf - . | tar -C "$src" -xf -
# from now on the copied patches: the checkout may change while this runs
for i in "${!patches[@]}"; do patches[$i]="$src/scripts/mutations/$(basename "${patches[$i]}")"; done
build="$work/build"
# a fresh build: objects from an earlier copy could be newer than its sources
rm -rf "$build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$work/cmake.log" 2>&1 ||
    { cat "$work/cmake.log" >&2; exit 1; }

build_tree() { cmake --build "$build" -j"$jobs" >"$work/build.log" 2>&1; }
run_tests() { (cd "$build" && ctest -j"$jobs" -R "$1" >"$work/ctest.log" 2>&1); }

# Unmutated, every named test must pass, or a "caught" below means nothing.
all_tests=$(for p in "${patches[@]}"; do expect_of "$p"; done | tr ' ' '\n' | sort -u | tr '\n' ' ')
echo "test-the-tests: baseline build and tests: $all_tests" >&2
build_tree || { cat "$work/build.log" >&2; echo "test-the-tests: unmutated build failed" >&2; exit 1; }
if ! run_tests "$(pattern_of "$all_tests")"; then
    cat "$work/ctest.log" >&2
    echo "test-the-tests: the unmutated tree fails its tests" >&2
    exit 1
fi

caught=0 missed=0
printf '%-34s %-26s %s\n' "mutation" "tests" "result"
for p in "${patches[@]}"; do
    name=$(basename "$p" .patch)
    tests=$(expect_of "$p")
    if ! (cd "$src" && git apply "$p"); then
        echo "test-the-tests: $name: patch does not apply" >&2
        exit 1
    fi
    result=""
    if ! build_tree; then
        result="MISSED (does not build: fix the patch)"
        missed=$((missed + 1))
    elif run_tests "$(pattern_of "$tests")"; then
        result="MISSED: tests still pass"
        missed=$((missed + 1))
    else
        failed=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (.*/\1/p' "$work/ctest.log" | tr '\n' ' ')
        result="caught (failed: ${failed% })"
        caught=$((caught + 1))
    fi
    (cd "$src" && git apply -R "$p")
    printf '%-34s %-26s %s\n' "$name" "$tests" "$result"
    echo "    breaks: $(breaks_of "$p")"
done
# leave the scratch build as the unmutated tree
build_tree || true
echo "$caught caught, $missed missed"
[ "$missed" -eq 0 ]
