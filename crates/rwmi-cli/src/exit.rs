//! The process exit codes, stable and documented in README.md: scripts branch on them.

pub const SUCCESS: u8 = 0;
/// Something failed that has no more specific code (a code `explain` does not know, a file that is not
/// a WMI object).
pub const FAILURE: u8 = 1;
/// Wrong arguments.
pub const USAGE: u8 = 2;
