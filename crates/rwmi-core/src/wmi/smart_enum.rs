//! IWbemFetchSmartEnum (MS-WMI 3.1.4.6) and IWbemWCOSmartEnum (MS-WMI 3.1.4.7): the network-optimized
//! enumeration, which returns a batch of objects as one [`ObjectArray`](super::object_array::ObjectArray)
//! byte buffer instead of one interface pointer per object.

use super::ids::{IWBEM_FETCH_SMART_ENUM, IWBEM_WCO_SMART_ENUM};
use crate::codec::DecodeResult;
use crate::dcom::orpc::InterfacePtr;
use crate::dcom::{OrpcThat, OrpcThis};
use crate::guid::Guid;
use crate::ndr::array::{read_byte_elements, read_conformance, wire_count, write_conformance};
use crate::ndr::{Ndr, NdrReader, NdrWriter, Unique, decode_top, encode_top};
use crate::rpc::stub::{Stub, call, stub};

stub! {
    /// GetSmartEnum (opnum 3) request, made on the enumerator object's IWbemFetchSmartEnum.
    pub struct GetSmartEnumRequest("IWbemFetchSmartEnum::GetSmartEnum request") {
        pub this: OrpcThis,
    }
}

stub! {
    /// GetSmartEnum response: the IWbemWCOSmartEnum, NULL on error.
    pub struct GetSmartEnumResponse("IWbemFetchSmartEnum::GetSmartEnum response") {
        pub that: OrpcThat,
        pub smart_enum: InterfacePtr,
        pub hresult: u32,
    }
}

stub! {
    /// IWbemWCOSmartEnum::Next (opnum 3) request. `proxyGUID` is a `REFGUID`, a top-level pointer and so
    /// `[ref]`: the 16 octets without a referent id.
    pub struct SmartNextRequest("IWbemWCOSmartEnum::Next request") {
        pub this: OrpcThis,
        /// Client-generated, identifies the client for the duration of the enumeration.
        pub proxy_guid: Guid,
        pub timeout: i32,
        pub count: u32,
    }
}

/// IWbemWCOSmartEnum::Next response:
///
/// ```text
/// [out] ULONG* puReturned,
/// [out] ULONG* pdwBuffSize,
/// [out, size_is(,*pdwBuffSize)] byte** pBuffer
/// ```
///
/// `pBuffer` is a reference to a (unique) pointer to a conformant byte array, so the wire has a referent
/// id, then max_count (which must equal `pdwBuffSize`), then the octets of an ObjectArray (MS-WMI 2.2.14).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SmartNextResponse {
    pub that: OrpcThat,
    /// How many objects the buffer holds.
    pub returned: u32,
    /// The ObjectArray; `None` (a NULL pointer, size 0) on failure or when there are no results.
    pub buffer: Option<Vec<u8>>,
    pub hresult: u32,
}

/// The referent of `pBuffer`: `[size_is(n)] byte[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct ByteArray(Vec<u8>);

impl Ndr for ByteArray {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        write_conformance(w, wire_count(self.0.len()));
        w.bytes(&self.0);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let count = read_conformance(r, "pBuffer max_count")?;
        Ok(ByteArray(read_byte_elements(r, "pBuffer", count)?.to_vec()))
    }
}

impl Stub for SmartNextResponse {
    const CONTEXT: &'static str = "IWbemWCOSmartEnum::Next response";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &self.that);
        w.u32(self.returned);
        let size = self.buffer.as_ref().map_or(0, |b| wire_count(b.len()));
        w.u32(size);
        encode_top(w, &Unique(self.buffer.clone().map(ByteArray)));
        w.u32(self.hresult);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let that = decode_top(r)?;
        let returned = r.u32("puReturned")?;
        let size = r.u32("pdwBuffSize")?;
        let buffer = decode_top::<Unique<ByteArray>>(r)?
            .into_inner()
            .map(|b| b.0);
        let carried = buffer.as_ref().map_or(0, |b| b.len() as u64);
        r.expect_count("pdwBuffSize", carried, u64::from(size))?;
        Ok(SmartNextResponse {
            that,
            returned,
            buffer,
            hresult: r.u32("HRESULT")?,
        })
    }
}

call!(GetSmartEnumRequest => GetSmartEnumResponse, IWBEM_FETCH_SMART_ENUM, 3);
call!(SmartNextRequest => SmartNextResponse, IWBEM_WCO_SMART_ENUM, 3);

#[cfg(test)]
impl crate::test_support::Arb for SmartNextResponse {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        (
            <OrpcThat as crate::test_support::Arb>::arb(),
            any::<u32>(),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
            any::<u32>(),
        )
            .prop_map(|(that, returned, buffer, hresult)| SmartNextResponse {
                that,
                returned,
                buffer,
                hresult,
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{ORPCTHAT_EMPTY, check_stub, orpcthis_bytes};

    #[test]
    fn smart_next_request_bytes() {
        let cid = Guid::from_u128(1);
        let proxy = Guid::from_literal("00112233-4455-6677-8899-aabbccddeeff");
        let request = SmartNextRequest {
            this: OrpcThis::new(cid),
            proxy_guid: proxy,
            timeout: -1,
            count: 10,
        };
        let mut expected = orpcthis_bytes(cid);
        expected.extend([
            0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff, // proxyGUID, no referent id
        ]);
        expected.extend([0xff, 0xff, 0xff, 0xff, 10, 0, 0, 0]);
        assert_eq!(request.to_stub(), expected);
        assert_eq!(SmartNextRequest::from_stub(&expected).unwrap(), request);
    }

    #[test]
    fn smart_next_response_bytes() {
        let response = SmartNextResponse {
            that: OrpcThat::default(),
            returned: 1,
            buffer: Some(vec![1, 2, 3]),
            hresult: 0,
        };
        let mut expected = ORPCTHAT_EMPTY.to_vec();
        expected.extend([1, 0, 0, 0, 3, 0, 0, 0]); // puReturned, pdwBuffSize
        expected.extend([0, 0, 2, 0, 3, 0, 0, 0, 1, 2, 3, 0]); // pBuffer: id, max_count, octets, pad
        expected.extend([0, 0, 0, 0]);
        assert_eq!(response.to_stub(), expected);
        assert_eq!(SmartNextResponse::from_stub(&expected).unwrap(), response);
    }

    #[test]
    fn buffer_size_must_match() {
        let mut stub = ORPCTHAT_EMPTY.to_vec();
        stub.extend([
            1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 2, 0, 3, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0,
        ]);
        assert_eq!(
            SmartNextResponse::from_stub(&stub).unwrap_err().field,
            "pdwBuffSize"
        );
        let mut stub = ORPCTHAT_EMPTY.to_vec();
        stub.extend([0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            SmartNextResponse::from_stub(&stub).unwrap_err().field,
            "pdwBuffSize"
        );
    }

    #[test]
    fn every_smart_enum_stub_round_trips() {
        check_stub::<GetSmartEnumRequest>();
        check_stub::<GetSmartEnumResponse>();
        check_stub::<SmartNextRequest>();
        check_stub::<SmartNextResponse>();
    }
}
