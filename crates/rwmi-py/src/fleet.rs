//! `query_many(hosts, wql, ...)`: one query on many hosts at once through an `rwmi::pool::Pool`,
//! each host's outcome delivered as it completes.

use std::sync::Arc;

use pyo3::exceptions::{PyStopAsyncIteration, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rwmi::WmiInstance;
use rwmi::pool::{Pool, PoolConfig};
use rwmi::wmi::{ConnectOptions, WmiError};
use tokio::sync::{Mutex, mpsc};

use crate::errors::to_py_err;
use crate::options::ConnectArgs;
use crate::values::Row;
use crate::{block_on, runtime};

/// One host's outcome: `(host, rows, None)` or `(host, None, exception)`.
pub struct HostOutcome {
    host: String,
    options: Arc<ConnectOptions>,
    result: Result<Vec<WmiInstance>, WmiError>,
}

impl<'py> IntoPyObject<'py> for HostOutcome {
    type Target = pyo3::types::PyTuple;
    type Output = Bound<'py, pyo3::types::PyTuple>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        match self.result {
            Ok(rows) => {
                let list = PyList::empty(py);
                for row in rows {
                    list.append(Row(row))?;
                }
                (self.host, list, py.None()).into_pyobject(py)
            }
            Err(e) => {
                let exception = to_py_err(&self.options, e).into_value(py);
                (self.host, py.None(), exception).into_pyobject(py)
            }
        }
    }
}

/// The outcomes of a `query_many`, as an iterator and an async iterator.
#[pyclass(module = "rwmi._rwmi", name = "HostResults", frozen)]
pub struct HostResults {
    outcomes: Arc<Mutex<mpsc::Receiver<HostOutcome>>>,
}

#[pymethods]
impl HostResults {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> Option<HostOutcome> {
        let outcomes = self.outcomes.clone();
        block_on(py, async move { outcomes.lock().await.recv().await })
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let outcomes = self.outcomes.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            outcomes
                .lock()
                .await
                .recv()
                .await
                .ok_or_else(|| PyStopAsyncIteration::new_err(()))
        })
    }
}

/// Starts `wql` on every host of `hosts` (the same credentials for all), at most `concurrency` at a
/// time; returns the outcomes in the order they complete.
#[pyfunction]
#[pyo3(signature = (hosts, wql, concurrency = 64, **kwargs))]
pub fn query_many(
    hosts: Vec<String>,
    wql: String,
    concurrency: usize,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<HostResults> {
    if concurrency == 0 {
        return Err(PyValueError::new_err("concurrency must be at least 1"));
    }
    let mut per_host = Vec::with_capacity(hosts.len());
    let classes = rwmi::wmi::shared_classes();
    for host in hosts {
        let mut options = ConnectArgs::from_python(host.clone(), kwargs)?.options()?;
        // Like hosts send like classes: each is decoded once for the whole run.
        options.shared_classes = Some(classes.clone());
        per_host.push((host, Arc::new(options)));
    }
    let _runtime = runtime().enter();
    let pool = Pool::new(PoolConfig {
        max_concurrency: concurrency,
        max_connections: concurrency,
        ..PoolConfig::default()
    });
    let (tx, rx) = mpsc::channel(concurrency.max(16));
    let wql: Arc<str> = Arc::from(wql);
    for (host, options) in per_host {
        let (pool, tx, wql) = (pool.clone(), tx.clone(), wql.clone());
        runtime().spawn(async move {
            let result = async {
                let lease = pool.connection(&options).await?;
                let rows = lease.query(&wql).await?.collect().await;
                lease.retire().await;
                rows
            }
            .await;
            let _ = tx
                .send(HostOutcome {
                    host,
                    options,
                    result,
                })
                .await;
        });
    }
    Ok(HostResults {
        outcomes: Arc::new(Mutex::new(rx)),
    })
}
