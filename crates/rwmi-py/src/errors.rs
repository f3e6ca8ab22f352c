//! rwmi's failures as Python exceptions, each carrying the HRESULT and the doctor's verdict:
//!
//! ```text
//! rwmi.Error
//!  ├── ConnectionError      the host, port 135, the dynamic port, DCOM itself
//!  │    └── Timeout         no answer in time (a filtered port, a lagging network)
//!  ├── AuthenticationError  NTLM or Kerberos refused the identity
//!  │    └── LogonFailure    wrong user or password
//!  ├── AccessDenied         DCOM activation, remote UAC, the namespace's ACL, the auth level
//!  ├── QueryError           the query, GetObject or ExecMethod failed (invalid class, query, namespace)
//!  └── ProtocolError        the server sent what the protocol does not allow
//! ```
//!
//! The exceptions' arguments are (message, hresult, stage, verdict, symptom, cause, resolution); the
//! Python package (`rwmi/errors.py`) names them as attributes. Never a secret: the message is
//! `WmiError`'s, which holds none.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rwmi::diagnosis::{Diagnosis, diagnose_error};
use rwmi::wmi::{ConnectOptions, WmiError, WmiStage};

create_exception!(
    _rwmi,
    Error,
    PyException,
    "A WMI operation failed; see .verdict and .hresult."
);
create_exception!(
    _rwmi,
    ConnectionError,
    Error,
    "The connection to the host could not be made or was lost."
);
create_exception!(
    _rwmi,
    Timeout,
    ConnectionError,
    "The host did not answer in time."
);
create_exception!(
    _rwmi,
    AuthenticationError,
    Error,
    "NTLM or Kerberos refused the identity."
);
create_exception!(
    _rwmi,
    LogonFailure,
    AuthenticationError,
    "The user name or password is wrong."
);
create_exception!(
    _rwmi,
    AccessDenied,
    Error,
    "The account may not do this (DCOM, WMI namespace, remote UAC)."
);
create_exception!(
    _rwmi,
    QueryError,
    Error,
    "The query, GetObject or ExecMethod failed."
);
create_exception!(
    _rwmi,
    ProtocolError,
    Error,
    "The server sent what the protocol does not allow."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<Error>())?;
    m.add("ConnectionError", py.get_type::<ConnectionError>())?;
    m.add("Timeout", py.get_type::<Timeout>())?;
    m.add("AuthenticationError", py.get_type::<AuthenticationError>())?;
    m.add("LogonFailure", py.get_type::<LogonFailure>())?;
    m.add("AccessDenied", py.get_type::<AccessDenied>())?;
    m.add("QueryError", py.get_type::<QueryError>())?;
    m.add("ProtocolError", py.get_type::<ProtocolError>())?;
    Ok(())
}

type Arguments = (
    String,
    Option<u32>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Vec<&'static str>,
);

/// The exception for `error`, with the verdict the doctor gives it.
pub fn to_py_err(options: &ConnectOptions, error: WmiError) -> PyErr {
    let d = diagnose_error(options, &error);
    let code = d.code.or(error.code);
    let args: Arguments = (
        error.to_string(),
        code,
        error.stage.id(),
        d.verdict.id,
        d.verdict.symptom,
        d.verdict.cause,
        d.verdict.resolution.to_vec(),
    );
    let query_stage = matches!(
        error.stage,
        WmiStage::Query | WmiStage::Enumerate | WmiStage::GetObject | WmiStage::ExecMethod
    );
    match d.verdict.id {
        "logon-failure" | "kerberos-preauth-failed" => PyErr::new::<LogonFailure, _>(args),
        id if id.starts_with("kerberos-") => PyErr::new::<AuthenticationError, _>(args),
        "dcom-access-denied"
        | "remote-uac-filtered"
        | "namespace-access-denied"
        | "namespace-requires-encryption"
        | "activation-auth-level-too-low" => PyErr::new::<AccessDenied, _>(args),
        "connection-timeout" | "dynamic-port-filtered" => PyErr::new::<Timeout, _>(args),
        "protocol-error" => PyErr::new::<ProtocolError, _>(args),
        "query-failed" | "invalid-namespace" => PyErr::new::<QueryError, _>(args),
        _ if query_stage => PyErr::new::<QueryError, _>(args),
        _ => PyErr::new::<ConnectionError, _>(args),
    }
}

/// `doctor()`'s answer.
pub struct Diagnosed(pub Diagnosis);

impl<'py> IntoPyObject<'py> for Diagnosed {
    type Target = PyDict;
    type Output = Bound<'py, PyDict>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = self.0;
        let dict = PyDict::new(py);
        dict.set_item("host", &d.host)?;
        dict.set_item("ok", d.verdict.id == "ok")?;
        dict.set_item("verdict", d.verdict.id)?;
        dict.set_item("symptom", d.verdict.symptom)?;
        dict.set_item("cause", d.verdict.cause)?;
        dict.set_item("resolution", d.verdict.resolution.to_vec())?;
        dict.set_item("stage", d.stage.map(|s| s.id()))?;
        dict.set_item("hresult", d.code)?;
        dict.set_item("other_causes", d.other_causes)?;
        dict.set_item("evidence", d.evidence)?;
        let stages = PyList::empty(py);
        for s in &d.stages {
            let stage = PyDict::new(py);
            stage.set_item("stage", s.stage.id())?;
            stage.set_item("label", s.label)?;
            stage.set_item("status", format!("{:?}", s.status).to_ascii_lowercase())?;
            stage.set_item("seconds", s.elapsed.map(|e| e.as_secs_f64()))?;
            stages.append(stage)?;
        }
        dict.set_item("stages", stages)?;
        dict.set_item("notes", d.notes)?;
        Ok(dict)
    }
}
