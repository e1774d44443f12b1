#!/usr/bin/env bash
# Runs fastsr-adapt on a shipped model (models/README.md "Adapted models" has
# the results).  Usage:
#   scripts/adapt-models.sh NAME OUTDIR [fastsr-adapt options...]
# NAME: fsrcnn-x2-netadapt (NetAdapt to half the CPU latency; also -x3-, -x4-),
# fsrcnn-x2-half-finetune (the long final fine-tune of that result; also -x3-,
# -x4-; pass --model OUTDIR-of-netadapt/final.safetensors), fsrcnn-x2-uniform
# (the uniform baseline at the same latency), srcnn-955-energy (energy-aware
# pruning on eyeriss-v1), srcnn-955-magnitude (its magnitude baseline),
# fsrcnn-x2-control and srcnn-955-control (the parents fine-tuned as long,
# nothing removed).
# Needs ../shared/data (T91, Set5), apt-get install lomiri-wallpapers-16.04
# and a Release build in build/.  Proposals are chosen on a holdout of T91
# (every ninth image, kept out of the fine-tuning data); Set5 is only the
# final test.  FASTSR_ADAPT=path runs another fastsr-adapt binary (a copy,
# so that rebuilding build/ never touches a run in progress).  A run
# resumes with the same command and --resume.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
name=$1 out=$2
shift 2
data=${FASTSR_DATA:-$root/../shared/data}
split=$out.data
if [ ! -d "$split/holdout" ]; then
    mkdir -p "$split/train" "$split/holdout"
    i=0
    for f in $(ls "$data/T91" | sort -V); do
        if [ $((i % 9)) -eq 4 ]; then ln -sf "$data/T91/$f" "$split/holdout/$f"
        else ln -sf "$data/T91/$f" "$split/train/$f"; fi
        i=$((i + 1))
    done
fi
common=(--data "$split/train" --data /usr/share/backgrounds --max-size 800 --val "$split/holdout"
        --test "$data/Set5" --out-dir "$out" --seed 1)
bin=${FASTSR_ADAPT:-$root/build/fastsr-adapt}
case $name in
fsrcnn-x[234]-netadapt)
    exec env OMP_WAIT_POLICY=passive "$bin" --model "$root/models/${name%-netadapt}.safetensors" "${common[@]}" \
        --method netadapt --budget latency:50%@1920x1080 --step 0.03 --step-decay 0.99 --reps 7 \
        --short-iters 500 --warmup-iters 5000 --final-iters 30000 --lr 1e-4 --lr-last 1e-5 "$@" ;;
fsrcnn-x[234]-half-finetune)
    # what shipped fsrcnn-x2-half got after NetAdapt: 400,000 more steps at a
    # higher rate, decaying (7853 s on one core at x2); resumable
    exec env OMP_WAIT_POLICY=passive "$bin" "${common[@]}" --method finetune --platform cpu \
        --warmup-iters 0 --final-iters 400000 --lr 3e-4 --lr-last 1e-5 "$@" ;;
fsrcnn-x2-uniform)
    # the same training as the NetAdapt run gets after its warm-up: the
    # short fine-tunes along its path plus its final one (pass --final-iters)
    exec env OMP_WAIT_POLICY=passive "$bin" --model "$root/models/fsrcnn-x2.safetensors" "${common[@]}" \
        --method uniform --budget latency:50%@1920x1080 \
        --warmup-iters 5000 --lr 1e-4 --lr-last 1e-5 "$@" ;;
srcnn-955-energy)
    exec env OMP_WAIT_POLICY=passive "$bin" --model "$root/models/srcnn-9-5-5-x2.safetensors" "${common[@]}" \
        --method energy-aware --platform eyeriss-v1 --tolerance 0.1 \
        --short-iters 200 --warmup-iters 2000 --final-iters 3000 --lr 1e-4 --lr-last 1e-5 "$@" ;;
srcnn-955-magnitude)
    exec env OMP_WAIT_POLICY=passive "$bin" --model "$root/models/srcnn-9-5-5-x2.safetensors" "${common[@]}" \
        --method magnitude --platform eyeriss-v1 --tolerance 0.1 \
        --short-iters 200 --warmup-iters 2000 --final-iters 3000 --lr 1e-4 --lr-last 1e-5 "$@" ;;
fsrcnn-x2-control|srcnn-955-control)
    # no pruning, the same training: pass --final-iters = the steps the
    # pruned run's final network got after its warm-up
    case $name in fsrcnn*) model=fsrcnn-x2 warm=5000 ;; *) model=srcnn-9-5-5-x2 warm=2000 ;; esac
    exec env OMP_WAIT_POLICY=passive "$bin" --model "$root/models/$model.safetensors" "${common[@]}" \
        --method finetune --platform "$( [ "$model" = fsrcnn-x2 ] && echo cpu || echo eyeriss-v1)" \
        --warmup-iters $warm --lr 1e-4 --lr-last 1e-5 "$@" ;;
*) echo "adapt-models.sh: unknown NAME $name" >&2; exit 2 ;;
esac
