#!/usr/bin/env bash
# Runs a throw-away Samba AD domain controller on a loopback address, as the
# independent DCE/RPC peer for rwmi's tests.
#
#   scripts/samba-dc.sh start  DIR   provision DIR once, start the DC, wait for 135 and 88
#   scripts/samba-dc.sh stop   DIR   stop the DC started from DIR
#   scripts/samba-dc.sh status DIR   exit 0 if it runs and accepts connections on 135
#
# Besides the domain, start creates (once) the Kerberos files the tests use:
#   DIR/emu.keytab            keys of the account `emu`, the service account of rwmi's emulator, with the
#                             SPNs host/emu.test.local and RPCSS/emu.test.local (random password)
#   DIR/administrator.keytab  keys of Administrator, so a ticket can be had without typing a password
#
# Environment (all optional):
#   RWMI_SAMBA_HOST      address to listen on (default 127.0.200.1; any 127/8 address works on Linux)
#   RWMI_SAMBA_PASSWORD  Administrator password used when DIR is first provisioned; if unset a strong
#                        one is generated. Either way it is stored in DIR/admin-password (mode 0600)
#                        and never printed.
#   RWMI_SAMBA_START_TIMEOUT  seconds to wait for the listeners (default 60)
set -euo pipefail

readonly REALM=TEST.LOCAL
readonly DOMAIN=TEST
readonly NETBIOS_NAME=DC1
readonly HOST_NAME=dc1
readonly EMU_FQDN=emu.test.local
readonly EMU_IP=127.0.0.78
readonly FQDN=dc1.test.local
HOST_IP=${RWMI_SAMBA_HOST:-127.0.200.1}
START_TIMEOUT=${RWMI_SAMBA_START_TIMEOUT:-60}

die() {
    echo "samba-dc: error: $*" >&2
    exit 1
}
say() { echo "samba-dc: $*" >&2; }

usage() {
    echo "usage: $0 start|stop|status DIR" >&2
    exit 2
}

[[ $# -eq 2 ]] || usage
ACTION=$1
DIR=$2
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
CONF=$DIR/etc/smb.conf
PIDFILE=$DIR/run/samba-dc.pid
LOG=$DIR/log/samba.log
MARKER=$DIR/.provisioned
PASSWORD_FILE=$DIR/admin-password

# True when something accepts TCP connections on HOST_IP:$1.
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST_IP/$1" 2>/dev/null
}

running_pid() {
    local pid
    [[ -f $PIDFILE ]] || return 1
    pid=$(cat "$PIDFILE")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # Guard against a recycled pid: it must still be our samba.
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == samba ]] || return 1
    echo "$pid"
}

# A password that meets AD's default complexity rules (upper, lower, digit,
# symbol; long) and contains no character that rpcclient's user%password or a
# shell would treat specially.
generate_password() {
    local random
    random=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
    printf 'Rw1-%s' "$random"
}

ensure_hosts_entry() {
    # The emulator's service account emu: its tests run it on this address.
    if [[ $EUID -eq 0 && -w /etc/hosts ]] && ! getent hosts "$EMU_FQDN" >/dev/null; then
        printf '%s\t%s %s\n' "$EMU_IP" "$EMU_FQDN" emu >>/etc/hosts
        say "added '$EMU_IP $EMU_FQDN' to /etc/hosts"
    fi
    if [[ $(getent hosts "$FQDN" | awk '{ print $1 }') == "$HOST_IP" ]]; then
        return 0
    fi
    if [[ $EUID -eq 0 && -w /etc/hosts ]]; then
        printf '%s\t%s %s\n' "$HOST_IP" "$FQDN" "$HOST_NAME" >>/etc/hosts
        say "added '$HOST_IP $FQDN' to /etc/hosts"
    else
        say "warning: $FQDN does not resolve to $HOST_IP; add '$HOST_IP $FQDN $HOST_NAME' to /etc/hosts for Kerberos tests"
    fi
}

# Kerberos client configuration pointing straight at this KDC (no DNS).
write_krb5_conf() {
    cat >"$DIR/etc/krb5.conf" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
	rdns = false

[realms]
	$REALM = {
		kdc = $HOST_IP
		admin_server = $HOST_IP
		default_domain = test.local
	}

[domain_realm]
	.test.local = $REALM
	test.local = $REALM
EOF
}

provision() {
    if [[ -f $MARKER && -f $CONF && -f $PASSWORD_FILE ]]; then
        say "reusing provisioned domain in $DIR"
        return 0
    fi
    command -v samba-tool >/dev/null || die "samba-tool not found (install the Debian packages samba samba-ad-dc samba-ad-provision)"
    # Only what an earlier, interrupted provisioning of ours can have left.
    local entry
    for entry in etc private state cache bind-dns run gencache.tdb names.tdb msg.lock msg.sock \
        .provisioned admin-password; do
        rm -rf "${DIR:?}/$entry"
    done
    mkdir -p "$DIR/etc" "$DIR/log" "$DIR/run"

    local password=${RWMI_SAMBA_PASSWORD:-}
    [[ -n $password ]] || password=$(generate_password)
    (umask 077 && printf '%s' "$password" >"$PASSWORD_FILE")

    # An empty seed config keeps the host's /etc/samba/smb.conf out of ours.
    : >"$DIR/etc/seed.conf"
    say "provisioning realm $REALM in $DIR"
    local started=$SECONDS
    # interfaces: a bare 127.0.200.1 is not an address of any interface, so
    # Samba finds none; with a netmask it is accepted as an address on lo.
    # server services: only the RPC server (endpoint mapper on 135 and dynamic
    # ports), the KDC (88) and LDAP; no SMB file server, NetBIOS, WINS, DNS.
    if ! samba-tool domain provision \
        --configfile="$DIR/etc/seed.conf" \
        --targetdir="$DIR" \
        --realm="$REALM" --domain="$DOMAIN" \
        --host-name="$HOST_NAME" --host-ip="$HOST_IP" \
        --server-role=dc --dns-backend=NONE \
        --adminpass="$password" \
        --option="netbios name=$NETBIOS_NAME" \
        --option="interfaces=$HOST_IP/8" \
        --option="bind interfaces only=yes" \
        --option="server services=rpc, kdc, ldap" \
        --option="rpc server dynamic port range=49152-49407" \
        --option="log file=$DIR/log/log.%m" \
        --option="pid directory=$DIR/run" \
        --option="ncalrpc dir=$DIR/run/ncalrpc" \
        --option="winbindd socket directory=$DIR/run/winbindd" \
        --option="tls enabled=no" \
        >"$DIR/log/provision.log" 2>&1; then
        tail -n 30 "$DIR/log/provision.log" >&2
        die "provisioning failed; full log in $DIR/log/provision.log"
    fi
    write_krb5_conf
    touch "$MARKER"
    say "provisioned in $((SECONDS - started)) s"
}

# The emulator's service account and the keytabs, as an administrator would make them
# (samba-tool user create, spn add, domain exportkeytab). Against the local sam.ldb.
service_accounts() {
    local ldb=$DIR/private/sam.ldb
    [[ -s $DIR/emu.keytab && -s $DIR/administrator.keytab ]] && return 0
    rm -f "$DIR/emu.keytab" "$DIR/administrator.keytab"
    if ! samba-tool user show emu -s "$CONF" -H "$ldb" >/dev/null 2>&1; then
        samba-tool user create emu --random-password -s "$CONF" -H "$ldb" >>"$DIR/log/accounts.log" 2>&1 ||
            die "samba-tool user create emu failed; log: $DIR/log/accounts.log"
    fi
    local spn
    for spn in host/emu.test.local RPCSS/emu.test.local; do
        samba-tool spn list emu -s "$CONF" -H "$ldb" 2>/dev/null | grep -qx "[[:space:]]*$spn" ||
            samba-tool spn add "$spn" emu -s "$CONF" -H "$ldb" >>"$DIR/log/accounts.log" 2>&1 ||
            die "samba-tool spn add $spn failed; log: $DIR/log/accounts.log"
    done
    # AES for tickets to emu: without msDS-SupportedEncryptionTypes the KDC seals service tickets with
    # RC4, for which an AES-only acceptor has no key. `user edit` runs an "editor" on the LDIF.
    local editor=$DIR/run/aes-enctypes-editor.sh
    printf '%s\n' '#!/bin/sh' \
        "sed -i -e '/^msDS-SupportedEncryptionTypes:/d' -e '/^dn: /a msDS-SupportedEncryptionTypes: 24' \"\$1\"" \
        >"$editor"
    chmod 700 "$editor"
    samba-tool user edit emu --editor="$editor" -s "$CONF" -H "$ldb" >>"$DIR/log/accounts.log" 2>&1 ||
        die "setting msDS-SupportedEncryptionTypes on emu failed; log: $DIR/log/accounts.log"
    # By account name: exported by SPN, Samba writes only the RC4 key.
    (umask 077 &&
        samba-tool domain exportkeytab "$DIR/emu.keytab" --principal=emu -s "$CONF" >>"$DIR/log/accounts.log" 2>&1 &&
        samba-tool domain exportkeytab "$DIR/administrator.keytab" --principal=Administrator -s "$CONF" \
            >>"$DIR/log/accounts.log" 2>&1) ||
        die "samba-tool domain exportkeytab failed; log: $DIR/log/accounts.log"
    say "service account emu (host/emu.test.local, RPCSS/emu.test.local) and keytabs in $DIR"
}

start() {
    local pid
    if pid=$(running_pid); then
        say "already running (pid $pid)"
        service_accounts
        return 0
    fi
    if port_open 135 || port_open 88; then
        die "something else already listens on $HOST_IP:135 or :88 (another DC from a different DIR?)"
    fi
    command -v samba >/dev/null || die "samba not found (install the Debian packages samba samba-ad-dc samba-ad-provision)"
    provision
    ensure_hosts_entry
    mkdir -p "$DIR/log" "$DIR/run"

    say "starting samba (logs in $DIR/log)"
    local started=$SECONDS
    # -F: stay in the foreground without reading stdin (-i would exit at EOF on
    # stdin). setsid puts it in its own process group so stop can end its
    # helpers with it.
    setsid samba -F -M single --debug-stdout -s "$CONF" </dev/null >"$LOG" 2>&1 &
    pid=$!
    echo "$pid" >"$PIDFILE"

    until port_open 135 && port_open 88; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$LOG" >&2
            rm -f "$PIDFILE"
            die "samba exited during startup; log: $LOG"
        fi
        if ((SECONDS - started >= START_TIMEOUT)); then
            tail -n 30 "$LOG" >&2
            stop_dc
            die "samba did not accept connections on $HOST_IP:135 and :88 within ${START_TIMEOUT}s; log: $LOG"
        fi
        sleep 0.2
    done
    say "running (pid $pid), ready in $((SECONDS - started)) s on $HOST_IP (epmapper 135, kdc 88)"
    service_accounts
}

stop_dc() {
    local pid
    if ! pid=$(running_pid); then
        rm -f "$PIDFILE"
        say "not running"
        return 0
    fi
    # The process group setsid created holds samba and any helper it forked.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "samba did not stop on SIGTERM; sending SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    say "stopped (pid $pid)"
}

status() {
    local pid
    if pid=$(running_pid) && port_open 135; then
        echo "running (pid $pid) on $HOST_IP"
        return 0
    fi
    echo "not running"
    return 1
}

case $ACTION in
start) start ;;
stop) stop_dc ;;
status) status ;;
*) usage ;;
esac
