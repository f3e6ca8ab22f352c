//! Call stubs of the DCOM activation and object resolver interfaces: IRemoteSCMActivator (MS-DCOM
//! 3.1.2.5.2.2), IObjectExporter (3.1.2.5.1) and IRemUnknown(2) (3.1.1.5.6, 3.1.1.5.7).
//!
//! | interface (syntax in [`ids`](super::ids)) | opnum | request                       | response                       |
//! |--------------------------|-------|----------------------------------|--------------------------------|
//! | IRemoteSCMActivator      | 4     | `RemoteCreateInstanceRequest`    | `RemoteCreateInstanceResponse` |
//! | IObjectExporter          | 0     | `ResolveOxidRequest`             | `ResolveOxidResponse`          |
//! |                          | 1     | `SimplePingRequest`              | `SimplePingResponse`           |
//! |                          | 2     | `ComplexPingRequest`             | `ComplexPingResponse`          |
//! |                          | 3     | `ServerAliveRequest`             | `ServerAliveResponse`          |
//! |                          | 4     | `ResolveOxid2Request`            | `ResolveOxid2Response`         |
//! |                          | 5     | `ServerAlive2Request`            | `ServerAlive2Response`         |
//! | IRemUnknown2             | 3     | `RemQueryInterfaceRequest`       | `RemQueryInterfaceResponse`    |
//! |                          | 4     | `RemAddRefRequest`               | `RemAddRefResponse`            |
//! |                          | 5     | `RemReleaseRequest`              | `RemReleaseResponse`           |
//! |                          | 6     | `RemQueryInterface2Request`      | `RemQueryInterface2Response`   |
//!
//! Each request implements [`Call`](crate::rpc::Call) (interface, opnum, response type) and every stub
//! [`Stub`](crate::rpc::Stub) (`to_stub`, `from_stub`, which refuses anything but alignment padding after
//! the last parameter). IRemoteSCMActivator and IRemUnknown are ORPC interfaces (ORPCTHIS first in a
//! request, ORPCTHAT first in a response, MS-DCOM 2.2.13); IObjectExporter is a native RPC interface.
//! The client encodes requests and decodes responses; the emulator does the opposite with the same code.

mod activator;
mod object_exporter;
mod rem_unknown;

pub use super::ids::{
    CLSID_ACTIVATION_PROPERTIES_IN, CLSID_ACTIVATION_PROPERTIES_OUT, IID_IACTIVATION_PROPERTIES_IN,
    IID_IACTIVATION_PROPERTIES_OUT, IID_IOBJECT_EXPORTER, IID_IREM_UNKNOWN, IID_IREM_UNKNOWN2,
    IID_IREMOTE_SCM_ACTIVATOR, IOBJECT_EXPORTER_SYNTAX, IREM_UNKNOWN_SYNTAX, IREM_UNKNOWN2_SYNTAX,
    IREMOTE_SCM_ACTIVATOR_SYNTAX,
};
pub use activator::{ORPCF_LOCAL, RemoteCreateInstanceRequest, RemoteCreateInstanceResponse};
pub use object_exporter::{
    ComplexPingRequest, ComplexPingResponse, ResolveOxid2Request, ResolveOxid2Response,
    ResolveOxidRequest, ResolveOxidResponse, ServerAlive2Request, ServerAlive2Response,
    ServerAliveRequest, ServerAliveResponse, SimplePingRequest, SimplePingResponse,
    StatusOnlyResponse,
};
pub use rem_unknown::{
    RemAddRefRequest, RemAddRefResponse, RemInterfaceRef, RemQiResult, RemQueryInterface2Request,
    RemQueryInterface2Response, RemQueryInterfaceRequest, RemQueryInterfaceResponse,
    RemReleaseRequest, RemReleaseResponse,
};

use crate::codec::DecodeResult;
use crate::ndr::array::{wire_count, write_conformance, write_elements};
use crate::ndr::{ConformantArray, Ndr, NdrReader, NdrWriter, decode_top};

/// Writes a top-level conformant array parameter: max_count, then the elements.
fn write_array<T: Ndr>(w: &mut NdrWriter, items: &[T]) {
    write_conformance(w, wire_count(items.len()));
    write_elements(w, items);
}

/// Reads a top-level conformant array parameter sized by the count parameter before it.
fn read_sized<T: Ndr>(
    r: &mut NdrReader<'_>,
    field: &'static str,
    count: u64,
) -> DecodeResult<Vec<T>> {
    let items = decode_top::<ConformantArray<T>>(r)?.0;
    r.expect_count(field, count, items.len() as u64)?;
    Ok(items)
}
