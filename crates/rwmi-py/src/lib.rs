//! `rwmi._rwmi`: the rwmi crate for Python. A thin layer: options from keyword arguments, rows and
//! verdicts as Python objects, failures as the exceptions of `rwmi.errors`; connecting, querying and
//! diagnosing are the `rwmi` crate's. Every wait on the network releases the GIL; the synchronous and
//! the asyncio API run on one tokio runtime.

#![forbid(unsafe_code)]

mod errors;
mod fleet;
mod options;
mod values;

use std::sync::{Arc, Mutex as StdMutex, OnceLock};

use pyo3::exceptions::{PyStopAsyncIteration, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use rwmi::wmi::{ConnectOptions, Connection, QueryStream};
use tokio::sync::Mutex;

use crate::errors::{Diagnosed, to_py_err};
use crate::options::ConnectArgs;
use crate::values::{Object, Row};

/// The one runtime every call runs on: the synchronous API blocks on it with the GIL released, the
/// asyncio API hands its futures to it.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("rwmi")
            .build()
            .expect("a tokio runtime can be built")
    })
}

/// Runs `future` to completion on the runtime without holding the GIL.
fn block_on<F>(py: Python<'_>, future: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    py.detach(|| runtime().block_on(future))
}

/// An open connection to one namespace of one host. `repr()` shows the host, namespace and user,
/// never the password.
#[pyclass(module = "rwmi._rwmi", name = "Connection", frozen)]
struct PyConnection {
    inner: StdMutex<Option<Connection>>,
    /// For the diagnosis of a failure (it holds the secret: never shown).
    options: Arc<ConnectOptions>,
    label: String,
}

impl PyConnection {
    fn new(connection: Connection, args: &ConnectArgs, options: Arc<ConnectOptions>) -> Self {
        let label = format!(
            "<rwmi.Connection host={:?} namespace={:?} user={:?}>",
            args.host,
            connection.namespace(),
            args.user_label()
        );
        Self {
            inner: StdMutex::new(Some(connection)),
            options,
            label,
        }
    }

    fn connection(&self) -> PyResult<Connection> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| PyValueError::new_err("the connection is closed"))
    }

    fn take(&self) -> Option<Connection> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

#[pymethods]
impl PyConnection {
    /// Runs a WQL query; rows arrive batch by batch as dicts of Python values.
    fn query(&self, py: Python<'_>, wql: String) -> PyResult<Rows> {
        let connection = self.connection()?;
        let stream = block_on(py, async move { connection.query(&wql).await })
            .map_err(|e| to_py_err(&self.options, e))?;
        Ok(Rows::new(stream, self.options.clone()))
    }

    /// Like `query`, for asyncio: an awaitable of an async iterator of rows.
    fn query_async<'py>(&self, py: Python<'py>, wql: String) -> PyResult<Bound<'py, PyAny>> {
        let connection = self.connection()?;
        let options = self.options.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let stream = connection
                .query(&wql)
                .await
                .map_err(|e| to_py_err(&options, e))?;
            Ok(Rows::new(stream, options))
        })
    }

    /// The class or instance at `path` (`Win32_Service.Name="Winmgmt"`) as a dict.
    fn get(&self, py: Python<'_>, path: String) -> PyResult<Object> {
        let connection = self.connection()?;
        let object = block_on(py, async move { connection.get(&path).await })
            .map_err(|e| to_py_err(&self.options, e))?;
        Ok(Object(object))
    }

    fn get_async<'py>(&self, py: Python<'py>, path: String) -> PyResult<Bound<'py, PyAny>> {
        let connection = self.connection()?;
        let options = self.options.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let object = connection
                .get(&path)
                .await
                .map_err(|e| to_py_err(&options, e))?;
            Ok(Object(object))
        })
    }

    /// Calls `method` on the object at `path` with in-parameters `params` (converted to the types the
    /// method declares); returns the out-parameters (ReturnValue and the rest) as a dict.
    #[pyo3(signature = (path, method, params = None))]
    fn call(
        &self,
        py: Python<'_>,
        path: String,
        method: String,
        params: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Option<Row>> {
        let connection = self.connection()?;
        let params = values::method_arguments(params)?;
        let out = block_on(py, async move {
            connection.exec_method_text(&path, &method, &params).await
        })
        .map_err(|e| to_py_err(&self.options, e))?;
        Ok(out.map(Row))
    }

    #[pyo3(signature = (path, method, params = None))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        path: String,
        method: String,
        params: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let connection = self.connection()?;
        let params = values::method_arguments(params)?;
        let options = self.options.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let out = connection
                .exec_method_text(&path, &method, &params)
                .await
                .map_err(|e| to_py_err(&options, e))?;
            Ok(out.map(Row))
        })
    }

    /// Releases the server's objects and closes the connection; later calls raise ValueError.
    fn close(&self, py: Python<'_>) {
        if let Some(connection) = self.take() {
            block_on(py, connection.close());
        }
    }

    fn close_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let connection = self.take();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            if let Some(connection) = connection {
                connection.close().await;
            }
            Ok(())
        })
    }

    /// Whether the connection is open and its association alive.
    #[getter]
    fn healthy(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|c| c.health().is_healthy())
    }

    #[getter]
    fn namespace(&self) -> PyResult<String> {
        Ok(self.connection()?.namespace().to_string())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __aenter__<'py>(slf: Py<Self>, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        pyo3_async_runtimes::tokio::future_into_py(py, async move { Ok(slf) })
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc: &Bound<'_, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let connection = self.take();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            if let Some(connection) = connection {
                connection.close().await;
            }
            Ok(false)
        })
    }

    fn __repr__(&self) -> String {
        self.label.clone()
    }
}

/// The rows of one query, as an iterator and as an async iterator. Each step takes the next row from
/// the batch in hand, or waits (GIL released) for the next batch.
#[pyclass(module = "rwmi._rwmi", name = "Rows", frozen)]
struct Rows {
    stream: Arc<Mutex<QueryStream>>,
    options: Arc<ConnectOptions>,
}

impl Rows {
    fn new(stream: QueryStream, options: Arc<ConnectOptions>) -> Self {
        Self {
            stream: Arc::new(Mutex::new(stream)),
            options,
        }
    }
}

#[pymethods]
impl Rows {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Row>> {
        let stream = self.stream.clone();
        let next = block_on(py, async move { stream.lock().await.next().await });
        match next {
            Some(Ok(row)) => Ok(Some(Row(row))),
            Some(Err(e)) => Err(to_py_err(&self.options, e)),
            None => Ok(None),
        }
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let stream = self.stream.clone();
        let options = self.options.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            match stream.lock().await.next().await {
                Some(Ok(row)) => Ok(Row(row)),
                Some(Err(e)) => Err(to_py_err(&options, e)),
                None => Err(PyStopAsyncIteration::new_err(())),
            }
        })
    }

    fn __repr__(&self) -> &'static str {
        "<rwmi.Rows>"
    }
}

/// `connect(host, user, password, ...)`: see `rwmi.connect` for the arguments.
#[pyfunction]
#[pyo3(signature = (host, **kwargs))]
fn connect(
    py: Python<'_>,
    host: String,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyConnection> {
    let args = ConnectArgs::from_python(host, kwargs)?;
    let options = Arc::new(args.options()?);
    let for_connect = (*options).clone();
    let connection = block_on(py, async move { Connection::connect(for_connect).await })
        .map_err(|e| to_py_err(&options, e))?;
    Ok(PyConnection::new(connection, &args, options))
}

#[pyfunction]
#[pyo3(signature = (host, **kwargs))]
fn connect_async<'py>(
    py: Python<'py>,
    host: String,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let args = ConnectArgs::from_python(host, kwargs)?;
    let options = Arc::new(args.options()?);
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        let connection = Connection::connect((*options).clone())
            .await
            .map_err(|e| to_py_err(&options, e))?;
        Ok(PyConnection::new(connection, &args, options))
    })
}

/// Connects in stages and returns the verdict: a dict with the verdict's id, symptom, cause,
/// resolution, the code and the failing stage.
#[pyfunction]
#[pyo3(signature = (host, **kwargs))]
fn doctor(py: Python<'_>, host: String, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Diagnosed> {
    let options = ConnectArgs::from_python(host, kwargs)?.options()?;
    Ok(Diagnosed(block_on(py, rwmi::diagnosis::diagnose(options))))
}

#[pyfunction]
#[pyo3(signature = (host, **kwargs))]
fn doctor_async<'py>(
    py: Python<'py>,
    host: String,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let options = ConnectArgs::from_python(host, kwargs)?.options()?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        Ok(Diagnosed(rwmi::diagnosis::diagnose(options).await))
    })
}

#[pymodule]
fn _rwmi(m: &Bound<'_, PyModule>) -> PyResult<()> {
    pyo3_async_runtimes::tokio::init_with_runtime(runtime())
        .map_err(|_| PyValueError::new_err("the asyncio bridge was initialised twice"))?;
    m.add_class::<PyConnection>()?;
    m.add_class::<Rows>()?;
    m.add_class::<fleet::HostResults>()?;
    m.add_function(wrap_pyfunction!(connect, m)?)?;
    m.add_function(wrap_pyfunction!(connect_async, m)?)?;
    m.add_function(wrap_pyfunction!(doctor, m)?)?;
    m.add_function(wrap_pyfunction!(doctor_async, m)?)?;
    m.add_function(wrap_pyfunction!(fleet::query_many, m)?)?;
    errors::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
