#!/bin/bash
# GNU parallel's --sshlogin path against a real ssh server: starts an sshd
# of its own (Debian openssh-server) on a random local port with a scratch
# host key and client key, plans a segmented job, runs its segments with
# `parallel --sshlogin` (every job through ssh, as on another host that
# shares the file system), merges, and checks the output against `fastsr
# --segments` of the same clip byte for byte and parallel's job log for
# every segment run on the ssh login.  Stops the sshd it started.  Exit 0
# passed, 1 failed, 77 skipped (the reason on stderr: missing packages,
# not root).
# Usage: scripts/test-parallel-ssh.sh BUILD_DIR CLIP REFERENCE [FASTSR OPTIONS...]
set -uo pipefail
build=$(cd "${1:?BUILD_DIR}" && pwd)
clip=${2:?CLIP}
ref=${3:?REFERENCE}
shift 3
for b in parallel ssh ssh-keygen; do
    command -v "$b" >/dev/null 2>&1 || {
        echo "SKIP: $b not installed (apt-get install parallel openssh-client openssh-server)" >&2; exit 77; }
done
[ -x /usr/sbin/sshd ] || { echo "SKIP: sshd not installed (apt-get install openssh-server)" >&2; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: the test's sshd logs in as root, so it runs as root" >&2; exit 77; }
t=$(mktemp -d /tmp/fastsr-ssh.XXXXXX)
chmod 755 "$t"
pid=
stop() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    [ -n "$pid" ] && for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    [ -n "${keep:-}" ] || rm -rf "$t"
}
trap stop EXIT
fail() { echo "FAIL: $*" >&2; for f in "$t"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -20 "$f" >&2; }; done; exit 1; }
ssh-keygen -q -t ed25519 -N '' -f "$t/host_key" || fail "ssh-keygen (host key)"
ssh-keygen -q -t ed25519 -N '' -f "$t/id" || fail "ssh-keygen (client key)"
cp "$t/id.pub" "$t/authorized_keys"
# sshd needs its privilege separation folder, which the service creates
mkdir -p /run/sshd
port=$((20000 + RANDOM % 20000))
cat > "$t/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $t/host_key
AuthorizedKeysFile $t/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $t/sshd.pid
CONF
/usr/sbin/sshd -D -e -f "$t/sshd_config" 2>"$t/sshd.log" &
pid=$!
sshcmd="ssh -p $port -i $t/id -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
up=
for _ in $(seq 50); do
    $sshcmd root@127.0.0.1 true 2>/dev/null && { up=1; break; }
    kill -0 "$pid" 2>/dev/null || fail "sshd exited"
    sleep 0.2
done
[ -n "$up" ] || fail "no ssh login to 127.0.0.1:$port"
fs=$build/fastsr-segments
out=$t/out.mp4
# two job slots on the ssh login, none on this host (no ':' login)
"$fs" plan --work-dir "$t/w" "$@" "$clip" "$out" >"$t/plan.log" 2>&1 || fail "plan"
grep -qx '[0-9]*' "$t/plan.log" || fail "plan printed no segment"
n=$(wc -l <"$t/plan.log")
parallel --will-cite --ssh "$sshcmd" --sshlogin "2/root@127.0.0.1" --joblog "$t/jobs.log" \
    "$fs" run-one "$t/w" <"$t/plan.log" >"$t/parallel.log" 2>&1 || fail "parallel --sshlogin"
"$fs" merge "$t/w" >"$t/merge.log" 2>&1 || fail "merge"
# every segment ran through the ssh login, once, with exit 0
ran=$(awk 'NR > 1 && $2 == "root@127.0.0.1" && $7 == 0' "$t/jobs.log" | wc -l)
[ "$ran" = "$n" ] || fail "$ran of $n segments ran on root@127.0.0.1 with exit 0 (job log below)
$(cat "$t/jobs.log")"
cmp "$out" "$ref" || fail "the output differs from fastsr --segments"
echo "parallel --sshlogin: $n segments through ssh (127.0.0.1:$port), output identical to fastsr --segments"
