//! Connection-oriented DCE/RPC over TCP: the client association, the server side of the same protocol, and
//! the endpoint mapper client. The PDU codecs live in `rwmi_core::rpc`; this module only does I/O, security
//! and time.

// Fragments, PDUs and endpoint mapper answers come off the wire: no indexing, unwrap or panic outside
// tests, as in rwmi-core.
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

pub mod client;
pub mod epm;
pub mod error;
pub mod server;
pub mod transport;

pub use client::{AssociationOptions, ClientAssociation};
pub use error::{ConnectFailure, InvokeError, RpcError, Stage};
pub use server::{
    BoxFuture, CallContext, CallOutcome, CallerIdentity, RpcService, ServerOptions, WireFaults,
    serve_connection,
};
