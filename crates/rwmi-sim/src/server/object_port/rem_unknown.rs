//! IRemUnknown and IRemUnknown2 (MS-DCOM 3.1.1.5.6, 3.1.1.5.7): QueryInterface and reference counts on
//! the caller's objects, served on either interface.

use rwmi::rpc::server::CallOutcome;
use rwmi_core::Guid;
use rwmi_core::dcom::ids::IID_IUNKNOWN;
use rwmi_core::dcom::scm::{
    RemAddRefRequest, RemAddRefResponse, RemQiResult, RemQueryInterfaceRequest,
    RemQueryInterfaceResponse, RemReleaseRequest, RemReleaseResponse,
};
use rwmi_core::dcom::{OrpcThat, StdObjRef};
use rwmi_core::rpc::Stub;
use rwmi_core::wmi::ids::IID_IWBEM_FETCH_SMART_ENUM;
use tracing::debug;

use super::{ObjectPort, OrpcCall};
use crate::server::exporter::{ExportedObject, IpidEntry};
use crate::server::marshal::std_objref;
use rwmi_core::status::hresult::{E_INVALIDARG, E_NOINTERFACE, RPC_E_INVALID_OBJECT, S_OK};

impl ObjectPort {
    pub(super) fn rem_query_interface(
        &self,
        call: OrpcCall<'_, RemQueryInterfaceRequest>,
    ) -> CallOutcome {
        let request = call.request;
        let exporter = &self.host.exporter;
        let Some(source) = exporter
            .lookup(&request.ipid)
            .filter(|e| e.owned_by(call.context.caller.as_ref()))
        else {
            // MS-DCOM 3.1.1.5.6.1.1; an IPID of another identity is not there for this caller.
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
            return match exporter.add_refs(
                &source_ipid,
                crate::server::exporter::PUBLIC_REFS_PER_MARSHAL,
            ) {
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
        match exporter.export_with_oid(iid, source.oid, object, source.creator.clone()) {
            Ok(ipid) => RemQiResult {
                hresult: 0,
                std: std_objref(exporter.oxid, source.oid, ipid),
            },
            Err(hresult) => failed(hresult),
        }
    }

    /// Whether the caller created `ipid`: references of another identity's objects are not its to
    /// change, whichever connection it calls from.
    fn owns<R>(&self, call: &OrpcCall<'_, R>, ipid: &Guid) -> bool {
        self.host
            .exporter
            .peek(ipid)
            .is_some_and(|e| e.owned_by(call.context.caller.as_ref()))
    }

    pub(super) fn rem_add_ref(&self, call: OrpcCall<'_, RemAddRefRequest>) -> CallOutcome {
        let results: Vec<u32> = call
            .request
            .refs
            .iter()
            .map(|r| {
                let refs = r.public_refs.saturating_add(r.private_refs);
                if !self.owns(&call, &r.ipid) {
                    return RPC_E_INVALID_OBJECT;
                }
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

    pub(super) fn rem_release(&self, call: OrpcCall<'_, RemReleaseRequest>) -> CallOutcome {
        let mut hresult = S_OK;
        for r in &call.request.refs {
            let refs = r.public_refs.saturating_add(r.private_refs);
            if !self.owns(&call, &r.ipid) || self.host.exporter.release(&r.ipid, refs).is_err() {
                hresult = E_INVALIDARG;
            }
        }
        debug!(
            connection = self.connection,
            refs = call.request.refs.len(),
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
}
