//! IObjectExporter (MS-DCOM 3.1.2.5.1): OXID resolution, pinging and aliveness of the object resolver.
//! A native RPC interface: no ORPCTHIS/ORPCTHAT; every method returns an error_status_t.

use super::{read_sized, write_array};
use crate::codec::DecodeResult;
use crate::dcom::ids::IOBJECT_EXPORTER_SYNTAX;
use crate::dcom::orpc::ComVersion;
use crate::dcom::string_array::DualStringArray;
use crate::guid::Guid;
use crate::ndr::{ConformantArray, Ndr, NdrReader, NdrWriter, Unique, decode_top, encode_top};
use crate::rpc::stub::{Stub, call};

/// Reads a `[out, ref] DUALSTRINGARRAY**`: a unique pointer (NULL on failure) and its referent.
fn read_bindings(r: &mut NdrReader<'_>) -> DecodeResult<Option<DualStringArray>> {
    Ok(decode_top::<Unique<DualStringArray>>(r)?.into_inner())
}

/// ResolveOxid (opnum 0) request (MS-DCOM 3.1.2.5.1.1): `[in] OXID* pOxid, [in] unsigned short
/// cRequestedProtseqs, [in, ref, size_is(cRequestedProtseqs)] unsigned short arRequestedProtseqs[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolveOxidRequest {
    pub oxid: u64,
    pub requested_protseqs: Vec<u16>,
}

impl Stub for ResolveOxidRequest {
    const CONTEXT: &'static str = "ResolveOxid request";

    fn encode(&self, w: &mut NdrWriter) {
        w.u64(self.oxid);
        w.u16(u16::try_from(self.requested_protseqs.len()).unwrap_or(u16::MAX));
        write_array(w, &self.requested_protseqs);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let oxid = r.u64("pOxid")?;
        let count = r.u16("cRequestedProtseqs")?;
        let requested_protseqs = read_sized(r, "arRequestedProtseqs", u64::from(count))?;
        Ok(ResolveOxidRequest {
            oxid,
            requested_protseqs,
        })
    }
}

/// ResolveOxid2 (opnum 4) request: ResolveOxid's parameters (MS-DCOM 3.1.2.5.1.5), a type of its own
/// because it calls another method with another response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolveOxid2Request(pub ResolveOxidRequest);

impl Stub for ResolveOxid2Request {
    const CONTEXT: &'static str = "ResolveOxid2 request";

    fn encode(&self, w: &mut NdrWriter) {
        self.0.encode(w);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        ResolveOxidRequest::decode(r).map(ResolveOxid2Request)
    }
}

/// ResolveOxid response (MS-DCOM 3.1.2.5.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolveOxidResponse {
    /// The exporter's bindings; NULL when the call failed.
    pub oxid_bindings: Option<DualStringArray>,
    pub ipid_rem_unknown: Guid,
    pub authn_hint: u32,
    pub status: u32,
}

impl Stub for ResolveOxidResponse {
    const CONTEXT: &'static str = "ResolveOxid response";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &Unique(self.oxid_bindings.clone()));
        self.ipid_rem_unknown.encode_inline(w);
        w.u32(self.authn_hint);
        w.u32(self.status);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(ResolveOxidResponse {
            oxid_bindings: read_bindings(r)?,
            ipid_rem_unknown: Guid::decode_inline(r)?,
            authn_hint: r.u32("pAuthnHint")?,
            status: r.u32("error_status_t")?,
        })
    }
}

/// ResolveOxid2 response (MS-DCOM 3.1.2.5.1.5): ResolveOxid's plus the exporter's COM version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolveOxid2Response {
    pub oxid_bindings: Option<DualStringArray>,
    pub ipid_rem_unknown: Guid,
    pub authn_hint: u32,
    pub com_version: ComVersion,
    pub status: u32,
}

impl Stub for ResolveOxid2Response {
    const CONTEXT: &'static str = "ResolveOxid2 response";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &Unique(self.oxid_bindings.clone()));
        self.ipid_rem_unknown.encode_inline(w);
        w.u32(self.authn_hint);
        self.com_version.encode_inline(w);
        w.u32(self.status);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(ResolveOxid2Response {
            oxid_bindings: read_bindings(r)?,
            ipid_rem_unknown: Guid::decode_inline(r)?,
            authn_hint: r.u32("pAuthnHint")?,
            com_version: ComVersion::decode_inline(r)?,
            status: r.u32("error_status_t")?,
        })
    }
}

/// SimplePing (MS-DCOM 3.1.2.5.1.2): `[in] SETID* pSetId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SimplePingRequest {
    pub set_id: u64,
}

impl Stub for SimplePingRequest {
    const CONTEXT: &'static str = "SimplePing request";

    fn encode(&self, w: &mut NdrWriter) {
        w.u64(self.set_id);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(SimplePingRequest {
            set_id: r.u64("pSetId")?,
        })
    }
}

/// The response of a method whose only output is its error_status_t: SimplePing and ServerAlive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusOnlyResponse {
    pub status: u32,
}

impl Stub for StatusOnlyResponse {
    const CONTEXT: &'static str = "IObjectExporter response";

    fn encode(&self, w: &mut NdrWriter) {
        w.u32(self.status);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(StatusOnlyResponse {
            status: r.u32("error_status_t")?,
        })
    }
}

pub type SimplePingResponse = StatusOnlyResponse;
pub type ServerAliveResponse = StatusOnlyResponse;

/// ComplexPing (MS-DCOM 3.1.2.5.1.3). An empty set is sent as a NULL array, as Impacket does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ComplexPingRequest {
    pub set_id: u64,
    pub sequence_num: u16,
    pub add_to_set: Vec<u64>,
    pub del_from_set: Vec<u64>,
}

/// Writes a `[in, unique, size_is(n)] OID[]`: NULL when empty.
fn write_oid_set(w: &mut NdrWriter, oids: &[u64]) {
    let set = (!oids.is_empty()).then(|| ConformantArray(oids.to_vec()));
    encode_top(w, &Unique(set));
}

fn read_oid_set(r: &mut NdrReader<'_>, field: &'static str, count: u16) -> DecodeResult<Vec<u64>> {
    match decode_top::<Unique<ConformantArray<u64>>>(r)?.into_inner() {
        Some(set) => {
            r.expect_count(field, u64::from(count), set.0.len() as u64)?;
            Ok(set.0)
        }
        None if count == 0 => Ok(Vec::new()),
        None => Err(r.invalid(field, "OIDs are counted but the array is NULL")),
    }
}

impl Stub for ComplexPingRequest {
    const CONTEXT: &'static str = "ComplexPing request";

    fn encode(&self, w: &mut NdrWriter) {
        w.u64(self.set_id);
        w.u16(self.sequence_num);
        w.u16(u16::try_from(self.add_to_set.len()).unwrap_or(u16::MAX));
        w.u16(u16::try_from(self.del_from_set.len()).unwrap_or(u16::MAX));
        write_oid_set(w, &self.add_to_set);
        write_oid_set(w, &self.del_from_set);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let set_id = r.u64("pSetId")?;
        let sequence_num = r.u16("SequenceNum")?;
        let add_count = r.u16("cAddToSet")?;
        let del_count = r.u16("cDelFromSet")?;
        Ok(ComplexPingRequest {
            set_id,
            sequence_num,
            add_to_set: read_oid_set(r, "AddToSet", add_count)?,
            del_from_set: read_oid_set(r, "DelFromSet", del_count)?,
        })
    }
}

/// ComplexPing response: `[in, out] SETID* pSetId`, `[out] unsigned short* pPingBackoffFactor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ComplexPingResponse {
    pub set_id: u64,
    pub ping_backoff_factor: u16,
    pub status: u32,
}

impl Stub for ComplexPingResponse {
    const CONTEXT: &'static str = "ComplexPing response";

    fn encode(&self, w: &mut NdrWriter) {
        w.u64(self.set_id);
        w.u16(self.ping_backoff_factor);
        w.u32(self.status);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(ComplexPingResponse {
            set_id: r.u64("pSetId")?,
            ping_backoff_factor: r.u16("pPingBackoffFactor")?,
            status: r.u32("error_status_t")?,
        })
    }
}

/// Declares the request of a method without [in] parameters: an empty stub.
macro_rules! empty_request {
    ($(#[$meta:meta])* $name:ident($context:literal)) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name;

        impl Stub for $name {
            const CONTEXT: &'static str = $context;

            fn encode(&self, _: &mut NdrWriter) {}

            fn decode(_: &mut NdrReader<'_>) -> DecodeResult<Self> {
                Ok($name)
            }
        }
    };
}

empty_request!(
    /// ServerAlive (opnum 3, MS-DCOM 3.1.2.5.1.4) has no [in] parameters.
    ServerAliveRequest("ServerAlive request")
);

empty_request!(
    /// ServerAlive2 (opnum 5, MS-DCOM 3.1.2.5.1.6) has no [in] parameters.
    ServerAlive2Request("ServerAlive2 request")
);

/// ServerAlive2 response (MS-DCOM 3.1.2.5.1.6): the resolver's COM version and bindings (no endpoints).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerAlive2Response {
    pub com_version: ComVersion,
    pub or_bindings: Option<DualStringArray>,
    /// pReserved: zero, ignored on receipt.
    pub reserved: u32,
    pub status: u32,
}

impl Stub for ServerAlive2Response {
    const CONTEXT: &'static str = "ServerAlive2 response";

    fn encode(&self, w: &mut NdrWriter) {
        self.com_version.encode_inline(w);
        encode_top(w, &Unique(self.or_bindings.clone()));
        w.u32(self.reserved);
        w.u32(self.status);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(ServerAlive2Response {
            com_version: ComVersion::decode_inline(r)?,
            or_bindings: read_bindings(r)?,
            reserved: r.u32("pReserved")?,
            status: r.u32("error_status_t")?,
        })
    }
}

call!(ResolveOxidRequest => ResolveOxidResponse, IOBJECT_EXPORTER_SYNTAX, 0);
call!(SimplePingRequest => SimplePingResponse, IOBJECT_EXPORTER_SYNTAX, 1);
call!(ComplexPingRequest => ComplexPingResponse, IOBJECT_EXPORTER_SYNTAX, 2);
call!(ServerAliveRequest => ServerAliveResponse, IOBJECT_EXPORTER_SYNTAX, 3);
call!(ResolveOxid2Request => ResolveOxid2Response, IOBJECT_EXPORTER_SYNTAX, 4);
call!(ServerAlive2Request => ServerAlive2Response, IOBJECT_EXPORTER_SYNTAX, 5);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dcom::string_array::tests::any_dsa;
    use crate::dcom::string_array::{SecurityBinding, StringBinding};
    use crate::rpc::SyntaxId;
    use crate::rpc::stub::Call;
    use crate::status::win32;
    use proptest::prelude::*;

    #[test]
    fn resolve_oxid2_request_layout() {
        let request = ResolveOxidRequest {
            oxid: 0x0102_0304_0506_0708,
            requested_protseqs: vec![7],
        };
        let stub = request.to_stub();
        assert_eq!(stub, [8, 7, 6, 5, 4, 3, 2, 1, 1, 0, 0, 0, 1, 0, 0, 0, 7, 0]);
        assert_eq!(ResolveOxidRequest::from_stub(&stub).unwrap(), request);
        let mut lying = stub.clone();
        lying[8] = 2;
        assert!(ResolveOxidRequest::from_stub(&lying).is_err());
    }

    #[test]
    fn server_alive2_response_layout() {
        let response = ServerAlive2Response {
            com_version: ComVersion::CURRENT,
            or_bindings: Some(DualStringArray {
                string_bindings: vec![StringBinding::tcp("H")],
                security_bindings: vec![SecurityBinding {
                    authn_svc: 10,
                    principal_name: String::new(),
                }],
            }),
            reserved: 0,
            status: 0,
        };
        let stub = response.to_stub();
        #[rustfmt::skip]
        let expected: Vec<u8> = vec![
            5, 0, 7, 0, // COMVERSION
            0, 0, 2, 0, // ppdsaOrBindings referent id
            8, 0, 0, 0, // max_count
            8, 0, 4, 0, // wNumEntries, wSecurityOffset
            7, 0, b'H', 0, 0, 0, 0, 0, // ncacn_ip_tcp "H", end of string bindings
            10, 0, 0xff, 0xff, 0, 0, 0, 0, // NTLM, no SPN, end of security bindings
            0, 0, 0, 0, // pReserved
            0, 0, 0, 0, // error_status_t
        ];
        assert_eq!(stub, expected);
        assert_eq!(ServerAlive2Response::from_stub(&stub).unwrap(), response);
        for n in 0..stub.len() {
            assert!(ServerAlive2Response::from_stub(&stub[..n]).is_err());
        }
    }

    #[test]
    fn complex_ping_null_sets() {
        let request = ComplexPingRequest {
            set_id: 0,
            sequence_num: 1,
            add_to_set: vec![],
            del_from_set: vec![9],
        };
        let stub = request.to_stub();
        assert_eq!(&stub[8..20], &[1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(ComplexPingRequest::from_stub(&stub).unwrap(), request);
        // cAddToSet says 1 but AddToSet is NULL.
        let mut lying = stub.clone();
        lying[10] = 1;
        assert_eq!(
            ComplexPingRequest::from_stub(&lying).unwrap_err().field,
            "AddToSet"
        );
    }

    #[test]
    fn status_only_and_empty_stubs() {
        assert!(ServerAliveRequest.to_stub().is_empty());
        assert_eq!(
            ServerAliveRequest::from_stub(&[]).unwrap(),
            ServerAliveRequest
        );
        assert!(ServerAliveRequest::from_stub(&[0; 8]).is_err());
        let r = StatusOnlyResponse {
            status: win32::RPC_S_SERVER_UNAVAILABLE,
        };
        assert_eq!(StatusOnlyResponse::from_stub(&r.to_stub()).unwrap(), r);
    }

    #[test]
    fn opnums_follow_the_idl() {
        // MS-DCOM 3.1.2.5.1: methods in RPC opnum order.
        fn of<R: Call>() -> (SyntaxId, u16) {
            (R::INTERFACE, R::OPNUM)
        }
        let ours = [
            of::<ResolveOxidRequest>(),
            of::<SimplePingRequest>(),
            of::<ComplexPingRequest>(),
            of::<ServerAliveRequest>(),
            of::<ResolveOxid2Request>(),
            of::<ServerAlive2Request>(),
        ];
        for (opnum, (interface, declared)) in ours.into_iter().enumerate() {
            assert_eq!(interface, IOBJECT_EXPORTER_SYNTAX);
            assert_eq!(usize::from(declared), opnum);
        }
    }

    #[test]
    fn resolve_oxid2_and_server_alive2_requests_are_their_predecessors_bytes() {
        let request = ResolveOxidRequest {
            oxid: 0x0102_0304_0506_0708,
            requested_protseqs: vec![7, 9],
        };
        let stub = ResolveOxid2Request(request.clone()).to_stub();
        assert_eq!(stub, request.to_stub());
        assert_eq!(
            ResolveOxid2Request::from_stub(&stub).unwrap(),
            ResolveOxid2Request(request)
        );
        for n in 0..stub.len() {
            assert!(ResolveOxid2Request::from_stub(&stub[..n]).is_err());
        }
        assert!(ServerAlive2Request.to_stub().is_empty());
        assert_eq!(
            ServerAlive2Request::from_stub(&[]).unwrap(),
            ServerAlive2Request
        );
        assert!(ServerAlive2Request::from_stub(&[0; 8]).is_err());
    }

    proptest! {
        #[test]
        fn round_trips(
            oxid in any::<u64>(),
            protseqs in proptest::collection::vec(any::<u16>(), 0..5),
            bindings in proptest::option::of(any_dsa()),
            ipid in any::<u128>(),
            words in (any::<u32>(), any::<u32>(), any::<u16>(), any::<u16>()),
            sets in (proptest::collection::vec(any::<u64>(), 0..4), proptest::collection::vec(any::<u64>(), 0..4)),
        ) {
            let (hint, status, major, minor) = words;
            let request = ResolveOxidRequest { oxid, requested_protseqs: protseqs };
            prop_assert_eq!(ResolveOxidRequest::from_stub(&request.to_stub()).unwrap(), request);
            let r1 = ResolveOxidResponse {
                oxid_bindings: bindings.clone(),
                ipid_rem_unknown: Guid::from_u128(ipid),
                authn_hint: hint,
                status,
            };
            prop_assert_eq!(ResolveOxidResponse::from_stub(&r1.to_stub()).unwrap(), r1);
            let r2 = ResolveOxid2Response {
                oxid_bindings: bindings.clone(),
                ipid_rem_unknown: Guid::from_u128(ipid),
                authn_hint: hint,
                com_version: ComVersion { major, minor },
                status,
            };
            prop_assert_eq!(ResolveOxid2Response::from_stub(&r2.to_stub()).unwrap(), r2);
            let alive = ServerAlive2Response {
                com_version: ComVersion { major, minor },
                or_bindings: bindings,
                reserved: hint,
                status,
            };
            prop_assert_eq!(ServerAlive2Response::from_stub(&alive.to_stub()).unwrap(), alive);
            let ping = ComplexPingRequest {
                set_id: oxid,
                sequence_num: major,
                add_to_set: sets.0,
                del_from_set: sets.1,
            };
            prop_assert_eq!(ComplexPingRequest::from_stub(&ping.to_stub()).unwrap(), ping);
            let pong = ComplexPingResponse { set_id: oxid, ping_backoff_factor: minor, status };
            prop_assert_eq!(ComplexPingResponse::from_stub(&pong.to_stub()).unwrap(), pong);
            let simple = SimplePingRequest { set_id: oxid };
            prop_assert_eq!(SimplePingRequest::from_stub(&simple.to_stub()).unwrap(), simple);
        }

        #[test]
        fn hostile_stubs_never_panic(data in proptest::collection::vec(any::<u8>(), 0..96)) {
            let _ = ResolveOxidRequest::from_stub(&data);
            let _ = ResolveOxidResponse::from_stub(&data);
            let _ = ResolveOxid2Response::from_stub(&data);
            let _ = ComplexPingRequest::from_stub(&data);
            let _ = ComplexPingResponse::from_stub(&data);
            let _ = ServerAlive2Response::from_stub(&data);
        }
    }
}
