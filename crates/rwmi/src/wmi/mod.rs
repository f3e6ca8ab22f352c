//! The WMI client: connect like IWbemLocator::ConnectServer, then query, get and call.

pub mod connection;
pub mod dcom;
pub mod de;
pub mod error;
pub mod method;
pub mod namespace;
pub mod options;
pub mod query;

pub use connection::{ConnectReport, Connection, Health, StageTiming};
pub use dcom::KeepAliveStatus;
pub use de::{DeError, from_instance};
pub use error::{WmiError, WmiStage};
pub use options::{
    Authority, ConnectOptions, KerberosPackage, KerberosSettings, OptionError, Target,
    shared_classes,
};
pub use query::QueryStream;
/// The class store `shared_classes()` makes, for callers that keep one (pools, servers).
pub use rwmi_core::wmio::SharedClasses;
