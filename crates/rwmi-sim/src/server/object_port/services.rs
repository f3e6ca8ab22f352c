//! IWbemServices (MS-WMI 3.1.4.3): OpenNamespace, GetObject, the enumerating calls and ExecMethod.

use std::sync::{Arc, Mutex};

use rwmi::rpc::server::{CallContext, CallOutcome};
use rwmi_core::dcom::{MInterfacePointer, ObjRef, ObjRefBody, OrpcThat};
use rwmi_core::ndr::Unique;
use rwmi_core::wmi::flags::WBEM_FLAG_FORWARD_ONLY;
use rwmi_core::wmi::ids::IID_IENUM_WBEM_CLASS_OBJECT;
use rwmi_core::wmi::path::namespace_of_resource;
use rwmi_core::wmi::services::{
    CreateInstanceEnumRequest, EnumeratorResponse, ExecMethodRequest, ExecMethodResponse,
    ExecNotificationQueryRequest, ExecQueryRequest, GetObjectRequest, GetObjectResponse,
    OpenNamespaceRequest, OpenNamespaceResponse,
};
use rwmi_core::wmio::{Limits, WmiInstance, WmiObject, decode_encoding_unit};
use tracing::debug;

use super::{ObjectPort, OrpcCall, in_out, pointer_or_status, reply};
use crate::policy::NamespaceGate;
use crate::server::cursor::{Cursor, Restart};
use crate::server::exporter::{ExportedObject, IpidEntry};
use crate::server::marshal::class_object_pointer;
use crate::server::methods::exec_method;
use rwmi_core::status::hresult::S_OK;
use rwmi_core::status::wbem::{
    WBEM_E_FAILED, WBEM_E_INVALID_PARAMETER, WBEM_E_INVALID_QUERY_TYPE, WBEM_E_NOT_SUPPORTED,
};

impl ObjectPort {
    /// The namespace of an IWbemServices entry, after the access check every method makes (MS-WMI
    /// 3.1.4.3: the server MUST check the caller's rights on the namespace; 3.1.4: and SHOULD refuse a
    /// RequiresEncryption namespace below packet privacy, which is where a namespace that refuses at
    /// the query refuses).
    fn services_namespace(&self, entry: &IpidEntry, context: &CallContext) -> Result<String, u32> {
        let ExportedObject::Services { namespace } = &entry.object else {
            return Err(WBEM_E_FAILED);
        };
        let caller = self.caller(context)?;
        self.host.backend.check_namespace(
            caller,
            namespace,
            &self.host.profiles,
            NamespaceGate::Call,
        )?;
        Ok(namespace.clone())
    }

    /// MS-WMI 3.1.4.3.1: a namespace relative to this one.
    pub(super) fn open_namespace(&self, call: OrpcCall<'_, OpenNamespaceRequest>) -> CallOutcome {
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
    pub(super) fn get_object(&self, call: OrpcCall<'_, GetObjectRequest>) -> CallOutcome {
        let request = &call.request;
        let result = self
            .services_namespace(&call.entry, call.context)
            .and_then(|ns| {
                let path = request.object_path.trimmed().unwrap_or("");
                if path.trim().is_empty() {
                    return Err(WBEM_E_INVALID_PARAMETER);
                }
                self.host
                    .backend
                    .get_object(&ns, path, &self.host.processes)
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
    pub(super) fn create_instance_enum(
        &self,
        call: OrpcCall<'_, CreateInstanceEnumRequest>,
    ) -> CallOutcome {
        let namespace = match self.services_namespace(&call.entry, call.context) {
            Ok(ns) => ns,
            Err(h) => return Self::enumerator_failed(h),
        };
        let Some(class) = call.request.superclass.trimmed().map(str::to_owned) else {
            return Self::enumerator_failed(WBEM_E_INVALID_PARAMETER);
        };
        let host = self.host.clone();
        self.enumerator(
            call.context,
            Arc::new(move || {
                host.backend
                    .instances_of(&namespace, &class, &host.processes)
            }),
            call.request.flags,
        )
    }

    /// MS-WMI 3.1.4.3.18: WQL only, else WBEM_E_INVALID_QUERY_TYPE. BSTRs are read trimmed: Impacket
    /// counts a terminating NUL in their length.
    pub(super) fn exec_query(&self, call: OrpcCall<'_, ExecQueryRequest>) -> CallOutcome {
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
        let host = self.host.clone();
        self.enumerator(
            call.context,
            Arc::new(move || host.backend.exec_query(&namespace, &query, &host.processes)),
            call.request.flags,
        )
    }

    /// MS-WMI 3.1.4.3.20: event subscriptions need a provider the emulator does not have.
    pub(super) fn exec_notification_query(
        &self,
        call: OrpcCall<'_, ExecNotificationQueryRequest>,
    ) -> CallOutcome {
        let hresult = match self.services_namespace(&call.entry, call.context) {
            Ok(_) => WBEM_E_NOT_SUPPORTED,
            Err(h) => h,
        };
        Self::enumerator_failed(hresult)
    }

    /// MS-WMI 3.1.4.3.24 (ExecMethod).
    pub(super) fn exec_method(&self, call: OrpcCall<'_, ExecMethodRequest>) -> CallOutcome {
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
                exec_method(&self.host, caller, &ns, path, method, input.as_ref())
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
    use super::super::OrpcRequest;
    use super::*;
    use rwmi_core::rpc::Stub;

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
