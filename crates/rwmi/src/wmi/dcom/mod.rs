//! WMI over DCOM (MS-WMI over MS-DCOM and MS-RPCE): everything about the transport that a second one
//! (WS-Management over HTTP) would not share. The public API in [`crate::wmi`] (`Connection`,
//! `QueryStream`, `ConnectOptions`, `WmiError`) speaks of WMI only; what is DCOM's is here: its options
//! ([`DcomOptions`]), what its connect saw ([`DcomReport`]), and the keep-alive ([`KeepAliveStatus`]).

use std::net::SocketAddr;
use std::time::Duration;

pub use rwmi_core::dcom::ComVersion;

pub(crate) mod keep_alive;
pub(crate) mod session;
pub(crate) mod smart_enum;
pub(crate) mod stages;

pub use keep_alive::KeepAliveStatus;

/// The ping period of MS-DCOM 3.2.6 (the global timer Windows runs every two minutes); the server keeps an
/// object for three periods without a ping.
pub const PING_PERIOD: Duration = Duration::from_secs(120);

/// How the DCOM transport behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DcomOptions {
    /// Fragment size to offer (smaller values exercise fragmentation).
    pub max_frag: u16,
    /// Enumerate through IWbemWCOSmartEnum (MS-WMI 3.1.4.6/3.1.4.7) when the enumerator offers it: one
    /// ObjectArray per batch, with each class sent once, instead of one marshaled object per row.
    pub smart_enum: bool,
    /// How often the keep-alive task pings the server's object resolver (MS-DCOM 3.2.6: two minutes on
    /// Windows); `None` sends no pings, and the server may then collect our objects after three periods.
    pub ping_interval: Option<Duration>,
    /// How long a finished enumeration's objects wait to share one RemRelease with the enumerations that
    /// finish after it (the queries of one scrape, or of a loop, then pay one release round trip, not one
    /// each); at 16 waiting interfaces, or at the connection's `close`, they go at once.
    pub release_delay: Duration,
}

/// The default of [`DcomOptions::release_delay`].
pub const RELEASE_DELAY: Duration = Duration::from_millis(500);

impl Default for DcomOptions {
    fn default() -> Self {
        Self {
            max_frag: crate::rpc::client::DEFAULT_MAX_FRAG,
            smart_enum: true,
            ping_interval: Some(PING_PERIOD),
            release_delay: RELEASE_DELAY,
        }
    }
}

/// What a DCOM connect saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DcomReport {
    /// The OXID string bindings the server advertised (`host[port]`).
    pub advertised_bindings: Vec<String>,
    /// The address the dynamic-port association uses.
    pub object_exporter: Option<SocketAddr>,
    pub server_com_version: Option<ComVersion>,
}
