//! ExecMethod handlers (MS-WMI 3.1.4.3.20). The repository holds method signatures but no code; the
//! emulator implements a few methods here and answers the rest as Windows does for a method whose
//! provider does not implement it.

use std::sync::Arc;

use rwmi::rpc::server::CallerIdentity;
use rwmi_core::wmi::path::class_of_path;
use rwmi_core::wmio::{CimBase, CimType, ClassBuilder, Value, WmiClass, WmiInstance, WmiObject};

use super::backend::WmiBackend;
use rwmi_core::status::wbem::{
    WBEM_E_FAILED, WBEM_E_INVALID_PARAMETER, WBEM_E_METHOD_NOT_IMPLEMENTED, WBEM_E_NOT_FOUND,
};

/// The class of the test method: `RwmiSim_Echo.Echo` returns its in-parameters as out-parameters
/// with ReturnValue 0, so clients can test method calls with arbitrary values.
pub const ECHO_CLASS: &str = "RwmiSim_Echo";

/// Calls `method` on the object at `path` in `namespace`. `Ok(out)` carries the out-parameters object.
pub fn exec_method(
    backend: &dyn WmiBackend,
    caller: &CallerIdentity,
    namespace: &str,
    path: &str,
    method: &str,
    input: Option<&WmiInstance>,
) -> Result<WmiInstance, u32> {
    let class = class_of_path(path).ok_or(WBEM_E_INVALID_PARAMETER)?;
    if class.eq_ignore_ascii_case(ECHO_CLASS) && method.eq_ignore_ascii_case("Echo") {
        return echo(input);
    }
    if class.eq_ignore_ascii_case("Win32_Process") && method.eq_ignore_ascii_case("GetOwner") {
        return get_owner(backend, caller, namespace, path);
    }
    // MS-WMI 2.2.11: WBEM_E_METHOD_NOT_IMPLEMENTED, "an attempt was made to execute a method not
    // marked with [implemented] in any relevant class"; an unknown class is WBEM_E_NOT_FOUND, which
    // GetObject on the path tells apart.
    match backend.get_object(namespace, class) {
        Ok(_) => Err(WBEM_E_METHOD_NOT_IMPLEMENTED),
        Err(_) => Err(WBEM_E_NOT_FOUND),
    }
}

fn parameters(properties: &[(&str, CimType)]) -> Result<Arc<WmiClass>, u32> {
    properties
        .iter()
        .fold(ClassBuilder::new("__PARAMETERS"), |b, (name, ty)| {
            b.property(name, *ty, Vec::new(), None)
        })
        .build()
        .map_err(|_| WBEM_E_FAILED)
}

fn echo(input: Option<&WmiInstance>) -> Result<WmiInstance, u32> {
    let mut properties: Vec<(&str, CimType)> =
        vec![("ReturnValue", CimType::scalar(CimBase::UInt32))];
    if let Some(input) = input {
        properties.extend(
            input
                .class
                .properties()
                .iter()
                .filter(|p| !p.name.eq_ignore_ascii_case("ReturnValue"))
                .map(|p| (p.name.as_str(), p.cim_type)),
        );
    }
    let mut out = WmiInstance::new(parameters(&properties)?);
    out.set("ReturnValue", Some(Value::UInt32(0)))
        .map_err(|_| WBEM_E_FAILED)?;
    if let Some(input) = input {
        for (name, _) in properties.iter().skip(1) {
            out.set(name, input.get(name).cloned())
                .map_err(|_| WBEM_E_FAILED)?;
        }
    }
    Ok(out)
}

/// Win32_Process.GetOwner: User and Domain of the process. The emulator's processes belong to the
/// system for the kernel's own (ProcessId 0 and 4, as on Windows) and to the caller otherwise, which is
/// what an administrator listing their own session sees.
fn get_owner(
    backend: &dyn WmiBackend,
    caller: &CallerIdentity,
    namespace: &str,
    path: &str,
) -> Result<WmiInstance, u32> {
    let WmiObject::Instance(process) = backend.get_object(namespace, path)? else {
        return Err(WBEM_E_INVALID_PARAMETER);
    };
    let pid = match process.get("ProcessId") {
        Some(Value::UInt32(pid)) => Some(*pid),
        _ => None,
    };
    let (user, domain) = match pid {
        Some(0) | Some(4) => ("SYSTEM".to_owned(), "NT AUTHORITY".to_owned()),
        _ => (caller.user.user.clone(), backend.computer_name()),
    };
    let string = CimType::scalar(CimBase::String);
    let class = parameters(&[
        ("ReturnValue", CimType::scalar(CimBase::UInt32)),
        ("User", string),
        ("Domain", string),
    ])?;
    let mut out = WmiInstance::new(class);
    let fail = |_| WBEM_E_FAILED;
    out.set("ReturnValue", Some(Value::UInt32(0)))
        .map_err(fail)?;
    out.set("User", Some(Value::String(user))).map_err(fail)?;
    out.set("Domain", Some(Value::String(domain)))
        .map_err(fail)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_copies_inputs() {
        let class = parameters(&[("Text", CimType::scalar(CimBase::String))]).unwrap();
        let mut input = WmiInstance::new(class);
        input.set("Text", Some(Value::String("hi".into()))).unwrap();
        let out = echo(Some(&input)).unwrap();
        assert_eq!(out.get("Text"), Some(&Value::String("hi".into())));
        assert_eq!(out.get("ReturnValue"), Some(&Value::UInt32(0)));
        assert!(WmiObject::Instance(out).encode().is_ok());
    }
}
