#!/bin/bash
# Plans a segmented fastsr job and submits it to Slurm: a job array with one
# task per pending segment (fastsr-segment.sbatch) and a merge job that
# starts when every task has succeeded (--dependency=afterok).  Prints the
# two job ids.  Paths must be the same on every node (a shared file system).
# Usage: scripts/slurm/submit.sh [fastsr options] --work-dir DIR IN OUT
# Environment: FASTSR_BIN (folder of the tools, with a trailing /; default:
# from PATH), SBATCH_ARGS (extra sbatch arguments, e.g. a partition).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[i]}" = --work-dir ] && work=${args[i + 1]:-}
done
[ -n "$work" ] || { echo "submit.sh: --work-dir DIR is required" >&2; exit 2; }
pending=$("${FASTSR_BIN:-}fastsr-segments" plan "$@" | paste -sd, -)
work=$(cd "$work" && pwd)
deps=""
if [ -n "$pending" ]; then
    array=$(sbatch --parsable ${SBATCH_ARGS:-} --chdir="$work" --array="$pending" \
        --export=ALL,FASTSR_BIN="${FASTSR_BIN:-}" "$here/fastsr-segment.sbatch" "$work")
    deps="--dependency=afterok:${array%%;*}"
    echo "segments: job $array (array $pending)"
fi
merge=$(sbatch --parsable ${SBATCH_ARGS:-} --chdir="$work" $deps --job-name=fastsr-merge \
    --output=fastsr-merge-%j.log --wrap="${FASTSR_BIN:-}fastsr-segments merge -y '$work'")
echo "merge: job $merge"
