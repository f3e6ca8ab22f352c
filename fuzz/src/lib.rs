//! Checks shared by the fuzz targets in `fuzz_targets/`.
//!
//! A target feeds the input to a decoder; where the decoder has an encoder, it re-encodes what was
//! decoded and decodes that again. The second value must equal the first: a codec whose encoder loses or
//! invents information would otherwise go unnoticed until a peer read our bytes differently. A mismatch
//! panics, which libFuzzer records as a crash with the input that caused it.

#![forbid(unsafe_code)]

use std::fmt::Debug;
use std::ops::Range;

use rwmi_core::DecodeResult;
use rwmi_core::ndr::{Ndr, from_stub, to_stub};
use rwmi_core::rpc::{PduProtection, ProtectionError};

/// Panics unless `again` (decoded from the re-encoding of `first`) equals `first`.
///
/// Values holding floating point (MS-WMIO real32/real64 properties) may hold NaN, which is never equal
/// to itself; for those the `Debug` renderings, which print every field, decide.
pub fn assert_stable<T: PartialEq + Debug>(what: &str, first: &T, again: &T) {
    if first != again && format!("{first:?}") != format!("{again:?}") {
        panic!(
            "{what}: decode(encode(decode(x))) differs from decode(x)\n first: {first:?}\n again: {again:?}"
        );
    }
}

/// Panics if a value the decoder accepted cannot be decoded back from its own encoding.
pub fn expect_redecoded<T: Debug>(what: &str, again: DecodeResult<T>, encoding: &[u8]) -> T {
    match again {
        Ok(value) => value,
        Err(e) => panic!(
            "{what}: the re-encoding of a decoded value does not decode: {e}\n encoding: {}",
            hex(encoding)
        ),
    }
}

/// Decodes `stub` as one NDR value with `from_stub` and, if it decodes, checks the round trip.
pub fn ndr_round_trip<T: Ndr + PartialEq + Debug>(context: &'static str, stub: &[u8]) -> Option<T> {
    let first: T = from_stub(context, stub).ok()?;
    let encoding = to_stub(&first);
    let again = expect_redecoded(context, from_stub::<T>(context, &encoding), &encoding);
    assert_stable(context, &first, &again);
    Some(first)
}

/// Lower-case hex, for panic messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A security provider that checks nothing and changes nothing, so that fuzzed fragments reach the
/// layout and decoding code behind `open_protected_fragment` instead of stopping at a signature check.
pub struct AcceptingProtection {
    pub signature_len: usize,
}

impl PduProtection for AcceptingProtection {
    fn signature_len(&self) -> usize {
        self.signature_len
    }

    fn protect(
        &mut self,
        _pdu: &mut [u8],
        _sealed: Range<usize>,
        _signature: Range<usize>,
    ) -> Result<(), ProtectionError> {
        Ok(())
    }

    fn unprotect(
        &mut self,
        pdu: &mut [u8],
        sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), ProtectionError> {
        // The ranges come from the core's parse of hostile bytes: they must lie inside the fragment.
        let len = pdu.len();
        for (name, range) in [("sealed", sealed), ("signature", signature)] {
            assert!(
                range.start <= range.end && range.end <= len,
                "{name} range {range:?} outside a fragment of {len} bytes"
            );
        }
        Ok(())
    }
}

/// Decodes `data` with `decode` and, if it decodes, checks the round trip through `encode`. For the
/// codecs with their own `decode(&[u8])` and `encode() -> Vec<u8>`.
pub fn round_trip<T: PartialEq + Debug>(
    what: &str,
    data: &[u8],
    decode: impl Fn(&[u8]) -> DecodeResult<T>,
    encode: impl Fn(&T) -> Vec<u8>,
) -> Option<T> {
    let first = decode(data).ok()?;
    let encoding = encode(&first);
    let again = expect_redecoded(what, decode(&encoding), &encoding);
    assert_stable(what, &first, &again);
    Some(first)
}
