//! ExecMethod handlers (MS-WMI 3.1.4.3.20). The repository holds method signatures but no code; the
//! emulator implements a few methods here and answers the rest as Windows does for a method whose
//! provider does not implement it.

use std::sync::Arc;
use std::time::SystemTime;

use rwmi::rpc::server::CallerIdentity;
use rwmi_core::wmi::path::class_of_path;
use rwmi_core::wmio::{CimBase, CimType, ClassBuilder, Value, WmiClass, WmiInstance, WmiObject};

use super::host::VirtualHost;
use rwmi_core::status::wbem::{
    WBEM_E_FAILED, WBEM_E_INVALID_PARAMETER, WBEM_E_METHOD_NOT_IMPLEMENTED, WBEM_E_NOT_FOUND,
};

/// The class of the test method: `RwmiSim_Echo.Echo` returns its in-parameters as out-parameters
/// with ReturnValue 0, so clients can test method calls with arbitrary values.
pub const ECHO_CLASS: &str = "RwmiSim_Echo";

/// Calls `method` on the object at `path` in `namespace` of `host`. `Ok(out)` carries the
/// out-parameters object.
pub fn exec_method(
    host: &VirtualHost,
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
        return get_owner(host, caller, namespace, path);
    }
    if class.eq_ignore_ascii_case("Win32_Process") && method.eq_ignore_ascii_case("Create") {
        return create_process(host, caller, input);
    }
    let backend = host.backend.as_ref();
    // MS-WMI 2.2.11: WBEM_E_METHOD_NOT_IMPLEMENTED, "an attempt was made to execute a method not
    // marked with [implemented] in any relevant class"; an unknown class is WBEM_E_NOT_FOUND, which
    // GetObject on the path tells apart.
    match backend.get_object(namespace, class, &host.processes) {
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
    host: &VirtualHost,
    caller: &CallerIdentity,
    namespace: &str,
    path: &str,
) -> Result<WmiInstance, u32> {
    let backend = host.backend.as_ref();
    let WmiObject::Instance(process) = backend.get_object(namespace, path, &host.processes)? else {
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

/// Win32_Process.Create's ReturnValue (Microsoft Learn, "Create method of the Win32_Process class").
mod create_status {
    pub const SUCCESS: u32 = 0;
    pub const ACCESS_DENIED: u32 = 2;
    pub const PATH_NOT_FOUND: u32 = 9;
    pub const INVALID_PARAMETER: u32 = 21;
}

/// Win32_Process.Create(CommandLine, CurrentDirectory, ProcessStartupInformation): records a process
/// in the host's table ([`super::processes`]) and returns its ProcessId; nothing is executed. Only
/// administrators (remote UAC applied) may: a caller who passed the namespace check without being one
/// gets ReturnValue 2, "Access denied", the method itself succeeding as the documentation describes.
/// ProcessStartupInformation (a Win32_ProcessStartup) is accepted and not used: there is no window or
/// environment to apply it to. The command line is not logged: it may carry secrets.
fn create_process(
    host: &VirtualHost,
    caller: &CallerIdentity,
    input: Option<&WmiInstance>,
) -> Result<WmiInstance, u32> {
    let text = |name| match input.and_then(|i| i.get(name)) {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let outcome = if !host.backend.is_administrator(caller, &host.profiles) {
        Err(create_status::ACCESS_DENIED)
    } else {
        match (text("CommandLine"), text("CurrentDirectory")) {
            (None, _) => Err(create_status::INVALID_PARAMETER),
            (Some(line), _) if line.trim().is_empty() => Err(create_status::INVALID_PARAMETER),
            (Some(_), Some(directory)) if !is_absolute_windows_path(directory) => {
                Err(create_status::PATH_NOT_FOUND)
            }
            (Some(line), _) => Ok(host.processes.record(line, SystemTime::now())),
        }
    };
    let number = CimType::scalar(CimBase::UInt32);
    let mut out = WmiInstance::new(parameters(&[
        ("ReturnValue", number),
        ("ProcessId", number),
    ])?);
    let fail = |_| WBEM_E_FAILED;
    match outcome {
        Ok(pid) => {
            tracing::debug!(pid, "Win32_Process.Create recorded a process");
            out.set("ReturnValue", Some(Value::UInt32(create_status::SUCCESS)))
                .map_err(fail)?;
            out.set("ProcessId", Some(Value::UInt32(pid)))
                .map_err(fail)?;
        }
        Err(status) => {
            out.set("ReturnValue", Some(Value::UInt32(status)))
                .map_err(fail)?;
        }
    }
    Ok(out)
}

/// `C:\...` or `\\server\share...`: a directory CreateProcess could be given; anything else is not
/// found.
fn is_absolute_windows_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && matches!(bytes[2], b'\\' | b'/');
    drive || path.starts_with(r"\\")
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

    #[test]
    fn absolute_windows_paths() {
        for path in [r"C:\", r"c:\Windows\Temp", "D:/x", r"\\server\share"] {
            assert!(is_absolute_windows_path(path), "{path}");
        }
        for path in ["", "C:", "relative\\dir", "/tmp", "1:\\x"] {
            assert!(!is_absolute_windows_path(path), "{path}");
        }
    }
}
