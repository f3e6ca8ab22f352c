//! Type serialization version 1 (MS-RPCE 2.2.6): one NDR constructed type serialized on its own, behind
//! an 8-octet common header and an 8-octet private header, padded to a multiple of 8. Every structure in
//! an activation properties BLOB (MS-DCOM 2.2.22) is serialized this way.

use crate::codec::{DecodeResult, Reader};
use crate::ndr::{Ndr, NdrReader, NdrWriter, decode_top, encode_top};

/// MS-RPCE 2.2.6.1: version 1, little-endian (0x10), header length 8, filler 0xcccccccc.
pub const COMMON_HEADER: [u8; 8] = [0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc];

/// The common header plus the private header (MS-RPCE 2.2.6.1, 2.2.6.2).
pub const HEADERS_LEN: usize = 16;

const VERSION_1: u8 = 1;
const LITTLE_ENDIAN: u8 = 0x10;
const COMMON_HEADER_LEN: u16 = 8;

/// Serializes `value`: common header, private header (ObjectBufferLength counts the padded body, as
/// MS-RPCE 2.2.6.2 requires), then the NDR body padded with zeros to a multiple of 8.
pub fn serialize<T: Ndr>(value: &T) -> Vec<u8> {
    serialize_with(|w| encode_top(w, value))
}

/// [`serialize`] for a body written by `encode`, which must write a whole top-level value (inline part
/// then deferred part).
pub fn serialize_with(encode: impl FnOnce(&mut NdrWriter)) -> Vec<u8> {
    let mut body = NdrWriter::new();
    encode(&mut body);
    body.align(8);
    let body = body.into_vec();
    let mut out = Vec::with_capacity(HEADERS_LEN + body.len());
    out.extend_from_slice(&COMMON_HEADER);
    out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&body);
    out
}

/// Deserializes one value from the start of `bytes`; returns it and the octets the headers and the
/// object buffer took. Bytes after the object buffer are the caller's business.
pub fn deserialize_prefix<T: Ndr>(context: &'static str, bytes: &[u8]) -> DecodeResult<(T, usize)> {
    deserialize_prefix_with(context, bytes, decode_top::<T>)
}

/// [`deserialize_prefix`] for a body read by `decode`, which must read a whole top-level value.
pub fn deserialize_prefix_with<T>(
    context: &'static str,
    bytes: &[u8],
    decode: impl FnOnce(&mut NdrReader<'_>) -> DecodeResult<T>,
) -> DecodeResult<(T, usize)> {
    let mut r = Reader::new(context, bytes);
    let version = r.u8("TypeSerialization1.Version")?;
    if version != VERSION_1 {
        return Err(r.bad_value("TypeSerialization1.Version", u64::from(version)));
    }
    let endianness = r.u8("TypeSerialization1.Endianness")?;
    if endianness != LITTLE_ENDIAN {
        return Err(r.bad_value("TypeSerialization1.Endianness", u64::from(endianness)));
    }
    let header_len = r.u16("TypeSerialization1.CommonHeaderLength")?;
    if header_len != COMMON_HEADER_LEN {
        return Err(r.bad_value(
            "TypeSerialization1.CommonHeaderLength",
            u64::from(header_len),
        ));
    }
    r.skip("TypeSerialization1.Filler", 4)?;
    let buffer_len = r.u32("TypeSerialization1.ObjectBufferLength")?;
    r.skip("TypeSerialization1.PrivateFiller", 4)?;
    let body = r.counted("TypeSerialization1.ObjectBuffer", u64::from(buffer_len))?;
    let mut nr = NdrReader::new(context, body);
    let value = decode(&mut nr)?;
    // The buffer may end with up to 7 octets of padding, never with more data.
    if nr.remaining() >= 8 {
        return Err(nr.invalid(
            "TypeSerialization1.ObjectBufferLength",
            "object buffer is longer than the object and its padding",
        ));
    }
    Ok((value, r.position()))
}

/// Deserializes a value that fills `bytes`, allowing only the up-to-7 octets of padding that some
/// encoders (Impacket) append after an object buffer whose length excludes it.
pub fn deserialize<T: Ndr>(context: &'static str, bytes: &[u8]) -> DecodeResult<T> {
    deserialize_with(context, bytes, decode_top::<T>)
}

/// [`deserialize`] for a body read by `decode`.
pub fn deserialize_with<T>(
    context: &'static str,
    bytes: &[u8],
    decode: impl FnOnce(&mut NdrReader<'_>) -> DecodeResult<T>,
) -> DecodeResult<T> {
    let (value, used) = deserialize_prefix_with(context, bytes, decode)?;
    let left = bytes.len().saturating_sub(used);
    if left >= 8 {
        let r = Reader::new(context, bytes);
        return Err(r.invalid(
            "TypeSerialization1",
            "data left over after the serialized object",
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ndr::ConformantArray;
    use proptest::prelude::*;

    #[test]
    fn headers_are_byte_exact() {
        let bytes = serialize(&ConformantArray(vec![7u16]));
        assert_eq!(
            bytes,
            [
                0x01, 0x10, 0x08, 0x00, 0xcc, 0xcc, 0xcc, 0xcc, // common header
                0x08, 0, 0, 0, 0, 0, 0, 0, // private header: 6 octets padded to 8
                1, 0, 0, 0, 7, 0, 0, 0, // max_count, element, padding
            ]
        );
        assert_eq!(
            deserialize::<ConformantArray<u16>>("t", &bytes).unwrap(),
            ConformantArray(vec![7])
        );
    }

    #[test]
    fn unpadded_buffer_length_with_trailing_padding_is_accepted() {
        let mut bytes = serialize(&ConformantArray(vec![7u16]));
        bytes[8] = 6;
        assert_eq!(
            deserialize::<ConformantArray<u16>>("t", &bytes).unwrap(),
            ConformantArray(vec![7])
        );
    }

    #[test]
    fn bad_headers_and_lengths_are_refused() {
        let good = serialize(&ConformantArray(vec![1u32, 2]));
        for (at, value, field) in [
            (0, 2, "TypeSerialization1.Version"),
            (1, 0, "TypeSerialization1.Endianness"),
            (2, 9, "TypeSerialization1.CommonHeaderLength"),
            (8, 0xff, "TypeSerialization1.ObjectBuffer"),
        ] {
            let mut bad = good.clone();
            bad[at] = value;
            let e = deserialize::<ConformantArray<u32>>("t", &bad).unwrap_err();
            assert_eq!(e.field, field);
        }
        let mut long = good.clone();
        long.extend_from_slice(&[0; 8]);
        assert!(deserialize::<ConformantArray<u32>>("t", &long).is_err());
        for n in 0..good.len() {
            assert!(deserialize::<ConformantArray<u32>>("t", &good[..n]).is_err());
        }
    }

    proptest! {
        #[test]
        fn round_trips(items in proptest::collection::vec(any::<u32>(), 0..20)) {
            let value = ConformantArray(items);
            let bytes = serialize(&value);
            prop_assert_eq!(bytes.len() % 8, 0);
            prop_assert_eq!(deserialize::<ConformantArray<u32>>("t", &bytes).unwrap(), value);
        }
    }
}
