//! Bytes real Windows machines sent (tests/real-windows/, provenance in its README.md), decoded by
//! rwmi-core and checked against independent decoders: Wireshark's dissection of the captures
//! (`tshark-expected.tsv`, made by `tshark_view.sh`) and Impacket's reading of the objects
//! (`impacket-expected.json`, made by `impacket_view.py`).
//!
//! The captures are walked with a minimal pcapng reader (Ethernet, IPv4, TCP), each direction of each
//! TCP connection is reassembled in sequence order (retransmissions dropped), and every DCE/RPC PDU in it
//! goes through `rpc::Packet::decode`; requests and responses of calls rwmi has stubs for are decoded
//! by those stubs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rwmi_core::dcom::scm::{
    IID_IREMOTE_SCM_ACTIVATOR, RemoteCreateInstanceRequest, RemoteCreateInstanceResponse,
};
use rwmi_core::dcom::{ObjRef, ObjRefBody};
use rwmi_core::rpc::{Call, ContextOutcome, Packet, Pdu, Stub, fragment_length};
use rwmi_core::wmi::ids::IID_IWBEM_LEVEL1_LOGIN;
use rwmi_core::wmi::services::ExecMethodRequest;
use rwmi_core::wmio::{self, Limits, Value, WmiObject};

fn corpus(name: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "real-windows", name]
        .iter()
        .collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn u16_le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn u16_be(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn u32_be(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// The frames of a little-endian pcapng file (Enhanced Packet Blocks on Ethernet interfaces), numbered
/// from 1 as Wireshark numbers them.
fn pcapng_frames(file: &[u8]) -> Vec<(u32, &[u8])> {
    const SECTION_HEADER: u32 = 0x0A0D_0D0A;
    const INTERFACE: u32 = 1;
    const ENHANCED_PACKET: u32 = 6;
    assert_eq!(u32_le(file, 0), SECTION_HEADER, "not a pcapng file");
    assert_eq!(u32_le(file, 8), 0x1A2B_3C4D, "only little-endian sections");
    let mut frames = Vec::new();
    let mut at = 0;
    while at < file.len() {
        let block_type = u32_le(file, at);
        let len = u32_le(file, at + 4) as usize;
        let body = &file[at + 8..at + len - 4];
        match block_type {
            INTERFACE => assert_eq!(u16_le(body, 0), 1, "Ethernet interfaces only"),
            ENHANCED_PACKET => {
                let captured = u32_le(body, 12) as usize;
                frames.push((frames.len() as u32 + 1, &body[20..20 + captured]));
            }
            _ => {}
        }
        at += len;
    }
    frames
}

/// One TCP segment of an IPv4 frame.
struct Segment<'a> {
    frame: u32,
    src: ([u8; 4], u16),
    dst: ([u8; 4], u16),
    seq: u32,
    syn: bool,
    payload: &'a [u8],
}

fn tcp_segment(frame: u32, eth: &[u8]) -> Option<Segment<'_>> {
    if u16_be(eth, 12) != 0x0800 {
        return None;
    }
    let ip = &eth[14..];
    let ihl = usize::from(ip[0] & 0x0F) * 4;
    if ip[9] != 6 {
        return None;
    }
    let total = usize::from(u16_be(ip, 2));
    let tcp = &ip[ihl..total];
    let data_offset = usize::from(tcp[12] >> 4) * 4;
    Some(Segment {
        frame,
        src: (ip[12..16].try_into().unwrap(), u16_be(tcp, 0)),
        dst: (ip[16..20].try_into().unwrap(), u16_be(tcp, 2)),
        seq: u32_be(tcp, 4),
        syn: tcp[13] & 0x02 != 0,
        payload: &tcp[data_offset..],
    })
}

type Endpoint = ([u8; 4], u16);

/// One direction of a TCP connection, its bytes in sequence order, and the frame in which each byte
/// first arrived.
#[derive(Default)]
struct Stream {
    next_seq: Option<u32>,
    bytes: Vec<u8>,
    frames: Vec<u32>,
}

impl Stream {
    fn push(&mut self, s: &Segment<'_>) {
        if s.syn {
            self.next_seq = Some(s.seq.wrapping_add(1));
            return;
        }
        let next = *self.next_seq.get_or_insert(s.seq);
        let behind = next.wrapping_sub(s.seq) as usize;
        if s.payload.is_empty() || behind >= s.payload.len() {
            return; // a pure ACK or a retransmission of bytes already here
        }
        assert!(
            behind < 1 << 31,
            "frame {}: a gap in the stream (segment ahead of the bytes received)",
            s.frame
        );
        let new = &s.payload[behind..];
        self.bytes.extend_from_slice(new);
        self.frames.extend(std::iter::repeat_n(s.frame, new.len()));
        self.next_seq = Some(next.wrapping_add(new.len() as u32));
    }
}

/// A decoded PDU with where it came from.
struct SeenPdu {
    /// The frame its last byte arrived in (as Wireshark reports a reassembled PDU).
    frame: u32,
    src_port: u16,
    frag_len: usize,
    packet: Packet,
}

/// Every DCE/RPC PDU of every TCP connection in a capture, per direction in stream order.
fn capture_pdus(file: &[u8]) -> Vec<SeenPdu> {
    let mut streams: BTreeMap<(Endpoint, Endpoint), Stream> = BTreeMap::new();
    for (frame, data) in pcapng_frames(file) {
        if let Some(s) = tcp_segment(frame, data) {
            streams.entry((s.src, s.dst)).or_default().push(&s);
        }
    }
    let mut pdus = Vec::new();
    for ((src, _), stream) in &streams {
        let mut at = 0;
        while at < stream.bytes.len() {
            let rest = &stream.bytes[at..];
            let len = fragment_length(rest, 65535)
                .unwrap_or_else(|e| panic!("port {}: offset {at}: {e}", src.1));
            let packet = Packet::decode(&rest[..len])
                .unwrap_or_else(|e| panic!("port {} offset {at}: {e}", src.1));
            pdus.push(SeenPdu {
                frame: stream.frames[at + len - 1],
                src_port: src.1,
                frag_len: len,
                packet,
            });
            at += len;
        }
    }
    pdus.sort_by_key(|p| p.frame);
    pdus
}

/// Wireshark's rows for one capture: (frame, column values) from tshark-expected.tsv.
fn tshark_rows(capture: &str) -> BTreeMap<u32, Vec<String>> {
    let text = String::from_utf8(corpus("tshark-expected.tsv")).unwrap();
    text.lines()
        .filter_map(|line| {
            let mut cols = line.split('\t');
            (cols.next() == Some(capture)).then(|| {
                let cols: Vec<String> = cols.map(str::to_owned).collect();
                (cols[0].parse().unwrap(), cols[1..].to_vec())
            })
        })
        .collect()
}

fn ptype_number(pdu: &Pdu) -> u8 {
    pdu.ptype() as u8
}

/// Wireshark's column `cn_ack_result`: the result of each presentation context, comma-separated.
fn ack_results(pdu: &Pdu) -> String {
    let results = match pdu {
        Pdu::BindAck(ack) | Pdu::AlterContextResp(ack) => &ack.results,
        _ => return String::new(),
    };
    results
        .iter()
        .map(|r| match r.outcome {
            ContextOutcome::Acceptance => "0",
            ContextOutcome::UserRejection(_) => "1",
            ContextOutcome::ProviderRejection(_) => "2",
            ContextOutcome::NegotiateAck(_) => "3",
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Checks each PDU's header, verifier and bind results against Wireshark's row for its frame.
fn check_against_tshark(capture: &str, pdus: &[SeenPdu]) -> BTreeMap<u32, Vec<String>> {
    let rows = tshark_rows(capture);
    assert_eq!(
        pdus.iter().map(|p| p.frame).collect::<Vec<_>>(),
        rows.keys().copied().collect::<Vec<_>>(),
        "{capture}: the frames that end a PDU"
    );
    for p in pdus {
        let row = &rows[&p.frame];
        let auth = p.packet.auth.as_ref();
        let got = [
            p.src_port.to_string(),
            ptype_number(&p.packet.pdu).to_string(),
            p.packet.call_id.to_string(),
            p.frag_len.to_string(),
            auth.map_or(String::new(), |a| a.auth_type.0.to_string()),
            auth.map_or(String::new(), |a| a.auth_level.0.to_string()),
            ack_results(&p.packet.pdu),
        ];
        assert_eq!(&got[..], &row[..7], "{capture} frame {}", p.frame);
    }
    rows
}

/// Which interface each presentation context of an association is bound to, from its binds.
fn bound_interfaces(pdus: &[SeenPdu]) -> BTreeMap<u16, rwmi_core::Guid> {
    let mut contexts = BTreeMap::new();
    for p in pdus {
        if let Pdu::Bind(b) | Pdu::AlterContext(b) = &p.packet.pdu {
            for c in &b.contexts {
                contexts.insert(c.context_id, c.abstract_syntax.uuid);
            }
        }
    }
    contexts
}

#[test]
fn a_windows_dc_answers_remote_create_instance_for_wmi() {
    let capture = "zeek-kerberos135_auth.pcapng";
    let pdus = capture_pdus(&corpus(capture));
    let rows = check_against_tshark(capture, &pdus);
    assert_eq!(pdus.len(), 6);

    let contexts = bound_interfaces(&pdus);
    let request = pdus
        .iter()
        .find_map(|p| match &p.packet.pdu {
            Pdu::Request(r) if r.opnum == RemoteCreateInstanceRequest::OPNUM => Some((p, r)),
            _ => None,
        })
        .expect("the capture has a RemoteCreateInstance request");
    assert_eq!(
        contexts[&request.1.context_id], IID_IREMOTE_SCM_ACTIVATOR,
        "the request goes over a context bound to ISystemActivator"
    );
    // The client's request (not Windows' bytes, but of the same conversation): WMI's login object.
    let asked = RemoteCreateInstanceRequest::from_stub(&request.1.stub)
        .and_then(|r| r.activation_request())
        .unwrap();
    assert_eq!(asked.iids, vec![IID_IWBEM_LEVEL1_LOGIN]);

    let response = pdus
        .iter()
        .find_map(|p| match &p.packet.pdu {
            Pdu::Response(r) if p.packet.call_id == request.0.packet.call_id => Some((p, r)),
            _ => None,
        })
        .expect("the server answered");
    let answer = RemoteCreateInstanceResponse::from_stub(&response.1.stub).unwrap();
    assert_eq!(answer.hresult, 0);
    let reply = answer.activation_reply().unwrap();
    let row = &rows[&response.0.frame];

    // Wireshark's columns: version, OXID, IPID, public refs, network addresses, principal names.
    let version = format!(
        "{}\t{}",
        reply.server_version.major, reply.server_version.minor
    );
    assert_eq!(version, row[7..9].join("\t"));
    let oxid = format!("0x{:016x}", reply.oxid);
    assert_eq!(oxid, row[9]);
    let objref = reply
        .interface(IID_IWBEM_LEVEL1_LOGIN)
        .map(|p| ObjRef::decode(&p.data).unwrap())
        .expect("an IWbemLevel1Login pointer");
    let ObjRefBody::Standard {
        std,
        resolver_bindings,
    } = objref.body
    else {
        panic!("a standard OBJREF");
    };
    assert_eq!(std.oxid, reply.oxid);
    assert_eq!(std.ipid.to_string().to_lowercase(), row[10]);
    assert_eq!(format!("0x{:08x}", std.public_refs), row[11]);
    // tshark lists the OBJREF's resolver bindings, then the ScmReplyInfo's OXID bindings.
    let both = [&resolver_bindings, &reply.oxid_bindings];
    let addresses: Vec<&str> = both
        .iter()
        .flat_map(|d| d.string_bindings.iter().map(|b| b.network_addr.as_str()))
        .collect();
    assert_eq!(addresses.join(","), row[12]);
    assert_eq!(
        addresses,
        [
            "BLACKCLOVER-DC",
            "10.10.10.100",
            "BLACKCLOVER-DC[49718]",
            "10.10.10.100[49718]"
        ]
    );
    let principals: Vec<&str> = both
        .iter()
        .flat_map(|d| {
            d.security_bindings
                .iter()
                .map(|b| b.principal_name.as_str())
        })
        .collect();
    assert_eq!(principals.join(","), row[13]);
    // Windows lists the ncacn_ip_tcp bindings of the exporter with the dynamic port in brackets.
    assert!(
        reply
            .oxid_bindings
            .string_bindings
            .iter()
            .all(|b| b.tower_id == 7)
    );
}

#[test]
fn a_windows_server_negotiates_irem_unknown2_with_ntlm_at_privacy() {
    let capture = "zeek-dce_rpc_ntlm.pcapng";
    let pdus = capture_pdus(&corpus(capture));
    check_against_tshark(capture, &pdus);
    assert_eq!(pdus.len(), 5);
    // The server's alter_context_resp carries its NTLM CHALLENGE inside SPNEGO (auth_type 9).
    let challenge = pdus
        .iter()
        .find_map(|p| match &p.packet.pdu {
            Pdu::AlterContextResp(_) => p.packet.auth.as_ref(),
            _ => None,
        })
        .expect("an alter_context_resp with a verifier");
    assert_eq!(challenge.auth_type.0, 9);
    assert!(
        challenge
            .auth_value
            .windows(12)
            .any(|w| w == b"NTLMSSP\0\x02\0\0\0")
    );
}

/// The properties of an instance as (name, value) with the value in Impacket's JSON form.
fn as_impacket_json(object: &WmiObject) -> serde_json::Map<String, serde_json::Value> {
    let WmiObject::Instance(inst) = object else {
        panic!("an instance");
    };
    inst.class
        .properties()
        .iter()
        .zip(&inst.values)
        .map(|(p, v)| {
            let value = match v {
                None => serde_json::Value::Null,
                Some(Value::String(s)) => serde_json::Value::String(s.clone()),
                Some(other) => panic!("{}: no Impacket form for {other:?} yet", p.name),
            };
            let ty = p.cim_type.base.name();
            (
                p.name.clone(),
                serde_json::json!({ "type": ty, "value": value }),
            )
        })
        .collect()
}

#[test]
fn exec_method_in_parameters_of_win32_process_create_decode_as_impacket_reads_them() {
    let file = "dcerpc-exec-method-win32-process-create.stub";
    let stub = corpus(file);
    let expected: serde_json::Value =
        serde_json::from_slice(&corpus("impacket-expected.json")).unwrap();
    let expected = &expected[file];

    let request = ExecMethodRequest::from_stub(&stub).unwrap();
    // This sender counts the terminating NUL in each BSTR (MS-OAUT 2.2.23.1 leaves it to the sender);
    // rwmi keeps the text as sent.
    assert_eq!(request.object_path.as_str(), Some("Win32_Process\0"));
    assert_eq!(request.method_name.as_str(), Some("Create\0"));
    let in_params = request.in_params.as_ref().expect("in-parameters");
    let ObjRefBody::Custom(custom) = ObjRef::decode(&in_params.data).unwrap().body else {
        panic!("an OBJREF_CUSTOM");
    };
    let unit = wmio::decode_encoding_unit(&custom.object_data, &Limits::default(), None).unwrap();
    assert_eq!(unit.object.class().name(), expected["class"]);
    assert_eq!(
        matches!(unit.object, WmiObject::Instance(_)),
        expected["instance"]
    );
    assert_eq!(
        serde_json::Value::Object(as_impacket_json(&unit.object)),
        expected["properties"]
    );
}
