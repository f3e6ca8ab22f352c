//! The process exit codes, stable and documented in README.md: scripts branch on them.

pub const SUCCESS: u8 = 0;
/// Something failed that has no more specific code (a code `explain` does not know, a file that is not
/// a WMI object).
pub const FAILURE: u8 = 1;
/// Wrong arguments.
pub const USAGE: u8 = 2;
/// The target could not be reached or WMI could not be started there (name resolution, TCP, RPC bind,
/// activation, the dynamic port, the namespace login).
pub const CONNECTION: u8 = 3;
/// The credentials were refused.
pub const AUTHENTICATION: u8 = 4;
/// Authenticated, but not allowed (DCOM activation, namespace security, encryption required).
pub const ACCESS_DENIED: u8 = 5;
/// A time-out.
pub const TIMEOUT: u8 = 6;
/// The query or call was refused or failed (bad WQL, unknown class, provider error).
pub const QUERY: u8 = 7;
/// Several hosts were asked, some succeeded and some failed.
pub const PARTIAL_FLEET: u8 = 8;
