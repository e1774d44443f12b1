# Sourced by run.sh and test.sh: installs the Debian 12 packages fastsr needs,
# only those missing, quietly.  Idempotent.
FASTSR_PACKAGES="build-essential cmake pkg-config ffmpeg \
libavformat-dev libavcodec-dev libavutil-dev libswscale-dev \
libcjson-dev libcmocka-dev libsdl2-dev libdnnl-dev xvfb xauth python3"
# Only for the tests of segmented runs on job engines (test.sh): GNU
# parallel and a one-node Slurm with munge, and (apart, so that a server
# package that cannot be set up on some machine does not take the others
# with it) an ssh server for parallel's --sshlogin.  Their tests skip with
# a message where these could not be installed.
FASTSR_TEST_PACKAGES="parallel munge slurmctld slurmd slurm-client"
FASTSR_SSH_PACKAGES="openssh-client openssh-server"

fastsr_install_deps() {
    fastsr_install_packages $FASTSR_PACKAGES
}

# The test-only packages: a failure to install them is a warning.
fastsr_install_test_deps() {
    fastsr_install_packages $FASTSR_TEST_PACKAGES ||
        echo "fastsr: warning: could not install $FASTSR_TEST_PACKAGES; their tests will be skipped" >&2
    fastsr_install_packages $FASTSR_SSH_PACKAGES ||
        echo "fastsr: warning: could not install $FASTSR_SSH_PACKAGES; the --sshlogin test will be skipped" >&2
}

fastsr_install_packages() {
    local missing="" p
    for p in "$@"; do
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
