//! IWbemLevel1Login (MS-WMI 3.1.4.1): NTLMLogin turns a namespace into an IWbemServices.

use rwmi::rpc::server::{CallContext, CallOutcome};
use rwmi_core::dcom::{MInterfacePointer, OrpcThat};
use rwmi_core::ndr::Unique;
use rwmi_core::wmi::ids::IID_IWBEM_SERVICES;
use rwmi_core::wmi::login::{NtlmLoginRequest, NtlmLoginResponse};
use rwmi_core::wmi::path::namespace_of_resource;
use tracing::debug;

use super::{ObjectPort, OrpcCall, reply};
use crate::policy::NamespaceGate;
use crate::server::exporter::ExportedObject;
use rwmi_core::status::hresult::S_OK;
use rwmi_core::status::wbem::{WBEM_E_INVALID_NAMESPACE, WBEM_E_INVALID_PARAMETER};

impl ObjectPort {
    /// MS-WMI 3.1.4.1.4.
    pub(super) fn ntlm_login(&self, call: OrpcCall<'_, NtlmLoginRequest>) -> CallOutcome {
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
    pub(super) fn open(
        &self,
        context: &CallContext,
        namespace: &str,
    ) -> Result<MInterfacePointer, u32> {
        let caller = self.caller(context)?;
        if namespace.is_empty() {
            return Err(WBEM_E_INVALID_NAMESPACE);
        }
        self.host.backend.check_namespace(
            caller,
            namespace,
            &self.host.profiles,
            NamespaceGate::Login,
        )?;
        self.export(
            IID_IWBEM_SERVICES,
            ExportedObject::Services {
                namespace: namespace.to_owned(),
            },
            Some(caller.clone()),
        )
    }
}
