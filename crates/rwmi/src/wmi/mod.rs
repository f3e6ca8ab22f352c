//! The WMI client: connect like IWbemLocator::ConnectServer, then query, get and call.

pub mod options;

pub use options::{Authority, ConnectOptions, OptionError, Target};
