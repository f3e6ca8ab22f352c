#!/usr/bin/env bash
# Dissects a capture with tshark and fails if Wireshark finds any malformed
# packet or error-level expert info, or if it found no DCE/RPC PDU at all (then
# nothing was checked).
#
#   scripts/tshark-check.sh PCAP [extra tshark args, e.g. -d tcp.port==5000,dcerpc]
#
# Environment: RWMI_TSHARK  tshark binary (default: tshark on PATH)
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 PCAP [extra tshark args]" >&2
    exit 2
fi
PCAP=$1
shift
TSHARK=${RWMI_TSHARK:-tshark}

die() {
    echo "tshark-check: error: $*" >&2
    exit 1
}

command -v "$TSHARK" >/dev/null || die "tshark not found (install the Debian package tshark)"
[[ -r $PCAP ]] || die "cannot read capture $PCAP"

# Port 135 is dissected as DCE/RPC by default; the TCP heuristic also claims
# the dynamic ports the endpoint mapper hands out. -n: no name lookups.
# tshark's "running as root" notice goes to stderr and is dropped.
run_tshark() {
    "$TSHARK" -n -r "$PCAP" --enable-heuristic dcerpc_tcp "$@" 2> >(grep -v 'Running as user "root"' >&2)
}

# Fails the script (set -e) if tshark itself fails, e.g. on an unreadable file.
BAD_FILTER='_ws.malformed || _ws.expert.severity == error'
bad_frames=$(run_tshark "$@" -Y "$BAD_FILTER")
# One output line per frame; a frame may carry several PDUs, listed comma-separated.
pdu_types=$(run_tshark "$@" -Y dcerpc -T fields -e dcerpc.pkt_type)
frame_count=$(run_tshark "$@" -T fields -e frame.number | wc -l)

pdu_count=0
if [[ -n $pdu_types ]]; then
    pdu_count=$(tr ',' '\n' <<<"$pdu_types" | grep -c .)
fi

echo "tshark-check: $PCAP: $frame_count frames, $pdu_count DCE/RPC PDUs dissected"
if [[ $pdu_count -gt 0 ]]; then
    # Breakdown by PDU type (MS-RPCE / C706 12.6.4: 0 request, 2 response, 3 fault,
    # 11 bind, 12 bind_ack, 13 bind_nak, 14 alter_context, 15 alter_context_resp, 16 auth3).
    tr ',' '\n' <<<"$pdu_types" | grep . | sort -n | uniq -c |
        awk '{ printf "tshark-check:   %6d PDUs of ptype %s\n", $1, $2 }'
fi

status=0
if [[ -n $bad_frames ]]; then
    echo "tshark-check: FAILED: malformed packets or error-level expert info in these frames:" >&2
    echo "$bad_frames" >&2
    echo "tshark-check: details: $TSHARK -n -r $PCAP --enable-heuristic dcerpc_tcp -Y '$BAD_FILTER' -V" >&2
    status=1
fi
if [[ $pdu_count -eq 0 ]]; then
    echo "tshark-check: FAILED: no DCE/RPC PDU was dissected, so nothing was checked" >&2
    status=1
fi
if [[ $status -eq 0 ]]; then
    echo "tshark-check: OK: no malformed packet, no error-level expert info"
fi
exit "$status"
