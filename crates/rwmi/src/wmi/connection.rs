//! A connection to WMI on a remote machine, as IWbemLocator::ConnectServer returns it: a namespace's
//! IWbemServices on a DCOM session (`dcom::session`; the stages that make one are `dcom::stages`).

use std::sync::Arc;
use std::time::Duration;

use rwmi_core::Guid;

use super::dcom::session::Session;
use super::dcom::{DcomReport, KeepAliveStatus};
use super::error::{WmiError, WmiStage};
use super::options::ConnectOptions;

/// How long one stage took, for `rwmi doctor` and `--verbose`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageTiming {
    pub stage: WmiStage,
    pub elapsed: Duration,
}

/// What the connect observed and did that a user may want to know even when it succeeded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectReport {
    pub timings: Vec<StageTiming>,
    pub notes: Vec<String>,
    /// What the DCOM transport saw: bindings, the object exporter, the server's COM version.
    pub dcom: DcomReport,
}

/// What [`Connection::health`] sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Healthy,
    /// The association has ended; nothing more can be called on this connection.
    Closed(String),
    /// The last keep-alive ping failed, with this error.
    PingsFailing(String),
}

impl Health {
    pub fn is_healthy(&self) -> bool {
        matches!(self, Health::Healthy)
    }
}

/// A connection to one namespace on one machine.
#[derive(Clone)]
pub struct Connection {
    pub(crate) shared: Arc<Session>,
    pub(crate) services: Guid,
    pub(crate) namespace: Arc<str>,
    pub(crate) report: Arc<ConnectReport>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("target", &self.shared.options.target)
            .field("namespace", &self.namespace)
            .field("object_exporter", &self.report.dcom.object_exporter)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// ConnectServer: returns a connection to `options.namespace`, or the stage and cause of the failure.
    pub async fn connect(options: ConnectOptions) -> Result<Self, WmiError> {
        super::dcom::stages::connect(options).await
    }

    /// What the connect saw: stage timings, advertised bindings, notes such as a fallback address.
    pub fn report(&self) -> &ConnectReport {
        &self.report
    }

    /// The namespace this connection is bound to, e.g. `root\cimv2`.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// What the keep-alive pinging has done so far (MS-DCOM 3.2.6).
    pub fn keep_alive(&self) -> KeepAliveStatus {
        self.shared
            .keep_alive
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether the connection can still serve calls, seen without a round trip: `Closed` when its
    /// association has ended (the server closed or reset it, or a failure ended it), `PingsFailing` when
    /// the keep-alive could not reach the object resolver last time (the server will collect our objects
    /// after three periods without a ping, MS-DCOM 3.2.6). A connection busy with a call is `Healthy`.
    pub fn health(&self) -> Health {
        if let Ok(rpc) = self.shared.rpc.try_lock()
            && let Some(cause) = rpc.ended()
        {
            return Health::Closed(cause);
        }
        match self.keep_alive().last_error {
            Some(error) => Health::PingsFailing(error),
            None => Health::Healthy,
        }
    }

    /// Releases the namespace object. The association, and the keep-alive pings, end when the last
    /// connection sharing them (see `open_namespace`) and the last of their query streams are gone.
    pub async fn close(self) {
        self.shared.release(&[self.services]).await;
    }
}
