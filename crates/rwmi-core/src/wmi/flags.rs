//! The `lFlags` bits and time-out values of the MS-WMI calls rwmi makes (MS-WMI 2.2.5–2.2.9, 2.2.12).
//! `long` on the wire; kept as `u32` because they are bit sets.

/// WBEM_GENERIC_FLAG_TYPE (MS-WMI 2.2.6).
pub const WBEM_FLAG_RETURN_WBEM_COMPLETE: u32 = 0x0;
/// Semisynchronous call: return at once with an enumerator or IWbemCallResult (MS-WMI 3.1.1.1.2).
pub const WBEM_FLAG_RETURN_IMMEDIATELY: u32 = 0x10;
/// A forward-only enumerator: no Reset or Clone, less memory on the server.
pub const WBEM_FLAG_FORWARD_ONLY: u32 = 0x20;
pub const WBEM_FLAG_SEND_STATUS: u32 = 0x80;
/// Returned objects carry __PATH, __RELPATH and __SERVER.
pub const WBEM_FLAG_ENSURE_LOCATABLE: u32 = 0x100;
pub const WBEM_FLAG_DIRECT_READ: u32 = 0x200;
/// Localized (amended) qualifiers in the connection's locale.
pub const WBEM_FLAG_USE_AMENDED_QUALIFIERS: u32 = 0x20000;

/// WBEM_QUERY_FLAG_TYPE (MS-WMI 2.2.9): for CreateInstanceEnum, also instances of subclasses.
pub const WBEM_FLAG_DEEP: u32 = 0;
/// Only the class's own instances (or immediate subclasses for CreateClassEnum).
pub const WBEM_FLAG_SHALLOW: u32 = 1;
/// Return the prototype result object instead of running the query (MS-WMI 2.2.4.1).
pub const WBEM_FLAG_PROTOTYPE: u32 = 2;

/// WBEM_CONNECT_OPTIONS (MS-WMI 2.2.12), for OpenNamespace.
pub const WBEM_FLAG_CONNECT_REPOSITORY_ONLY: u32 = 0x40;
pub const WBEM_FLAG_CONNECT_PROVIDERS: u32 = 0x100;

/// WBEM_TIMEOUT_TYPE (MS-WMI 2.2.8) for the `lTimeout` parameters: return what is there now ...
pub const WBEM_NO_WAIT: i32 = 0;
/// ... or block until the objects are available (0xFFFFFFFF as a `long`).
pub const WBEM_INFINITE: i32 = -1;

/// The flags rwmi queries with: semisynchronous and forward-only, the combination MS-WMI 3.1.1.1.2.1
/// recommends for large result sets.
pub const QUERY_FLAGS: u32 = WBEM_FLAG_RETURN_IMMEDIATELY | WBEM_FLAG_FORWARD_ONLY;

/// The query language every ExecQuery names (MS-WMI 2.2.1).
pub const WQL: &str = "WQL";
