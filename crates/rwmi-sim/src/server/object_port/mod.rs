//! The dynamic port of a virtual host: the object exporter's ORPC interfaces. One `ObjectPort` serves
//! one TCP connection, so objects created through it die with it.
//!
//! Every call goes through [`ObjectPort::orpc`]: decode the stub (RPC_X_BAD_STUB_DATA when it does not
//! decode), check the ORPCTHIS (MS-DCOM 3.1.1.5.4: COM version, flags), look the IPID up
//! (RPC_E_DISCONNECTED when it is unknown, as MS-DCOM 3.1.1.5.4 requires) and hand the entry to the
//! method.
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
