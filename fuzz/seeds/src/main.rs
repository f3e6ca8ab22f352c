//! Writes the seed corpora of the fuzz targets from rwmi-core's own encoders, so every seed is a real
//! encoding the decoders accept and the fuzzer starts from deep inside each format.
//!
//!     cargo run --manifest-path fuzz/Cargo.toml -p rwmi-fuzz-seeds [CORPUS_DIR]
//!
//! CORPUS_DIR defaults to fuzz/corpus. Files are overwritten, none are deleted. The MS-WMIO seeds
//! (corpus/wmio_object/spec-*) are the spec's section 3 examples, copied as bytes; they are not written
//! here.

use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rwmi_core::Guid;
use rwmi_core::dcom::{MInterfacePointer, OrpcExtent, OrpcExtentArray, OrpcThat, OrpcThis};
use rwmi_core::epm::{EPM, EptMapRequest, EptMapResponse, TcpTower};
use rwmi_core::ndr::{
    AnsiString, ConformantVaryingArray, ContextHandle, RpcUnicodeString, Unique, WideString,
    to_stub,
};
use rwmi_core::rpc::{
    AuthLevel, AuthType, AuthVerifier, Bind, BindAck, CallHeader, ContextElement, ContextResult,
    Fault, NDR20, NDR64, Packet, Pdu, PduProtection, PfcFlags, ProtectionError, ProviderReason,
    Request, Response, SecuritySettings, SyntaxId, build_protected_fragment, fragment_call,
};

/// IWbemLevel1Login, as a realistic abstract syntax.
const IWBEM_LEVEL1_LOGIN: SyntaxId = SyntaxId::new(
    Guid::from_literal("f309ad18-d86a-11d0-a075-00c04fb68820"),
    0,
    0,
);
/// An arbitrary causality id, also used as a request's object UUID.
const CAUSALITY_ID: Guid = Guid::from_literal("6fc31fa2-33c9-4a4c-9d4b-2a5e0b4f3b01");

/// A seed file: its name and contents.
type Seed = (&'static str, Vec<u8>);

fn main() -> io::Result<()> {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus"));
    let corpora: [(&str, Vec<Seed>); 6] = [
        ("rpc_packet", rpc_packets()),
        ("rpc_reassembly", reassembly_streams()),
        ("ndr_strings", ndr_strings()),
        ("epm", epm()),
        ("dcom_orpc", dcom_orpc()),
        ("status_parse", status_texts()),
    ];
    for (target, seeds) in corpora {
        let dir = root.join(target);
        fs::create_dir_all(&dir)?;
        for (name, bytes) in seeds {
            fs::write(dir.join(name), bytes)?;
        }
    }
    Ok(())
}

/// Stands in for NTLM: a 16-byte signature of a fixed pattern, no sealing. Seeds need a well-formed
/// layout, not a valid signature (the fuzz targets verify nothing).
struct FixedSignature;

impl PduProtection for FixedSignature {
    fn signature_len(&self) -> usize {
        16
    }

    fn protect(
        &mut self,
        pdu: &mut [u8],
        _sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), ProtectionError> {
        let Some(out) = pdu.get_mut(signature) else {
            return Err(ProtectionError::new("signature range outside the PDU"));
        };
        out.copy_from_slice(&[
            1, 0, 0, 0, 0xa5, 0xa5, 0xa5, 0xa5, 0x5a, 0x5a, 0x5a, 0x5a, 0, 0, 0, 0,
        ]);
        Ok(())
    }

    fn unprotect(
        &mut self,
        _pdu: &mut [u8],
        _sealed: Range<usize>,
        _signature: Range<usize>,
    ) -> Result<(), ProtectionError> {
        Ok(())
    }
}

fn ntlm_integrity() -> SecuritySettings {
    SecuritySettings {
        auth_type: AuthType::WINNT,
        auth_level: AuthLevel::PKT_INTEGRITY,
        auth_context_id: 0,
    }
}

fn bytes_of(packet: &Packet) -> Vec<u8> {
    packet.to_bytes().expect("a seed fits one fragment")
}

fn bind() -> Bind {
    Bind {
        max_xmit_frag: 5840,
        max_recv_frag: 5840,
        assoc_group_id: 0,
        contexts: vec![
            ContextElement {
                context_id: 0,
                abstract_syntax: IWBEM_LEVEL1_LOGIN,
                transfer_syntaxes: vec![NDR20],
            },
            ContextElement {
                context_id: 1,
                abstract_syntax: IWBEM_LEVEL1_LOGIN,
                transfer_syntaxes: vec![NDR64],
            },
        ],
    }
}

fn rpc_packets() -> Vec<Seed> {
    // An NTLM NEGOTIATE message's signature and type, enough for a realistic auth_value.
    let negotiate_token = b"NTLMSSP\0\x01\0\0\0\x97\x82\x08\xe2".to_vec();
    let mut bind_with_auth = Packet::new(1, Pdu::Bind(bind()));
    bind_with_auth.auth = Some(AuthVerifier {
        auth_type: AuthType::WINNT,
        auth_level: AuthLevel::PKT_INTEGRITY,
        auth_context_id: 0,
        auth_value: negotiate_token,
    });
    let bind_ack = Packet::new(
        1,
        Pdu::BindAck(BindAck {
            max_xmit_frag: 5840,
            max_recv_frag: 5840,
            assoc_group_id: 0x1234,
            secondary_address: "135".to_owned(),
            results: vec![
                ContextResult::accepted(NDR20),
                ContextResult::rejected(ProviderReason::PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED),
            ],
        }),
    );
    let request = Request {
        alloc_hint: 12,
        context_id: 0,
        opnum: 3,
        object: None,
        stub: b"\x05\x00\x07\x00stub data".to_vec(),
    };
    let with_object = Request {
        object: Some(CAUSALITY_ID),
        ..request.clone()
    };
    let protected = build_protected_fragment(
        &Packet::new(2, Pdu::Request(request.clone())),
        &ntlm_integrity(),
        &mut FixedSignature,
    )
    .expect("a protected request");
    let response = Pdu::Response(Response {
        alloc_hint: 8,
        context_id: 0,
        cancel_count: 0,
        stub: vec![0, 0, 0, 0, 5, 0, 0, 0],
    });
    vec![
        ("bind-ntlm", bytes_of(&bind_with_auth)),
        ("bind-ack", bytes_of(&bind_ack)),
        (
            "alter-context",
            bytes_of(&Packet::new(3, Pdu::AlterContext(bind()))),
        ),
        ("request", bytes_of(&Packet::new(2, Pdu::Request(request)))),
        (
            "request-object",
            bytes_of(&Packet::new(2, Pdu::Request(with_object))),
        ),
        ("request-protected", protected),
        ("response", bytes_of(&Packet::new(2, response))),
        (
            "fault",
            bytes_of(&Packet::new(2, Pdu::Fault(Fault::new(0, 0x1c01_0003)))),
        ),
        ("auth3", bytes_of(&Packet::new(1, Pdu::Auth3))),
    ]
}

/// The reassembly target's first byte: bit 0 selects `for_call`, bits 1-4 the cap `64 << n` (here 4 KiB).
const SERVER_4K: u8 = 6 << 1;
const CLIENT_4K: u8 = (6 << 1) | 1;

fn reassembly_streams() -> Vec<Seed> {
    let stub: Vec<u8> = (0..300u16).map(|i| (i % 251) as u8).collect();
    let request = CallHeader::Request {
        context_id: 0,
        opnum: 6,
        object: Some(CAUSALITY_ID),
    };
    let response = CallHeader::Response {
        context_id: 0,
        cancel_count: 0,
    };
    let stream = |mode: u8, fragments: Vec<Vec<u8>>| {
        let mut bytes = vec![mode];
        bytes.extend(fragments.concat());
        bytes
    };
    let plain_request =
        fragment_call(7, &request, &stub, PfcFlags(0), 128, None).expect("fragments");
    let plain_response =
        fragment_call(7, &response, &stub, PfcFlags(0), 160, None).expect("fragments");
    let settings = ntlm_integrity();
    let protected = fragment_call(
        8,
        &response,
        &stub,
        PfcFlags(0),
        160,
        Some((&settings, &mut FixedSignature)),
    )
    .expect("fragments");
    vec![
        ("request-3-fragments", stream(SERVER_4K, plain_request)),
        ("response-2-fragments", stream(CLIENT_4K, plain_response)),
        ("response-protected", stream(CLIENT_4K, protected)),
    ]
}

fn ndr_strings() -> Vec<Seed> {
    let names = ConformantVaryingArray::new(vec![
        Unique::new(WideString::from("root\\cimv2")),
        Unique::null(),
        Unique::new(WideString::from("Win32_Process")),
    ]);
    vec![
        (
            "wide-string",
            to_stub(&WideString::from("SELECT * FROM Win32_Service")),
        ),
        (
            "unique-wide-string",
            to_stub(&Unique::new(WideString::from("é€𝄞"))),
        ),
        ("ansi-string", to_stub(&AnsiString::from("ncacn_ip_tcp"))),
        (
            "rpc-unicode-string",
            to_stub(&RpcUnicodeString::new("Administrator").expect("short")),
        ),
        (
            "rpc-unicode-string-null",
            to_stub(&RpcUnicodeString::null()),
        ),
        (
            "cv-array-u16",
            to_stub(&ConformantVaryingArray::new(vec![1u16, 2, 0xfffe])),
        ),
        ("cv-array-unique-strings", to_stub(&names)),
        (
            "cv-array-rpc-unicode-strings",
            to_stub(&ConformantVaryingArray::new(vec![
                RpcUnicodeString::new("TEST").expect("short"),
                RpcUnicodeString::null(),
            ])),
        ),
    ]
}

fn epm() -> Vec<Seed> {
    let tower = TcpTower::new(IWBEM_LEVEL1_LOGIN, 49_667, [192, 168, 1, 10]);
    let handle = ContextHandle {
        attributes: 0,
        uuid: Guid::from_literal("11223344-5566-7788-99aa-bbccddeeff00"),
    };
    let request = EptMapRequest {
        object: None,
        tower,
        entry_handle: ContextHandle::NULL,
        max_towers: 4,
    };
    let request_with_object = EptMapRequest {
        object: Some(CAUSALITY_ID),
        tower: TcpTower::new(EPM, 135, [127, 0, 0, 1]),
        ..request.clone()
    };
    let response = EptMapResponse {
        entry_handle: handle,
        towers: vec![
            tower,
            TcpTower::new(IWBEM_LEVEL1_LOGIN, 49_668, [10, 0, 0, 2]),
        ],
        max_towers: 4,
        status: 0,
    };
    let not_registered = EptMapResponse {
        entry_handle: ContextHandle::NULL,
        towers: Vec::new(),
        max_towers: 4,
        status: rwmi_core::epm::EPT_S_NOT_REGISTERED,
    };
    vec![
        ("tower", tower.encode()),
        ("map-request", request.encode()),
        ("map-request-object", request_with_object.encode()),
        ("map-response", response.encode()),
        ("map-response-not-registered", not_registered.encode()),
    ]
}

fn dcom_orpc() -> Vec<Seed> {
    let with_extents = OrpcThis {
        extensions: Unique::new(OrpcExtentArray::new(vec![OrpcExtent {
            id: Guid::from_literal("f1f19680-4d2a-11ce-a66a-0020af6e72f4"),
            data: vec![1, 2, 3, 4, 5],
        }])),
        ..OrpcThis::new(CAUSALITY_ID)
    };
    let objref: Vec<u8> = b"MEOW\x01\x00\x00\x00"
        .iter()
        .copied()
        .chain(0..40)
        .collect();
    vec![
        ("orpcthis", to_stub(&OrpcThis::new(CAUSALITY_ID))),
        ("orpcthis-extents", to_stub(&with_extents)),
        ("orpcthat", to_stub(&OrpcThat::default())),
        (
            "minterfacepointer",
            to_stub(&MInterfacePointer {
                data: objref.clone(),
            }),
        ),
        (
            "unique-minterfacepointer",
            to_stub(&Unique::new(MInterfacePointer { data: objref })),
        ),
    ]
}

fn status_texts() -> Vec<Seed> {
    [
        ("hex-prefix", "0x80070005"),
        ("hex-suffix", "80070005h"),
        ("bare-hex", "800706BA"),
        ("negative", "-2147024891"),
        ("decimal", "1326"),
        ("underscores", " 0x8004_1010 "),
    ]
    .into_iter()
    .map(|(name, text)| (name, text.as_bytes().to_vec()))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_packet_seed_decodes() {
        for (name, bytes) in rpc_packets() {
            let packet = Packet::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(packet.to_bytes().as_ref(), Ok(&bytes), "{name}");
        }
    }
}
