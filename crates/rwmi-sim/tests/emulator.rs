//! The emulator over real TCP on loopback, driven with raw stubs through rwmi's `ClientAssociation`:
//! endpoint mapper, activation, NTLMLogin, queries and enumeration, and one test per fault profile.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rwmi::rpc::{AssociationOptions, ClientAssociation, RpcError, Stage};
use rwmi::security::{AuthLevel, KerberosService, ServiceKey};
use rwmi_core::Guid;
use rwmi_core::dcom::activation::ActivationRequest;
use rwmi_core::dcom::scm::{
    ComplexPingRequest, IOBJECT_EXPORTER_SYNTAX, IREM_UNKNOWN2_SYNTAX,
    IREMOTE_SCM_ACTIVATOR_SYNTAX, RemInterfaceRef, RemQueryInterfaceRequest,
    RemQueryInterfaceResponse, RemReleaseRequest, RemReleaseResponse, RemoteCreateInstanceRequest,
    RemoteCreateInstanceResponse, ResolveOxid2Request, ResolveOxidRequest, ServerAlive2Request,
    ServerAlive2Response, SimplePingRequest,
};
use rwmi_core::dcom::{ComVersion, MInterfacePointer, ObjRef, ObjRefBody, ObjRefCustom, OrpcThis};
use rwmi_core::ndr::Unique;
use rwmi_core::rpc::{Call, Stub, SyntaxId};
use rwmi_core::status::hresult::{E_ACCESSDENIED, E_INVALIDARG, RPC_E_DISCONNECTED};
use rwmi_core::status::rpc::EPT_S_NOT_REGISTERED;
use rwmi_core::status::wbem::{WBEM_E_INVALID_NAMESPACE, WBEM_E_INVALID_QUERY_TYPE, WBEM_S_FALSE};
use rwmi_core::status::win32::{ERROR_ACCESS_DENIED, OR_INVALID_SET, RPC_X_BAD_STUB_DATA};
use rwmi_core::wmi::enumerator::{NextRequest, NextResponse};
use rwmi_core::wmi::ids::{
    CLSID_WBEM_CLASS_OBJECT_UNMARSHALER, CLSID_WBEM_LEVEL1_LOGIN, IENUM_WBEM_CLASS_OBJECT,
    IID_IWBEM_CLASS_OBJECT, IID_IWBEM_FETCH_SMART_ENUM, IID_IWBEM_LEVEL1_LOGIN,
    IWBEM_FETCH_SMART_ENUM, IWBEM_LEVEL1_LOGIN, IWBEM_SERVICES, IWBEM_WCO_SMART_ENUM,
};
use rwmi_core::wmi::login::{NtlmLoginRequest, NtlmLoginResponse};
use rwmi_core::wmi::services::{
    EnumeratorResponse, ExecMethodRequest, ExecMethodResponse, ExecQueryRequest, wanted,
};
use rwmi_core::wmi::smart_enum::{
    GetSmartEnumRequest, GetSmartEnumResponse, SmartNextRequest, SmartNextResponse,
};
use rwmi_core::wmi::{Bstr, ObjectArray, ObjectKind};
use rwmi_core::wmio::{
    CimBase, CimType, ClassBuilder, Limits, Value, WmiInstance, WmiObject, decode_encoding_unit,
};
use rwmi_sim::emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use rwmi_sim::profile::Profiles;
use support::{AdvertisedBindings, emu_account, emulator_config, services};

const CID: Guid = Guid::from_u128(0x1234);

const OBJECT_INTERFACES: [SyntaxId; 6] = [
    IWBEM_LEVEL1_LOGIN,
    IWBEM_SERVICES,
    IENUM_WBEM_CLASS_OBJECT,
    IREM_UNKNOWN2_SYNTAX,
    IWBEM_FETCH_SMART_ENUM,
    IWBEM_WCO_SMART_ENUM,
];

async fn start_with(profiles: &str, synthetic_processes: Option<usize>) -> EmulatorHandle {
    Emulator::start(config(profiles, synthetic_processes))
        .await
        .unwrap()
}

fn config(profiles: &str, synthetic_processes: Option<usize>) -> EmulatorConfig {
    let mut config = emulator_config(|repository| {
        if let Some(count) = synthetic_processes {
            repository.set_synthetic("Win32_Process", count).unwrap();
        }
    });
    config.profiles = vec![Profiles::parse(profiles).unwrap()];
    config
}

async fn start(profiles: &str) -> EmulatorHandle {
    start_with(profiles, None).await
}

fn options(interfaces: Vec<SyntaxId>, user: &str, level: AuthLevel) -> AssociationOptions {
    let mut o = AssociationOptions::new(interfaces);
    o.call_timeout = Duration::from_secs(20);
    o.connect_timeout = Duration::from_secs(5);
    o.with_auth(emu_account(user), level)
}

async fn scm(addr: SocketAddr, user: &str, level: AuthLevel) -> ClientAssociation {
    ClientAssociation::connect(
        addr,
        &options(
            vec![IREMOTE_SCM_ACTIVATOR_SYNTAX, IOBJECT_EXPORTER_SYNTAX],
            user,
            level,
        ),
    )
    .await
    .unwrap()
}

/// The first host's port 135 as Administrator at privacy.
async fn admin_scm(handle: &EmulatorHandle) -> ClientAssociation {
    scm(
        handle.hosts()[0].scm_addr,
        "Administrator",
        AuthLevel::Privacy,
    )
    .await
}

async fn activate(addr: SocketAddr, user: &str, level: AuthLevel) -> RemoteCreateInstanceResponse {
    let mut client = scm(addr, user, level).await;
    let request = RemoteCreateInstanceRequest::new(
        CID,
        &ActivationRequest::new(CLSID_WBEM_LEVEL1_LOGIN, vec![IID_IWBEM_LEVEL1_LOGIN]),
    );
    let stub = client
        .call(
            &IREMOTE_SCM_ACTIVATOR_SYNTAX,
            <RemoteCreateInstanceRequest as Call>::OPNUM,
            None,
            &request.to_stub(),
        )
        .await
        .unwrap();
    RemoteCreateInstanceResponse::from_stub(&stub).unwrap()
}

fn ipid_of(pointer: &MInterfacePointer) -> Guid {
    ObjRef::from_interface_pointer(pointer)
        .unwrap()
        .std()
        .unwrap()
        .ipid
}

async fn call<R: Stub, S: Stub>(
    client: &mut ClientAssociation,
    interface: SyntaxId,
    opnum: u16,
    ipid: Guid,
    request: &R,
) -> Result<S, RpcError> {
    let stub = client
        .call(&interface, opnum, Some(ipid), &request.to_stub())
        .await?;
    Ok(S::from_stub(&stub).unwrap())
}

/// Activates as Administrator, connects to the dynamic port and logs in to root\cimv2: the client
/// association and the IWbemServices IPID.
async fn login(handle: &EmulatorHandle) -> (ClientAssociation, Guid) {
    login_on(handle, OBJECT_INTERFACES.to_vec()).await
}

/// An association of `user` to the object exporter binding `interfaces`, after a first call that
/// succeeds (an empty RemRelease): the client reads an access denial on the first call after
/// authentication as a logon failure, as Windows answers a bad AUTH3 that way.
async fn objects(
    handle: &EmulatorHandle,
    user: &str,
    interfaces: Vec<SyntaxId>,
) -> ClientAssociation {
    let endpoints = &handle.hosts()[0];
    let dynamic = SocketAddr::new(endpoints.scm_addr.ip(), endpoints.dynamic_port);
    let context = interfaces[0];
    let mut client =
        ClientAssociation::connect(dynamic, &options(interfaces, user, AuthLevel::Privacy))
            .await
            .unwrap();
    assert_eq!(
        rem_release(&mut client, handle, context, Vec::new()).await,
        0
    );
    client
}

/// Activation and NTLMLogin into root\cimv2 as the Administrator, on an association binding
/// `interfaces`; NTLMLogin goes over the first of them.
async fn login_on(handle: &EmulatorHandle, interfaces: Vec<SyntaxId>) -> (ClientAssociation, Guid) {
    let endpoints = &handle.hosts()[0];
    let response = activate(endpoints.scm_addr, "Administrator", AuthLevel::Privacy).await;
    let reply = response.activation_reply().unwrap();
    let login_ipid = ipid_of(reply.interface(IID_IWBEM_LEVEL1_LOGIN).unwrap());
    let context = interfaces[0];
    let mut client = objects(handle, "Administrator", interfaces).await;
    let response: NtlmLoginResponse = call(
        &mut client,
        context,
        6,
        login_ipid,
        &NtlmLoginRequest::new(OrpcThis::new(CID), "//./root/cimv2"),
    )
    .await
    .unwrap();
    assert_eq!(response.hresult, 0);
    let services = ipid_of(response.namespace.as_ref().unwrap());
    (client, services)
}

async fn exec_query(
    client: &mut ClientAssociation,
    services: Guid,
    wql: &str,
) -> EnumeratorResponse {
    call(
        client,
        IWBEM_SERVICES,
        20,
        services,
        &ExecQueryRequest::wql(OrpcThis::new(CID), wql, 0x30),
    )
    .await
    .unwrap()
}

async fn next(client: &mut ClientAssociation, enumerator: Guid, count: u32) -> NextResponse {
    call(
        client,
        IENUM_WBEM_CLASS_OBJECT,
        4,
        enumerator,
        &NextRequest {
            this: OrpcThis::new(CID),
            timeout: -1,
            count,
        },
    )
    .await
    .unwrap()
}

fn decode_object(pointer: &MInterfacePointer) -> WmiObject {
    let objref = ObjRef::from_interface_pointer(pointer).unwrap();
    assert_eq!(objref.iid, IID_IWBEM_CLASS_OBJECT);
    let ObjRefBody::Custom(custom) = objref.body else {
        panic!("an IWbemClassObject is custom-marshaled");
    };
    assert_eq!(custom.clsid, CLSID_WBEM_CLASS_OBJECT_UNMARSHALER);
    decode_encoding_unit(&custom.object_data, &Limits::default(), None)
        .unwrap()
        .object
}

#[tokio::test]
async fn ept_map_finds_the_dynamic_port() {
    let handle = start("").await;
    let endpoints = handle.hosts()[0].clone();
    let o = options(vec![], "Administrator", AuthLevel::Privacy);
    let mapped = rwmi::rpc::epm::map_tcp(endpoints.scm_addr, IWBEM_LEVEL1_LOGIN, &o)
        .await
        .unwrap();
    assert_eq!(mapped.port(), endpoints.dynamic_port);
    let unknown = SyntaxId::new(Guid::from_u128(0xdead), 1, 0);
    let err = rwmi::rpc::epm::map_tcp(endpoints.scm_addr, unknown, &o)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RpcError::NotRegistered {
                status: EPT_S_NOT_REGISTERED,
                ..
            }
        ),
        "{err:?}"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn administrator_activation_returns_the_login_objref_and_bindings() {
    let handle = start("").await;
    let endpoints = handle.hosts()[0].clone();
    let response = activate(endpoints.scm_addr, "Administrator", AuthLevel::Privacy).await;
    assert_eq!(response.hresult, 0);
    let reply = response.activation_reply().unwrap();
    assert_eq!(reply.server_version, ComVersion::CURRENT);
    // As Windows lists them: the computer name, then the address.
    let names: Vec<&str> = reply
        .oxid_bindings
        .string_bindings
        .iter()
        .map(|b| b.network_addr.as_str())
        .collect();
    let port = endpoints.dynamic_port;
    assert_eq!(
        names,
        [format!("EMU[{port}]"), format!("127.0.0.1[{port}]")]
    );
    assert_eq!(reply.oxid_bindings.security_bindings[0].authn_svc, 10);
    let objref =
        ObjRef::from_interface_pointer(reply.interface(IID_IWBEM_LEVEL1_LOGIN).unwrap()).unwrap();
    let std = objref.std().unwrap();
    assert_eq!(std.oxid, reply.oxid);
    assert_eq!(std.public_refs, 5);
    assert_eq!(std.flags, 0);
    // The OBJREF names the resolver, without ports, as Windows does.
    assert_eq!(
        objref.resolver_bindings().unwrap().tcp_bindings(),
        vec![("EMU", None), ("127.0.0.1", None)]
    );
    assert!(endpoints.host.exporter.peek(&std.ipid).is_some());
    handle.shutdown().await;
}

/// The bindings in Windows' shape (zeek-kerberos135_auth.pcapng frame 11 in rwmi-core's real-Windows
/// corpus) for the services the emulator accepts: NTLM only without a keytab.
#[tokio::test]
async fn activation_advertises_windows_bindings_for_ntlm() {
    let handle = start("").await;
    let port = handle.hosts()[0].dynamic_port;
    let advertised = AdvertisedBindings::of(&handle).await;
    assert_eq!(
        advertised.oxid.tcp_bindings(),
        vec![("EMU", Some(port)), ("127.0.0.1", Some(port))]
    );
    assert_eq!(services(&advertised.oxid), [(10, "NT AUTHORITY\\SYSTEM")]);
    assert_eq!(
        advertised.resolver.tcp_bindings(),
        vec![("EMU", None), ("127.0.0.1", None)]
    );
    assert_eq!(services(&advertised.resolver), [(10, "")]);
    handle.shutdown().await;
}

/// With Kerberos keys (here made up: no ticket is presented, the activation is NTLM's), Kerberos and
/// Negotiate join NTLM in Windows' orders, named by the keytab's host SPN in the OXID bindings.
#[tokio::test]
async fn activation_advertises_windows_bindings_for_kerberos_with_a_keytab() {
    let mut config = config("", None);
    config.kerberos = Some(KerberosService::new(vec![ServiceKey {
        components: vec!["host".into(), "emu.test.local".into()],
        realm: "TEST.LOCAL".into(),
        kvno: 1,
        enctype: 18,
        key: vec![7; 32],
    }]));
    let handle = Emulator::start(config).await.unwrap();
    let advertised = AdvertisedBindings::of(&handle).await;
    let spn = "host/emu.test.local";
    assert_eq!(
        services(&advertised.oxid),
        [(10, "NT AUTHORITY\\SYSTEM"), (16, spn), (9, spn)]
    );
    assert_eq!(
        services(&advertised.resolver),
        [(9, ""), (16, ""), (10, "")]
    );
    assert!(
        advertised
            .resolver
            .tcp_bindings()
            .iter()
            .all(|(_, port)| port.is_none())
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn alice_activation_is_access_denied_in_the_return_value() {
    let handle = start("").await;
    let response = activate(handle.hosts()[0].scm_addr, "alice", AuthLevel::Privacy).await;
    assert_eq!(response.hresult, E_ACCESSDENIED);
    assert!(response.act_properties.is_none());
    handle.shutdown().await;
}

#[tokio::test]
async fn login_query_and_next_return_a_decodable_instance() {
    let handle = start("").await;
    let (mut client, services) = login(&handle).await;
    let response = exec_query(&mut client, services, "SELECT * FROM Win32_OperatingSystem").await;
    assert_eq!(response.hresult, 0);
    let enumerator = ipid_of(response.enumerator.as_ref().unwrap());
    let batch = next(&mut client, enumerator, 10).await;
    assert_eq!(
        batch.hresult, WBEM_S_FALSE,
        "one operating system, ten asked"
    );
    assert_eq!(batch.objects.len(), 1);
    let WmiObject::Instance(os) = decode_object(&batch.objects[0]) else {
        panic!("an instance");
    };
    assert_eq!(os.class.name(), "Win32_OperatingSystem");
    assert!(os.get("Caption").is_some());

    // A query language other than WQL.
    let mut request = ExecQueryRequest::wql(OrpcThis::new(CID), "SELECT * FROM Win32_Process", 0);
    request.query_language = Bstr::new("SQL");
    let refused: EnumeratorResponse = call(&mut client, IWBEM_SERVICES, 20, services, &request)
        .await
        .unwrap();
    assert_eq!(refused.hresult, WBEM_E_INVALID_QUERY_TYPE);
    assert!(refused.enumerator.is_null());
    handle.shutdown().await;
}

#[tokio::test]
async fn invalid_namespace_and_unknown_ipid() {
    let handle = start("").await;
    let (mut client, services) = login(&handle).await;
    let login_ipid = {
        let response = activate(
            handle.hosts()[0].scm_addr,
            "Administrator",
            AuthLevel::Privacy,
        )
        .await;
        ipid_of(
            response
                .activation_reply()
                .unwrap()
                .interface(IID_IWBEM_LEVEL1_LOGIN)
                .unwrap(),
        )
    };
    let response: NtlmLoginResponse = call(
        &mut client,
        IWBEM_LEVEL1_LOGIN,
        6,
        login_ipid,
        &NtlmLoginRequest::new(OrpcThis::new(CID), "//./root/nowhere"),
    )
    .await
    .unwrap();
    assert_eq!(response.hresult, WBEM_E_INVALID_NAMESPACE);
    assert!(response.namespace.is_null());

    let err = client
        .call(
            &IWBEM_SERVICES,
            20,
            Some(Guid::from_u128(77)),
            &ExecQueryRequest::wql(OrpcThis::new(CID), "SELECT * FROM Win32_OperatingSystem", 0)
                .to_stub(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RpcError::Fault {
                status: RPC_E_DISCONNECTED,
                ..
            }
        ),
        "{err:?}"
    );
    // A stub that does not decode.
    let err = client
        .call(&IWBEM_SERVICES, 20, Some(services), &[1, 2, 3])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RpcError::Fault {
                status: RPC_X_BAD_STUB_DATA,
                ..
            }
        ),
        "{err:?}"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn ten_thousand_synthetic_instances_enumerate_in_batches_and_smart_enum() {
    let handle = start_with("", Some(10_000)).await;
    let (mut client, services) = login(&handle).await;
    let response = exec_query(&mut client, services, "SELECT * FROM Win32_Process").await;
    let enumerator = ipid_of(response.enumerator.as_ref().unwrap());
    let mut total = 0usize;
    let mut batches = 0;
    loop {
        let batch = next(&mut client, enumerator, 1000).await;
        total += batch.objects.len();
        batches += 1;
        if let Some(last) = batch.objects.last() {
            assert!(matches!(decode_object(last), WmiObject::Instance(_)));
        }
        if batch.hresult == WBEM_S_FALSE {
            break;
        }
        assert_eq!(batch.hresult, 0);
        assert!(batches <= 11, "the enumeration ends");
    }
    assert_eq!(total, 10_000);

    // The smart enumerator of a fresh query: the first instance carries its class, the next do not.
    let response = exec_query(&mut client, services, "SELECT * FROM Win32_Process").await;
    let enumerator = ipid_of(response.enumerator.as_ref().unwrap());
    let qi: RemQueryInterfaceResponse = {
        let request = RemQueryInterfaceRequest {
            orpc_this: OrpcThis::new(CID),
            ipid: enumerator,
            refs: 5,
            iids: vec![IID_IWBEM_FETCH_SMART_ENUM],
        };
        let rem_unknown = handle.hosts()[0].host.exporter.ipid_rem_unknown;
        let stub = client
            .call(
                &IREM_UNKNOWN2_SYNTAX,
                <RemQueryInterfaceRequest as Call>::OPNUM,
                Some(rem_unknown),
                &request.to_stub(),
            )
            .await
            .unwrap();
        RemQueryInterfaceResponse::from_stub(&stub).unwrap()
    };
    assert_eq!(qi.hresult, 0);
    let fetch = qi.results[0].std.ipid;
    let smart: GetSmartEnumResponse = call(
        &mut client,
        IWBEM_FETCH_SMART_ENUM,
        3,
        fetch,
        &GetSmartEnumRequest {
            this: OrpcThis::new(CID),
        },
    )
    .await
    .unwrap();
    let smart = ipid_of(smart.smart_enum.as_ref().unwrap());
    let packet: SmartNextResponse = call(
        &mut client,
        IWBEM_WCO_SMART_ENUM,
        3,
        smart,
        &SmartNextRequest {
            this: OrpcThis::new(CID),
            proxy_guid: Guid::from_u128(5),
            timeout: -1,
            count: 3,
        },
    )
    .await
    .unwrap();
    assert_eq!((packet.hresult, packet.returned), (0, 3));
    let array = ObjectArray::decode(packet.buffer.as_ref().unwrap()).unwrap();
    let kinds: Vec<ObjectKind> = array.objects.iter().map(|o| o.kind()).collect();
    assert_eq!(
        kinds,
        vec![
            ObjectKind::Instance,
            ObjectKind::InstanceNoClass,
            ObjectKind::InstanceNoClass
        ]
    );
    assert_eq!(array.objects[0].class_id(), array.objects[2].class_id());

    // RemRelease of all references drops the enumerator.
    let rem_unknown = handle.hosts()[0].host.exporter.ipid_rem_unknown;
    let release = RemReleaseRequest {
        orpc_this: OrpcThis::new(CID),
        refs: vec![RemInterfaceRef {
            ipid: enumerator,
            public_refs: 5,
            private_refs: 0,
        }],
    };
    let stub = client
        .call(
            &IREM_UNKNOWN2_SYNTAX,
            <RemReleaseRequest as Call>::OPNUM,
            Some(rem_unknown),
            &release.to_stub(),
        )
        .await
        .unwrap();
    assert_eq!(RemReleaseResponse::from_stub(&stub).unwrap().hresult, 0);
    assert!(handle.hosts()[0].host.exporter.peek(&enumerator).is_none());
    handle.shutdown().await;
}

#[tokio::test]
async fn exec_method_echo_and_get_owner() {
    let handle = start_with("", Some(10)).await;
    let (mut client, services) = login(&handle).await;
    let class = ClassBuilder::new("__PARAMETERS")
        .property("Text", CimType::scalar(CimBase::String), Vec::new(), None)
        .build()
        .unwrap();
    let mut input = WmiInstance::new(class);
    input
        .set("Text", Some(Value::String("ping".into())))
        .unwrap();
    let unit = WmiObject::Instance(input).encode().unwrap();
    let in_params = ObjRef {
        iid: IID_IWBEM_CLASS_OBJECT,
        body: ObjRefBody::Custom(ObjRefCustom::new(CLSID_WBEM_CLASS_OBJECT_UNMARSHALER, unit)),
    }
    .to_interface_pointer();
    let request = ExecMethodRequest {
        this: OrpcThis::new(CID),
        object_path: Bstr::new("RwmiSim_Echo"),
        method_name: Bstr::new("Echo"),
        flags: 0,
        context: Unique::null(),
        in_params: Unique::new(in_params),
        out_params: wanted(),
        call_result: Unique::null(),
    };
    let response: ExecMethodResponse = call(&mut client, IWBEM_SERVICES, 24, services, &request)
        .await
        .unwrap();
    assert_eq!(response.hresult, 0);
    let out = response.out_params.as_ref().unwrap().as_ref().unwrap();
    let WmiObject::Instance(out) = decode_object(out) else {
        panic!("out-parameters are an instance");
    };
    assert_eq!(out.get("Text"), Some(&Value::String("ping".into())));

    // GetOwner on a process of the repository.
    let response = exec_query(&mut client, services, "SELECT * FROM Win32_Process").await;
    let enumerator = ipid_of(response.enumerator.as_ref().unwrap());
    let batch = next(&mut client, enumerator, 1).await;
    let WmiObject::Instance(process) = decode_object(&batch.objects[0]) else {
        panic!("an instance");
    };
    let path = process.relpath().unwrap();
    let request = ExecMethodRequest {
        object_path: Bstr::new(&path),
        method_name: Bstr::new("GetOwner"),
        in_params: Unique::null(),
        ..request
    };
    let response: ExecMethodResponse = call(&mut client, IWBEM_SERVICES, 24, services, &request)
        .await
        .unwrap();
    assert_eq!(response.hresult, 0, "{path}");
    let out = response.out_params.as_ref().unwrap().as_ref().unwrap();
    let WmiObject::Instance(out) = decode_object(out) else {
        panic!("out-parameters are an instance");
    };
    assert!(matches!(out.get("User"), Some(Value::String(_))));
    assert!(matches!(out.get("Domain"), Some(Value::String(_))));
    handle.shutdown().await;
}

async fn server_alive2(client: &mut ClientAssociation) -> Result<ServerAlive2Response, RpcError> {
    let stub = client
        .call(
            &IOBJECT_EXPORTER_SYNTAX,
            <ServerAlive2Request as Call>::OPNUM,
            None,
            &ServerAlive2Request.to_stub(),
        )
        .await?;
    Ok(ServerAlive2Response::from_stub(&stub).unwrap())
}

#[tokio::test]
async fn profile_lag_delays_responses() {
    let handle = start("lag=300").await;
    let mut client = admin_scm(&handle).await;
    let started = Instant::now();
    server_alive2(&mut client).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    handle.shutdown().await;
}

#[tokio::test]
async fn profile_firewalled_dynamic_port_times_out_the_bind() {
    let handle = start("firewalled-dynamic-port").await;
    let endpoints = handle.hosts()[0].clone();
    assert_ne!(endpoints.advertised_port, endpoints.dynamic_port);
    let o = options(vec![], "Administrator", AuthLevel::Privacy);
    let mapped = rwmi::rpc::epm::map_tcp(endpoints.scm_addr, IWBEM_LEVEL1_LOGIN, &o)
        .await
        .unwrap();
    assert_eq!(mapped.port(), endpoints.advertised_port);
    let mut o = options(
        OBJECT_INTERFACES.to_vec(),
        "Administrator",
        AuthLevel::Privacy,
    );
    o.connect_timeout = Duration::from_millis(300);
    let err = ClientAssociation::connect(mapped, &o).await.unwrap_err();
    assert!(
        matches!(
            err,
            RpcError::Timeout {
                stage: Stage::Bind,
                ..
            }
        ),
        "{err:?}"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn profile_unreachable_binding_advertises_a_name_that_does_not_resolve() {
    let handle = start("unreachable-binding").await;
    let endpoints = handle.hosts()[0].clone();
    let reply = activate(endpoints.scm_addr, "Administrator", AuthLevel::Privacy)
        .await
        .activation_reply()
        .unwrap();
    assert_eq!(
        reply.oxid_bindings.tcp_bindings(),
        vec![("emu-unreachable.invalid", Some(endpoints.dynamic_port))]
    );
    // The real port still answers on the 135 address.
    let dynamic = SocketAddr::new(endpoints.scm_addr.ip(), endpoints.dynamic_port);
    assert!(
        ClientAssociation::connect(
            dynamic,
            &options(
                OBJECT_INTERFACES.to_vec(),
                "Administrator",
                AuthLevel::Privacy
            )
        )
        .await
        .is_ok()
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn profile_drop_after_closes_the_connection() {
    let handle = start("drop-after=1").await;
    let mut client = admin_scm(&handle).await;
    server_alive2(&mut client).await.unwrap();
    let err = server_alive2(&mut client).await.unwrap_err();
    assert_eq!(err, RpcError::Closed { stage: Stage::Call });
    handle.shutdown().await;
}

#[tokio::test]
async fn profile_stall_after_stops_answering() {
    let handle = start("stall-after=1").await;
    let mut client = admin_scm(&handle).await;
    server_alive2(&mut client).await.unwrap();
    client.set_call_timeout(Duration::from_millis(300));
    let err = server_alive2(&mut client).await.unwrap_err();
    assert!(
        matches!(
            err,
            RpcError::Timeout {
                stage: Stage::Call,
                ..
            }
        ),
        "{err:?}"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn profile_com_version_is_reported() {
    let handle = start("com-version=5.6").await;
    let addr = handle.hosts()[0].scm_addr;
    let mut client = scm(addr, "Administrator", AuthLevel::Privacy).await;
    let alive = server_alive2(&mut client).await.unwrap();
    assert_eq!(alive.com_version, ComVersion { major: 5, minor: 6 });
    let reply = activate(addr, "Administrator", AuthLevel::Privacy)
        .await
        .activation_reply()
        .unwrap();
    assert_eq!(reply.server_version, ComVersion { major: 5, minor: 6 });
    handle.shutdown().await;
}

/// RemoteCreateInstance's answer for `user` at `level` on a fresh emulator with `profiles`.
async fn activation(profiles: &str, user: &str, level: AuthLevel) -> RemoteCreateInstanceResponse {
    let handle = start(profiles).await;
    let response = activate(handle.hosts()[0].scm_addr, user, level).await;
    handle.shutdown().await;
    response
}

#[tokio::test]
async fn profile_home_edition_denies_activation() {
    let response = activation("home-edition", "Administrator", AuthLevel::Privacy).await;
    assert_eq!(response.hresult, E_ACCESSDENIED);
}

#[tokio::test]
async fn profile_legacy_accepts_activation_at_connect_level() {
    let response = activation("", "Administrator", AuthLevel::Connect).await;
    assert_eq!(response.hresult, E_ACCESSDENIED, "KB5004442 hardening");
    let response = activation("legacy", "Administrator", AuthLevel::Connect).await;
    assert_eq!(response.hresult, 0);
    // Its exporter's minimum, in the hint (`authn_hint_is_the_minimum_level_the_exporter_accepts`).
    assert_eq!(
        response.activation_reply().unwrap().authn_hint,
        2,
        "RPC_C_AUTHN_LEVEL_CONNECT"
    );
}

#[tokio::test]
async fn profile_uac_off_lets_a_local_administrator_activate() {
    let response = activation("", "localadmin", AuthLevel::Privacy).await;
    assert_eq!(
        response.hresult, E_ACCESSDENIED,
        "remote UAC filters the token"
    );
    let response = activation("uac-off", "localadmin", AuthLevel::Privacy).await;
    assert_eq!(response.hresult, 0);
}

#[tokio::test]
async fn several_virtual_hosts_listen_on_their_own_addresses() {
    let mut config = emulator_config(|repository| repository.set_live_provider(None));
    config.hosts = 3;
    let handle = Emulator::start(config).await.unwrap();
    let hosts = handle.hosts();
    assert_eq!(hosts.len(), 3);
    assert_eq!(hosts[2].scm_addr.ip().to_string(), "127.0.0.3");
    let mut oxids = Vec::new();
    for host in hosts {
        let reply = activate(host.scm_addr, "Administrator", AuthLevel::Privacy)
            .await
            .activation_reply()
            .unwrap();
        assert_eq!(
            reply.oxid_bindings.tcp_bindings()[1].0,
            host.scm_addr.ip().to_string()
        );
        oxids.push(reply.oxid);
    }
    oxids.dedup();
    assert_eq!(oxids.len(), 3);
    handle.shutdown().await;
}

/// ScmReplyInfoData.authnHint and ResolveOxid2's pAuthnHint name the lowest level the object exporter
/// accepts (MS-DCOM 2.2.22.2.8.1, 3.1.2.5.1.5, notes <37>, <57>), not the caller's: integrity on a
/// patched host (connect under `legacy`: `profile_legacy_accepts_activation_at_connect_level`).
#[tokio::test]
async fn authn_hint_is_the_minimum_level_the_exporter_accepts() {
    let handle = start("").await;
    let scm_addr = handle.hosts()[0].scm_addr;
    for level in [AuthLevel::Privacy, AuthLevel::Integrity] {
        let reply = activate(scm_addr, "Administrator", level).await;
        assert_eq!(
            reply.activation_reply().unwrap().authn_hint,
            5,
            "RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, activated at {level:?}"
        );
    }
    let mut client = scm(scm_addr, "Administrator", AuthLevel::Privacy).await;
    let resolved = client
        .invoke(
            None,
            &ResolveOxid2Request(ResolveOxidRequest {
                oxid: handle.hosts()[0].host.exporter.oxid,
                requested_protseqs: vec![7],
            }),
        )
        .await
        .unwrap();
    assert_eq!(resolved.status, 0);
    assert_eq!(resolved.authn_hint, 5);
    handle.shutdown().await;
}

/// The Fault status of a call that must fail.
async fn fault<R: Stub>(
    client: &mut ClientAssociation,
    interface: SyntaxId,
    opnum: u16,
    ipid: Guid,
    request: &R,
) -> u32 {
    match client
        .call(&interface, opnum, Some(ipid), &request.to_stub())
        .await
    {
        Err(RpcError::Fault { status, .. }) => status,
        other => panic!("a fault: {other:?}"),
    }
}

/// RemRelease through the exporter's IRemUnknown IPID on the `context` interface; its HRESULT.
async fn rem_release(
    client: &mut ClientAssociation,
    handle: &EmulatorHandle,
    context: SyntaxId,
    refs: Vec<RemInterfaceRef>,
) -> u32 {
    let request = RemReleaseRequest {
        orpc_this: OrpcThis::new(CID),
        refs,
    };
    let ipid = handle.hosts()[0].host.exporter.ipid_rem_unknown;
    let response: RemReleaseResponse = call(
        client,
        context,
        <RemReleaseRequest as Call>::OPNUM,
        ipid,
        &request,
    )
    .await
    .unwrap();
    response.hresult
}

/// All the references one marshaled interface pointer carries.
fn all_of(ipid: Guid) -> Vec<RemInterfaceRef> {
    vec![RemInterfaceRef {
        ipid,
        public_refs: 5,
        private_refs: 0,
    }]
}

/// aiowmi's shape: one presentation context (IWbemLevel1Login) for every call, the object named by the
/// IPID in the request's object UUID; the emulator serves each call as its IPID's interface, as Windows
/// does. Another identity holding the IPIDs is still refused.
#[tokio::test]
async fn a_one_context_client_is_served_by_the_ipids_interface() {
    let handle = start("").await;
    let one = IWBEM_LEVEL1_LOGIN;
    let (mut client, services) = login_on(&handle, vec![one]).await;
    let query = ExecQueryRequest::wql(
        OrpcThis::new(CID),
        "SELECT * FROM Win32_OperatingSystem",
        0x30,
    );
    let response: EnumeratorResponse = call(&mut client, one, 20, services, &query).await.unwrap();
    assert_eq!(response.hresult, 0);
    let enumerator = ipid_of(response.enumerator.as_ref().unwrap());
    let next_request = NextRequest {
        this: OrpcThis::new(CID),
        timeout: -1,
        count: 10,
    };
    let batch: NextResponse = call(&mut client, one, 4, enumerator, &next_request)
        .await
        .unwrap();
    assert_eq!(batch.hresult, WBEM_S_FALSE);
    assert_eq!(batch.objects.len(), 1);
    let WmiObject::Instance(os) = decode_object(&batch.objects[0]) else {
        panic!("an instance");
    };
    assert_eq!(os.class.name(), "Win32_OperatingSystem");

    // bob, on a one-context association of his own, with the Administrator's IPIDs.
    let mut bob = objects(&handle, "bob", vec![one]).await;
    assert_eq!(
        fault(&mut bob, one, 20, services, &query).await,
        ERROR_ACCESS_DENIED
    );
    assert_eq!(
        fault(&mut bob, one, 4, enumerator, &next_request).await,
        ERROR_ACCESS_DENIED
    );
    assert_eq!(
        rem_release(&mut bob, &handle, one, all_of(enumerator)).await,
        E_INVALIDARG,
        "not bob's to release"
    );
    assert!(handle.hosts()[0].host.exporter.peek(&enumerator).is_some());

    // The owner's RemRelease, on the same one context, with the exporter's IRemUnknown IPID.
    assert_eq!(
        rem_release(&mut client, &handle, one, all_of(enumerator)).await,
        0
    );
    assert!(handle.hosts()[0].host.exporter.peek(&enumerator).is_none());
    handle.shutdown().await;
}

/// Nothing ties an object to the TCP connection that exported it (MS-DCOM 3.1.1.5.6.1.3, 3.1.2.6):
/// the `dcerpc` crate logs in on one connection and queries on another.
#[tokio::test]
async fn an_object_is_used_from_a_second_connection_of_the_same_identity() {
    let handle = start("").await;
    let (first, services) = login(&handle).await;
    first.close().await;
    let mut second = objects(&handle, "Administrator", OBJECT_INTERFACES.to_vec()).await;
    let response = exec_query(&mut second, services, "SELECT * FROM Win32_OperatingSystem").await;
    assert_eq!(response.hresult, 0);
    let enumerator = ipid_of(response.enumerator.as_ref().unwrap());
    assert_eq!(next(&mut second, enumerator, 10).await.objects.len(), 1);
    let mut bob = objects(&handle, "bob", OBJECT_INTERFACES.to_vec()).await;
    let query = ExecQueryRequest::wql(OrpcThis::new(CID), "SELECT * FROM Win32_OperatingSystem", 0);
    assert_eq!(
        fault(&mut bob, IWBEM_SERVICES, 20, services, &query).await,
        ERROR_ACCESS_DENIED
    );
    handle.shutdown().await;
}

/// An object neither called nor in a pinged set for three ping periods is reclaimed (MS-DCOM 3.1.2.2,
/// 3.1.2.6, 3.1.1.6.2) and then answers RPC_E_DISCONNECTED (3.1.1.5.4); one whose OID is in a set the
/// client keeps pinging survives.
#[tokio::test]
async fn objects_are_reclaimed_when_their_ping_set_expires_and_kept_while_pinged() {
    let period = Duration::from_millis(300);
    let mut config = config("", None);
    config.ping_period = period;
    let handle = Emulator::start(config).await.unwrap();
    let exporter = &handle.hosts()[0].host.exporter;
    let (mut idle, idle_services) = login(&handle).await;
    let (mut pinged, pinged_services) = login(&handle).await;
    let mut resolver = scm(
        handle.hosts()[0].scm_addr,
        "Administrator",
        AuthLevel::Privacy,
    )
    .await;
    let set = resolver
        .invoke(
            None,
            &ComplexPingRequest {
                set_id: 0,
                sequence_num: 1,
                add_to_set: vec![exporter.oid_of(&pinged_services).unwrap()],
                del_from_set: Vec::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!(set.status, 0);
    let started = Instant::now();
    while started.elapsed() < period * 6 {
        tokio::time::sleep(period / 3).await;
        let ping = resolver
            .invoke(None, &SimplePingRequest { set_id: set.set_id })
            .await
            .unwrap();
        assert_eq!(ping.status, 0);
    }
    let query = ExecQueryRequest::wql(OrpcThis::new(CID), "SELECT * FROM Win32_OperatingSystem", 0);
    assert_eq!(
        fault(&mut idle, IWBEM_SERVICES, 20, idle_services, &query).await,
        RPC_E_DISCONNECTED
    );
    assert_eq!(
        exec_query(
            &mut pinged,
            pinged_services,
            "SELECT * FROM Win32_OperatingSystem"
        )
        .await
        .hresult,
        0
    );

    // Pings stop: the set expires (SimplePing then answers OR_INVALID_SET) and its objects go.
    tokio::time::sleep(period * 4).await;
    let ping = resolver
        .invoke(None, &SimplePingRequest { set_id: set.set_id })
        .await
        .unwrap();
    assert_eq!(ping.status, OR_INVALID_SET);
    assert_eq!(
        fault(&mut pinged, IWBEM_SERVICES, 20, pinged_services, &query).await,
        RPC_E_DISCONNECTED
    );
    assert_eq!(exporter.object_count(), 0);
    handle.shutdown().await;
}
