//! The dynamic port of a virtual host: the object exporter's ORPC interfaces. One `ObjectPort` serves
//! one TCP connection, so objects created through it die with it.
//!
//! Every call goes through [`ObjectPort::orpc`]: decode the stub (RPC_X_BAD_STUB_DATA when it does not
//! decode), check the ORPCTHIS (MS-DCOM 3.1.1.5.4: COM version, flags), look the IPID up
//! (RPC_E_DISCONNECTED when it is unknown, as MS-DCOM 3.1.1.5.4 requires) and hand the entry to the
//! method.

use std::sync::{Arc, Mutex};

use rwmi::rpc::server::{BoxFuture, CallContext, CallOutcome, CallerIdentity, RpcService};
use rwmi_core::Guid;
use rwmi_core::dcom::ids::IID_IUNKNOWN;
use rwmi_core::dcom::scm::{
    IREM_UNKNOWN_SYNTAX, IREM_UNKNOWN2_SYNTAX, RemAddRefRequest, RemAddRefResponse, RemQiResult,
    RemQueryInterfaceRequest, RemQueryInterfaceResponse, RemReleaseRequest, RemReleaseResponse,
};
use rwmi_core::dcom::{MInterfacePointer, ObjRef, ObjRefBody, OrpcThat, OrpcThis, StdObjRef};
use rwmi_core::ndr::{NdrReader, Unique};
use rwmi_core::rpc::{Call as _, Stub, SyntaxId};
use rwmi_core::wmi::enumerator::{
    CloneRequest, CloneResponse, NextAsyncRequest, NextRequest, NextResponse, ResetRequest,
    SkipRequest, StatusResponse,
};
use rwmi_core::wmi::flags::WBEM_FLAG_FORWARD_ONLY;
use rwmi_core::wmi::ids::{
    IENUM_WBEM_CLASS_OBJECT, IID_IENUM_WBEM_CLASS_OBJECT, IID_IWBEM_FETCH_SMART_ENUM,
    IID_IWBEM_SERVICES, IID_IWBEM_WCO_SMART_ENUM, IWBEM_FETCH_SMART_ENUM, IWBEM_LEVEL1_LOGIN,
    IWBEM_SERVICES, IWBEM_WCO_SMART_ENUM,
};
use rwmi_core::wmi::login::{
    EstablishPositionRequest, NtlmLoginRequest, NtlmLoginResponse, RequestChallengeRequest,
    WbemLoginRequest,
};
use rwmi_core::wmi::services::{
    CreateInstanceEnumRequest, EnumeratorResponse, ExecMethodRequest, ExecMethodResponse,
    ExecNotificationQueryRequest, ExecQueryRequest, GetObjectRequest, GetObjectResponse,
    OpenNamespaceRequest, OpenNamespaceResponse,
};
use rwmi_core::wmi::smart_enum::{
    GetSmartEnumRequest, GetSmartEnumResponse, SmartNextRequest, SmartNextResponse,
};
use rwmi_core::wmi::{InOutInterfacePtr, ObjectArray, PacketObject, PacketType};
use rwmi_core::wmio::{
    Limits, WmiInstance, WmiObject, decode_encoding_unit, encode_instance_no_class,
};
use tracing::debug;

use super::cursor::{Cursor, Restart};
use super::exporter::{ConnectionId, ExportedObject, IpidEntry};
use super::faults::with_profiles;
use super::host::VirtualHost;
use super::hostile::hostile_next;
use super::marshal::{class_object_pointer, std_objref};
use super::methods::exec_method;
use super::status::*;

/// The interfaces the object exporter serves (and the endpoint mapper maps to the dynamic port).
pub const OBJECT_PORT_INTERFACES: [SyntaxId; 7] = [
    IREM_UNKNOWN_SYNTAX,
    IREM_UNKNOWN2_SYNTAX,
    IWBEM_LEVEL1_LOGIN,
    IWBEM_SERVICES,
    IENUM_WBEM_CLASS_OBJECT,
    IWBEM_FETCH_SMART_ENUM,
    IWBEM_WCO_SMART_ENUM,
];

/// Objects one Next or smart Next returns at most. A larger uCount gets this many and
/// WBEM_S_TIMEDOUT, which MS-WMI 3.1.4.4.2 gives for "fewer objects than requested, more may follow",
/// so one call cannot make the emulator encode an unbounded response.
pub const MAX_OBJECTS_PER_NEXT: u32 = 4096;

/// MS-WMI 2.2.11 WBEM_S_TIMEDOUT.
const WBEM_S_TIMEDOUT: u32 = 0x0004_0004;

/// E_NOTIMPL: an IWbemServices method the emulator does not serve.
const E_NOTIMPL: u32 = 0x8000_4001;

/// IWbemServices' last opnum, ExecMethodAsync (MS-WMI 3.1.4.3): those the emulator has no stub for, up
/// to this one, are refused with E_NOTIMPL rather than as an opnum out of range.
const IWBEM_SERVICES_LAST_OPNUM: u16 = 25;

/// The object exporter's services on one connection.
pub struct ObjectPort {
    pub host: Arc<VirtualHost>,
    pub connection: ConnectionId,
}

impl RpcService for ObjectPort {
    fn interfaces(&self) -> Vec<SyntaxId> {
        OBJECT_PORT_INTERFACES.to_vec()
    }

    fn call(&self, context: CallContext, stub: Vec<u8>) -> BoxFuture<'_, CallOutcome> {
        Box::pin(with_profiles(
            &self.host.profiles,
            context.responses_sent,
            async move { self.dispatch(&context, &stub) },
        ))
    }
}

/// A decoded request whose ORPCTHIS passed the checks, with the IPID entry it addresses.
struct Call<'a, R> {
    request: R,
    entry: IpidEntry,
    ipid: Guid,
    context: &'a CallContext,
}

/// Requests that carry an ORPCTHIS.
trait OrpcRequest: Sized {
    fn decode_stub(stub: &[u8]) -> Option<Self>;
    fn this(&self) -> &OrpcThis;
}

/// Decodes a request stub, ignoring octets after the last parameter as Windows' NDR engine does.
/// Impacket sends an `[in, out, unique] IFoo**` as a pointer to an empty MInterfacePointer rather than
/// to a NULL interface pointer: read by the IDL, that is a wanted result and a few octets left over.
fn decode_request<T: Stub>(stub: &[u8]) -> Option<T> {
    let mut r = NdrReader::new(T::CONTEXT, stub);
    T::decode(&mut r).ok()
}

macro_rules! wmi_orpc_request {
    ($($t:ty),+) => {$(
        impl OrpcRequest for $t {
            fn decode_stub(stub: &[u8]) -> Option<Self> {
                decode_request::<$t>(stub)
            }
            fn this(&self) -> &OrpcThis {
                &self.this
            }
        }
    )+};
}

wmi_orpc_request!(
    NtlmLoginRequest,
    OpenNamespaceRequest,
    GetObjectRequest,
    CreateInstanceEnumRequest,
    ExecQueryRequest,
    ExecNotificationQueryRequest,
    ExecMethodRequest,
    ResetRequest,
    NextRequest,
    NextAsyncRequest,
    CloneRequest,
    SkipRequest,
    GetSmartEnumRequest,
    SmartNextRequest
);

macro_rules! dcom_orpc_request {
    ($($t:ty),+) => {$(
        impl OrpcRequest for $t {
            fn decode_stub(stub: &[u8]) -> Option<Self> {
                <$t>::from_stub(stub).ok()
            }
            fn this(&self) -> &OrpcThis {
                &self.orpc_this
            }
        }
    )+};
}

dcom_orpc_request!(
    RemQueryInterfaceRequest,
    RemAddRefRequest,
    RemReleaseRequest
);

pub(super) fn reply<T: Stub>(response: T) -> CallOutcome {
    CallOutcome::Reply(response.to_stub())
}

/// An `[in, out, unique]` interface pointer answered as the client asked: NULL when it passed NULL
/// (it does not want the object), the object otherwise (MS-WMI 3.1.4.3.1, 3.1.4.3.4).
/// An interface pointer to return with S_OK, or a NULL one with the failure's HRESULT.
fn pointer_or_status(result: Result<MInterfacePointer, u32>) -> (Unique<MInterfacePointer>, u32) {
    match result {
        Ok(pointer) => (Unique::new(pointer), S_OK),
        Err(hresult) => (Unique::null(), hresult),
    }
}

fn in_out(asked: &InOutInterfacePtr, pointer: Option<MInterfacePointer>) -> InOutInterfacePtr {
    if asked.is_null() {
        Unique::null()
    } else {
        Unique::new(Unique(pointer))
    }
}

use rwmi_core::wmi::path::namespace_of_resource;

impl ObjectPort {
    fn dispatch(&self, context: &CallContext, stub: &[u8]) -> CallOutcome {
        let i = context.interface;
        let op = context.opnum;
        debug!(peer = ?context.peer, connection = self.connection, opnum = op, ipid = ?context.object, "ORPC call");
        if i == IREM_UNKNOWN_SYNTAX || i == IREM_UNKNOWN2_SYNTAX {
            match op {
                RemQueryInterfaceRequest::OPNUM => {
                    self.orpc(context, stub, Self::rem_query_interface)
                }
                RemAddRefRequest::OPNUM => self.orpc(context, stub, Self::rem_add_ref),
                RemReleaseRequest::OPNUM => self.orpc(context, stub, Self::rem_release),
                _ => CallOutcome::Fault(NCA_S_OP_RNG_ERROR),
            }
        } else if i == IWBEM_LEVEL1_LOGIN {
            match op {
                NtlmLoginRequest::OPNUM => self.orpc(context, stub, Self::ntlm_login),
                EstablishPositionRequest::OPNUM
                | RequestChallengeRequest::OPNUM
                | WbemLoginRequest::OPNUM => CallOutcome::Fault(E_NOTIMPL),
                _ => CallOutcome::Fault(NCA_S_OP_RNG_ERROR),
            }
        } else if i == IWBEM_SERVICES {
            match op {
                OpenNamespaceRequest::OPNUM => self.orpc(context, stub, Self::open_namespace),
                GetObjectRequest::OPNUM => self.orpc(context, stub, Self::get_object),
                CreateInstanceEnumRequest::OPNUM => {
                    self.orpc(context, stub, Self::create_instance_enum)
                }
                ExecQueryRequest::OPNUM => self.orpc(context, stub, Self::exec_query),
                ExecNotificationQueryRequest::OPNUM => {
                    self.orpc(context, stub, Self::exec_notification_query)
                }
                ExecMethodRequest::OPNUM => self.orpc(context, stub, Self::exec_method),
                4..=IWBEM_SERVICES_LAST_OPNUM => CallOutcome::Fault(E_NOTIMPL),
                _ => CallOutcome::Fault(NCA_S_OP_RNG_ERROR),
            }
        } else if i == IENUM_WBEM_CLASS_OBJECT {
            match op {
                ResetRequest::OPNUM => self.orpc(context, stub, Self::reset),
                NextRequest::OPNUM => self.orpc(context, stub, Self::next),
                NextAsyncRequest::OPNUM => self.orpc(context, stub, Self::next_async),
                CloneRequest::OPNUM => self.orpc(context, stub, Self::clone_enum),
                SkipRequest::OPNUM => self.orpc(context, stub, Self::skip),
                _ => CallOutcome::Fault(NCA_S_OP_RNG_ERROR),
            }
        } else if i == IWBEM_FETCH_SMART_ENUM && op == GetSmartEnumRequest::OPNUM {
            self.orpc(context, stub, Self::get_smart_enum)
        } else if i == IWBEM_WCO_SMART_ENUM && op == SmartNextRequest::OPNUM {
            self.orpc(context, stub, Self::smart_next)
        } else {
            CallOutcome::Fault(NCA_S_OP_RNG_ERROR)
        }
    }

    /// The common ORPC steps of MS-DCOM 3.1.1.5.4, then `method`.
    fn orpc<R: OrpcRequest>(
        &self,
        context: &CallContext,
        stub: &[u8],
        method: fn(&Self, Call<'_, R>) -> CallOutcome,
    ) -> CallOutcome {
        let Some(request) = R::decode_stub(stub) else {
            debug!(connection = self.connection, "stub did not decode");
            return CallOutcome::Fault(RPC_X_BAD_STUB_DATA);
        };
        let ours = self.host.com_version();
        let theirs = request.this().version;
        if theirs.major != ours.major || theirs.minor > ours.minor {
            return CallOutcome::Fault(RPC_E_VERSION_MISMATCH);
        }
        if request.this().flags != 0 {
            return CallOutcome::Fault(RPC_E_INVALID_HEADER);
        }
        let Some(ipid) = context.object else {
            return CallOutcome::Fault(RPC_E_DISCONNECTED);
        };
        let entry = if ipid == self.host.exporter.ipid_rem_unknown {
            None
        } else {
            match self.host.exporter.lookup(&ipid, self.connection) {
                Some(entry) => Some(entry),
                None => return CallOutcome::Fault(RPC_E_DISCONNECTED),
            }
        };
        let is_rem_unknown =
            context.interface == IREM_UNKNOWN_SYNTAX || context.interface == IREM_UNKNOWN2_SYNTAX;
        let entry = match (entry, is_rem_unknown) {
            (None, true) => IpidEntry::rem_unknown(),
            (Some(entry), false) if entry.iid == context.interface.uuid => entry,
            // An IPID used with an interface it does not export: the IPID names one interface of one
            // object (MS-DCOM 1.3.3), so for this interface the IPID is not in the table.
            _ => return CallOutcome::Fault(RPC_E_DISCONNECTED),
        };
        method(
            self,
            Call {
                request,
                entry,
                ipid,
                context,
            },
        )
    }

    fn caller<'a>(&self, context: &'a CallContext) -> Result<&'a CallerIdentity, u32> {
        context.caller.as_ref().ok_or(WBEM_E_ACCESS_DENIED)
    }

    /// MS-WMI 3.1.4.4.2: the enumerator's caller must be the principal that created it.
    fn same_principal(&self, entry: &IpidEntry, context: &CallContext) -> bool {
        match (&entry.creator, &context.caller) {
            (Some(creator), Some(caller)) => {
                creator.user.user.eq_ignore_ascii_case(&caller.user.user)
                    && creator
                        .user
                        .domain
                        .eq_ignore_ascii_case(&caller.user.domain)
            }
            (None, None) => true,
            _ => false,
        }
    }

    fn export(
        &self,
        iid: Guid,
        object: ExportedObject,
        creator: Option<CallerIdentity>,
    ) -> Result<MInterfacePointer, u32> {
        let ipid = self
            .host
            .exporter
            .export(iid, object, Some(self.connection), creator)?;
        let oid = self.host.exporter.peek(&ipid).map_or(0, |entry| entry.oid);
        debug!(connection = self.connection, %ipid, ?iid, "exported");
        Ok(self.host.interface_pointer(iid, oid, ipid))
    }

    // IRemUnknown (MS-DCOM 3.1.1.5.6)

    fn rem_query_interface(&self, call: Call<'_, RemQueryInterfaceRequest>) -> CallOutcome {
        let request = call.request;
        let exporter = &self.host.exporter;
        let Some(source) = exporter.lookup(&request.ipid, self.connection) else {
            // MS-DCOM 3.1.1.5.6.1.1.
            return CallOutcome::Reply(
                RemQueryInterfaceResponse {
                    orpc_that: OrpcThat::default(),
                    results: Vec::new(),
                    hresult: RPC_E_INVALID_OBJECT,
                }
                .to_stub(),
            );
        };
        let results: Vec<RemQiResult> = request
            .iids
            .iter()
            .map(|iid| self.query_interface(&source, request.ipid, *iid))
            .collect();
        let hresult = if results.iter().all(|r| r.hresult == 0) {
            S_OK
        } else if results.iter().any(|r| r.hresult == 0) {
            // MS-DCOM 3.1.1.5.6.1.1: some but not all interfaces.
            0x0008_0012 // CO_S_NOTALLINTERFACES
        } else {
            E_NOINTERFACE
        };
        CallOutcome::Reply(
            RemQueryInterfaceResponse {
                orpc_that: OrpcThat::default(),
                results,
                hresult,
            }
            .to_stub(),
        )
    }

    fn query_interface(&self, source: &IpidEntry, source_ipid: Guid, iid: Guid) -> RemQiResult {
        let exporter = &self.host.exporter;
        let failed = |hresult| RemQiResult {
            hresult,
            std: StdObjRef::default(),
        };
        if iid == source.iid || iid == IID_IUNKNOWN {
            return match exporter.add_refs(&source_ipid, super::exporter::PUBLIC_REFS_PER_MARSHAL) {
                Ok(()) => RemQiResult {
                    hresult: 0,
                    std: std_objref(exporter.oxid, source.oid, source_ipid),
                },
                Err(hresult) => failed(hresult),
            };
        }
        let object = match (&source.object, iid) {
            (ExportedObject::Enumerator(cursor), IID_IWBEM_FETCH_SMART_ENUM) => {
                ExportedObject::FetchSmartEnum(cursor.clone())
            }
            _ => return failed(E_NOINTERFACE),
        };
        match exporter.export_with_oid(
            iid,
            source.oid,
            object,
            Some(self.connection),
            source.creator.clone(),
        ) {
            Ok(ipid) => RemQiResult {
                hresult: 0,
                std: std_objref(exporter.oxid, source.oid, ipid),
            },
            Err(hresult) => failed(hresult),
        }
    }

    fn rem_add_ref(&self, call: Call<'_, RemAddRefRequest>) -> CallOutcome {
        let results: Vec<u32> = call
            .request
            .refs
            .iter()
            .map(|r| {
                let refs = r.public_refs.saturating_add(r.private_refs);
                self.host
                    .exporter
                    .add_refs(&r.ipid, refs)
                    .err()
                    .unwrap_or(0)
            })
            .collect();
        // MS-DCOM 3.1.1.5.6.1.2: E_INVALIDARG when any entry failed, with the per-entry results.
        let hresult = if results.iter().all(|r| *r == 0) {
            S_OK
        } else {
            E_INVALIDARG
        };
        CallOutcome::Reply(
            RemAddRefResponse {
                orpc_that: OrpcThat::default(),
                results,
                hresult,
            }
            .to_stub(),
        )
    }

    fn rem_release(&self, call: Call<'_, RemReleaseRequest>) -> CallOutcome {
        let mut hresult = S_OK;
        for r in &call.request.refs {
            let refs = r.public_refs.saturating_add(r.private_refs);
            if self.host.exporter.release(&r.ipid, refs).is_err() {
                hresult = E_INVALIDARG;
            }
        }
        debug!(
            connection = self.connection,
            objects = self.host.exporter.object_count(),
            "RemRelease"
        );
        CallOutcome::Reply(
            RemReleaseResponse {
                orpc_that: OrpcThat::default(),
                hresult,
            }
            .to_stub(),
        )
    }

    // IWbemLevel1Login (MS-WMI 3.1.4.1)

    /// MS-WMI 3.1.4.1.4.
    fn ntlm_login(&self, call: Call<'_, NtlmLoginRequest>) -> CallOutcome {
        let failed = |hresult| {
            reply(NtlmLoginResponse {
                that: OrpcThat::default(),
                namespace: Unique::null(),
                hresult,
            })
        };
        let Some(resource) = call.request.network_resource.as_ref() else {
            return failed(WBEM_E_INVALID_PARAMETER);
        };
        let namespace = namespace_of_resource(resource.as_str());
        match self.open(call.context, &namespace) {
            Ok(pointer) => reply(NtlmLoginResponse {
                that: OrpcThat::default(),
                namespace: Unique::new(pointer),
                hresult: S_OK,
            }),
            Err(hresult) => {
                debug!(connection = self.connection, %namespace, hresult = format_args!("{hresult:#010x}"), "NTLMLogin refused");
                failed(hresult)
            }
        }
    }

    /// Checks `namespace` for the caller and exports an IWbemServices bound to it.
    fn open(&self, context: &CallContext, namespace: &str) -> Result<MInterfacePointer, u32> {
        let caller = self.caller(context)?;
        if namespace.is_empty() {
            return Err(WBEM_E_INVALID_NAMESPACE);
        }
        self.host
            .backend
            .check_namespace(caller, namespace, &self.host.profiles)?;
        self.export(
            IID_IWBEM_SERVICES,
            ExportedObject::Services {
                namespace: namespace.to_owned(),
            },
            Some(caller.clone()),
        )
    }

    // IWbemServices (MS-WMI 3.1.4.3)

    /// The namespace of an IWbemServices entry, after the access check every method makes (MS-WMI
    /// 3.1.4.3: the server MUST check the caller's rights on the namespace).
    fn services_namespace(&self, entry: &IpidEntry, context: &CallContext) -> Result<String, u32> {
        let ExportedObject::Services { namespace } = &entry.object else {
            return Err(WBEM_E_FAILED);
        };
        let caller = self.caller(context)?;
        self.host
            .backend
            .check_namespace(caller, namespace, &self.host.profiles)?;
        Ok(namespace.clone())
    }

    /// MS-WMI 3.1.4.3.1: a namespace relative to this one.
    fn open_namespace(&self, call: Call<'_, OpenNamespaceRequest>) -> CallOutcome {
        let request = &call.request;
        let result = self
            .services_namespace(&call.entry, call.context)
            .and_then(|base| {
                let child = request.namespace.trimmed().map(namespace_of_resource);
                match child {
                    Some(child) if !child.is_empty() => {
                        self.open(call.context, &format!("{base}\\{child}"))
                    }
                    _ => Err(WBEM_E_INVALID_PARAMETER),
                }
            });
        let (pointer, hresult) = match result {
            Ok(p) => (Some(p), S_OK),
            Err(h) => (None, h),
        };
        reply(OpenNamespaceResponse {
            that: OrpcThat::default(),
            working_namespace: in_out(&request.working_namespace, pointer),
            result: in_out(&request.result, None),
            hresult,
        })
    }

    /// MS-WMI 3.1.4.3.4.
    fn get_object(&self, call: Call<'_, GetObjectRequest>) -> CallOutcome {
        let request = &call.request;
        let result = self
            .services_namespace(&call.entry, call.context)
            .and_then(|ns| {
                let path = request.object_path.trimmed().unwrap_or("");
                if path.trim().is_empty() {
                    return Err(WBEM_E_INVALID_PARAMETER);
                }
                self.host.backend.get_object(&ns, path)
            })
            .and_then(|object| class_object_pointer(&object));
        let (pointer, hresult) = match result {
            Ok(p) => (Some(p), S_OK),
            Err(h) => (None, h),
        };
        reply(GetObjectResponse {
            that: OrpcThat::default(),
            object: in_out(&request.object, pointer),
            call_result: in_out(&request.call_result, None),
            hresult,
        })
    }

    /// Exports an enumerator over what `restart` produces; `flags` are the call's lFlags.
    fn enumerator(&self, context: &CallContext, restart: Restart, flags: u32) -> CallOutcome {
        let forward_only = flags & WBEM_FLAG_FORWARD_ONLY != 0;
        let result = Cursor::new(restart).and_then(|cursor| {
            self.export(
                IID_IENUM_WBEM_CLASS_OBJECT,
                ExportedObject::Enumerator(Arc::new(Mutex::new(cursor.forward_only(forward_only)))),
                context.caller.clone(),
            )
        });
        let (enumerator, hresult) = pointer_or_status(result);
        reply(EnumeratorResponse {
            that: OrpcThat::default(),
            enumerator,
            hresult,
        })
    }

    fn enumerator_failed(hresult: u32) -> CallOutcome {
        reply(EnumeratorResponse {
            that: OrpcThat::default(),
            enumerator: Unique::null(),
            hresult,
        })
    }

    /// MS-WMI 3.1.4.3.16.
    fn create_instance_enum(&self, call: Call<'_, CreateInstanceEnumRequest>) -> CallOutcome {
        let namespace = match self.services_namespace(&call.entry, call.context) {
            Ok(ns) => ns,
            Err(h) => return Self::enumerator_failed(h),
        };
        let Some(class) = call.request.superclass.trimmed().map(str::to_owned) else {
            return Self::enumerator_failed(WBEM_E_INVALID_PARAMETER);
        };
        let backend = self.host.backend.clone();
        self.enumerator(
            call.context,
            Arc::new(move || backend.instances_of(&namespace, &class)),
            call.request.flags,
        )
    }

    /// MS-WMI 3.1.4.3.18: WQL only, else WBEM_E_INVALID_QUERY_TYPE. BSTRs are read trimmed: Impacket
    /// counts a terminating NUL in their length.
    fn exec_query(&self, call: Call<'_, ExecQueryRequest>) -> CallOutcome {
        let namespace = match self.services_namespace(&call.entry, call.context) {
            Ok(ns) => ns,
            Err(h) => return Self::enumerator_failed(h),
        };
        let language = call.request.query_language.trimmed().unwrap_or("");
        if !language.eq_ignore_ascii_case("WQL") {
            return Self::enumerator_failed(WBEM_E_INVALID_QUERY_TYPE);
        }
        let query = call.request.query.trimmed().unwrap_or("").to_owned();
        debug!(connection = self.connection, %namespace, %query, "ExecQuery");
        let backend = self.host.backend.clone();
        self.enumerator(
            call.context,
            Arc::new(move || backend.exec_query(&namespace, &query)),
            call.request.flags,
        )
    }

    /// MS-WMI 3.1.4.3.20: event subscriptions need a provider the emulator does not have.
    fn exec_notification_query(&self, call: Call<'_, ExecNotificationQueryRequest>) -> CallOutcome {
        let hresult = match self.services_namespace(&call.entry, call.context) {
            Ok(_) => WBEM_E_NOT_SUPPORTED,
            Err(h) => h,
        };
        Self::enumerator_failed(hresult)
    }

    /// MS-WMI 3.1.4.3.24 (ExecMethod).
    fn exec_method(&self, call: Call<'_, ExecMethodRequest>) -> CallOutcome {
        let request = &call.request;
        let result = self
            .services_namespace(&call.entry, call.context)
            .and_then(|ns| {
                let caller = self.caller(call.context)?;
                let input = match request.in_params.as_ref() {
                    Some(pointer) => Some(decode_instance(pointer)?),
                    None => None,
                };
                let path = request.object_path.trimmed().unwrap_or("");
                let method = request.method_name.trimmed().unwrap_or("");
                debug!(connection = self.connection, %path, %method, "ExecMethod");
                exec_method(
                    self.host.backend.as_ref(),
                    caller,
                    &ns,
                    path,
                    method,
                    input.as_ref(),
                )
            })
            .and_then(|out| class_object_pointer(&WmiObject::Instance(out)));
        let (pointer, hresult) = match result {
            Ok(p) => (Some(p), S_OK),
            Err(h) => (None, h),
        };
        reply(ExecMethodResponse {
            that: OrpcThat::default(),
            out_params: in_out(&request.out_params, pointer),
            call_result: in_out(&request.call_result, None),
            hresult,
        })
    }

    // IEnumWbemClassObject (MS-WMI 3.1.4.4)

    fn cursor(&self, entry: &IpidEntry, context: &CallContext) -> Result<Arc<Mutex<Cursor>>, u32> {
        if !self.same_principal(entry, context) {
            return Err(WBEM_E_ACCESS_DENIED);
        }
        match &entry.object {
            ExportedObject::Enumerator(c)
            | ExportedObject::FetchSmartEnum(c)
            | ExportedObject::SmartEnum(c) => Ok(c.clone()),
            _ => Err(WBEM_E_FAILED),
        }
    }

    fn status(hresult: u32) -> CallOutcome {
        reply(StatusResponse {
            that: OrpcThat::default(),
            hresult,
        })
    }

    /// MS-WMI 3.1.4.4.1.
    fn reset(&self, call: Call<'_, ResetRequest>) -> CallOutcome {
        let hresult = self
            .cursor(&call.entry, call.context)
            .and_then(|c| lock(&c).reset())
            .err()
            .unwrap_or(S_OK);
        Self::status(hresult)
    }

    /// MS-WMI 3.1.4.4.2: up to uCount objects, S_OK when all came, WBEM_S_FALSE at the end.
    fn next(&self, call: Call<'_, NextRequest>) -> CallOutcome {
        let count = call.request.count;
        let failed = |hresult| {
            reply(NextResponse {
                that: OrpcThat::default(),
                requested: count,
                objects: Vec::new(),
                hresult,
            })
        };
        let cursor = match self.cursor(&call.entry, call.context) {
            Ok(c) => c,
            Err(h) => return failed(h),
        };
        if let Some(response) = hostile_next(&self.host.profiles, count) {
            return reply(response);
        }
        let batch_size = count.min(MAX_OBJECTS_PER_NEXT);
        let batch = lock(&cursor).next_batch(batch_size);
        let mut objects = Vec::with_capacity(batch.len());
        for object in batch {
            match class_object_pointer(&object) {
                Ok(p) => objects.push(p),
                Err(h) => return failed(h),
            }
        }
        let returned = objects.len() as u32;
        let hresult = if returned == count {
            S_OK
        } else if returned == batch_size {
            WBEM_S_TIMEDOUT
        } else {
            WBEM_S_FALSE
        };
        debug!(connection = self.connection, ipid = %call.ipid, returned, "Next");
        reply(NextResponse {
            that: OrpcThat::default(),
            requested: count,
            objects,
            hresult,
        })
    }

    /// MS-WMI 3.1.4.4.3: NextAsync needs a callback sink, which the emulator does not call.
    fn next_async(&self, call: Call<'_, NextAsyncRequest>) -> CallOutcome {
        let hresult = self
            .cursor(&call.entry, call.context)
            .map(|_| WBEM_E_NOT_SUPPORTED)
            .unwrap_or_else(|h| h);
        Self::status(hresult)
    }

    /// MS-WMI 3.1.4.4.4. The copy starts at the beginning of the result (see `Cursor::restarted_copy`).
    fn clone_enum(&self, call: Call<'_, CloneRequest>) -> CallOutcome {
        let result = self
            .cursor(&call.entry, call.context)
            .and_then(|c| lock(&c).restarted_copy())
            .and_then(|copy| {
                self.export(
                    IID_IENUM_WBEM_CLASS_OBJECT,
                    ExportedObject::Enumerator(Arc::new(Mutex::new(copy))),
                    call.context.caller.clone(),
                )
            });
        let (enumerator, hresult) = pointer_or_status(result);
        reply(CloneResponse {
            that: OrpcThat::default(),
            enumerator,
            hresult,
        })
    }

    /// MS-WMI 3.1.4.4.5: WBEM_S_FALSE when fewer than uCount could be skipped.
    fn skip(&self, call: Call<'_, SkipRequest>) -> CallOutcome {
        let count = call.request.count;
        let hresult = match self.cursor(&call.entry, call.context) {
            Ok(c) if lock(&c).skip(count) == count => S_OK,
            Ok(_) => WBEM_S_FALSE,
            Err(h) => h,
        };
        Self::status(hresult)
    }

    // IWbemFetchSmartEnum (MS-WMI 3.1.4.6) and IWbemWCOSmartEnum (MS-WMI 3.1.4.7)

    fn get_smart_enum(&self, call: Call<'_, GetSmartEnumRequest>) -> CallOutcome {
        let result = self.cursor(&call.entry, call.context).and_then(|cursor| {
            self.export(
                IID_IWBEM_WCO_SMART_ENUM,
                ExportedObject::SmartEnum(cursor),
                call.context.caller.clone(),
            )
        });
        let (smart_enum, hresult) = pointer_or_status(result);
        reply(GetSmartEnumResponse {
            that: OrpcThat::default(),
            smart_enum,
            hresult,
        })
    }

    /// MS-WMI 3.1.4.7.1: the next objects as one ObjectArray (2.2.14): an instance whose class was not
    /// sent yet in this enumeration as WBEMOBJECT_INSTANCE (with its class), later ones of that class as
    /// WBEMOBJECT_INSTANCE_NOCLASS.
    fn smart_next(&self, call: Call<'_, SmartNextRequest>) -> CallOutcome {
        let count = call.request.count;
        let failed = |hresult| {
            reply(SmartNextResponse {
                that: OrpcThat::default(),
                returned: 0,
                buffer: None,
                hresult,
            })
        };
        let cursor = match self.cursor(&call.entry, call.context) {
            Ok(c) => c,
            Err(h) => return failed(h),
        };
        let batch_size = count.min(MAX_OBJECTS_PER_NEXT);
        let mut cursor = lock(&cursor);
        let batch = cursor.next_batch(batch_size);
        let mut objects = Vec::with_capacity(batch.len());
        for object in &batch {
            let encoded = match object {
                WmiObject::Class(_) => object.encode_block().map(PacketObject::class),
                WmiObject::Instance(instance) => {
                    let (class_id, sent) = cursor.smart_class_id(instance.class.part_image());
                    if sent {
                        encode_instance_no_class(instance)
                            .map(|d| PacketObject::instance_no_class(class_id, d))
                    } else {
                        object
                            .encode_block()
                            .map(|d| PacketObject::instance(class_id, d))
                    }
                }
            };
            match encoded {
                Ok(object) => objects.push(object),
                Err(_) => return failed(WBEM_E_FAILED),
            }
        }
        drop(cursor);
        let returned = objects.len() as u32;
        let hresult = if returned == count {
            S_OK
        } else if returned == batch_size {
            WBEM_S_TIMEDOUT
        } else {
            WBEM_S_FALSE
        };
        debug!(connection = self.connection, ipid = %call.ipid, returned, "smart Next");
        let buffer = (!objects.is_empty())
            .then(|| ObjectArray::new(PacketType::SmartEnumNext, objects).encode());
        reply(SmartNextResponse {
            that: OrpcThat::default(),
            returned,
            buffer,
            hresult,
        })
    }
}

fn lock(cursor: &Mutex<Cursor>) -> std::sync::MutexGuard<'_, Cursor> {
    cursor.lock().unwrap_or_else(|e| e.into_inner())
}

/// An in-parameters object (MS-WMI 2.2.4): OBJREF_CUSTOM around an EncodingUnit holding an instance.
fn decode_instance(pointer: &MInterfacePointer) -> Result<WmiInstance, u32> {
    let objref = ObjRef::from_interface_pointer(pointer).map_err(|_| WBEM_E_INVALID_PARAMETER)?;
    let ObjRefBody::Custom(custom) = objref.body else {
        return Err(WBEM_E_INVALID_PARAMETER);
    };
    let unit = decode_encoding_unit(&custom.object_data, &Limits::default(), None)
        .map_err(|_| WBEM_E_INVALID_PARAMETER)?;
    match unit.object {
        WmiObject::Instance(instance) => Ok(instance),
        WmiObject::Class(_) => Err(WBEM_E_INVALID_PARAMETER),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_normalise() {
        for input in [
            "//./root/cimv2",
            "\\\\.\\root\\cimv2",
            "\\\\SERVER\\root\\cimv2",
            "root/cimv2",
            "root\\cimv2\\",
        ] {
            assert_eq!(namespace_of_resource(input), "root\\cimv2", "{input}");
        }
        assert_eq!(namespace_of_resource("//server"), "");
    }

    /// IWbemServices::GetObject("Win32_Process") as Impacket 0.13.1 encodes it: ppObject and
    /// ppCallResult are pointers to empty MInterfacePointers, which leaves 12 octets after the IDL's
    /// last parameter.
    #[test]
    fn impacket_get_object_request_decodes() {
        let stub = hex(concat!(
            "05000700000000000000000041414141414141414141414141414141",
            "000000003dc900000d0000001a0000000d000000570069006e003300",
            "32005f00500072006f006300650073007300bfbf0000000000000000",
            "7292000000000000000000002c9800000000000000000000"
        ));
        assert!(<GetObjectRequest as Stub>::from_stub(&stub).is_err());
        let request = GetObjectRequest::decode_stub(&stub).unwrap();
        assert_eq!(request.object_path.trimmed(), Some("Win32_Process"));
        assert_eq!(request.flags, 0);
        assert!(request.object.as_ref().is_some_and(|inner| inner.is_null()));
        assert!(request.call_result.is_null());
    }

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }
}

#[cfg(test)]
mod hostile_tests {
    use super::*;
    use rwmi::security::{AuthLevel, AuthenticatedUser};

    fn port() -> ObjectPort {
        ObjectPort {
            host: VirtualHost::for_tests(),
            connection: 1,
        }
    }

    fn context(interface: SyntaxId, opnum: u16, object: Option<Guid>) -> CallContext {
        CallContext {
            peer: None,
            local: None,
            interface,
            opnum,
            object,
            caller: Some(CallerIdentity {
                user: AuthenticatedUser {
                    user: "Administrator".into(),
                    domain: "EMU".into(),
                    workstation: String::new(),
                },
                level: AuthLevel::Privacy,
            }),
            responses_sent: 0,
        }
    }

    #[test]
    fn truncated_stubs_fault_with_bad_stub_data() {
        let port = port();
        let login = port
            .host
            .exporter
            .export(
                rwmi_core::wmi::ids::IID_IWBEM_LEVEL1_LOGIN,
                ExportedObject::Login,
                None,
                None,
            )
            .unwrap();
        let stub = NtlmLoginRequest::new(OrpcThis::new(Guid::NIL), "//./root/cimv2").to_stub();
        let ctx = context(IWBEM_LEVEL1_LOGIN, 6, Some(login));
        assert!(matches!(port.dispatch(&ctx, &stub), CallOutcome::Reply(_)));
        for len in 0..stub.len() - 1 {
            let outcome = port.dispatch(&ctx, &stub[..len]);
            assert_eq!(
                outcome,
                CallOutcome::Fault(RPC_X_BAD_STUB_DATA),
                "length {len}"
            );
        }
    }

    #[test]
    fn orpcthis_and_ipid_checks() {
        let port = port();
        let login = port
            .host
            .exporter
            .export(
                rwmi_core::wmi::ids::IID_IWBEM_LEVEL1_LOGIN,
                ExportedObject::Login,
                None,
                None,
            )
            .unwrap();
        let mut request = NtlmLoginRequest::new(OrpcThis::new(Guid::NIL), "root\\cimv2");
        let ctx = context(IWBEM_LEVEL1_LOGIN, 6, Some(login));
        request.this.flags = 1;
        assert_eq!(
            port.dispatch(&ctx, &request.to_stub()),
            CallOutcome::Fault(RPC_E_INVALID_HEADER)
        );
        request.this.flags = 0;
        request.this.version.minor = 99;
        assert_eq!(
            port.dispatch(&ctx, &request.to_stub()),
            CallOutcome::Fault(RPC_E_VERSION_MISMATCH)
        );
        request.this.version.minor = 7;
        // The login IPID called as IWbemServices, and an IPID nobody exported.
        let wrong = context(IWBEM_SERVICES, 20, Some(login));
        let query = ExecQueryRequest::wql(OrpcThis::new(Guid::NIL), "SELECT * FROM x", 0);
        assert_eq!(
            port.dispatch(&wrong, &query.to_stub()),
            CallOutcome::Fault(RPC_E_DISCONNECTED)
        );
        let unknown = context(IWBEM_LEVEL1_LOGIN, 6, Some(Guid::from_u128(5)));
        assert_eq!(
            port.dispatch(&unknown, &request.to_stub()),
            CallOutcome::Fault(RPC_E_DISCONNECTED)
        );
        let none = context(IWBEM_LEVEL1_LOGIN, 6, None);
        assert_eq!(
            port.dispatch(&none, &request.to_stub()),
            CallOutcome::Fault(RPC_E_DISCONNECTED)
        );
        assert_eq!(
            port.dispatch(&context(IWBEM_LEVEL1_LOGIN, 99, Some(login)), &[]),
            CallOutcome::Fault(NCA_S_OP_RNG_ERROR)
        );
    }
}
