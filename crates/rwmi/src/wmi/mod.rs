//! The WMI client: connect like IWbemLocator::ConnectServer, then query, get and call.

pub mod connection;
pub mod de;
pub mod error;
pub mod method;
pub mod options;
pub mod query;

pub use connection::{ConnectReport, Connection, StageTiming};
pub use de::{DeError, from_instance};
pub use error::{WmiError, WmiStage};
pub use options::{Authority, ConnectOptions, KerberosSettings, OptionError, Target};
pub use query::QueryStream;
