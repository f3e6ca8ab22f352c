//! ExecMethod (MS-WMI 3.1.4.3.24): in-parameters as an instance of the method's input class
//! (`__PARAMETERS`, MS-WMIO 2.3.3), sent by value; out-parameters (including ReturnValue) come back the
//! same way.

use rwmi_core::dcom::{ObjRef, ObjRefBody, ObjRefCustom, OrpcThis};
use rwmi_core::ndr::Unique;
use rwmi_core::wmi::bstr::Bstr;
use rwmi_core::wmi::ids::{CLSID_WBEM_CLASS_OBJECT_UNMARSHALER, IID_IWBEM_CLASS_OBJECT};
use rwmi_core::wmi::path::class_of_path;
use rwmi_core::wmi::services::{ExecMethodRequest, wanted};
use rwmi_core::wmio::{Value, WmiInstance, WmiObject, parse_value};

use super::connection::Connection;
use super::dcom::session::new_cid;
use super::error::{WmiError, WmiStage};
use super::query::decode_object;

const EXEC_METHOD: &str = "IWbemServices::ExecMethod";

impl Connection {
    /// Calls `method` on the object at `path` (a class for static methods, an instance path otherwise) with
    /// typed arguments, returning the out-parameters instance (ReturnValue and the [out] parameters).
    pub async fn exec_method(
        &self,
        path: &str,
        method: &str,
        args: &[(&str, Value)],
    ) -> Result<Option<WmiInstance>, WmiError> {
        let in_params = if args.is_empty() {
            None
        } else {
            Some(self.in_parameters(path, method, args).await?)
        };
        self.exec_method_with(path, method, in_params).await
    }

    /// Like `exec_method`, with arguments typed in as text (`ProcessId=42`), converted to the declared types.
    pub async fn exec_method_text(
        &self,
        path: &str,
        method: &str,
        args: &[(String, String)],
    ) -> Result<Option<WmiInstance>, WmiError> {
        if args.is_empty() {
            return self.exec_method_with(path, method, None).await;
        }
        let input = self.input_class(path, method).await?;
        let mut typed = Vec::with_capacity(args.len());
        for (name, text) in args {
            let (_, property) = input.property(name).ok_or_else(|| {
                WmiError::new(
                    WmiStage::ExecMethod,
                    Some(EXEC_METHOD),
                    None,
                    format!("{method} has no in-parameter {name}"),
                )
            })?;
            let value = parse_value(property.cim_type, text).map_err(|e| {
                WmiError::new(
                    WmiStage::ExecMethod,
                    Some(EXEC_METHOD),
                    None,
                    format!("{name}: {e}"),
                )
            })?;
            typed.push((name.as_str(), value));
        }
        let refs: Vec<(&str, Value)> = typed;
        self.exec_method(path, method, &refs).await
    }

    async fn input_class(
        &self,
        path: &str,
        method: &str,
    ) -> Result<std::sync::Arc<rwmi_core::wmio::WmiClass>, WmiError> {
        let class_name = class_of_path(path).ok_or_else(|| {
            WmiError::new(
                WmiStage::ExecMethod,
                Some(EXEC_METHOD),
                None,
                format!("`{path}` names no class"),
            )
        })?;
        let WmiObject::Class(class) = self.get(class_name).await? else {
            return Err(WmiError::new(
                WmiStage::ExecMethod,
                Some(EXEC_METHOD),
                None,
                format!("{class_name} is not a class"),
            ));
        };
        let m = class.method(method).ok_or_else(|| {
            WmiError::new(
                WmiStage::ExecMethod,
                Some(EXEC_METHOD),
                None,
                format!("{class_name} has no method {method}"),
            )
        })?;
        m.input.clone().ok_or_else(|| {
            WmiError::new(
                WmiStage::ExecMethod,
                Some(EXEC_METHOD),
                None,
                format!("{class_name}.{method} takes no parameters"),
            )
        })
    }

    async fn in_parameters(
        &self,
        path: &str,
        method: &str,
        args: &[(&str, Value)],
    ) -> Result<WmiInstance, WmiError> {
        let input = self.input_class(path, method).await?;
        let mut instance = WmiInstance::new(input);
        for (name, value) in args {
            instance.set(name, Some(value.clone())).map_err(|e| {
                WmiError::new(
                    WmiStage::ExecMethod,
                    Some(EXEC_METHOD),
                    None,
                    format!("{name}: {e}"),
                )
            })?;
        }
        Ok(instance)
    }

    async fn exec_method_with(
        &self,
        path: &str,
        method: &str,
        in_params: Option<WmiInstance>,
    ) -> Result<Option<WmiInstance>, WmiError> {
        let in_params = match in_params {
            None => Unique::null(),
            Some(instance) => {
                let bytes = WmiObject::Instance(instance).encode().map_err(|e| {
                    WmiError::new(WmiStage::ExecMethod, Some(EXEC_METHOD), None, e.to_string())
                })?;
                let objref = ObjRef {
                    iid: IID_IWBEM_CLASS_OBJECT,
                    body: ObjRefBody::Custom(ObjRefCustom::new(
                        CLSID_WBEM_CLASS_OBJECT_UNMARSHALER,
                        bytes,
                    )),
                };
                Unique::new(objref.to_interface_pointer())
            }
        };
        let request = ExecMethodRequest {
            this: OrpcThis::new(new_cid()),
            object_path: Bstr::new(path),
            method_name: Bstr::new(method),
            flags: 0,
            context: Unique::null(),
            in_params,
            out_params: wanted(),
            call_result: Unique::null(),
        };
        let response = self
            .shared
            .call(self.services, &request, WmiStage::ExecMethod, EXEC_METHOD)
            .await?;
        if response.hresult != 0 {
            return Err(WmiError::status(
                WmiStage::ExecMethod,
                EXEC_METHOD,
                response.hresult,
            ));
        }
        match response.out_params.as_ref().and_then(|p| p.as_ref()) {
            None => Ok(None),
            Some(pointer) => match decode_object(&self.shared, pointer, WmiStage::ExecMethod)? {
                WmiObject::Instance(instance) => Ok(Some(instance)),
                WmiObject::Class(_) => Err(WmiError::new(
                    WmiStage::ExecMethod,
                    Some(EXEC_METHOD),
                    None,
                    "out-parameters came as a class",
                )),
            },
        }
    }
}
