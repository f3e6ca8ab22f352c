//! IRemUnknown (MS-DCOM 3.1.1.5.6) and IRemUnknown2 (3.1.1.5.7, which inherits opnums 3 to 5 and adds
//! RemQueryInterface2): reference counting and QueryInterface on a remote object. ORPC interfaces:
//! ORPCTHIS/ORPCTHAT come first.

use super::{read_sized, write_array};
use crate::codec::DecodeResult;
use crate::dcom::ids::IREM_UNKNOWN2_SYNTAX;
use crate::dcom::objref::StdObjRef;
use crate::dcom::orpc::{MInterfacePointer, OrpcThat, OrpcThis};
use crate::guid::Guid;
use crate::ndr::{ConformantArray, Ndr, NdrReader, NdrWriter, Unique, decode_top, encode_top};
use crate::rpc::stub::{Stub, call};

/// MS-DCOM 2.2.23.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RemInterfaceRef {
    pub ipid: Guid,
    pub public_refs: u32,
    pub private_refs: u32,
}

impl Ndr for RemInterfaceRef {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 24;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(4);
        self.ipid.encode_inline(w);
        w.u32(self.public_refs);
        w.u32(self.private_refs);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        Ok(RemInterfaceRef {
            ipid: Guid::decode_inline(r)?,
            public_refs: r.u32("REMINTERFACEREF.cPublicRefs")?,
            private_refs: r.u32("REMINTERFACEREF.cPrivateRefs")?,
        })
    }
}

/// MS-DCOM 2.2.24.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RemQiResult {
    pub hresult: u32,
    /// Meaningful only when `hresult` is 0.
    pub std: StdObjRef,
}

impl Ndr for RemQiResult {
    const ALIGN: usize = 8;
    const MIN_WIRE_SIZE: usize = 48;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(8);
        w.u32(self.hresult);
        self.std.encode_inline(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(8)?;
        Ok(RemQiResult {
            hresult: r.u32("REMQIRESULT.hResult")?,
            std: StdObjRef::decode_inline(r)?,
        })
    }
}

/// RemQueryInterface (opnum 3, MS-DCOM 3.1.1.5.6.1.1): `[in] REFIPID ripid, [in] unsigned long cRefs, [in] unsigned short
/// cIids, [in, size_is(cIids)] IID* iids`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemQueryInterfaceRequest {
    pub orpc_this: OrpcThis,
    pub ipid: Guid,
    pub refs: u32,
    pub iids: Vec<Guid>,
}

impl Stub for RemQueryInterfaceRequest {
    const CONTEXT: &'static str = "RemQueryInterface request";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &self.orpc_this);
        self.ipid.encode_inline(w);
        w.u32(self.refs);
        w.u16(u16::try_from(self.iids.len()).unwrap_or(u16::MAX));
        write_array(w, &self.iids);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let orpc_this = decode_top(r)?;
        let ipid = Guid::decode_inline(r)?;
        let refs = r.u32("cRefs")?;
        let count = r.u16("cIids")?;
        Ok(RemQueryInterfaceRequest {
            orpc_this,
            ipid,
            refs,
            iids: read_sized(r, "iids", u64::from(count))?,
        })
    }
}

/// RemQueryInterface response: `[out, size_is(,cIids)] PREMQIRESULT* ppQIResults`, a unique pointer to
/// the result array. An empty `results` is sent as NULL, which is what a failed call returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemQueryInterfaceResponse {
    pub orpc_that: OrpcThat,
    pub results: Vec<RemQiResult>,
    pub hresult: u32,
}

impl Stub for RemQueryInterfaceResponse {
    const CONTEXT: &'static str = "RemQueryInterface response";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &self.orpc_that);
        let results = (!self.results.is_empty()).then(|| ConformantArray(self.results.clone()));
        encode_top(w, &Unique(results));
        w.u32(self.hresult);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let orpc_that = decode_top(r)?;
        let results = decode_top::<Unique<ConformantArray<RemQiResult>>>(r)?
            .into_inner()
            .map(|a| a.0)
            .unwrap_or_default();
        Ok(RemQueryInterfaceResponse {
            orpc_that,
            results,
            hresult: r.u32("HRESULT")?,
        })
    }
}

/// The [in] part shared by RemAddRef (opnum 4) and RemRelease (opnum 5): `[in] unsigned short
/// cInterfaceRefs, [in, size_is(cInterfaceRefs)] REMINTERFACEREF InterfaceRefs[]`.
fn encode_refs(w: &mut NdrWriter, orpc_this: &OrpcThis, refs: &[RemInterfaceRef]) {
    encode_top(w, orpc_this);
    w.u16(u16::try_from(refs.len()).unwrap_or(u16::MAX));
    write_array(w, refs);
}

fn decode_refs(r: &mut NdrReader<'_>) -> DecodeResult<(OrpcThis, Vec<RemInterfaceRef>)> {
    let orpc_this = decode_top(r)?;
    let count = r.u16("cInterfaceRefs")?;
    Ok((orpc_this, read_sized(r, "InterfaceRefs", u64::from(count))?))
}

/// Declares a request whose parameters are an ORPCTHIS and interface references.
macro_rules! refs_request {
    ($(#[$meta:meta])* $name:ident($context:literal)) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            pub orpc_this: OrpcThis,
            pub refs: Vec<RemInterfaceRef>,
        }

        impl Stub for $name {
            const CONTEXT: &'static str = $context;

            fn encode(&self, w: &mut NdrWriter) {
                encode_refs(w, &self.orpc_this, &self.refs);
            }

            fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
                let (orpc_this, refs) = decode_refs(r)?;
                Ok($name { orpc_this, refs })
            }
        }
    };
}

refs_request!(
    /// RemAddRef (opnum 4, MS-DCOM 3.1.1.5.6.1.2).
    RemAddRefRequest("RemAddRef request")
);

/// RemAddRef response: `[out, size_is(cInterfaceRefs)] HRESULT* pResults`, a top-level [ref] array.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemAddRefResponse {
    pub orpc_that: OrpcThat,
    pub results: Vec<u32>,
    pub hresult: u32,
}

impl Stub for RemAddRefResponse {
    const CONTEXT: &'static str = "RemAddRef response";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &self.orpc_that);
        write_array(w, &self.results);
        w.u32(self.hresult);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(RemAddRefResponse {
            orpc_that: decode_top(r)?,
            results: decode_top::<ConformantArray<u32>>(r)?.0,
            hresult: r.u32("HRESULT")?,
        })
    }
}

refs_request!(
    /// RemRelease (opnum 5, MS-DCOM 3.1.1.5.6.1.3).
    RemReleaseRequest("RemRelease request")
);

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemReleaseResponse {
    pub orpc_that: OrpcThat,
    pub hresult: u32,
}

impl Stub for RemReleaseResponse {
    const CONTEXT: &'static str = "RemRelease response";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &self.orpc_that);
        w.u32(self.hresult);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(RemReleaseResponse {
            orpc_that: decode_top(r)?,
            hresult: r.u32("HRESULT")?,
        })
    }
}

/// IRemUnknown2::RemQueryInterface2 (opnum 6): `[in] REFIPID ripid, [in] unsigned short cIids,
/// [in, size_is(cIids)] IID* iids`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemQueryInterface2Request {
    pub orpc_this: OrpcThis,
    pub ipid: Guid,
    pub iids: Vec<Guid>,
}

impl Stub for RemQueryInterface2Request {
    const CONTEXT: &'static str = "RemQueryInterface2 request";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &self.orpc_this);
        self.ipid.encode_inline(w);
        w.u16(u16::try_from(self.iids.len()).unwrap_or(u16::MAX));
        write_array(w, &self.iids);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let orpc_this = decode_top(r)?;
        let ipid = Guid::decode_inline(r)?;
        let count = r.u16("cIids")?;
        Ok(RemQueryInterface2Request {
            orpc_this,
            ipid,
            iids: read_sized(r, "iids", u64::from(count))?,
        })
    }
}

/// RemQueryInterface2 response: `[out, size_is(cIids)] HRESULT* phr`, `[out, size_is(cIids)]
/// PMInterfacePointerInternal* ppMIF` (top-level [ref] arrays; the second holds unique pointers).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemQueryInterface2Response {
    pub orpc_that: OrpcThat,
    pub hresults: Vec<u32>,
    pub interfaces: Vec<Option<MInterfacePointer>>,
    pub hresult: u32,
}

impl Stub for RemQueryInterface2Response {
    const CONTEXT: &'static str = "RemQueryInterface2 response";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &self.orpc_that);
        write_array(w, &self.hresults);
        let pointers: Vec<Unique<MInterfacePointer>> =
            self.interfaces.iter().cloned().map(Unique).collect();
        encode_top(w, &ConformantArray(pointers));
        w.u32(self.hresult);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let orpc_that = decode_top(r)?;
        let hresults = decode_top::<ConformantArray<u32>>(r)?.0;
        let interfaces: Vec<Option<MInterfacePointer>> =
            decode_top::<ConformantArray<Unique<MInterfacePointer>>>(r)?
                .0
                .into_iter()
                .map(Unique::into_inner)
                .collect();
        r.expect_count("ppMIF", hresults.len() as u64, interfaces.len() as u64)?;
        Ok(RemQueryInterface2Response {
            orpc_that,
            hresults,
            interfaces,
            hresult: r.u32("HRESULT")?,
        })
    }
}

// IRemUnknown's methods go over IRemUnknown2, which derives from IRemUnknown (its opnums 3 to 5 are
// IRemUnknown's): rwmi binds only IRemUnknown2 on the object exporter, which a server of COM version 5.6
// or later MUST support (MS-DCOM 3.1.1.5.7). The emulator answers them on either interface.
call!(RemQueryInterfaceRequest => RemQueryInterfaceResponse, IREM_UNKNOWN2_SYNTAX, 3);
call!(RemAddRefRequest => RemAddRefResponse, IREM_UNKNOWN2_SYNTAX, 4);
call!(RemReleaseRequest => RemReleaseResponse, IREM_UNKNOWN2_SYNTAX, 5);
call!(RemQueryInterface2Request => RemQueryInterface2Response, IREM_UNKNOWN2_SYNTAX, 6);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::stub::Call;
    use crate::status::hresult;
    use proptest::prelude::*;

    #[test]
    fn rem_query_interface_layouts() {
        let request = RemQueryInterfaceRequest {
            orpc_this: OrpcThis::new(Guid::NIL),
            ipid: Guid::from_u128(1),
            refs: 5,
            iids: vec![Guid::from_u128(2)],
        };
        let stub = request.to_stub();
        // 32 ORPCTHIS + 16 ipid + 4 cRefs + 2 cIids + 2 pad + 4 max_count + 16 iid.
        assert_eq!(stub.len(), 76);
        assert_eq!(&stub[48..60], &[5, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(RemQueryInterfaceRequest::from_stub(&stub).unwrap(), request);
        let mut lying = stub.clone();
        lying[52] = 2;
        assert_eq!(
            RemQueryInterfaceRequest::from_stub(&lying)
                .unwrap_err()
                .field,
            "iids"
        );

        let response = RemQueryInterfaceResponse {
            orpc_that: OrpcThat::default(),
            results: vec![RemQiResult {
                hresult: 0,
                std: StdObjRef {
                    flags: 0,
                    public_refs: 5,
                    oxid: 1,
                    oid: 2,
                    ipid: Guid::from_u128(3),
                },
            }],
            hresult: 0,
        };
        let stub = response.to_stub();
        // 8 ORPCTHAT + 4 pointer + 4 max_count + 48 REMQIRESULT (already 8-aligned at 16) + 4 HRESULT.
        assert_eq!(stub.len(), 68);
        assert_eq!(&stub[8..16], &[0, 0, 2, 0, 1, 0, 0, 0]);
        assert_eq!(
            RemQueryInterfaceResponse::from_stub(&stub).unwrap(),
            response
        );
        let failed = RemQueryInterfaceResponse {
            hresult: hresult::E_NOINTERFACE,
            ..Default::default()
        };
        assert_eq!(failed.to_stub().len(), 16);
        assert_eq!(
            RemQueryInterfaceResponse::from_stub(&failed.to_stub()).unwrap(),
            failed
        );
    }

    #[test]
    fn rem_query_interface2_response_layout() {
        let response = RemQueryInterface2Response {
            orpc_that: OrpcThat::default(),
            hresults: vec![0, hresult::E_NOINTERFACE],
            interfaces: vec![Some(MInterfacePointer { data: vec![0xaa] }), None],
            hresult: 0,
        };
        let stub = response.to_stub();
        #[rustfmt::skip]
        let expected: Vec<u8> = vec![
            0, 0, 0, 0, 0, 0, 0, 0, // ORPCTHAT
            2, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x40, 0, 0x80, // phr
            2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, // ppMIF: max_count, referent ids
            1, 0, 0, 0, 1, 0, 0, 0, 0xaa, 0, 0, 0, // MInterfacePointer, padding
            0, 0, 0, 0, // HRESULT
        ];
        assert_eq!(stub, expected);
        assert_eq!(
            RemQueryInterface2Response::from_stub(&stub).unwrap(),
            response
        );
        let mut lying = stub.clone();
        lying[20] = 1;
        assert!(RemQueryInterface2Response::from_stub(&lying).is_err());
    }

    #[test]
    fn truncations_are_errors() {
        let request = RemReleaseRequest {
            orpc_this: OrpcThis::new(Guid::from_u128(9)),
            refs: vec![RemInterfaceRef {
                ipid: Guid::from_u128(4),
                public_refs: 1,
                private_refs: 0,
            }],
        };
        let stub = request.to_stub();
        assert_eq!(stub.len(), 32 + 4 + 4 + 24);
        assert_eq!(RemReleaseRequest::from_stub(&stub).unwrap(), request);
        for n in 0..stub.len() {
            assert!(RemReleaseRequest::from_stub(&stub[..n]).is_err());
        }
    }

    fn any_ref() -> impl Strategy<Value = RemInterfaceRef> {
        (any::<u128>(), any::<u32>(), any::<u32>()).prop_map(|(ipid, public_refs, private_refs)| {
            RemInterfaceRef {
                ipid: Guid::from_u128(ipid),
                public_refs,
                private_refs,
            }
        })
    }

    fn any_result() -> impl Strategy<Value = RemQiResult> {
        (
            any::<u32>(),
            any::<u32>(),
            any::<u64>(),
            any::<u64>(),
            any::<u128>(),
        )
            .prop_map(|(hresult, public_refs, oxid, oid, ipid)| RemQiResult {
                hresult,
                std: StdObjRef {
                    flags: 0,
                    public_refs,
                    oxid,
                    oid,
                    ipid: Guid::from_u128(ipid),
                },
            })
    }

    #[test]
    fn opnums_follow_the_idl() {
        // MS-DCOM 3.1.1.5.6 (opnums 3 to 5) and 3.1.1.5.7 (opnum 6), all sent over IRemUnknown2.
        assert_eq!(<RemQueryInterfaceRequest as Call>::OPNUM, 3);
        assert_eq!(<RemAddRefRequest as Call>::OPNUM, 4);
        assert_eq!(<RemReleaseRequest as Call>::OPNUM, 5);
        assert_eq!(<RemQueryInterface2Request as Call>::OPNUM, 6);
        for interface in [
            <RemQueryInterfaceRequest as Call>::INTERFACE,
            <RemAddRefRequest as Call>::INTERFACE,
            <RemReleaseRequest as Call>::INTERFACE,
            <RemQueryInterface2Request as Call>::INTERFACE,
        ] {
            assert_eq!(interface, IREM_UNKNOWN2_SYNTAX);
        }
    }

    proptest! {
        #[test]
        fn round_trips(
            cid in any::<u128>(),
            refs in proptest::collection::vec(any_ref(), 0..4),
            results in proptest::collection::vec(any_result(), 0..4),
            hresults in proptest::collection::vec(any::<u32>(), 0..4),
            hresult in any::<u32>(),
        ) {
            let orpc_this = OrpcThis::new(Guid::from_u128(cid));
            let add = RemAddRefRequest { orpc_this: orpc_this.clone(), refs: refs.clone() };
            prop_assert_eq!(RemAddRefRequest::from_stub(&add.to_stub()).unwrap(), add);
            let release = RemReleaseRequest { orpc_this: orpc_this.clone(), refs };
            prop_assert_eq!(RemReleaseRequest::from_stub(&release.to_stub()).unwrap(), release);
            let qi = RemQueryInterfaceRequest {
                orpc_this,
                ipid: Guid::from_u128(cid ^ 1),
                refs: hresult,
                iids: hresults.iter().map(|h| Guid::from_u128(u128::from(*h))).collect(),
            };
            prop_assert_eq!(RemQueryInterfaceRequest::from_stub(&qi.to_stub()).unwrap(), qi);
            let qi_out = RemQueryInterfaceResponse { orpc_that: OrpcThat::default(), results, hresult };
            prop_assert_eq!(RemQueryInterfaceResponse::from_stub(&qi_out.to_stub()).unwrap(), qi_out);
            let add_out = RemAddRefResponse { orpc_that: OrpcThat::default(), results: hresults.clone(), hresult };
            prop_assert_eq!(RemAddRefResponse::from_stub(&add_out.to_stub()).unwrap(), add_out);
            let release_out = RemReleaseResponse { orpc_that: OrpcThat::default(), hresult };
            prop_assert_eq!(RemReleaseResponse::from_stub(&release_out.to_stub()).unwrap(), release_out);
            let qi2 = RemQueryInterface2Request {
                orpc_this: OrpcThis::new(Guid::from_u128(cid)),
                ipid: Guid::from_u128(cid ^ 2),
                iids: hresults.iter().map(|h| Guid::from_u128(u128::from(*h))).collect(),
            };
            prop_assert_eq!(RemQueryInterface2Request::from_stub(&qi2.to_stub()).unwrap(), qi2);
            let qi2_out = RemQueryInterface2Response {
                orpc_that: OrpcThat::default(),
                interfaces: hresults
                    .iter()
                    .map(|h| (*h % 2 == 0).then(|| MInterfacePointer { data: h.to_le_bytes().to_vec() }))
                    .collect(),
                hresults,
                hresult,
            };
            prop_assert_eq!(RemQueryInterface2Response::from_stub(&qi2_out.to_stub()).unwrap(), qi2_out);
        }

        #[test]
        fn hostile_stubs_never_panic(data in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = RemQueryInterfaceRequest::from_stub(&data);
            let _ = RemQueryInterfaceResponse::from_stub(&data);
            let _ = RemAddRefRequest::from_stub(&data);
            let _ = RemAddRefResponse::from_stub(&data);
            let _ = RemReleaseRequest::from_stub(&data);
            let _ = RemReleaseResponse::from_stub(&data);
            let _ = RemQueryInterface2Request::from_stub(&data);
            let _ = RemQueryInterface2Response::from_stub(&data);
        }
    }
}
