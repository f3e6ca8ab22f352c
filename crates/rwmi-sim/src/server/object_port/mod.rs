//! The dynamic port of a virtual host: the object exporter's ORPC interfaces. One `ObjectPort` serves
//! one TCP connection; the objects it exports live in the host's [`Exporter`](super::Exporter), by
//! references and ping sets, not by connection.
//!
//! Every call is served as the interface of the IPID it names (see [`ObjectPort::served_interface`])
//! and goes through [`ObjectPort::orpc`]: decode the stub (RPC_X_BAD_STUB_DATA when it does not
//! decode), check the ORPCTHIS and the caller (MS-DCOM 3.1.1.5.4: COM version, authentication level,
//! flags), look the IPID up (RPC_E_DISCONNECTED when it is unknown, as MS-DCOM 3.1.1.5.4 requires),
//! check that the caller owns it, and hand the entry to the method.
//!
//! This module holds that dispatch and the per-connection state; the methods live in a module per
//! interface: `rem_unknown` (IRemUnknown2), `login` (IWbemLevel1Login), `services` (IWbemServices),
//! `enumerator` (IEnumWbemClassObject) and `smart_enum` (IWbemFetchSmartEnum, IWbemWCOSmartEnum).

mod enumerator;
mod login;
mod rem_unknown;
mod services;
mod smart_enum;

use std::sync::Arc;

use rwmi::rpc::server::{BoxFuture, CallContext, CallOutcome, CallerIdentity, RpcService};
use rwmi_core::Guid;
use rwmi_core::dcom::scm::{
    IREM_UNKNOWN_SYNTAX, IREM_UNKNOWN2_SYNTAX, RemAddRefRequest, RemQueryInterfaceRequest,
    RemReleaseRequest,
};
use rwmi_core::dcom::{MInterfacePointer, OrpcThis};
use rwmi_core::ndr::{NdrReader, Unique};
use rwmi_core::rpc::{Call as _, Stub, SyntaxId};
use rwmi_core::wmi::InOutInterfacePtr;
use rwmi_core::wmi::enumerator::{
    CloneRequest, NextAsyncRequest, NextRequest, ResetRequest, SkipRequest,
};
use rwmi_core::wmi::ids::{
    IENUM_WBEM_CLASS_OBJECT, IWBEM_FETCH_SMART_ENUM, IWBEM_LEVEL1_LOGIN, IWBEM_SERVICES,
    IWBEM_WCO_SMART_ENUM,
};
use rwmi_core::wmi::login::{
    EstablishPositionRequest, NtlmLoginRequest, RequestChallengeRequest, WbemLoginRequest,
};
use rwmi_core::wmi::services::{
    CreateInstanceEnumRequest, ExecMethodRequest, ExecNotificationQueryRequest, ExecQueryRequest,
    GetObjectRequest, OpenNamespaceRequest,
};
use rwmi_core::wmi::smart_enum::{GetSmartEnumRequest, SmartNextRequest};
use tracing::debug;

use super::exporter::{ConnectionId, ExportedObject, IpidEntry};
use super::faults::with_profiles;
use super::host::VirtualHost;
use crate::policy::minimum_level;
use rwmi_core::status::hresult::E_ACCESSDENIED;
use rwmi_core::status::hresult::{
    E_NOTIMPL, RPC_E_DISCONNECTED, RPC_E_INVALID_HEADER, RPC_E_VERSION_MISMATCH, S_OK,
};
use rwmi_core::status::nca::NCA_S_OP_RNG_ERROR;
use rwmi_core::status::wbem::{WBEM_E_ACCESS_DENIED, WBEM_S_FALSE, WBEM_S_TIMEDOUT};
use rwmi_core::status::win32::ERROR_ACCESS_DENIED;
use rwmi_core::status::win32::RPC_X_BAD_STUB_DATA;

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

/// The HRESULT of a Next or smart Next that returns `returned` of the `requested` objects, at most
/// `batch_size` (MS-WMI 3.1.4.4.2): WBEM_S_NO_ERROR for all of them, WBEM_S_TIMEDOUT when the batch bound
/// cut it short (more may follow), WBEM_S_FALSE at the end of the enumeration.
fn next_hresult(returned: u32, requested: u32, batch_size: u32) -> u32 {
    if returned == requested {
        S_OK
    } else if returned == batch_size {
        WBEM_S_TIMEDOUT
    } else {
        WBEM_S_FALSE
    }
}

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
struct OrpcCall<'a, R> {
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

fn is_rem_unknown(interface: SyntaxId) -> bool {
    interface == IREM_UNKNOWN_SYNTAX || interface == IREM_UNKNOWN2_SYNTAX
}

pub(super) fn reply<T: Stub>(response: T) -> CallOutcome {
    CallOutcome::Reply(response.to_stub())
}

/// An interface pointer to return with S_OK, or a NULL one with the failure's HRESULT.
fn pointer_or_status(result: Result<MInterfacePointer, u32>) -> (Unique<MInterfacePointer>, u32) {
    match result {
        Ok(pointer) => (Unique::new(pointer), S_OK),
        Err(hresult) => (Unique::null(), hresult),
    }
}

/// An `[in, out, unique]` interface pointer answered as the client asked: NULL when it passed NULL
/// (it does not want the object), the object otherwise (MS-WMI 3.1.4.3.1, 3.1.4.3.4).
fn in_out(asked: &InOutInterfacePtr, pointer: Option<MInterfacePointer>) -> InOutInterfacePtr {
    if asked.is_null() {
        Unique::null()
    } else {
        Unique::new(Unique(pointer))
    }
}

impl ObjectPort {
    /// The interface a call is served as: the one of the IPID in the request's object UUID when the
    /// presentation context names another. MS-DCOM 3.2.4.2 says a client MUST put the IPID's IID in the
    /// interface field, but Windows dispatches on the IPID: aiowmi binds one context (IWbemLevel1Login)
    /// and sends every later call (IWbemServices, IEnumWbemClassObject, IRemUnknown, the smart
    /// enumerator) on it, and works against Windows Server 2019 and 2022 (aiowmi issues 35, 36, 38).
    /// The IPID still has to be in this exporter's table and its owner's (checked in `orpc`).
    fn served_interface(&self, context: &CallContext) -> SyntaxId {
        let exporter = &self.host.exporter;
        let iid = match context.object {
            Some(ipid) if ipid == exporter.ipid_rem_unknown => {
                if is_rem_unknown(context.interface) {
                    return context.interface;
                }
                IREM_UNKNOWN2_SYNTAX.uuid
            }
            Some(ipid) => match exporter.peek(&ipid) {
                Some(entry) => entry.iid,
                None => return context.interface,
            },
            None => return context.interface,
        };
        if iid == context.interface.uuid {
            return context.interface;
        }
        OBJECT_PORT_INTERFACES
            .into_iter()
            .find(|syntax| syntax.uuid == iid)
            .unwrap_or(context.interface)
    }

    fn dispatch(&self, context: &CallContext, stub: &[u8]) -> CallOutcome {
        let served = self.served_interface(context);
        let served_context;
        let context = if served == context.interface {
            context
        } else {
            debug!(connection = self.connection, bound = ?context.interface, ?served, "served as the IPID's interface");
            served_context = CallContext {
                interface: served,
                ..context.clone()
            };
            &served_context
        };
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
        method: fn(&Self, OrpcCall<'_, R>) -> CallOutcome,
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
        let is_rem_unknown = is_rem_unknown(context.interface);
        // MS-DCOM 3.1.1.5.4 and notes <40>, <42>: a call below the exporter's authentication level, or
        // by a client without the permission, fails with E_ACCESSDENIED on IRemUnknown(2) and
        // ERROR_ACCESS_DENIED on every other interface.
        let access_denied = CallOutcome::Fault(if is_rem_unknown {
            E_ACCESSDENIED
        } else {
            ERROR_ACCESS_DENIED
        });
        let level = context.caller.as_ref().map(|c| c.level);
        if level.is_none_or(|level| level < minimum_level(&self.host.profiles)) {
            return access_denied;
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
            match self.host.exporter.lookup(&ipid) {
                Some(entry) => Some(entry),
                None => return CallOutcome::Fault(RPC_E_DISCONNECTED),
            }
        };
        let entry = match (entry, is_rem_unknown) {
            (None, true) => IpidEntry::rem_unknown(),
            (Some(entry), false) if entry.iid == context.interface.uuid => entry,
            // An IPID used with an interface it does not export: the IPID names one interface of one
            // object (MS-DCOM 1.3.3), so for this interface the IPID is not in the table.
            _ => return CallOutcome::Fault(RPC_E_DISCONNECTED),
        };
        // The object is its creator's: another identity holding the IPID (from whichever connection)
        // has no permission on it. The exporter's IRemUnknown is everyone's; its methods check the
        // IPIDs they are given.
        if !is_rem_unknown && !entry.owned_by(context.caller.as_ref()) {
            debug!(connection = self.connection, %ipid, "IPID of another identity");
            return access_denied;
        }
        method(
            self,
            OrpcCall {
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
        entry.owned_by(context.caller.as_ref())
    }

    fn export(
        &self,
        iid: Guid,
        object: ExportedObject,
        creator: Option<CallerIdentity>,
    ) -> Result<MInterfacePointer, u32> {
        let ipid = self.host.exporter.export(iid, object, creator)?;
        let oid = self.host.exporter.peek(&ipid).map_or(0, |entry| entry.oid);
        debug!(connection = self.connection, %ipid, ?iid, "exported");
        Ok(self.host.interface_pointer(iid, oid, ipid))
    }
}

#[cfg(test)]
mod hostile_tests {
    use super::*;
    use rwmi::security::{AuthLevel, AuthenticatedUser};
    use rwmi_core::wmi::login::NtlmLoginResponse;

    fn port() -> ObjectPort {
        ObjectPort {
            host: VirtualHost::for_tests(),
            connection: 1,
        }
    }

    fn identity(user: &str, level: AuthLevel) -> CallerIdentity {
        CallerIdentity {
            user: AuthenticatedUser {
                user: user.into(),
                domain: "EMU".into(),
                workstation: String::new(),
            },
            level,
        }
    }

    fn admin() -> Option<CallerIdentity> {
        Some(identity("Administrator", AuthLevel::Privacy))
    }

    fn context(interface: SyntaxId, opnum: u16, object: Option<Guid>) -> CallContext {
        CallContext {
            peer: None,
            local: None,
            interface,
            opnum,
            object,
            caller: admin(),
            responses_sent: 0,
        }
    }

    /// A login object of the Administrator's, as activation exports it.
    fn login(port: &ObjectPort) -> Guid {
        port.host
            .exporter
            .export(
                rwmi_core::wmi::ids::IID_IWBEM_LEVEL1_LOGIN,
                ExportedObject::Login,
                admin(),
            )
            .unwrap()
    }

    #[test]
    fn truncated_stubs_fault_with_bad_stub_data() {
        let port = port();
        let login = login(&port);
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
        let login = login(&port);
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
        // The login IPID on an IWbemServices context is served as IWbemLevel1Login, which has no
        // opnum 20; an IPID nobody exported is disconnected.
        let wrong = context(IWBEM_SERVICES, 20, Some(login));
        let query = ExecQueryRequest::wql(OrpcThis::new(Guid::NIL), "SELECT * FROM x", 0);
        assert_eq!(
            port.dispatch(&wrong, &query.to_stub()),
            CallOutcome::Fault(NCA_S_OP_RNG_ERROR)
        );
        let unknown = context(IWBEM_SERVICES, 20, Some(Guid::from_u128(5)));
        assert_eq!(
            port.dispatch(&unknown, &query.to_stub()),
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

    fn login_reply(outcome: CallOutcome) -> NtlmLoginResponse {
        let CallOutcome::Reply(stub) = outcome else {
            panic!("a reply: {outcome:?}");
        };
        NtlmLoginResponse::from_stub(&stub).unwrap()
    }

    #[test]
    fn calls_are_served_as_the_ipids_interface_on_any_context() {
        let port = port();
        let login = login(&port);
        let ntlm_login = NtlmLoginRequest::new(OrpcThis::new(Guid::NIL), "root\\cimv2").to_stub();
        // NTLMLogin on an IRemUnknown2 context (the context aiowmi's activation leaves is its login).
        let response = login_reply(port.dispatch(
            &context(IREM_UNKNOWN2_SYNTAX, NtlmLoginRequest::OPNUM, Some(login)),
            &ntlm_login,
        ));
        assert_eq!(response.hresult, S_OK);
        let services = response.namespace.0.unwrap();
        let services = rwmi_core::dcom::ObjRef::decode(&services.data)
            .unwrap()
            .std()
            .unwrap()
            .ipid;
        // ExecQuery with the IWbemServices IPID on the IWbemLevel1Login context.
        let query = ExecQueryRequest::wql(OrpcThis::new(Guid::NIL), "SELECT * FROM __Namespace", 0);
        let on_login = context(IWBEM_LEVEL1_LOGIN, ExecQueryRequest::OPNUM, Some(services));
        assert!(matches!(
            port.dispatch(&on_login, &query.to_stub()),
            CallOutcome::Reply(_)
        ));
        // RemRelease with the exporter's IRemUnknown IPID on the same context.
        let release = RemReleaseRequest {
            orpc_this: OrpcThis::new(Guid::NIL),
            refs: vec![rwmi_core::dcom::scm::RemInterfaceRef {
                ipid: services,
                public_refs: crate::server::exporter::PUBLIC_REFS_PER_MARSHAL,
                private_refs: 0,
            }],
        };
        let ipid_rem_unknown = port.host.exporter.ipid_rem_unknown;
        let outcome = port.dispatch(
            &context(
                IWBEM_LEVEL1_LOGIN,
                RemReleaseRequest::OPNUM,
                Some(ipid_rem_unknown),
            ),
            &release.to_stub(),
        );
        assert!(matches!(outcome, CallOutcome::Reply(_)), "{outcome:?}");
        assert!(port.host.exporter.peek(&services).is_none(), "released");
    }

    #[test]
    fn another_identitys_ipid_and_low_levels_are_refused() {
        let port = port();
        let login = login(&port);
        let ntlm_login = NtlmLoginRequest::new(OrpcThis::new(Guid::NIL), "root\\cimv2").to_stub();
        let mut bobs = context(IWBEM_LEVEL1_LOGIN, NtlmLoginRequest::OPNUM, Some(login));
        bobs.caller = Some(identity("bob", AuthLevel::Privacy));
        assert_eq!(
            port.dispatch(&bobs, &ntlm_login),
            CallOutcome::Fault(ERROR_ACCESS_DENIED)
        );
        // Served as IRemUnknown2 (the IPID is the exporter's): E_ACCESSDENIED (MS-DCOM note <40>).
        let mut low = context(
            IWBEM_LEVEL1_LOGIN,
            RemReleaseRequest::OPNUM,
            Some(port.host.exporter.ipid_rem_unknown),
        );
        low.caller = Some(identity("Administrator", AuthLevel::Connect));
        let release = RemReleaseRequest {
            orpc_this: OrpcThis::new(Guid::NIL),
            refs: Vec::new(),
        };
        assert_eq!(
            port.dispatch(&low, &release.to_stub()),
            CallOutcome::Fault(E_ACCESSDENIED)
        );
        let mut anonymous = context(IWBEM_LEVEL1_LOGIN, NtlmLoginRequest::OPNUM, Some(login));
        anonymous.caller = None;
        assert_eq!(
            port.dispatch(&anonymous, &ntlm_login),
            CallOutcome::Fault(ERROR_ACCESS_DENIED)
        );
        let admin = context(IWBEM_LEVEL1_LOGIN, NtlmLoginRequest::OPNUM, Some(login));
        assert_eq!(
            login_reply(port.dispatch(&admin, &ntlm_login)).hresult,
            S_OK
        );
    }
}
