//! Tests across the PDU layer: byte-exact encodings computed by hand from C706 12.6 / MS-RPCE 2.2.2, round
//! trips, fragmentation with a toy security provider, and hostile input.

use proptest::prelude::*;

use super::bind::{BIND_TIME_FEATURE_PREFIX, EXTENDED_ERROR_SIGNATURE};
use super::negotiate::{MUST_RECV_FRAG_SIZE, ServerBindPolicy};
use super::security::{build_protected_fragment, open_protected_fragment};
use super::*;
use crate::codec::DecodeErrorKind;
use crate::guid::Guid;
use crate::status::{nca, win32};

/// IRemoteSCMActivator, an interface of MS-DCOM, as the abstract syntax of the examples.
const SCM: SyntaxId = SyntaxId::new(
    Guid::from_literal("000001a0-0000-0000-c000-000000000046"),
    0,
    0,
);

#[rustfmt::skip]
const SCM_UUID_BYTES: [u8; 16] = [
    0xa0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
];

fn features_3() -> SyntaxId {
    BindTimeFeatures(0x03).transfer_syntax()
}

fn sample_bind() -> Packet {
    Packet::new(
        1,
        Pdu::Bind(Bind {
            max_xmit_frag: 5840,
            max_recv_frag: 5840,
            assoc_group_id: 0,
            contexts: vec![
                ContextElement {
                    context_id: 0,
                    abstract_syntax: SCM,
                    transfer_syntaxes: vec![NDR20],
                },
                ContextElement {
                    context_id: 1,
                    abstract_syntax: SCM,
                    transfer_syntaxes: vec![NDR64],
                },
                ContextElement {
                    context_id: 2,
                    abstract_syntax: SCM,
                    transfer_syntaxes: vec![features_3()],
                },
            ],
        }),
    )
}

#[test]
fn bind_with_two_contexts_and_feature_negotiation_is_byte_exact() {
    assert_eq!(
        features_3().uuid,
        Guid::from_literal("6cb71c2c-9812-4540-0300-000000000000")
    );
    let mut expected = vec![
        5, 0, 11, 0x03, 0x10, 0, 0, 0, 0xa0, 0, 0, 0, 1, 0, 0, 0, // header, frag_length 160
        0xd0, 0x16, 0xd0, 0x16, // max_xmit_frag, max_recv_frag 5840
        0, 0, 0, 0, // assoc_group_id
        3, 0, 0, 0, // n_context_elem, reserved
    ];
    let transfer: [[u8; 20]; 3] = [
        [
            0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10,
            0x48, 0x60, 2, 0, 0, 0,
        ],
        [
            0x33, 0x05, 0x71, 0x71, 0xba, 0xbe, 0x37, 0x49, 0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c,
            0xcc, 0x36, 1, 0, 0, 0,
        ],
        [
            0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45, 0x03, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
        ],
    ];
    for (id, ts) in transfer.iter().enumerate() {
        expected.extend_from_slice(&[id as u8, 0, 1, 0]);
        expected.extend_from_slice(&SCM_UUID_BYTES);
        expected.extend_from_slice(&[0, 0, 0, 0]);
        expected.extend_from_slice(ts);
    }
    let packet = sample_bind();
    assert_eq!(packet.to_bytes().unwrap(), expected);
    let decoded = Packet::decode(&expected).unwrap();
    assert_eq!(decoded, packet);
    let Pdu::Bind(bind) = &decoded.pdu else {
        panic!("not a bind")
    };
    assert_eq!(bind.requested_features(), Some(BindTimeFeatures(3)));
}

fn sample_bind_ack() -> Packet {
    Packet::new(
        1,
        Pdu::BindAck(BindAck {
            max_xmit_frag: 5840,
            max_recv_frag: 5840,
            assoc_group_id: 0xa1b2,
            secondary_address: "135".into(),
            results: vec![
                ContextResult::accepted(NDR20),
                ContextResult::rejected(ProviderReason::PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED),
                ContextResult {
                    outcome: ContextOutcome::NegotiateAck(BindTimeFeatures(3)),
                    transfer_syntax: SyntaxId::new(Guid::NIL, 0, 0),
                },
            ],
        }),
    )
}

#[test]
fn bind_ack_with_secondary_address_is_byte_exact() {
    let mut expected = vec![
        5, 0, 12, 0x03, 0x10, 0, 0, 0, 108, 0, 0, 0, 1, 0, 0, 0, // header
        0xd0, 0x16, 0xd0, 0x16, 0xb2, 0xa1, 0, 0, // sizes, assoc_group_id
        4, 0, b'1', b'3', b'5', 0, // sec_addr: length 4 includes the NUL
        0, 0, // pad to a multiple of 4 from the PDU start (offset 32)
        3, 0, 0, 0, // n_results
        0, 0, 0, 0, // acceptance
        0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48,
        0x60, 2, 0, 0, 0, // NDR 2.0
        2, 0, 2, 0, // provider_rejection, proposed_transfer_syntaxes_not_supported
    ];
    expected.extend_from_slice(&[0; 20]);
    expected.extend_from_slice(&[3, 0, 3, 0]); // negotiate_ack, both features
    expected.extend_from_slice(&[0; 20]);
    assert_eq!(expected.len(), 108);
    let packet = sample_bind_ack();
    assert_eq!(packet.to_bytes().unwrap(), expected);
    assert_eq!(Packet::decode(&expected).unwrap(), packet);
}

#[test]
fn alter_context_resp_with_empty_address_aligns_after_length() {
    let packet = Packet::new(
        2,
        Pdu::AlterContextResp(BindAck {
            max_xmit_frag: 5840,
            max_recv_frag: 5840,
            assoc_group_id: 1,
            secondary_address: String::new(),
            results: vec![ContextResult::accepted(NDR20)],
        }),
    );
    let bytes = packet.to_bytes().unwrap();
    // 24 + 2 (length 0) + 2 pad, then n_results at 28.
    assert_eq!(&bytes[24..32], &[0, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(bytes.len(), 56);
    assert_eq!(Packet::decode(&bytes).unwrap(), packet);
}

#[test]
fn fault_is_byte_exact_and_named() {
    let packet = Packet {
        call_id: 2,
        pfc_flags: PfcFlags(0x23),
        pdu: Pdu::Fault(Fault::new(0, nca::NCA_S_UNK_IF)),
        auth: None,
    };
    let expected = [
        5, 0, 3, 0x23, 0x10, 0, 0, 0, 32, 0, 0, 0, 2, 0, 0, 0, // header
        0, 0, 0, 0, 0, 0, 0, 0, // alloc_hint, p_cont_id, cancel_count, reserved
        0x03, 0x00, 0x01, 0x1c, 0, 0, 0, 0, // status, reserved2
    ];
    assert_eq!(packet.to_bytes().unwrap(), expected);
    let decoded = Packet::decode(&expected).unwrap();
    assert_eq!(decoded, packet);
    let Pdu::Fault(fault) = decoded.pdu else {
        panic!("not a fault")
    };
    assert_eq!(fault.status.to_string(), "nca_s_unk_if (0x1c010003)");
    assert_eq!(
        FaultStatus(win32::ERROR_ACCESS_DENIED).to_string(),
        "ERROR_ACCESS_DENIED (0x00000005)"
    );
    assert_eq!(FaultStatus(0xdead_beef).to_string(), "0xdeadbeef");
}

#[test]
fn fault_status_names_common_codes() {
    assert_eq!(
        FaultStatus(win32::ERROR_ACCESS_DENIED).name(),
        Some("ERROR_ACCESS_DENIED")
    );
    assert_eq!(
        FaultStatus(nca::NCA_S_OP_RNG_ERROR).name(),
        Some("nca_s_op_rng_error")
    );
    assert_eq!(FaultStatus(nca::NCA_S_UNK_IF).name(), Some("nca_s_unk_if"));
    assert_eq!(
        FaultStatus(nca::NCA_S_PROTO_ERROR).name(),
        Some("nca_s_proto_error")
    );
    assert_eq!(FaultStatus(0x1234_5678).name(), None);
}

#[test]
fn request_with_object_uuid_is_byte_exact() {
    let packet = Packet::new(
        3,
        Pdu::Request(Request {
            alloc_hint: 4,
            context_id: 1,
            opnum: 3,
            object: Some(Guid::from_literal("4d9f4ab8-7d1c-11cf-861e-0020af6e7c57")),
            stub: vec![1, 2, 3, 4],
        }),
    );
    let expected = [
        5, 0, 0, 0x83, 0x10, 0, 0, 0, 44, 0, 0, 0, 3, 0, 0, 0, // header with PFC_OBJECT_UUID
        4, 0, 0, 0, 1, 0, 3, 0, // alloc_hint, p_cont_id, opnum
        0xb8, 0x4a, 0x9f, 0x4d, 0x1c, 0x7d, 0xcf, 0x11, 0x86, 0x1e, 0x00, 0x20, 0xaf, 0x6e, 0x7c,
        0x57, // object
        1, 2, 3, 4, // stub
    ];
    assert_eq!(packet.to_bytes().unwrap(), expected);
    let mut decoded = Packet::decode(&expected).unwrap();
    assert_eq!(decoded.pfc_flags, PfcFlags(0x83));
    decoded.pfc_flags = PfcFlags::SINGLE_FRAGMENT;
    assert_eq!(decoded, packet);
}

#[test]
fn sec_trailer_is_aligned_from_the_stub_start() {
    // MS-RPCE 2.2.2.11: 5 stub bytes are padded with 11 so that the trailer sits 16 bytes after the stub.
    let packet = Packet {
        call_id: 4,
        pfc_flags: PfcFlags::SINGLE_FRAGMENT,
        pdu: Pdu::Request(Request {
            alloc_hint: 5,
            context_id: 0,
            opnum: 0,
            object: None,
            stub: vec![0xaa; 5],
        }),
        auth: Some(AuthVerifier {
            auth_type: AuthType::WINNT,
            auth_level: AuthLevel::PKT_INTEGRITY,
            auth_context_id: 0,
            auth_value: vec![0x11; 16],
        }),
    };
    let mut expected = vec![
        5, 0, 0, 3, 0x10, 0, 0, 0, 64, 0, 16, 0, 4, 0, 0, 0, // auth_length 16
        5, 0, 0, 0, 0, 0, 0, 0,
    ];
    expected.extend_from_slice(&[0xaa; 5]);
    expected.extend_from_slice(&[0; 11]);
    expected.extend_from_slice(&[10, 5, 11, 0, 0, 0, 0, 0]); // WINNT, integrity, pad 11
    expected.extend_from_slice(&[0x11; 16]);
    assert_eq!(packet.to_bytes().unwrap(), expected);
    assert_eq!(Packet::decode(&expected).unwrap(), packet);
    let layout = FragmentLayout::locate(&expected).unwrap();
    assert_eq!(layout.body, 16..29);
    assert_eq!(layout.trailer_start(), Some(40));
}

// ---- a toy security provider: XOR sealing and an FNV-1a checksum with a sequence number ----

/// Protects like a real provider would in shape: seals the stub at privacy, signs either the whole PDU
/// (header signing) or the sealed range, and numbers each PDU so that replays and reordering fail.
struct ToyProtection {
    key: u8,
    privacy: bool,
    header_sign: bool,
    sequence: u32,
}

impl ToyProtection {
    fn new(privacy: bool, header_sign: bool) -> Self {
        Self {
            key: 0x5a,
            privacy,
            header_sign,
            sequence: 0,
        }
    }

    fn checksum(
        &self,
        pdu: &[u8],
        sealed: &std::ops::Range<usize>,
        signature: &std::ops::Range<usize>,
    ) -> [u8; 16] {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(self.sequence);
        let covered = pdu
            .iter()
            .enumerate()
            .filter(|(i, _)| !signature.contains(i))
            .filter(|(i, _)| self.header_sign || sealed.contains(i));
        for (_, b) in covered {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&hash.to_le_bytes());
        out[8..12].copy_from_slice(&self.sequence.to_le_bytes());
        out
    }
}

impl PduProtection for ToyProtection {
    fn signature_len(&self) -> usize {
        16
    }

    fn protect(
        &mut self,
        pdu: &mut [u8],
        sealed: std::ops::Range<usize>,
        signature: std::ops::Range<usize>,
    ) -> Result<(), ProtectionError> {
        let sum = self.checksum(pdu, &sealed, &signature);
        if self.privacy {
            for b in &mut pdu[sealed] {
                *b ^= self.key;
            }
        }
        pdu[signature].copy_from_slice(&sum);
        self.sequence += 1;
        Ok(())
    }

    fn unprotect(
        &mut self,
        pdu: &mut [u8],
        sealed: std::ops::Range<usize>,
        signature: std::ops::Range<usize>,
    ) -> Result<(), ProtectionError> {
        if signature.len() != 16 {
            return Err(ProtectionError::bad_signature("wrong signature length"));
        }
        if self.privacy {
            for b in &mut pdu[sealed.clone()] {
                *b ^= self.key;
            }
        }
        let sum = self.checksum(pdu, &sealed, &signature);
        if pdu[signature] != sum {
            return Err(ProtectionError::bad_signature("checksum mismatch"));
        }
        self.sequence += 1;
        Ok(())
    }
}

fn settings(level: AuthLevel) -> SecuritySettings {
    SecuritySettings {
        auth_type: AuthType::WINNT,
        auth_level: level,
        auth_context_id: 7,
    }
}

fn request_packet(stub: Vec<u8>) -> Packet {
    Packet::new(
        9,
        Pdu::Request(Request {
            alloc_hint: stub.len() as u32,
            context_id: 0,
            opnum: 4,
            object: None,
            stub,
        }),
    )
}

#[test]
fn protected_fragment_round_trips_and_hides_the_stub() {
    for (privacy, header_sign) in [(false, false), (false, true), (true, false), (true, true)] {
        let level = if privacy {
            AuthLevel::PKT_PRIVACY
        } else {
            AuthLevel::PKT_INTEGRITY
        };
        let stub: Vec<u8> = (0..37).collect();
        let mut sender = ToyProtection::new(privacy, header_sign);
        let mut receiver = ToyProtection::new(privacy, header_sign);
        let mut bytes =
            build_protected_fragment(&request_packet(stub.clone()), &settings(level), &mut sender)
                .unwrap();
        assert_eq!(bytes.len(), 24 + 48 + 8 + 16);
        assert_eq!(bytes[24..24 + 37] == stub[..], !privacy);
        let opened = open_protected_fragment(&mut bytes, &settings(level), &mut receiver).unwrap();
        let Pdu::Request(req) = opened.pdu else {
            panic!("not a request")
        };
        assert_eq!(req.stub, stub);
    }
}

#[test]
fn tampering_is_a_bad_signature_error() {
    let level = AuthLevel::PKT_INTEGRITY;
    let good = build_protected_fragment(
        &request_packet(vec![1; 20]),
        &settings(level),
        &mut ToyProtection::new(false, true),
    )
    .unwrap();
    // Flip one bit in the header (covered by header signing), the stub, and the signature.
    for at in [12, 30, good.len() - 1] {
        let mut bytes = good.clone();
        bytes[at] ^= 1;
        let err = open_protected_fragment(
            &mut bytes,
            &settings(level),
            &mut ToyProtection::new(false, true),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                PduError::Protection(ProtectionError {
                    bad_signature: true,
                    ..
                })
            ),
            "byte {at}: {err}"
        );
    }
}

#[test]
fn open_refuses_missing_or_foreign_verifier() {
    let level = AuthLevel::PKT_INTEGRITY;
    let mut plain = request_packet(vec![1, 2, 3]).to_bytes().unwrap();
    let err = open_protected_fragment(
        &mut plain,
        &settings(level),
        &mut ToyProtection::new(false, false),
    )
    .unwrap_err();
    assert!(
        matches!(err, PduError::Decode(ref e) if e.field == "auth_length"),
        "{err}"
    );

    let mut other = build_protected_fragment(
        &request_packet(vec![1; 3]),
        &settings(level),
        &mut ToyProtection::new(false, false),
    )
    .unwrap();
    let mut expected = settings(level);
    expected.auth_context_id = 8;
    let err = open_protected_fragment(&mut other, &expected, &mut ToyProtection::new(false, false))
        .unwrap_err();
    assert!(
        matches!(err, PduError::Decode(ref e) if e.field == "auth_context_id"),
        "{err}"
    );

    let err = build_protected_fragment(
        &request_packet(vec![]),
        &settings(AuthLevel::CONNECT),
        &mut ToyProtection::new(false, false),
    )
    .unwrap_err();
    assert!(matches!(err, PduError::Protection(_)));
}

// ---- fragmentation and reassembly ----

fn open_all(
    fragments: Vec<Vec<u8>>,
    security: Option<(&SecuritySettings, &mut ToyProtection)>,
    reassembler: &mut Reassembler,
) -> Result<Option<Message>, PduError> {
    let mut security = security;
    let mut done = None;
    for mut bytes in fragments {
        let packet = match security.as_mut() {
            Some((settings, protection)) => {
                open_protected_fragment(&mut bytes, settings, *protection)?
            }
            None => Packet::decode(&bytes)?,
        };
        assert!(done.is_none(), "fragments after the last");
        done = reassembler.push(packet)?;
    }
    Ok(done)
}

proptest! {
    #[test]
    fn fragmentation_round_trips(
        max_xmit_frag in 64u16..=200,
        stub in proptest::collection::vec(any::<u8>(), 0..600),
        object in proptest::option::of(any::<[u8; 16]>().prop_map(Guid::from_bytes_le)),
        response in any::<bool>(),
        level in 0u8..3,
        header_sign in any::<bool>(),
    ) {
        let call = if response {
            CallHeader::Response { context_id: 1, cancel_count: 0 }
        } else {
            CallHeader::Request { context_id: 1, opnum: 6, object }
        };
        let fixed = 16 + if response { 8 } else { Request::fields_len(object.is_some()) };
        let secured = level > 0;
        let settings = settings(if level == 2 { AuthLevel::PKT_PRIVACY } else { AuthLevel::PKT_INTEGRITY });
        let mut sender = ToyProtection::new(level == 2, header_sign);
        let mut receiver = ToyProtection::new(level == 2, header_sign);
        let sec: Option<(&SecuritySettings, &mut dyn PduProtection)> =
            secured.then_some((&settings, &mut sender as &mut dyn PduProtection));
        let result = fragment_call(42, &call, &stub, PfcFlags(PfcFlags::CONC_MPX), max_xmit_frag, sec);
        let needed = if secured { fixed + 8 + 16 + 16 } else { fixed + 1 };
        if usize::from(max_xmit_frag) < needed {
            let too_small = matches!(result, Err(PduError::FragmentTooSmall { .. }));
            prop_assert!(too_small);
            return Ok(());
        }
        let fragments = result.unwrap();
        let mut remaining = stub.len();
        for (i, f) in fragments.iter().enumerate() {
            prop_assert!(f.len() <= usize::from(max_xmit_frag));
            prop_assert_eq!(fragment_length(f, 200).unwrap(), f.len());
            let flags = PfcFlags(f[3]);
            prop_assert_eq!(flags.is_first(), i == 0);
            prop_assert_eq!(flags.is_last(), i + 1 == fragments.len());
            prop_assert!(flags.contains(PfcFlags::CONC_MPX));
            let alloc_hint = u32::from_le_bytes([f[16], f[17], f[18], f[19]]);
            prop_assert_eq!(alloc_hint as usize, remaining);
            if !secured {
                remaining -= f.len() - fixed;
            } else if let Pdu::Request(Request { stub, .. }) | Pdu::Response(Response { stub, .. }) =
                open_protected_fragment(&mut f.clone(), &settings, &mut ToyProtection { sequence: i as u32, ..ToyProtection::new(level == 2, header_sign) }).unwrap().pdu
            {
                remaining -= stub.len();
            }
        }
        let mut reassembler = Reassembler::for_call(42, 600);
        let sec = secured.then_some((&settings, &mut receiver));
        let message = open_all(fragments, sec, &mut reassembler).unwrap().unwrap();
        prop_assert_eq!(message.stub, stub);
        prop_assert_eq!(message.call, call);
        prop_assert!(reassembler.is_idle());
    }
}

fn response_fragment(call_id: u32, context_id: u16, flags: u8, stub: &[u8]) -> Packet {
    Packet {
        call_id,
        pfc_flags: PfcFlags(flags),
        pdu: Pdu::Response(Response {
            alloc_hint: 0,
            context_id,
            cancel_count: 0,
            stub: stub.to_vec(),
        }),
        auth: None,
    }
}

#[test]
fn reassembler_refuses_inconsistent_fragments() {
    let mut r = Reassembler::new(100);
    assert_eq!(r.push(response_fragment(1, 0, 1, b"ab")).unwrap(), None);
    let e = r.push(response_fragment(2, 0, 2, b"cd")).unwrap_err();
    assert_eq!((e.context, e.field), ("response", "call_id"));
    assert!(r.is_idle(), "the partial message is dropped");

    r.push(response_fragment(1, 0, 1, b"ab")).unwrap();
    let e = r.push(response_fragment(1, 3, 2, b"cd")).unwrap_err();
    assert_eq!((e.context, e.field), ("response", "p_cont_id"));

    let e = r.push(response_fragment(1, 0, 2, b"cd")).unwrap_err();
    assert_eq!(
        (e.context, e.field),
        ("response", "pfc_flags"),
        "no FIRST_FRAG"
    );

    r.push(response_fragment(1, 0, 1, b"ab")).unwrap();
    let e = r.push(response_fragment(1, 0, 1, b"cd")).unwrap_err();
    assert_eq!(e.field, "pfc_flags", "FIRST_FRAG twice");

    r.push(response_fragment(1, 0, 1, b"ab")).unwrap();
    let e = r.push(request_packet(vec![1])).unwrap_err();
    assert_eq!((e.context, e.field), ("request", "call_id"));

    r.push(response_fragment(9, 0, 1, b"ab")).unwrap();
    let mut middle_request = request_packet(vec![1]);
    middle_request.pfc_flags = PfcFlags(0);
    let e = r.push(middle_request).unwrap_err();
    assert_eq!((e.context, e.field), ("request", "ptype"));

    let e = r.push(Packet::new(1, Pdu::Shutdown)).unwrap_err();
    assert_eq!((e.context, e.field), ("shutdown", "ptype"));

    let mut expecting = Reassembler::for_call(5, 100);
    let e = expecting
        .push(response_fragment(6, 0, 3, b"x"))
        .unwrap_err();
    assert_eq!((e.context, e.field), ("response", "call_id"));
    assert_eq!(
        expecting
            .push(response_fragment(5, 0, 3, b"x"))
            .unwrap()
            .unwrap()
            .stub,
        b"x"
    );

    let mut small = Reassembler::new(3);
    small.push(response_fragment(1, 0, 1, b"ab")).unwrap();
    let e = small.push(response_fragment(1, 0, 2, b"cd")).unwrap_err();
    assert!(matches!(
        e.kind,
        DecodeErrorKind::Limit {
            limit: "max_message_len",
            value: 4,
            max: 3
        }
    ));
    assert!(e.to_string().contains("max_message_len"));
}

// ---- negotiation ----

#[test]
fn server_negotiation_accepts_one_syntax_per_interface() {
    let Pdu::Bind(bind) = sample_bind().pdu else {
        unreachable!()
    };
    let policy = ServerBindPolicy {
        interfaces: &[SCM],
        transfer_syntaxes: &[NDR20, NDR64],
        features: Some(BindTimeFeatures(
            BindTimeFeatures::KEEP_CONNECTION_ON_ORPHAN,
        )),
        max_xmit_frag: 4280,
        max_recv_frag: 4280,
    };
    let n = negotiate_bind(&bind, &policy);
    assert_eq!(
        n.results,
        vec![
            ContextResult::accepted(NDR20),
            ContextResult::rejected(ProviderReason::PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED),
            ContextResult {
                outcome: ContextOutcome::NegotiateAck(BindTimeFeatures(2)),
                transfer_syntax: SyntaxId::new(Guid::NIL, 0, 0),
            },
        ]
    );
    assert_eq!(n.accepted.len(), 1);
    assert_eq!(n.accepted[0].transfer_syntax, NDR20);
    assert_eq!(n.features, Some(BindTimeFeatures(2)));
    assert_eq!((n.max_xmit_frag, n.max_recv_frag), (4280, 4280));
    let ack = n.to_bind_ack(0x1234, "135");
    assert_eq!(ack.results.len(), 3);

    // NDR64 preferred by the server: it wins even though the client listed it second.
    let ndr64_first = ServerBindPolicy {
        transfer_syntaxes: &[NDR64, NDR20],
        features: None,
        ..policy
    };
    let n = negotiate_bind(&bind, &ndr64_first);
    assert_eq!(n.results[1], ContextResult::accepted(NDR64));
    assert!(matches!(
        n.results[0].outcome,
        ContextOutcome::ProviderRejection(_)
    ));
    assert!(matches!(
        n.results[2].outcome,
        ContextOutcome::ProviderRejection(_)
    ));
    assert_eq!(n.features, None);

    let unknown = ServerBindPolicy {
        interfaces: &[NDR64],
        ..policy
    };
    let n = negotiate_bind(&bind, &unknown);
    assert_eq!(
        n.results[0],
        ContextResult::rejected(ProviderReason::ABSTRACT_SYNTAX_NOT_SUPPORTED)
    );

    let mut tiny = bind.clone();
    tiny.max_xmit_frag = 100;
    tiny.max_recv_frag = 100;
    let n = negotiate_bind(&tiny, &policy);
    assert_eq!(
        (n.max_xmit_frag, n.max_recv_frag),
        (MUST_RECV_FRAG_SIZE, MUST_RECV_FRAG_SIZE)
    );
}

// ---- round trips of every PDU ----

fn arb_syntax() -> impl Strategy<Value = SyntaxId> {
    (any::<[u8; 16]>(), any::<u32>()).prop_map(|(b, version)| SyntaxId {
        uuid: Guid::from_bytes_le(b),
        version,
    })
}

fn arb_bind() -> impl Strategy<Value = Bind> {
    let element = (
        any::<u16>(),
        arb_syntax(),
        proptest::collection::vec(arb_syntax(), 0..4),
    )
        .prop_map(
            |(context_id, abstract_syntax, transfer_syntaxes)| ContextElement {
                context_id,
                abstract_syntax,
                transfer_syntaxes,
            },
        );
    (
        any::<u16>(),
        any::<u16>(),
        any::<u32>(),
        proptest::collection::vec(element, 0..5),
    )
        .prop_map(
            |(max_xmit_frag, max_recv_frag, assoc_group_id, contexts)| Bind {
                max_xmit_frag,
                max_recv_frag,
                assoc_group_id,
                contexts,
            },
        )
}

fn arb_bind_ack() -> impl Strategy<Value = BindAck> {
    let outcome = prop_oneof![
        Just(ContextOutcome::Acceptance),
        any::<u16>().prop_map(|r| ContextOutcome::UserRejection(ProviderReason(r))),
        any::<u16>().prop_map(|r| ContextOutcome::ProviderRejection(ProviderReason(r))),
        any::<u8>().prop_map(|f| ContextOutcome::NegotiateAck(BindTimeFeatures(f))),
    ];
    let result = (outcome, arb_syntax()).prop_map(|(outcome, transfer_syntax)| ContextResult {
        outcome,
        transfer_syntax,
    });
    (
        any::<u16>(),
        any::<u16>(),
        any::<u32>(),
        "[0-9A-Za-z\\\\.]{0,12}",
        proptest::collection::vec(result, 0..5),
    )
        .prop_map(
            |(max_xmit_frag, max_recv_frag, assoc_group_id, secondary_address, results)| BindAck {
                max_xmit_frag,
                max_recv_frag,
                assoc_group_id,
                secondary_address,
                results,
            },
        )
}

fn arb_pdu() -> impl Strategy<Value = Pdu> {
    let bytes = || proptest::collection::vec(any::<u8>(), 0..64);
    let guid = || any::<[u8; 16]>().prop_map(Guid::from_bytes_le);
    let nak = (
        any::<u16>(),
        proptest::collection::vec((any::<u8>(), any::<u8>()), 0..4),
        proptest::option::of((guid(), bytes())),
    )
        .prop_map(|(reason, versions, sig)| BindNak {
            reason: BindNakReason(reason),
            versions: versions
                .into_iter()
                .map(|(major, minor)| ProtocolVersion { major, minor })
                .collect(),
            signature: sig.as_ref().map(|(g, _)| *g),
            extended_error: sig.map(|(_, e)| e).unwrap_or_default(),
        });
    prop_oneof![
        (
            any::<u32>(),
            any::<u16>(),
            any::<u16>(),
            proptest::option::of(guid()),
            bytes()
        )
            .prop_map(
                |(alloc_hint, context_id, opnum, object, stub)| Pdu::Request(Request {
                    alloc_hint,
                    context_id,
                    opnum,
                    object,
                    stub
                })
            ),
        (any::<u32>(), any::<u16>(), any::<u8>(), bytes()).prop_map(
            |(alloc_hint, context_id, cancel_count, stub)| Pdu::Response(Response {
                alloc_hint,
                context_id,
                cancel_count,
                stub
            })
        ),
        (
            any::<u32>(),
            any::<u16>(),
            any::<u8>(),
            any::<bool>(),
            any::<u32>()
        )
            .prop_map(
                |(alloc_hint, context_id, cancel_count, extended_error_present, status)| {
                    Pdu::Fault(Fault {
                        alloc_hint,
                        context_id,
                        cancel_count,
                        extended_error_present,
                        status: FaultStatus(status),
                    })
                }
            ),
        arb_bind().prop_map(Pdu::Bind),
        arb_bind().prop_map(Pdu::AlterContext),
        arb_bind_ack().prop_map(Pdu::BindAck),
        arb_bind_ack().prop_map(Pdu::AlterContextResp),
        nak.prop_map(Pdu::BindNak),
        Just(Pdu::Auth3),
        Just(Pdu::Shutdown),
        Just(Pdu::CoCancel),
        Just(Pdu::Orphaned),
    ]
}

fn arb_packet() -> impl Strategy<Value = Packet> {
    let verifier = (
        any::<u8>(),
        any::<u8>(),
        any::<u32>(),
        proptest::collection::vec(any::<u8>(), 1..40),
    )
        .prop_map(|(t, l, auth_context_id, auth_value)| AuthVerifier {
            auth_type: AuthType(t),
            auth_level: AuthLevel(l),
            auth_context_id,
            auth_value,
        });
    (
        any::<u32>(),
        any::<u8>(),
        arb_pdu(),
        proptest::option::of(verifier),
    )
        .prop_map(|(call_id, flags, pdu, auth)| {
            let mut packet = Packet {
                call_id,
                pfc_flags: PfcFlags(flags),
                pdu,
                auth,
            };
            packet.pfc_flags = packet.wire_flags();
            packet
        })
}

proptest! {
    #[test]
    fn every_pdu_round_trips(packet in arb_packet()) {
        let bytes = packet.to_bytes().unwrap();
        prop_assert_eq!(fragment_length(&bytes[..16], usize::from(u16::MAX)).unwrap(), bytes.len());
        prop_assert_eq!(Packet::decode(&bytes).unwrap(), packet);
    }

    #[test]
    fn truncations_and_mutations_never_panic(
        packet in arb_packet(),
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let bytes = packet.to_bytes().unwrap();
        let short = &bytes[..cut.index(bytes.len())];
        prop_assert!(Packet::decode(short).is_err());
        let _ = fragment_length(short, 5840);
        let mut mutated = bytes.clone();
        for (at, value) in flips {
            let i = at.index(mutated.len());
            mutated[i] = value;
        }
        let _ = Packet::decode(&mutated);
        let _ = fragment_length(&mutated, 5840);
        let _ = open_protected_fragment(
            &mut mutated,
            &settings(AuthLevel::PKT_PRIVACY),
            &mut ToyProtection::new(true, true),
        );
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let _ = Packet::decode(&bytes);
        let _ = fragment_length(&bytes, 5840);
    }
}

// ---- hostile inputs ----

fn samples() -> Vec<Vec<u8>> {
    vec![
        sample_bind().to_bytes().unwrap(),
        sample_bind_ack().to_bytes().unwrap(),
        Packet::new(
            2,
            Pdu::BindNak(BindNak {
                reason: BindNakReason::PROTOCOL_VERSION_NOT_SUPPORTED,
                versions: vec![ProtocolVersion { major: 5, minor: 0 }],
                signature: Some(EXTENDED_ERROR_SIGNATURE),
                extended_error: vec![1, 2, 3],
            }),
        )
        .to_bytes()
        .unwrap(),
        Packet::new(2, Pdu::Fault(Fault::new(0, 5)))
            .to_bytes()
            .unwrap(),
        build_protected_fragment(
            &request_packet(vec![7; 21]),
            &settings(AuthLevel::PKT_PRIVACY),
            &mut ToyProtection::new(true, true),
        )
        .unwrap(),
    ]
}

#[test]
fn truncation_at_every_length_is_an_error() {
    for bytes in samples() {
        for len in 0..bytes.len() {
            assert!(
                Packet::decode(&bytes[..len]).is_err(),
                "accepted {len} of {}",
                bytes.len()
            );
            // The same truncation with a frag_length that agrees with it: a decoder error, not a panic.
            if len >= 16 {
                let mut agreeing = bytes[..len].to_vec();
                agreeing[8..10].copy_from_slice(&(len as u16).to_le_bytes());
                let _ = Packet::decode(&agreeing);
                let _ = open_protected_fragment(
                    &mut agreeing,
                    &settings(AuthLevel::PKT_PRIVACY),
                    &mut ToyProtection::new(true, true),
                );
            }
        }
    }
}

#[test]
fn lying_lengths_are_named() {
    let bind = sample_bind().to_bytes().unwrap();

    let mut longer = bind.clone();
    longer[8] = longer[8].wrapping_add(4);
    let e = Packet::decode(&longer).unwrap_err();
    assert_eq!((e.context, e.field), ("bind", "frag_length"));

    let mut past = bind.clone();
    past[10..12].copy_from_slice(&200u16.to_le_bytes());
    let e = Packet::decode(&past).unwrap_err();
    assert_eq!((e.context, e.field), ("bind", "auth_length"));
    assert_eq!(
        fragment_length(&past, 5840).unwrap_err().field,
        "auth_length"
    );

    let mut protected = samples().pop().unwrap();
    let trailer = protected.len() - 16 - 8;
    protected[trailer + 2] = 0xff;
    let e = Packet::decode(&protected).unwrap_err();
    assert_eq!(e.field, "auth_pad_length");

    // An n_context_elem that promises more contexts than the bytes hold.
    let mut many = bind.clone();
    many[24] = 200;
    let e = Packet::decode(&many).unwrap_err();
    assert_eq!((e.context, e.field), ("bind", "p_cont_elem"));
    assert!(matches!(e.kind, DecodeErrorKind::LengthPastEnd { .. }));

    // A sec_addr length past the end of a bind_ack.
    let mut ack = sample_bind_ack().to_bytes().unwrap();
    ack[24..26].copy_from_slice(&500u16.to_le_bytes());
    let e = Packet::decode(&ack).unwrap_err();
    assert_eq!((e.context, e.field), ("bind_ack", "sec_addr.port_spec"));

    let mut unknown = bind;
    unknown[2] = 1;
    let e = Packet::decode(&unknown).unwrap_err();
    assert_eq!(e.field, "ptype");
}

#[test]
fn bind_nak_names_reasons_and_detects_the_signature() {
    let bytes = samples()[2].clone();
    let Pdu::BindNak(nak) = Packet::decode(&bytes).unwrap().pdu else {
        panic!("not a bind_nak")
    };
    assert_eq!(nak.reason.name(), Some("protocol_version_not_supported"));
    assert_eq!(nak.signature, Some(EXTENDED_ERROR_SIGNATURE));
    assert_eq!(nak.extended_error, [1, 2, 3]);
    assert_eq!(BindNakReason(9).name(), Some("invalid_checksum"));
    assert_eq!(
        BindNakReason(8).name(),
        Some("authentication_type_not_recognized")
    );
    assert_eq!(BindNakReason(99).name(), None);

    // Without room for a Signature it is absent (MS-RPCE 2.2.2.9).
    let short = [
        5, 0, 13, 3, 0x10, 0, 0, 0, 21, 0, 0, 0, 1, 0, 0, 0, 4, 0, 1, 5, 0,
    ];
    let Pdu::BindNak(nak) = Packet::decode(&short).unwrap().pdu else {
        panic!("not a bind_nak")
    };
    assert_eq!(nak.signature, None);
    assert_eq!(nak.versions, [ProtocolVersion { major: 5, minor: 0 }]);
}

#[test]
fn feature_negotiation_prefix_is_recognised() {
    assert_eq!(
        features_3().feature_negotiation_bits(),
        Some(BindTimeFeatures(3))
    );
    assert_eq!(NDR20.feature_negotiation_bits(), None);
    assert_eq!(BIND_TIME_FEATURE_PREFIX.data1, 0x6cb71c2c);
    assert_eq!((NDR20.major(), NDR20.minor()), (2, 0));
}

#[test]
fn header_sign_flag_shares_the_pending_cancel_bit() {
    assert_eq!(PfcFlags::SUPPORT_HEADER_SIGN, PfcFlags::PENDING_CANCEL);
    assert!(PacketType::Bind.flag_0x04_is_header_sign());
    assert!(!PacketType::Request.flag_0x04_is_header_sign());
}
