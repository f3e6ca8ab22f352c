//! Connection-oriented DCE/RPC over TCP: the client association, the server side of the same protocol, and
//! the endpoint mapper client. The PDU codecs live in `rwmi_core::rpc`; this module only does I/O, security
//! and time.

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
