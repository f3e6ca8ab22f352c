//! Call stubs of the DCOM activation and object resolver interfaces: IRemoteSCMActivator (MS-DCOM
//! 3.1.2.5.2.2), IObjectExporter (3.1.2.5.1) and IRemUnknown (3.1.1.5.6).
//!
//! Each request and response is a struct with `encode(&self) -> Vec<u8>`, the NDR stub data of the
//! request or response PDU, and `decode(stub) -> DecodeResult<Self>`, which refuses anything but
//! alignment padding after the last parameter. The client encodes requests and decodes responses; the
//! emulator does the opposite with the same code.

mod activator;
mod object_exporter;
mod rem_unknown;

pub use super::ids::{
    CLSID_ACTIVATION_PROPERTIES_IN, CLSID_ACTIVATION_PROPERTIES_OUT, IID_IACTIVATION_PROPERTIES_IN,
    IID_IACTIVATION_PROPERTIES_OUT, IID_IOBJECT_EXPORTER, IID_IREM_UNKNOWN, IID_IREM_UNKNOWN2,
    IID_IREMOTE_SCM_ACTIVATOR, IOBJECT_EXPORTER_SYNTAX, IREM_UNKNOWN_SYNTAX, IREM_UNKNOWN2_SYNTAX,
    IREMOTE_SCM_ACTIVATOR_SYNTAX,
};
pub use activator::{
    OPNUM_REMOTE_CREATE_INSTANCE, ORPCF_LOCAL, RemoteCreateInstanceRequest,
    RemoteCreateInstanceResponse,
};
pub use object_exporter::{
    ComplexPingRequest, ComplexPingResponse, OPNUM_COMPLEX_PING, OPNUM_RESOLVE_OXID,
    OPNUM_RESOLVE_OXID2, OPNUM_SERVER_ALIVE, OPNUM_SERVER_ALIVE2, OPNUM_SIMPLE_PING,
    ResolveOxid2Request, ResolveOxid2Response, ResolveOxidRequest, ResolveOxidResponse,
    ServerAlive2Response, ServerAliveRequest, ServerAliveResponse, SimplePingRequest,
    SimplePingResponse, StatusOnlyResponse,
};
pub use rem_unknown::{
    OPNUM_REM_ADD_REF, OPNUM_REM_QUERY_INTERFACE, OPNUM_REM_QUERY_INTERFACE2, OPNUM_REM_RELEASE,
    RemAddRefRequest, RemAddRefResponse, RemInterfaceRef, RemQiResult, RemQueryInterface2Request,
    RemQueryInterface2Response, RemQueryInterfaceRequest, RemQueryInterfaceResponse,
    RemReleaseRequest, RemReleaseResponse,
};

use crate::codec::DecodeResult;
use crate::ndr::{ConformantArray, Ndr, NdrReader, NdrWriter, decode_top};

/// Runs an encoder over a fresh stub.
fn stub(encode: impl FnOnce(&mut NdrWriter)) -> Vec<u8> {
    let mut w = NdrWriter::new();
    encode(&mut w);
    w.into_vec()
}

/// Runs a decoder over a whole stub and checks that only alignment padding is left (as
/// `ndr::from_stub` does).
fn parse<T>(
    context: &'static str,
    stub: &[u8],
    decode: impl FnOnce(&mut NdrReader<'_>) -> DecodeResult<T>,
) -> DecodeResult<T> {
    let mut r = NdrReader::new(context, stub);
    let value = decode(&mut r)?;
    if r.remaining() >= 8 || r.raw().rest().iter().any(|b| *b != 0) {
        return Err(r.invalid("trailing data", "octets left over after the last parameter"));
    }
    Ok(value)
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
