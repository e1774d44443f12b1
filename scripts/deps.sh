# Sourced by run.sh and test.sh: installs the Debian 12 packages fastsr needs,
# only those missing, quietly.  Idempotent.
FASTSR_PACKAGES="build-essential cmake pkg-config ffmpeg \
libavformat-dev libavcodec-dev libavutil-dev libswscale-dev \
libcjson-dev libcmocka-dev libsdl2-dev libdnnl-dev xvfb xauth \
parallel munge slurmctld slurmd slurm-client"

fastsr_install_deps() {
    local missing="" p
    for p in $FASTSR_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "fastsr: installing$missing" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Configures and builds the source tree $FASTSR_ROOT into $1 with extra cmake
# arguments; quiet unless it fails.
fastsr_build() {
    local dir=$1; shift
    local log="$dir.log"
    if ! { cmake -S "$FASTSR_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" &&
           cmake --build "$dir" -j"$(nproc)"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "fastsr: build in $dir failed (log: $log)" >&2
        return 1
    fi
    grep -E "warning:" "$log" >&2 || true
}
