//! Port 135 of a virtual host: the endpoint mapper (C706 appendix O ept_map), IRemoteSCMActivator
//! (MS-DCOM 3.1.2.5.2) and IObjectExporter (MS-DCOM 3.1.2.5.1).

use std::sync::Arc;

use rwmi::rpc::server::{BoxFuture, CallContext, CallOutcome, RpcService};
use rwmi_core::Guid;
use rwmi_core::dcom::DualStringArray;
use rwmi_core::dcom::activation::{ActivationReply, InterfaceResult};
use rwmi_core::dcom::ids::IID_IUNKNOWN;
use rwmi_core::dcom::scm::{
    ComplexPingRequest, ComplexPingResponse, IOBJECT_EXPORTER_SYNTAX, IREMOTE_SCM_ACTIVATOR_SYNTAX,
    RemoteCreateInstanceRequest, RemoteCreateInstanceResponse, ResolveOxid2Request,
    ResolveOxid2Response, ResolveOxidRequest, ResolveOxidResponse, ServerAlive2Request,
    ServerAlive2Response, ServerAliveRequest, ServerAliveResponse, SimplePingRequest,
    SimplePingResponse,
};
use rwmi_core::epm::{EPM, EptMapRequest, EptMapResponse, TcpTower};
use rwmi_core::ndr::ContextHandle;
use rwmi_core::rpc::{Call as _, Stub, SyntaxId};
use rwmi_core::status::hresult::{E_ACCESSDENIED, E_NOINTERFACE, REGDB_E_CLASSNOTREG};
use rwmi_core::status::nca::NCA_S_OP_RNG_ERROR;
use rwmi_core::status::rpc::EPT_S_NOT_REGISTERED;
use rwmi_core::status::win32::{OR_INVALID_OXID, RPC_X_BAD_STUB_DATA};
use rwmi_core::wmi::ids::{CLSID_WBEM_LEVEL1_LOGIN, IID_IWBEM_LEVEL1_LOGIN};
use tracing::debug;

use super::exporter::ExportedObject;
use super::faults::with_profiles;
use super::host::VirtualHost;
use super::hostile::many_bindings;
use super::object_port::{OBJECT_PORT_INTERFACES, reply};
use crate::policy::minimum_level;
use crate::profile::Hostile;

/// ScmReplyInfoData.authnHint and ResolveOxid(2)'s pAuthnHint: the *minimum* level the object exporter
/// accepts, whatever level the caller used (MS-DCOM 2.2.22.2.8.1, 3.1.2.5.1.1, 3.1.2.5.1.5 and notes
/// <37>, <52>, <57>: "the minimum authentication level at which the object exporter can be called"), as
/// an RPC_C_AUTHN_LEVEL_* value (MS-RPCE 2.2.1.1.8). Windows clients bind the exporter at
/// max(hint, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY) (note <37>); echoing the caller's privacy made aiowmi, which
/// cannot seal NTLM calls, fail where it works against Windows.
///
/// A real DC answered 4 (RPC_C_AUTHN_LEVEL_PKT) to a caller at connect level (2)
/// (crates/rwmi-core/tests/real-windows/zeek-kerberos135_auth.pcapng, frame 11, AuthenticationHint 4).
/// The emulator keeps its own values, 5 (integrity) hardened and 2 under `legacy`
/// ([`minimum_level`]): it has no packet level to advertise, and its hardened minimum is what KB5004442
/// enforces on activation and what note <37> makes Windows clients use whatever the hint says.
fn authn_hint(host: &VirtualHost) -> u32 {
    u32::from(minimum_level(&host.profiles).wire_value())
}

/// The services of port 135.
pub struct ScmPort {
    pub host: Arc<VirtualHost>,
}

impl RpcService for ScmPort {
    fn interfaces(&self) -> Vec<SyntaxId> {
        vec![EPM, IREMOTE_SCM_ACTIVATOR_SYNTAX, IOBJECT_EXPORTER_SYNTAX]
    }

    fn call(&self, context: CallContext, stub: Vec<u8>) -> BoxFuture<'_, CallOutcome> {
        Box::pin(with_profiles(
            &self.host.profiles,
            context.responses_sent,
            async move { self.dispatch(&context, &stub) },
        ))
    }
}

impl ScmPort {
    fn dispatch(&self, context: &CallContext, stub: &[u8]) -> CallOutcome {
        let interface = context.interface;
        debug!(peer = ?context.peer, opnum = context.opnum, ?interface, "port 135 call");
        if interface == EPM {
            match context.opnum {
                EptMapRequest::OPNUM => self.ept_map(stub),
                _ => CallOutcome::Fault(NCA_S_OP_RNG_ERROR),
            }
        } else if interface == IREMOTE_SCM_ACTIVATOR_SYNTAX {
            match context.opnum {
                RemoteCreateInstanceRequest::OPNUM => self.remote_create_instance(context, stub),
                _ => CallOutcome::Fault(NCA_S_OP_RNG_ERROR),
            }
        } else {
            self.object_exporter(context, stub)
        }
    }

    /// ept_map: the dynamic port for the interfaces the object exporter serves, 135 for those of this
    /// port, EPT_S_NOT_REGISTERED for anything else (C706 appendix O, ept_map).
    fn ept_map(&self, stub: &[u8]) -> CallOutcome {
        let Ok(request) = EptMapRequest::from_stub(stub) else {
            return CallOutcome::Fault(RPC_X_BAD_STUB_DATA);
        };
        let wanted = request.tower.interface;
        let port = if OBJECT_PORT_INTERFACES.contains(&wanted) {
            Some(self.host.advertised_port)
        } else if self.interfaces().contains(&wanted) {
            Some(self.host.scm_addr.port())
        } else {
            None
        };
        let address = match self.host.ip() {
            std::net::IpAddr::V4(v4) => v4.octets(),
            std::net::IpAddr::V6(_) => [0; 4],
        };
        let response = match port {
            Some(port) if request.max_towers > 0 => EptMapResponse {
                entry_handle: ContextHandle::default(),
                towers: vec![TcpTower::new(wanted, port, address)],
                max_towers: request.max_towers,
                status: 0,
            },
            _ => EptMapResponse {
                entry_handle: ContextHandle::default(),
                towers: Vec::new(),
                max_towers: request.max_towers,
                status: EPT_S_NOT_REGISTERED,
            },
        };
        debug!(?wanted, status = response.status, "ept_map");
        reply(response)
    }

    /// MS-DCOM 3.1.2.5.2.3.3. Failures travel as the method's return value with a NULL ppActProperties,
    /// as the IDL's HRESULT return and MS-DCOM 3.1.2.5.2.3 have it (Impacket's dcomrt, for one, reads an
    /// activation E_ACCESSDENIED from this return value, not from a fault).
    fn remote_create_instance(&self, context: &CallContext, stub: &[u8]) -> CallOutcome {
        let Ok(request) = RemoteCreateInstanceRequest::from_stub(stub) else {
            return CallOutcome::Fault(RPC_X_BAD_STUB_DATA);
        };
        let Ok(activation) = request.activation_request() else {
            return CallOutcome::Fault(RPC_X_BAD_STUB_DATA);
        };
        let reply = |hresult: u32| {
            debug!(peer = ?context.peer, hresult = format_args!("{hresult:#010x}"), "RemoteCreateInstance");
            CallOutcome::Reply(RemoteCreateInstanceResponse::failure(hresult).to_stub())
        };
        if activation.clsid != CLSID_WBEM_LEVEL1_LOGIN {
            return reply(REGDB_E_CLASSNOTREG);
        }
        // An anonymous caller has no rights in the machine launch and activation limits.
        let Some(caller) = &context.caller else {
            return reply(E_ACCESSDENIED);
        };
        if let Err(hresult) = self
            .host
            .backend
            .check_activation(caller, &self.host.profiles)
        {
            return reply(hresult);
        }
        let host = &self.host;
        let ipid = match host.exporter.export(
            IID_IWBEM_LEVEL1_LOGIN,
            ExportedObject::Login,
            Some(caller.clone()),
        ) {
            Ok(ipid) => ipid,
            Err(hresult) => return reply(hresult),
        };
        let Some(entry) = host.exporter.peek(&ipid) else {
            return reply(E_ACCESSDENIED);
        };
        let interfaces = activation
            .iids
            .iter()
            .map(|iid| {
                if *iid == IID_IWBEM_LEVEL1_LOGIN || *iid == IID_IUNKNOWN {
                    InterfaceResult {
                        iid: *iid,
                        hresult: 0,
                        pointer: Some(host.interface_pointer(*iid, entry.oid, ipid)),
                    }
                } else {
                    InterfaceResult {
                        iid: *iid,
                        hresult: E_NOINTERFACE,
                        pointer: None,
                    }
                }
            })
            .collect();
        let activation_reply = ActivationReply {
            oxid: host.exporter.oxid,
            oxid_bindings: if host.profiles.hostile.contains(&Hostile::ManyBindings) {
                many_bindings(host.advertised_port, host.oxid_bindings().security_bindings)
            } else {
                host.oxid_bindings()
            },
            ipid_rem_unknown: host.exporter.ipid_rem_unknown,
            authn_hint: authn_hint(host),
            server_version: host.com_version(),
            interfaces,
        };
        debug!(peer = ?context.peer, user = %caller.user.user, %ipid, "activated WbemLevel1Login");
        CallOutcome::Reply(RemoteCreateInstanceResponse::new(&activation_reply).to_stub())
    }

    /// What ResolveOxid and ResolveOxid2 answer (MS-DCOM 3.1.2.5.1.1): the bindings and the IRemUnknown
    /// IPID of our OXID, OR_INVALID_OXID for any other.
    fn resolve(&self, request: &ResolveOxidRequest) -> (Option<DualStringArray>, Guid, u32) {
        let host = &self.host;
        if request.oxid == host.exporter.oxid {
            (
                Some(host.oxid_bindings()),
                host.exporter.ipid_rem_unknown,
                0,
            )
        } else {
            (None, Guid::NIL, OR_INVALID_OXID)
        }
    }

    /// IObjectExporter (MS-DCOM 3.1.2.5.1).
    fn object_exporter(&self, context: &CallContext, stub: &[u8]) -> CallOutcome {
        let host = &self.host;
        let bad = CallOutcome::Fault(RPC_X_BAD_STUB_DATA);
        match context.opnum {
            ResolveOxidRequest::OPNUM => {
                let Ok(request) = ResolveOxidRequest::from_stub(stub) else {
                    return bad;
                };
                let (oxid_bindings, ipid_rem_unknown, status) = self.resolve(&request);
                reply(ResolveOxidResponse {
                    oxid_bindings,
                    ipid_rem_unknown,
                    authn_hint: authn_hint(host),
                    status,
                })
            }
            ResolveOxid2Request::OPNUM => {
                let Ok(ResolveOxid2Request(request)) = ResolveOxid2Request::from_stub(stub) else {
                    return bad;
                };
                let (oxid_bindings, ipid_rem_unknown, status) = self.resolve(&request);
                reply(ResolveOxid2Response {
                    oxid_bindings,
                    ipid_rem_unknown,
                    authn_hint: authn_hint(host),
                    com_version: host.com_version(),
                    status,
                })
            }
            SimplePingRequest::OPNUM => {
                let Ok(request) = SimplePingRequest::from_stub(stub) else {
                    return bad;
                };
                let status = host.exporter.ping(request.set_id, false).err().unwrap_or(0);
                reply(SimplePingResponse { status })
            }
            ComplexPingRequest::OPNUM => {
                let Ok(request) = ComplexPingRequest::from_stub(stub) else {
                    return bad;
                };
                // MS-DCOM 3.1.2.5.1.3: a SETID of zero asks for a new set.
                let (set_id, status) = match host.exporter.ping(request.set_id, request.set_id == 0)
                {
                    Ok(id) => {
                        host.exporter.change_ping_set(
                            id,
                            &request.add_to_set,
                            &request.del_from_set,
                        );
                        (id, 0)
                    }
                    Err(status) => (0, status),
                };
                reply(ComplexPingResponse {
                    set_id,
                    ping_backoff_factor: 0,
                    status,
                })
            }
            ServerAliveRequest::OPNUM => {
                if ServerAliveRequest::from_stub(stub).is_err() {
                    return bad;
                }
                reply(ServerAliveResponse { status: 0 })
            }
            ServerAlive2Request::OPNUM => {
                if ServerAlive2Request::from_stub(stub).is_err() {
                    return bad;
                }
                reply(ServerAlive2Response {
                    com_version: host.com_version(),
                    or_bindings: Some(host.resolver_bindings()),
                    reserved: 0,
                    status: 0,
                })
            }
            _ => CallOutcome::Fault(NCA_S_OP_RNG_ERROR),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rwmi_core::dcom::activation::ActivationRequest;

    fn port() -> ScmPort {
        ScmPort {
            host: VirtualHost::for_tests(),
        }
    }

    fn context(interface: SyntaxId, opnum: u16) -> CallContext {
        CallContext {
            peer: None,
            local: None,
            interface,
            opnum,
            object: None,
            caller: None,
            responses_sent: 0,
        }
    }

    #[test]
    fn truncated_requests_fault_and_never_panic() {
        let port = port();
        let activation = RemoteCreateInstanceRequest::new(
            rwmi_core::Guid::NIL,
            &ActivationRequest::new(CLSID_WBEM_LEVEL1_LOGIN, vec![IID_IWBEM_LEVEL1_LOGIN]),
        )
        .to_stub();
        let ctx = context(
            IREMOTE_SCM_ACTIVATOR_SYNTAX,
            RemoteCreateInstanceRequest::OPNUM,
        );
        for len in 0..activation.len() - 1 {
            assert_eq!(
                port.dispatch(&ctx, &activation[..len]),
                CallOutcome::Fault(RPC_X_BAD_STUB_DATA),
                "length {len}"
            );
        }
        // Complete but anonymous: the return value says access denied.
        let CallOutcome::Reply(stub) = port.dispatch(&ctx, &activation) else {
            panic!("a reply");
        };
        let response = RemoteCreateInstanceResponse::from_stub(&stub).unwrap();
        assert_eq!(response.hresult, E_ACCESSDENIED);

        let resolve = ResolveOxidRequest {
            oxid: port.host.exporter.oxid,
            requested_protseqs: vec![7],
        }
        .to_stub();
        let ctx = context(IOBJECT_EXPORTER_SYNTAX, ResolveOxidRequest::OPNUM);
        for len in 0..resolve.len() - 1 {
            let outcome = port.dispatch(&ctx, &resolve[..len]);
            assert_eq!(
                outcome,
                CallOutcome::Fault(RPC_X_BAD_STUB_DATA),
                "length {len}"
            );
        }
        let CallOutcome::Reply(stub) = port.dispatch(&ctx, &resolve) else {
            panic!("a reply");
        };
        let response = ResolveOxidResponse::from_stub(&stub).unwrap();
        assert_eq!(response.status, 0);
        assert_eq!(
            response.ipid_rem_unknown,
            port.host.exporter.ipid_rem_unknown
        );
    }

    #[test]
    fn other_classes_and_oxids_are_refused() {
        let port = port();
        let activation = RemoteCreateInstanceRequest::new(
            rwmi_core::Guid::NIL,
            &ActivationRequest::new(rwmi_core::Guid::from_u128(1), vec![IID_IUNKNOWN]),
        )
        .to_stub();
        let ctx = context(
            IREMOTE_SCM_ACTIVATOR_SYNTAX,
            RemoteCreateInstanceRequest::OPNUM,
        );
        let CallOutcome::Reply(stub) = port.dispatch(&ctx, &activation) else {
            panic!("a reply");
        };
        assert_eq!(
            RemoteCreateInstanceResponse::from_stub(&stub)
                .unwrap()
                .hresult,
            REGDB_E_CLASSNOTREG
        );
        let resolve = ResolveOxidRequest {
            oxid: port.host.exporter.oxid ^ 1,
            requested_protseqs: vec![7],
        }
        .to_stub();
        let CallOutcome::Reply(stub) = port.dispatch(
            &context(IOBJECT_EXPORTER_SYNTAX, ResolveOxid2Request::OPNUM),
            &resolve,
        ) else {
            panic!("a reply");
        };
        let response = ResolveOxid2Response::from_stub(&stub).unwrap();
        assert_eq!(response.status, OR_INVALID_OXID);
        assert!(response.oxid_bindings.is_none());
    }
}
