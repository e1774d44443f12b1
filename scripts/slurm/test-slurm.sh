#!/bin/bash
# The Slurm path against real daemons: starts munged, slurmctld and slurmd
# (Debian munge, slurmctld, slurmd, slurm-client) on this machine as a
# one-node cluster in a scratch folder, submits a segmented job with
# scripts/slurm/submit.sh, waits for the merge job, checks the output
# against `fastsr --segments` of the same clip byte for byte, and stops the
# daemons it started.  Exit 0 passed, 1 failed, 77 skipped (the reason on
# stderr: missing packages, not root).
# Usage: scripts/slurm/test-slurm.sh BUILD_DIR CLIP REFERENCE
set -uo pipefail
build=$(cd "${1:?BUILD_DIR}" && pwd)
clip=${2:?CLIP}
ref=${3:?REFERENCE}
here=$(cd "$(dirname "$0")" && pwd)
for b in munged slurmctld slurmd sbatch squeue; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || {
        echo "SKIP: $b not installed (apt-get install munge slurmctld slurmd slurm-client)" >&2; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP: the one-node cluster runs its daemons as root" >&2; exit 77; }
t=$(mktemp -d /tmp/fastsr-slurm.XXXXXX)
chmod 755 "$t"
pids=()
stop() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; done
    [ -n "${keep:-}" ] || rm -rf "$t"
}
trap stop EXIT
fail() { echo "FAIL: $*" >&2; for f in "$t"/*.log "$t"/work/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -20 "$f" >&2; }; done; exit 1; }
host=$(hostname -s)
port=$((20000 + RANDOM % 20000))
mkdir -p "$t/state" "$t/spool" "$t/munge" "$t/work"
chmod 700 "$t/munge"
dd if=/dev/urandom of="$t/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$t/munge/munge.key"
/usr/sbin/munged --force --key-file="$t/munge/munge.key" --socket="$t/munge/munge.socket" \
    --pid-file="$t/munge/munged.pid" --log-file="$t/munged.log" --seed-file="$t/munge/seed" ||
    fail "munged did not start"
for _ in $(seq 50); do [ -s "$t/munge/munged.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$t/munge/munged.pid")")
cat > "$t/slurm.conf" <<CONF
ClusterName=fastsrtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$t/munge/munge.socket
CredType=cred/munge
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$t/state
SlurmdSpoolDir=$t/spool
SlurmctldPidFile=$t/slurmctld.pid
SlurmdPidFile=$t/slurmd.pid
SlurmctldLogFile=$t/slurmctld.log
SlurmdLogFile=$t/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$t/slurm.conf
/usr/sbin/slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
for _ in $(seq 50); do [ -s "$t/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$t/slurmctld.pid")")
/usr/sbin/slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
for _ in $(seq 50); do [ -s "$t/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$t/slurmd.pid")")
for _ in $(seq 100); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 0.2; done
sinfo -h -o %t | grep -q idle || fail "the node did not come up: $(sinfo 2>&1)"
out=$t/work/out.mp4
ids=$(FASTSR_BIN=$build/ SBATCH_ARGS="--cpus-per-task=1" "$here/submit.sh" --segment-seconds 1 --preset superfast \
    --work-dir "$t/work/w" "$clip" "$out") || fail "submit: $ids"
echo "$ids"
merge=$(echo "$ids" | sed -n 's/^merge: job //p')
for _ in $(seq 600); do
    [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
    sleep 0.5
done
[ -z "$(squeue -h -o %i)" ] || fail "jobs still queued after 300 s: $(squeue)"
[ -f "$out" ] || fail "no output from the merge job $merge: $(cat "$t"/work/w/fastsr-merge-*.log 2>/dev/null)"
cmp "$out" "$ref" || fail "Slurm output differs from fastsr --segments"
echo "slurm: $(ls "$t"/work/w/fastsr-seg-*.log | wc -l) array tasks + merge job; output identical to fastsr --segments"
