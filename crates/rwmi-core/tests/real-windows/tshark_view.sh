#!/bin/sh
# Wireshark's view of the DCE/RPC PDUs in this corpus's captures (the expected values of real_windows.rs).
# Run once (tshark 4.x) and commit the output:  sh tshark_view.sh > tshark-expected.tsv
# One line per DCE/RPC PDU: file, frame, source port, packet type, call id, fragment length, auth type,
# auth level, context results, then (for an activation response) the DCOM version, OXID, IPID, public
# references, string bindings and security bindings' principal names, comma-separated as tshark joins
# repeated fields.
cd "$(dirname "$0")"
for f in zeek-kerberos135_auth.pcapng zeek-dce_rpc_ntlm.pcapng; do
  tshark -r "$f" -Y dcerpc -T fields -E separator=/t -E occurrence=a -E aggregator=, \
    -e frame.number -e tcp.srcport -e dcerpc.pkt_type -e dcerpc.cn_call_id -e dcerpc.cn_frag_len \
    -e dcerpc.auth_type -e dcerpc.auth_level -e dcerpc.cn_ack_result \
    -e dcom.version_major -e dcom.version_minor -e dcom.oxid -e dcom.ipid -e dcom.stdobjref.public_refs \
    -e dcom.dualstringarray.network_addr -e dcom.dualstringarray.security_princ_name \
    | sed "s|^|$f\t|"
done
