//! Writes the seed corpora of the fuzz targets from rwmi-core's own encoders, so every seed is a real
//! encoding the decoders accept and the fuzzer starts from deep inside each format.
//!
//!     cargo run --manifest-path fuzz/Cargo.toml -p rwmi-fuzz-seeds [CORPUS_DIR]
//!
//! CORPUS_DIR defaults to fuzz/corpus. Files are overwritten, none are deleted. The MS-WMIO seeds
//! (corpus/wmio_object/spec-*) are the spec's section 3 examples, copied as bytes; they are not written
//! here.

#![forbid(unsafe_code)]

use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rwmi_core::dcom::activation::{
    ActivationReply, ActivationRequest, InterfaceResult, SpecialPropertiesData,
};
use rwmi_core::dcom::scm::{
    RemQiResult, RemQueryInterfaceResponse, RemoteCreateInstanceRequest,
    RemoteCreateInstanceResponse, ResolveOxid2Response, ServerAlive2Response,
};
use rwmi_core::dcom::{
    ComVersion, DataElement, DualStringArray, MInterfacePointer, ObjRef, ObjRefBody, ObjRefCustom,
    OrpcExtent, OrpcExtentArray, OrpcThat, OrpcThis, SecurityBinding, StdObjRef, StringBinding,
};
use rwmi_core::epm::{EPM, EptMapRequest, EptMapResponse, TcpTower};
use rwmi_core::krb5::{
    CachedCredential, CredentialCache, KeyBlock, Keytab, KeytabEntry, Principal, enctype,
};
use rwmi_core::ndr::{
    AnsiString, ConformantVaryingArray, ContextHandle, RpcUnicodeString, Unique, WideString,
    to_stub,
};
use rwmi_core::rpc::{
    AuthLevel, AuthType, AuthVerifier, Bind, BindAck, CallHeader, ContextElement, ContextResult,
    Fault, NDR20, NDR64, Packet, Pdu, PduProtection, PfcFlags, ProtectionError, ProviderReason,
    Request, Response, SecuritySettings, Stub, SyntaxId, build_protected_fragment, fragment_call,
};
use rwmi_core::status::{hresult, nca, rpc};
use rwmi_core::wmi::enumerator::{NextRequest, NextResponse};
use rwmi_core::wmi::login::{NtlmLoginRequest, NtlmLoginResponse};
use rwmi_core::wmi::services::{
    EnumeratorResponse, ExecMethodRequest, ExecMethodResponse, ExecQueryRequest,
};
use rwmi_core::wmi::smart_enum::SmartNextResponse;
use rwmi_core::wmi::{Bstr, ObjectArray, PacketObject, PacketType};
use rwmi_core::wmio::{Limits, WmiObject, decode_encoding_unit, encode_instance_no_class};
use rwmi_core::{Guid, Writer};

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
    let corpora: [(&str, Vec<Seed>); 14] = [
        ("rpc_packet", rpc_packets()),
        ("rpc_reassembly", reassembly_streams()),
        ("ndr_strings", ndr_strings()),
        ("epm", epm()),
        ("dcom_orpc", dcom_orpc()),
        ("status_parse", status_texts()),
        ("dcom_activation", dcom_activation()),
        ("dcom_objref", dcom_objref()),
        ("dcom_scm", dcom_scm()),
        ("wmi_stubs", wmi_stubs()),
        ("wmi_object_array", wmi_object_array()),
        ("wmio_embedded", wmio_embedded()),
        ("krb5_ccache", krb5_ccache()),
        ("krb5_keytab", krb5_keytab()),
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
            bytes_of(&Packet::new(2, Pdu::Fault(Fault::new(0, nca::NCA_S_UNK_IF)))),
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
        status: rpc::EPT_S_NOT_REGISTERED,
    };
    vec![
        ("tower", tower.encode()),
        ("map-request", request.to_stub()),
        ("map-request-object", request_with_object.to_stub()),
        ("map-response", response.to_stub()),
        ("map-response-not-registered", not_registered.to_stub()),
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

/// CLSID and IID of IWbemLevel1Login, what a WMI client activates.
const CLSID_WBEM_LEVEL1_LOGIN: Guid = Guid::from_literal("8bc3f05e-d86b-11d0-a075-00c04fb68820");
const IID_IWBEM_LEVEL1_LOGIN: Guid = Guid::from_literal("f309ad18-d86a-11d0-a075-00c04fb68820");
/// IRemUnknown's IPID, and an IPID for an interface, as an exporter would hand them out.
const IPID_REM_UNKNOWN: Guid = Guid::from_literal("0000d800-0ae8-0000-3a1d-7e1b3b5b7c01");
const IPID_LOGIN: Guid = Guid::from_literal("0000a000-0ae8-0000-3a1d-7e1b3b5b7c02");
/// The MS-WMIO examples of section 3 (copied from the spec into the `wmio_object` corpus).
const SPEC_MY_CLASS: &[u8] = include_bytes!("../../corpus/wmio_object/spec-my-class");
const SPEC_MY_INSTANCE: &[u8] = include_bytes!("../../corpus/wmio_object/spec-my-instance");

fn bindings() -> DualStringArray {
    DualStringArray {
        string_bindings: vec![
            StringBinding::tcp("WIN-SERVER[49667]"),
            StringBinding::tcp("192.168.1.10[49667]"),
        ],
        security_bindings: vec![SecurityBinding {
            authn_svc: 10,
            principal_name: String::new(),
        }],
    }
}

fn std_objref() -> StdObjRef {
    StdObjRef {
        flags: 0,
        public_refs: 5,
        oxid: 0x1122_3344_5566_7788,
        oid: 0x99AA_BBCC_DDEE_FF00,
        ipid: IPID_LOGIN,
    }
}

fn standard_objref() -> ObjRef {
    ObjRef {
        iid: IID_IWBEM_LEVEL1_LOGIN,
        body: ObjRefBody::Standard {
            std: std_objref(),
            resolver_bindings: bindings(),
        },
    }
}

fn activation_request() -> ActivationRequest {
    ActivationRequest::new(CLSID_WBEM_LEVEL1_LOGIN, vec![IID_IWBEM_LEVEL1_LOGIN])
}

fn activation_reply() -> ActivationReply {
    ActivationReply {
        oxid: 0x1122_3344_5566_7788,
        oxid_bindings: bindings(),
        ipid_rem_unknown: IPID_REM_UNKNOWN,
        authn_hint: 2,
        server_version: ComVersion::CURRENT,
        interfaces: vec![InterfaceResult {
            iid: IID_IWBEM_LEVEL1_LOGIN,
            hresult: 0,
            pointer: Some(MInterfacePointer {
                data: standard_objref().encode(),
            }),
        }],
    }
}

fn dcom_activation() -> Vec<Seed> {
    let full = ActivationRequest {
        server_name: Some("WIN-SERVER".into()),
        special_properties: Some(SpecialPropertiesData::default()),
        ..activation_request()
    };
    let failed = ActivationReply {
        interfaces: vec![InterfaceResult {
            iid: IID_IWBEM_LEVEL1_LOGIN,
            hresult: hresult::E_NOINTERFACE,
            pointer: None,
        }],
        ..activation_reply()
    };
    vec![
        ("request", activation_request().to_blob()),
        ("request-server-special", full.to_blob()),
        ("reply", activation_reply().to_blob()),
        ("reply-no-interface", failed.to_blob()),
    ]
}

fn dcom_objref() -> Vec<Seed> {
    let handler = ObjRef {
        iid: IID_IWBEM_LEVEL1_LOGIN,
        body: ObjRefBody::Handler {
            std: std_objref(),
            clsid: CLSID_WBEM_LEVEL1_LOGIN,
            resolver_bindings: bindings(),
        },
    };
    let custom = ObjRef {
        iid: IID_IWBEM_LEVEL1_LOGIN,
        body: ObjRefBody::Custom(ObjRefCustom::new(
            CLSID_WBEM_LEVEL1_LOGIN,
            activation_request().to_blob(),
        )),
    };
    let extended = ObjRef {
        iid: IID_IWBEM_LEVEL1_LOGIN,
        body: ObjRefBody::Extended {
            std: std_objref(),
            resolver_bindings: bindings(),
            element: DataElement {
                data_id: IPID_REM_UNKNOWN,
                data: vec![1, 2, 3, 4, 5, 6, 7, 8],
            },
        },
    };
    let mut array = Writer::new();
    bindings().encode_packet(&mut array);
    vec![
        ("objref-standard", standard_objref().encode()),
        ("objref-handler", handler.encode()),
        ("objref-custom", custom.encode()),
        ("objref-extended", extended.encode()),
        ("dualstringarray", array.into_vec()),
    ]
}

fn dcom_scm() -> Vec<Seed> {
    let qi = RemQueryInterfaceResponse {
        orpc_that: OrpcThat::default(),
        results: vec![RemQiResult {
            hresult: 0,
            std: std_objref(),
        }],
        hresult: 0,
    };
    vec![
        (
            "remote-create-instance-request",
            RemoteCreateInstanceRequest::new(CAUSALITY_ID, &activation_request()).to_stub(),
        ),
        (
            "remote-create-instance-response",
            RemoteCreateInstanceResponse::new(&activation_reply()).to_stub(),
        ),
        (
            "remote-create-instance-failure",
            RemoteCreateInstanceResponse::failure(hresult::E_ACCESSDENIED).to_stub(),
        ),
        (
            "resolve-oxid2-response",
            ResolveOxid2Response {
                oxid_bindings: Some(bindings()),
                ipid_rem_unknown: IPID_REM_UNKNOWN,
                authn_hint: 2,
                com_version: ComVersion::CURRENT,
                status: 0,
            }
            .to_stub(),
        ),
        (
            "server-alive2-response",
            ServerAlive2Response {
                com_version: ComVersion::CURRENT,
                or_bindings: Some(bindings()),
                reserved: 0,
                status: 0,
            }
            .to_stub(),
        ),
        ("rem-query-interface-response", qi.to_stub()),
    ]
}

/// The `wmi_stubs` input: the octet that picks the stub, then the stub.
fn selected<T: Stub>(selector: u8, stub: &T) -> Vec<u8> {
    let mut out = vec![selector];
    out.extend_from_slice(&stub.to_stub());
    out
}

fn interface(data: Vec<u8>) -> rwmi_core::wmi::InterfacePtr {
    Unique::new(MInterfacePointer { data })
}

fn wmi_stubs() -> Vec<Seed> {
    let this = OrpcThis::new(CAUSALITY_ID);
    let objref = standard_objref().encode();
    let object = ObjRef {
        iid: IID_IWBEM_LEVEL1_LOGIN,
        body: ObjRefBody::Custom(ObjRefCustom::new(
            CLSID_WBEM_LEVEL1_LOGIN,
            SPEC_MY_INSTANCE.to_vec(),
        )),
    }
    .encode();
    let login = NtlmLoginRequest::new(this.clone(), "//./root/cimv2");
    let login_response = NtlmLoginResponse {
        that: OrpcThat::default(),
        namespace: interface(objref.clone()),
        hresult: 0,
    };
    let query = ExecQueryRequest {
        this: this.clone(),
        query_language: Bstr::new("WQL"),
        query: Bstr::new("SELECT * FROM Win32_OperatingSystem"),
        flags: 0x30,
        context: Unique::null(),
    };
    let enumerator = EnumeratorResponse {
        that: OrpcThat::default(),
        enumerator: interface(objref.clone()),
        hresult: 0,
    };
    let next = NextRequest {
        this: this.clone(),
        timeout: -1,
        count: 10,
    };
    let next_response = NextResponse {
        that: OrpcThat::default(),
        requested: 10,
        objects: vec![MInterfacePointer {
            data: object.clone(),
        }],
        hresult: 1,
    };
    let method = ExecMethodRequest {
        this,
        object_path: Bstr::new("Win32_Process"),
        method_name: Bstr::new("Create"),
        flags: 0,
        context: Unique::null(),
        in_params: interface(object.clone()),
        out_params: Unique::new(Unique::null()),
        call_result: Unique::null(),
    };
    let method_response = ExecMethodResponse {
        that: OrpcThat::default(),
        out_params: Unique::new(interface(object)),
        call_result: Unique::null(),
        hresult: 0,
    };
    let smart_next = SmartNextResponse {
        that: OrpcThat::default(),
        returned: 2,
        buffer: Some(object_array()),
        hresult: 0,
    };
    vec![
        ("ntlm-login-request", selected(0, &login)),
        ("ntlm-login-response", selected(1, &login_response)),
        ("exec-query-request", selected(2, &query)),
        ("enumerator-response", selected(3, &enumerator)),
        ("next-request", selected(4, &next)),
        ("next-response", selected(5, &next_response)),
        ("exec-method-request", selected(6, &method)),
        ("exec-method-response", selected(7, &method_response)),
        ("smart-next-response", selected(8, &smart_next)),
    ]
}

/// A SmartEnum Next batch: MyClass, then MyInstance with its class, then MyInstance without it.
fn object_array() -> Vec<u8> {
    let class_id = Guid::from_literal("3c2b1a09-0000-0000-0000-00000000c1a5");
    let no_class = my_instance_without_class();
    let mut objects = vec![
        PacketObject::class(SPEC_MY_CLASS.to_vec()),
        PacketObject::instance(class_id, SPEC_MY_INSTANCE.to_vec()),
    ];
    objects.extend(no_class.map(|data| PacketObject::instance_no_class(class_id, data)));
    ObjectArray::new(PacketType::SmartEnumNext, objects).encode()
}

/// MyInstance as an EncodingUnitInstanceNoClass (MS-WMIO 2.2.3).
fn my_instance_without_class() -> Option<Vec<u8>> {
    let unit = decode_encoding_unit(SPEC_MY_INSTANCE, &Limits::default(), None).ok()?;
    match unit.object {
        WmiObject::Instance(instance) => encode_instance_no_class(&instance).ok(),
        WmiObject::Class(_) => None,
    }
}

fn wmi_object_array() -> Vec<Seed> {
    let indicate = ObjectArray::new(
        PacketType::ObjectSinkIndicate,
        vec![PacketObject::instance(
            Guid::from_u128(7),
            SPEC_MY_INSTANCE.to_vec(),
        )],
    );
    vec![
        ("smart-enum-batch", object_array()),
        ("indicate-one-instance", indicate.encode()),
    ]
}

fn wmio_embedded() -> Vec<Seed> {
    // An embedded object is the EncodingUnit without its Signature: ObjectEncodingLength, ObjectBlock.
    let embedded = |unit: &[u8]| unit.get(4..).unwrap_or_default().to_vec();
    let no_class = my_instance_without_class();
    let mut seeds = vec![
        ("embedded-my-class", embedded(SPEC_MY_CLASS)),
        ("embedded-my-instance", embedded(SPEC_MY_INSTANCE)),
    ];
    seeds.extend(no_class.map(|bytes| ("instance-no-class", bytes)));
    seeds
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

/// A keytab written by MIT ktutil (the core's test fixture), copied as bytes.
const MIT_KEYTAB: &[u8] =
    include_bytes!("../../../crates/rwmi-core/src/krb5/testdata/mit-ktutil.keytab");

fn krb5_principal(text: &str) -> Principal {
    Principal::parse(text, 1).expect("a literal principal")
}

/// A version 4 cache with a KDC time offset, a TGT, a service ticket with an address and authdata, and
/// a configuration entry; and the same in version 3 without the configuration entry.
fn krb5_ccache() -> Vec<Seed> {
    let alice = krb5_principal("alice@TEST.LOCAL");
    let ticket = |server: Principal, enctype: u16, key_len: usize| CachedCredential {
        client: alice.clone(),
        server,
        key: KeyBlock {
            enctype,
            value: vec![0x42; key_len],
        },
        auth_time: 1_700_000_000,
        start_time: 1_700_000_000,
        end_time: 1_700_036_000,
        renew_till: 1_700_604_800,
        ticket_flags: 0x40e1_0000,
        ticket: vec![0x61, 3, 2, 1, 5],
        ..CachedCredential::default()
    };
    let mut service = ticket(
        krb5_principal("host/emu.test.local@TEST.LOCAL"),
        enctype::AES128_CTS_HMAC_SHA1_96,
        16,
    );
    service.addresses = vec![(2, vec![127, 0, 0, 1])];
    service.auth_data = vec![(1, vec![0x30, 0])];
    let mut v4 = CredentialCache::new(alice.clone());
    v4.kdc_time_offset = Some((-2, 500_000));
    v4.credentials = vec![
        ticket(
            Principal::krbtgt("TEST.LOCAL"),
            enctype::AES256_CTS_HMAC_SHA1_96,
            32,
        ),
        service,
        CachedCredential::config_entry(
            alice,
            "pa_type",
            Some(&Principal::krbtgt("TEST.LOCAL")),
            b"2".to_vec(),
        ),
    ];
    let mut v3 = v4.clone();
    v3.version = rwmi_core::krb5::ccache::VERSION_3;
    v3.kdc_time_offset = None;
    v3.credentials.truncate(2);
    vec![("cache-v4", v4.encode()), ("cache-v3", v3.encode())]
}

/// MIT ktutil's keytab, and one entry with a kvno past 255 after a hole.
fn krb5_keytab() -> Vec<Seed> {
    let large_kvno = Keytab {
        entries: vec![KeytabEntry {
            principal: krb5_principal("host/emu.test.local@TEST.LOCAL"),
            timestamp: 1_700_000_000,
            kvno: 300,
            key: KeyBlock {
                enctype: enctype::RC4_HMAC,
                value: vec![0x24; 16],
            },
        }],
    };
    let mut with_hole = vec![5, 2];
    with_hole.extend_from_slice(&(-8i32).to_be_bytes());
    with_hole.extend_from_slice(&[0; 8]);
    with_hole.extend_from_slice(&large_kvno.encode()[2..]);
    vec![
        ("mit-ktutil", MIT_KEYTAB.to_vec()),
        ("hole-and-large-kvno", with_hole),
    ]
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

    /// Every seed of the targets added with the DCOM and MS-WMI stub decoders is accepted by the decoder
    /// its target tries first, so the fuzzer starts from valid encodings.
    #[test]
    fn every_dcom_and_wmi_seed_decodes() {
        for (name, bytes) in dcom_activation() {
            let decoded = if name.starts_with("request") {
                ActivationRequest::from_blob(&bytes).map(drop)
            } else {
                ActivationReply::from_blob(&bytes).map(drop)
            };
            decoded.unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        for (name, bytes) in dcom_objref() {
            if name.starts_with("objref") {
                let objref = ObjRef::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(objref.encode(), bytes, "{name}");
            }
        }
        for (name, bytes) in wmi_object_array() {
            ObjectArray::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let stubs = wmi_stubs();
        assert_eq!(stubs.len(), 9, "one seed per stub the selector octet picks");
        assert_eq!(
            wmio_embedded().len(),
            3,
            "MyInstance re-encodes without its class"
        );
    }

    #[test]
    fn every_krb5_seed_decodes() {
        for (name, bytes) in krb5_ccache() {
            CredentialCache::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        for (name, bytes) in krb5_keytab() {
            let keytab = Keytab::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!keytab.entries.is_empty(), "{name}");
        }
    }
}
