#!/usr/bin/env bash
# THE test command of rwmi: lint, bring up the independent peers (a Samba AD DC,
# Impacket, a loopback capture for tshark), run the Rust tests against them, and
# dissect everything they sent with tshark; then run each fuzz target briefly.
#
#   ./scripts/test.sh                   full run (needs root or sudo for packages, Samba and capture)
#   ./scripts/test.sh --no-peers        lint + cargo test + fuzz smoke only; peer tests skip
#   ./scripts/test.sh --no-fuzz         without the fuzz smoke step (scripts/fuzz.sh)
#   ./scripts/test.sh -- ARGS...        ARGS are appended to `cargo test --workspace`
#                                       (e.g. a test name filter, or `-- --nocapture`)
#
# See scripts/README.md for the environment the tests receive.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

readonly SAMBA_HOST=127.0.200.1
readonly STATE_DIR=$ROOT/.test-env
readonly SAMBA_DIR=$STATE_DIR/samba-dc
readonly LOG_DIR=$STATE_DIR/logs
readonly VENV=$ROOT/.venv
readonly PY_REQUIREMENTS=$ROOT/scripts/requirements-peers.txt
readonly CAPTURE=$ROOT/target/test-capture.pcapng
readonly DCERPC_PEER_MANIFEST=$ROOT/crates/rwmi-sim/tests/peers/dcerpc-client/Cargo.toml
readonly PY_CRATE=$ROOT/crates/rwmi-py
readonly PY_TARGET=$ROOT/target/py
# samba, samba-ad-dc and its dependencies (samba-dsdb-modules, samba-vfs-modules,
# winbind) run the AD DC; samba-ad-provision holds the schema files that
# `samba-tool domain provision` reads. The last two are only Recommends of
# samba, so with --no-install-recommends they must be named. smbclient brings
# rpcclient (peer smoke check), krb5-user kinit/klist for Kerberos tests,
# tshark brings dumpcap via wireshark-common; curl sends aiowmi's wmic_client.sh request to
# `rwmi wmic-server`; prometheus (with promtool) scrapes `rwmi exporter` in tests/exporter.rs.
readonly DEBIAN_PACKAGES=(samba samba-ad-dc samba-ad-provision smbclient krb5-user tshark curl prometheus)
# Executions per fuzz target in the smoke step: enough to run every seed and some mutations of each
# (seconds per target); scripts/fuzz.sh alone runs 100000.
readonly FUZZ_SMOKE_RUNS=2000

WITH_PEERS=1
WITH_FUZZ=1
CARGO_TEST_ARGS=()
while [[ $# -gt 0 ]]; do
    case $1 in
    --no-peers) WITH_PEERS=0 ;;
    --no-fuzz) WITH_FUZZ=0 ;;
    -h | --help)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    --)
        shift
        CARGO_TEST_ARGS=("$@")
        break
        ;;
    *)
        echo "test.sh: unknown option $1 (see --help)" >&2
        exit 2
        ;;
    esac
    shift
done

IN_CI=0
[[ ${CI:-} == true || ${CI:-} == 1 ]] && IN_CI=1

RUN_STARTED=$SECONDS
RESULTS=()
STEP_STARTED=$SECONDS
step() {
    STEP_STARTED=$SECONDS
    echo
    echo "==> $*"
}
# Appends a summary line, with the seconds since the last step began.
record() { RESULTS+=("$1 ($((SECONDS - STEP_STARTED)) s)"); }
die() {
    echo "test.sh: FAILED: $*" >&2
    exit 1
}

# Runs "$@" as root: directly, through sudo, or not at all (returns 127).
as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo -- "$@"
    else
        return 127
    fi
}
can_be_root() { [[ $EUID -eq 0 ]] || command -v sudo >/dev/null; }

mkdir -p "$STATE_DIR" "$LOG_DIR" "$ROOT/target"
# One run at a time: the DC's address and ports are fixed.
exec 9>"$STATE_DIR/lock"
flock -n 9 || die "another scripts/test.sh run holds $STATE_DIR/lock"

# ---------------------------------------------------------------- lint (fail fast)
step "cargo fmt --all -- --check"
cargo fmt --all -- --check || die "formatting differs: run 'cargo fmt --all'"
record "ok   cargo fmt"

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings || die "clippy reported warnings or errors"
record "ok   cargo clippy"

# The Python extension is a crate of its own (maturin builds it with pyo3's extension-module feature).
step "cargo fmt + clippy of crates/rwmi-py"
cargo fmt --manifest-path "$PY_CRATE/Cargo.toml" -- --check || die "formatting differs in $PY_CRATE: run 'cargo fmt' there"
CARGO_TARGET_DIR=$PY_TARGET cargo clippy --locked --manifest-path "$PY_CRATE/Cargo.toml" --all-targets -- -D warnings ||
    die "clippy reported warnings or errors in $PY_CRATE"
record "ok   rwmi-py fmt + clippy"

# ---------------------------------------------------------------- peers
package_installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

APT_UPDATED=0
apt_install() {
    local log=$LOG_DIR/apt.log
    if ! can_be_root; then
        die "missing Debian packages: $*; install them as root with: apt-get install --no-install-recommends $*  (or run with --no-peers)"
    fi
    echo "installing Debian packages: $* (log: $log)"
    if [[ $APT_UPDATED -eq 0 ]]; then
        as_root apt-get update >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "apt-get update failed"; }
        APT_UPDATED=1
    fi
    # tshark asks whether non-root users may capture; answer it up front so the
    # install can never wait for input (noninteractive would take the default too).
    echo "wireshark-common wireshark-common/install-setuid boolean false" |
        as_root debconf-set-selections
    # Without an init system, package scripts must not try to start smbd/nmbd/samba.
    local policy_added=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
        policy_added=1
    fi
    local rc=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        -o Dpkg::Use-Pty=0 "$@" >>"$log" 2>&1 </dev/null || rc=$?
    [[ $policy_added -eq 0 ]] || as_root rm -f /usr/sbin/policy-rc.d
    if [[ $rc -ne 0 ]]; then
        tail -n 30 "$log" >&2
        die "apt-get install $* failed"
    fi
}

ensure_debian_packages() {
    local missing=() pkg
    for pkg in "${DEBIAN_PACKAGES[@]}"; do
        package_installed "$pkg" || missing+=("$pkg")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        echo "Debian packages present: ${DEBIAN_PACKAGES[*]}"
    else
        apt_install "${missing[@]}"
    fi
}

# .venv with the pinned Python peers; reinstalled when the pins change.
ensure_venv() {
    local stamp=$VENV/.rwmi-requirements wanted
    wanted=$(sha256sum "$PY_REQUIREMENTS" | cut -d' ' -f1)
    if [[ -x $VENV/bin/python && -f $stamp && $(cat "$stamp") == "$wanted" ]]; then
        echo "Python venv up to date: $VENV"
        return 0
    fi
    local log=$LOG_DIR/venv.log python=${RWMI_BASE_PYTHON:-python3}
    echo "creating $VENV with $(grep -v '^#' "$PY_REQUIREMENTS" | tr '\n' ' ')(log: $log)"
    rm -rf "$VENV"
    if ! "$python" -m venv "$VENV" >"$log" 2>&1; then
        # Debian's own python3 needs python3-venv (ensurepip) for this.
        rm -rf "$VENV"
        package_installed python3-venv || apt_install python3-venv
        python=/usr/bin/python3
        "$python" -m venv "$VENV" >>"$log" 2>&1 || { tail -n 20 "$log" >&2; die "cannot create $VENV"; }
    fi
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
        -r "$PY_REQUIREMENTS" >>"$log" 2>&1 || { tail -n 30 "$log" >&2; die "pip install -r $PY_REQUIREMENTS failed"; }
    echo "$wanted" >"$stamp"
}

DC_STARTED=0
CAPTURE_PID=
CAPTURE_VIA_SUDO=0

stop_capture() {
    [[ -n $CAPTURE_PID ]] || return 0
    if [[ $CAPTURE_VIA_SUDO -eq 1 ]]; then
        sudo -n kill -INT "$CAPTURE_PID" 2>/dev/null || true
    else
        kill -INT "$CAPTURE_PID" 2>/dev/null || true
    fi
    wait "$CAPTURE_PID" 2>/dev/null || true
    CAPTURE_PID=
    # dumpcap creates the file 0600; under sudo it belongs to root.
    if [[ $CAPTURE_VIA_SUDO -eq 1 && -e $CAPTURE ]]; then
        sudo -n chown "$(id -u):$(id -g)" "$CAPTURE" || true
    fi
}

cleanup() {
    stop_capture
    if [[ $DC_STARTED -eq 1 ]]; then
        as_root "$ROOT/scripts/samba-dc.sh" stop "$SAMBA_DIR" || true
        DC_STARTED=0
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Launches dumpcap (prefixed by "$@", e.g. sudo -n) on loopback for TCP within
# 127/8 and waits until it has opened the interface. Returns 1 if it cannot.
launch_dumpcap() {
    local log=$LOG_DIR/dumpcap.log
    rm -f "$CAPTURE"
    "$@" dumpcap -q -i lo -f 'tcp and net 127.0.0.0/8' -w "$CAPTURE" >"$log" 2>&1 &
    CAPTURE_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        if ! kill -0 "$CAPTURE_PID" 2>/dev/null; then
            wait "$CAPTURE_PID" 2>/dev/null || true
            CAPTURE_PID=
            echo "dumpcap failed: $(tail -n 3 "$log")"
            return 1
        fi
        # dumpcap writes the pcapng header once the interface is open.
        [[ -s $CAPTURE ]] && break
        sleep 0.1
    done
    [[ -s $CAPTURE ]] || { stop_capture; return 1; }
    sleep 0.3 # let the filter attach before traffic starts
    echo "capturing loopback TCP in 127/8 into $CAPTURE (pid $CAPTURE_PID)"
}

# Captures as ourselves (root, or a user with capture rights), else through
# sudo without a password prompt. Returns 1 if neither is permitted.
start_capture() {
    command -v dumpcap >/dev/null || return 1
    launch_dumpcap && return 0
    [[ $EUID -ne 0 ]] && sudo -n true 2>/dev/null || return 1
    CAPTURE_VIA_SUDO=1
    launch_dumpcap sudo -n
}

# rpcclient against the DC over ncacn_ip_tcp with NTLM at both protection
# levels: proves the peer works before any rwmi test blames rwmi.
peer_smoke_check() {
    local level
    for level in sign seal; do
        if ! timeout 60 rpcclient --configfile=/dev/null -U "TEST\\Administrator%$RWMI_SAMBA_PASSWORD" \
            "ncacn_ip_tcp:${SAMBA_HOST}[$level]" -c 'enumdomains;enumdomusers' >"$LOG_DIR/rpcclient-$level.log" 2>&1; then
            cat "$LOG_DIR/rpcclient-$level.log" >&2
            die "Samba DC smoke check failed: rpcclient with NTLM [$level] (see $LOG_DIR)"
        fi
    done
    "$VENV/bin/python" -c 'import impacket.dcerpc.v5.dcomrt, impacket.dcerpc.v5.dcom.wmi' ||
        die "Impacket in $VENV cannot be imported"
    "$VENV/bin/python" -c 'import aiowmi.connection, aiowmi.query' ||
        die "aiowmi in $VENV cannot be imported"
    echo "peers answer: rpcclient NTLM sign and seal against $SAMBA_HOST, impacket and aiowmi import"
}

CAPTURING=0
unset RWMI_REQUIRE_PEERS
if [[ $WITH_PEERS -eq 1 ]]; then
    step "peers: Debian packages"
    ensure_debian_packages
    record "ok   Debian packages"
    step "peers: Python venv"
    ensure_venv
    record "ok   Python venv with impacket and aiowmi"

    step "peers: Samba AD DC on $SAMBA_HOST"
    can_be_root || die "running Samba as an AD DC needs root or sudo (or use --no-peers)"
    if as_root "$ROOT/scripts/samba-dc.sh" status "$SAMBA_DIR" >/dev/null 2>&1; then
        echo "reusing the DC already running from $SAMBA_DIR (it will be left running)"
    else
        DC_STARTED=1
        as_root "$ROOT/scripts/samba-dc.sh" start "$SAMBA_DIR" || die "could not start the Samba AD DC"
    fi
    # Written by samba-dc.sh at provisioning, mode 0600; never printed.
    RWMI_SAMBA_PASSWORD=$(as_root cat "$SAMBA_DIR/admin-password")
    export RWMI_SAMBA_PASSWORD
    export RWMI_SAMBA_PASSWORD_FILE=$SAMBA_DIR/admin-password
    export RWMI_SAMBA_HOST=$SAMBA_HOST
    export RWMI_SAMBA_DOMAIN=TEST
    export RWMI_SAMBA_REALM=TEST.LOCAL
    export RWMI_SAMBA_USER=Administrator
    export RWMI_SAMBA_KRB5_CONFIG=$SAMBA_DIR/etc/krb5.conf
    # Made by samba-dc.sh with samba-tool (mode 0600): the emulator's service keys and Administrator's.
    export RWMI_SAMBA_EMU_KEYTAB=$SAMBA_DIR/emu.keytab
    export RWMI_SAMBA_ADMIN_KEYTAB=$SAMBA_DIR/administrator.keytab
    export RWMI_PYTHON=$VENV/bin/python
    RWMI_TSHARK=$(command -v tshark) || die "tshark not found after installing it"
    export RWMI_TSHARK
    export RWMI_REQUIRE_PEERS=1
    record "ok   Samba AD DC"

    step "peers: loopback capture"
    if start_capture; then
        CAPTURING=1
    elif [[ $IN_CI -eq 1 ]]; then
        die "cannot capture on lo with dumpcap (required when CI=true)"
    else
        echo "NOTE: capturing on lo is not permitted here (run as root or with passwordless sudo);"
        echo "      the tshark check of rwmi's traffic is SKIPPED"
        record "SKIP capture + tshark check (no capture rights)"
    fi

    step "peers: smoke check"
    peer_smoke_check
    record "ok   peer smoke check"

    # The crates.io crate dcerpc, a DCOM/WMI client of its own (tests/dcerpc_crate.rs runs its
    # wmi_connect and wmi_exec): a project outside the workspace, built here so that a failure to fetch
    # or compile it shows as such, not as a failing test. Needs crates.io, as cargo does anyway.
    step "peers: the dcerpc crate's client"
    cargo build --quiet --release --locked --manifest-path "$DCERPC_PEER_MANIFEST" \
        --target-dir "$ROOT/target/dcerpc-peer" || die "cannot build $DCERPC_PEER_MANIFEST"
    export RWMI_DCERPC_PEER=1
    record "ok   dcerpc crate peer built"
else
    echo
    echo "NOTE: --no-peers: no Samba DC, no Impacket, no capture; peer tests skip"
    record "SKIP peers (--no-peers)"
fi

# ---------------------------------------------------------------- tests
FAILED=0
step "cargo test --workspace ${CARGO_TEST_ARGS[*]}"
if cargo test --workspace "${CARGO_TEST_ARGS[@]}"; then
    record "ok   cargo test"
else
    record "FAIL cargo test"
    FAILED=1
fi

# The Python package, installed as its users install it (pip builds it with maturin), and its pytest
# suite against the emulator (target/debug/rwmi, built by the step above).
if [[ $WITH_PEERS -eq 1 ]]; then
    step "Python package: pip install crates/rwmi-py, then pytest"
    if CARGO_TARGET_DIR=$PY_TARGET "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
        "$PY_CRATE" >"$LOG_DIR/rwmi-py-install.log" 2>&1; then
        if RWMI_BIN=$ROOT/target/debug/rwmi "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$PY_CRATE/tests"; then
            record "ok   Python package (pytest)"
        else
            record "FAIL Python package (pytest)"
            FAILED=1
        fi
    else
        tail -n 30 "$LOG_DIR/rwmi-py-install.log" >&2
        record "FAIL Python package (pip install crates/rwmi-py)"
        FAILED=1
    fi
fi

if [[ $CAPTURING -eq 1 ]]; then
    stop_capture
    step "tshark check of $CAPTURE"
    if "$ROOT/scripts/tshark-check.sh" "$CAPTURE"; then
        record "ok   tshark check"
    else
        record "FAIL tshark check"
        FAILED=1
    fi
fi

cleanup

# ---------------------------------------------------------------- fuzz smoke
# The fuzz crate is a workspace of its own (fuzz/): the steps above never build it. The first run
# installs cargo-fuzz (a few minutes); later runs find it in ~/.cargo/bin.
if [[ $WITH_FUZZ -eq 1 ]]; then
    step "fuzz smoke: scripts/fuzz.sh --runs $FUZZ_SMOKE_RUNS"
    if "$ROOT/scripts/fuzz.sh" --runs "$FUZZ_SMOKE_RUNS"; then
        record "ok   fuzz smoke ($FUZZ_SMOKE_RUNS executions per target)"
    else
        record "FAIL fuzz smoke"
        FAILED=1
    fi
else
    record "SKIP fuzz smoke (--no-fuzz)"
fi

echo
echo "==> summary ($((SECONDS - RUN_STARTED)) s)"
printf '    %s\n' "${RESULTS[@]}"
if [[ $FAILED -ne 0 ]]; then
    echo "test.sh: FAILED" >&2
    exit 1
fi
echo "test.sh: all passed"
