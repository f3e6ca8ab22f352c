//! The sans-I/O protocol core of rwmi.
//!
//! Nothing in this crate touches a socket, a clock or a file: every item is a pure function or a state
//! machine over bytes, so that it can be fuzzed and reused unchanged by the client and the emulator.
//! See ARCHITECTURE.md at the repository root for the code map and the invariants of each module.

#![forbid(unsafe_code)]
// "Never panics on input", checked by clippy: no indexing or slicing that can be out of bounds, no unwrap,
// expect or explicit panic in the library. Tests may use them.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod codec;
pub mod dcom;
pub mod epm;
pub mod guid;
pub mod krb5;
pub mod ndr;
pub mod rpc;
pub mod status;
#[cfg(test)]
mod test_support;
pub mod wmi;
pub mod wmio;

pub use codec::{DecodeError, DecodeErrorKind, DecodeResult, Reader, Writer};
pub use guid::Guid;
