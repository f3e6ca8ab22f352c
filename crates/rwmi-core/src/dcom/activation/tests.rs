use super::*;
use crate::dcom::ids::{
    CLSID_ACTIVATION_CONTEXT_INFO, CLSID_INSTANTIATION_INFO, CLSID_SCM_REQUEST_INFO,
    CLSID_SERVER_LOCATION_INFO,
};
use crate::dcom::objref::tests::any_objref;
use crate::dcom::string_array::{SecurityBinding, StringBinding};
use crate::ndr::Ndr;
use crate::status::hresult;
use proptest::prelude::*;

/// CLSID_WbemLevel1Login and IID_IWbemLevel1Login (MS-WMI 1.9).
const CLSID_WBEM_LEVEL1_LOGIN: Guid = Guid::from_literal("8bc3f05e-d86b-11d0-a075-00c04fb68820");
const IID_IWBEM_LEVEL1_LOGIN: Guid = Guid::from_literal("f309ad18-d86a-11d0-a075-00c04fb68820");

fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

#[test]
fn instantiation_info_is_byte_exact() {
    let bytes = InstantiationInfoData {
        class_id: CLSID_WBEM_LEVEL1_LOGIN,
        class_ctx: 0,
        actv_flags: 0,
        iids: vec![IID_IWBEM_LEVEL1_LOGIN],
        client_version: ComVersion::CURRENT,
    }
    .serialize();
    #[rustfmt::skip]
    let expected: Vec<u8> = vec![
        0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc, // common type header
        72, 0, 0, 0, 0, 0, 0, 0, // private header: 68 octets padded to 72
        0x5e, 0xf0, 0xc3, 0x8b, 0x6b, 0xd8, 0xd0, 0x11, 0xa0, 0x75, 0x00, 0xc0, 0x4f, 0xb6, 0x88, 0x20,
        0, 0, 0, 0, // classCtx
        0, 0, 0, 0, // actvflags
        0, 0, 0, 0, // fIsSurrogate
        1, 0, 0, 0, // cIID
        0, 0, 0, 0, // instFlag
        0, 0, 2, 0, // pIID referent id
        88, 0, 0, 0, // thisSize: the whole serialized property
        5, 0, 7, 0, // clientCOMVersion
        1, 0, 0, 0, // pIID max_count
        0x18, 0xad, 0x09, 0xf3, 0x6a, 0xd8, 0xd0, 0x11, 0xa0, 0x75, 0x00, 0xc0, 0x4f, 0xb6, 0x88, 0x20,
        0, 0, 0, 0, // padding to 8
    ];
    assert_eq!(bytes, expected);
    let decoded = InstantiationInfoData::deserialize(&bytes).unwrap();
    assert_eq!(decoded.iids, vec![IID_IWBEM_LEVEL1_LOGIN]);
}

#[test]
fn scm_request_info_is_byte_exact() {
    let bytes = ScmRequestInfoData {
        client_imp_level: 0,
        requested_protseqs: vec![7],
    }
    .serialize();
    #[rustfmt::skip]
    let expected: Vec<u8> = vec![
        0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc,
        32, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, // pdwReserved: NULL
        0, 0, 2, 0, // remoteRequest
        0, 0, 0, 0, // ClientImpLevel
        1, 0, 0, 0, // cRequestedProtseqs and padding
        4, 0, 2, 0, // pRequestedProtseqs
        1, 0, 0, 0, // max_count
        7, 0, 0, 0, 0, 0, 0, 0, // ncacn_ip_tcp, padding to 8
    ];
    assert_eq!(bytes, expected);
    assert_eq!(
        ScmRequestInfoData::deserialize(&bytes)
            .unwrap()
            .requested_protseqs,
        vec![7]
    );
}

#[test]
fn wbem_login_request_has_impacket_shape_and_consistent_sizes() {
    let request = ActivationRequest::new(CLSID_WBEM_LEVEL1_LOGIN, vec![IID_IWBEM_LEVEL1_LOGIN]);
    let blob = request.to_activation_blob();
    let clsids: Vec<Guid> = blob.properties.iter().map(|p| p.clsid).collect();
    assert_eq!(
        clsids,
        [
            CLSID_INSTANTIATION_INFO,
            CLSID_ACTIVATION_CONTEXT_INFO,
            CLSID_SERVER_LOCATION_INFO,
            CLSID_SCM_REQUEST_INFO
        ]
    );
    let sizes: Vec<usize> = blob.properties.iter().map(|p| p.bytes.len()).collect();
    assert_eq!(sizes, [88, 40, 32, 48]);
    let headers = |len: u8| {
        let mut h = crate::dcom::pickle::COMMON_HEADER.to_vec();
        h.extend_from_slice(&[len, 0, 0, 0, 0, 0, 0, 0]);
        h
    };
    // ActivationContextInfoData: clientOK, bReserved1, dwReserved1, dwReserved2, two NULL contexts.
    let mut context = headers(24);
    context.extend_from_slice(&[0; 24]);
    assert_eq!(blob.properties[1].bytes, context);
    // LocationInfoData: NULL machineName, processId, apartmentId, contextId.
    let mut location = headers(16);
    location.extend_from_slice(&[0; 16]);
    assert_eq!(blob.properties[2].bytes, location);
    let bytes = request.to_blob();
    let total = 152 + 88 + 40 + 32 + 48;
    assert_eq!(bytes.len(), 8 + total);
    assert_eq!(le32(&bytes, 0), total as u32, "dwSize");
    assert_eq!(le32(&bytes, 24), total as u32, "totalSize");
    assert_eq!(le32(&bytes, 28), 152, "headerSize");
    assert_eq!(le32(&bytes, 36), 2, "destCtx");
    assert_eq!(ActivationRequest::from_blob(&bytes).unwrap(), request);
}

#[test]
fn optional_request_properties_round_trip() {
    let mut request = ActivationRequest::new(Guid::from_u128(1), vec![Guid::from_u128(2)]);
    request.server_name = Some("server.example".into());
    request.special_properties = Some(SpecialPropertiesData {
        session_id: 0xffff_ffff,
        default_authn_level: 6,
        orig_clsctx: 0x14,
        flags: SPD_FLAG_USE_CONSOLE_SESSION,
        ..Default::default()
    });
    let blob = request.to_activation_blob();
    assert_eq!(blob.properties.len(), 6);
    assert_eq!(
        blob.property(SpecialPropertiesData::CLSID).unwrap().len(),
        16 + 88
    );
    assert_eq!(
        ActivationRequest::from_blob(&request.to_blob()).unwrap(),
        request
    );
}

#[test]
fn special_properties_alternate_definition_is_accepted() {
    let value = SpecialPropertiesData {
        session_id: 3,
        flags: 1,
        ..Default::default()
    };
    let alternate = crate::dcom::pickle::serialize_with(|w| {
        w.u32(value.session_id);
        for _ in 0..4 {
            w.u32(0);
        }
        value.partition.encode_inline(w);
        w.u32(0);
        w.u32(0);
        w.u32(value.flags);
        for _ in 0..8 {
            w.u32(0xdead_beef);
        }
    });
    assert_eq!(alternate.len(), 16 + 80);
    assert_eq!(
        SpecialPropertiesData::deserialize(&alternate).unwrap(),
        value
    );
}

#[test]
fn missing_required_property_is_named() {
    let mut blob =
        ActivationRequest::new(Guid::from_u128(1), vec![Guid::from_u128(2)]).to_activation_blob();
    blob.properties
        .retain(|p| p.clsid != CLSID_SCM_REQUEST_INFO);
    let e = ActivationRequest::from_blob(&blob.encode()).unwrap_err();
    assert_eq!(e.field, "ScmRequestInfoData");
}

fn sample_reply() -> ActivationReply {
    ActivationReply {
        oxid: 0x1122_3344_5566_7788,
        oxid_bindings: DualStringArray {
            string_bindings: vec![
                StringBinding::tcp("HOST[49667]"),
                StringBinding::tcp("10.0.0.5[49667]"),
            ],
            security_bindings: vec![SecurityBinding {
                authn_svc: 10,
                principal_name: String::new(),
            }],
        },
        ipid_rem_unknown: Guid::from_u128(0xabc),
        authn_hint: 2,
        server_version: ComVersion::CURRENT,
        interfaces: vec![
            InterfaceResult {
                iid: IID_IWBEM_LEVEL1_LOGIN,
                hresult: 0,
                pointer: Some(MInterfacePointer {
                    data: b"MEOW objref".to_vec(),
                }),
            },
            InterfaceResult {
                iid: Guid::from_u128(5),
                hresult: hresult::E_NOINTERFACE,
                pointer: None,
            },
        ],
    }
}

#[test]
fn reply_round_trips_and_finds_interfaces() {
    let reply = sample_reply();
    let bytes = reply.to_blob();
    let decoded = ActivationReply::from_blob(&bytes).unwrap();
    assert_eq!(decoded, reply);
    assert_eq!(
        decoded.interface(IID_IWBEM_LEVEL1_LOGIN).unwrap().data,
        b"MEOW objref"
    );
    assert_eq!(decoded.interface(Guid::from_u128(5)), None);
    assert_eq!(
        decoded.oxid_bindings.tcp_bindings(),
        vec![("HOST", Some(49667)), ("10.0.0.5", Some(49667))]
    );
    for p in &reply.to_activation_blob().properties {
        assert_eq!(p.bytes.len() % 8, 0);
        assert_eq!(le32(&p.bytes, 8) as usize, p.bytes.len() - 16);
    }
}

#[test]
fn truncated_and_corrupted_blobs_are_errors() {
    let request = ActivationRequest::new(Guid::from_u128(1), vec![Guid::from_u128(2)]).to_blob();
    let reply = sample_reply().to_blob();
    for n in 0..request.len() {
        assert!(ActivationRequest::from_blob(&request[..n]).is_err());
    }
    for n in 0..reply.len() {
        assert!(ActivationReply::from_blob(&reply[..n]).is_err());
    }
    // A lying cIID inside InstantiationInfoData (at blob offset 8 + 152 + 16 + 16 + 12).
    let mut bad = request.clone();
    bad[8 + 152 + 16 + 28] = 2;
    assert!(ActivationRequest::from_blob(&bad).is_err());
    for at in 0..reply.len() {
        let mut bad = reply.clone();
        bad[at] ^= 0xff;
        let _ = ActivationReply::from_blob(&bad);
    }
}

fn any_guid() -> impl Strategy<Value = Guid> {
    any::<u128>().prop_map(Guid::from_u128)
}

fn any_version() -> impl Strategy<Value = ComVersion> {
    (any::<u16>(), any::<u16>()).prop_map(|(major, minor)| ComVersion { major, minor })
}

fn any_special() -> impl Strategy<Value = SpecialPropertiesData> {
    (
        any::<u32>(),
        any::<i32>(),
        any::<i32>(),
        any::<u32>(),
        any_guid(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(
            |(session_id, remote, partition_present, level, partition, orig, flags)| {
                SpecialPropertiesData {
                    session_id,
                    remote_this_session_id: remote,
                    client_impersonating: 0,
                    partition_id_present: partition_present,
                    default_authn_level: level,
                    partition,
                    prt_flags: 0,
                    orig_clsctx: orig,
                    flags,
                }
            },
        )
}

fn any_request() -> impl Strategy<Value = ActivationRequest> {
    (
        any_guid(),
        proptest::collection::vec(any_guid(), 1..5),
        any_version(),
        proptest::option::of("[a-zA-Z0-9.]{0,20}"),
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()),
        proptest::collection::vec(any::<u16>(), 0..4),
        proptest::option::of(any_special()),
    )
        .prop_map(
            |(clsid, iids, client_version, server_name, (cc, af, imp, dc), protseqs, special)| {
                ActivationRequest {
                    clsid,
                    iids,
                    client_version,
                    server_name,
                    class_ctx: cc,
                    actv_flags: af,
                    client_imp_level: imp,
                    requested_protseqs: protseqs,
                    dest_ctx: dc,
                    special_properties: special,
                }
            },
        )
}

fn any_reply() -> impl Strategy<Value = ActivationReply> {
    let result = (any_guid(), any::<u32>(), proptest::option::of(any_objref())).prop_map(
        |(iid, hresult, objref)| InterfaceResult {
            iid,
            hresult,
            pointer: objref.map(|o| o.to_interface_pointer()),
        },
    );
    (
        any::<u64>(),
        crate::dcom::string_array::tests::any_dsa(),
        any_guid(),
        any::<u32>(),
        any_version(),
        proptest::collection::vec(result, 1..4),
    )
        .prop_map(
            |(oxid, oxid_bindings, ipid_rem_unknown, authn_hint, server_version, interfaces)| {
                ActivationReply {
                    oxid,
                    oxid_bindings,
                    ipid_rem_unknown,
                    authn_hint,
                    server_version,
                    interfaces,
                }
            },
        )
}

proptest! {
    #[test]
    fn request_round_trips(request in any_request()) {
        let bytes = request.to_blob();
        prop_assert_eq!(ActivationRequest::from_blob(&bytes).unwrap(), request);
    }

    #[test]
    fn reply_round_trips(reply in any_reply()) {
        prop_assert_eq!(ActivationReply::from_blob(&reply.to_blob()).unwrap(), reply);
    }

    #[test]
    fn hostile_properties_never_panic(data in proptest::collection::vec(any::<u8>(), 0..160)) {
        let mut framed = crate::dcom::pickle::COMMON_HEADER.to_vec();
        framed.extend_from_slice(&(data.len() as u32).to_le_bytes());
        framed.extend_from_slice(&[0; 4]);
        framed.extend_from_slice(&data);
        let _ = InstantiationInfoData::deserialize(&framed);
        let _ = SpecialPropertiesData::deserialize(&framed);
        let _ = ActivationContextInfoData::deserialize(&framed);
        let _ = LocationInfoData::deserialize(&framed);
        let _ = SecurityInfoData::deserialize(&framed);
        let _ = ScmRequestInfoData::deserialize(&framed);
        let _ = ScmReplyInfoData::deserialize(&framed);
        let _ = PropsOutInfo::deserialize(&framed);
    }
}
