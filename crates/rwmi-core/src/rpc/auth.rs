//! The sec_trailer and auth_value that end an authenticated PDU (MS-RPCE 2.2.2.11, C706 13.2.6.1
//! auth_verifier_co_t), the padding before them, and where each part of a received fragment lies.

use std::ops::Range;

use super::header::{
    CommonHeader, HEADER_LEN, OFFSET_AUTH_LENGTH, OFFSET_FRAG_LENGTH, PacketType, PfcFlags,
    SEC_TRAILER_LEN,
};
use crate::codec::{DecodeError, DecodeErrorKind, DecodeResult, Reader, Writer};

/// Authentication service (MS-RPCE 2.2.1.1.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AuthType(pub u8);

impl AuthType {
    pub const NONE: Self = Self(0);
    pub const GSS_NEGOTIATE: Self = Self(9);
    /// NTLM.
    pub const WINNT: Self = Self(10);
    pub const GSS_SCHANNEL: Self = Self(14);
    pub const GSS_KERBEROS: Self = Self(16);
    pub const NETLOGON: Self = Self(0x44);
}

/// Authentication level (MS-RPCE 2.2.1.1.8); the order of the values is the order of protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuthLevel(pub u8);

impl AuthLevel {
    pub const DEFAULT: Self = Self(0);
    pub const NONE: Self = Self(1);
    pub const CONNECT: Self = Self(2);
    pub const CALL: Self = Self(3);
    pub const PKT: Self = Self(4);
    pub const PKT_INTEGRITY: Self = Self(5);
    pub const PKT_PRIVACY: Self = Self(6);
}

/// sec_trailer (MS-RPCE 2.2.2.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecTrailer {
    pub auth_type: AuthType,
    pub auth_level: AuthLevel,
    pub auth_pad_length: u8,
    pub auth_context_id: u32,
}

impl SecTrailer {
    pub fn decode(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let auth_type = AuthType(r.u8("auth_type")?);
        let auth_level = AuthLevel(r.u8("auth_level")?);
        let auth_pad_length = r.u8("auth_pad_length")?;
        // auth_reserved: SHOULD be ignored on read.
        r.skip("auth_reserved", 1)?;
        Ok(Self {
            auth_type,
            auth_level,
            auth_pad_length,
            auth_context_id: r.u32("auth_context_id")?,
        })
    }

    pub fn encode(&self, w: &mut Writer) {
        w.u8(self.auth_type.0);
        w.u8(self.auth_level.0);
        w.u8(self.auth_pad_length);
        w.u8(0);
        w.u32(self.auth_context_id);
    }
}

/// The authentication information a PDU carries: the sec_trailer fields other than the padding length
/// (which the encoder computes) and the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthVerifier {
    pub auth_type: AuthType,
    pub auth_level: AuthLevel,
    pub auth_context_id: u32,
    pub auth_value: Vec<u8>,
}

/// Request and response stubs are padded to this, counted from the start of the stub, so that the
/// sec_trailer is 16-byte aligned (MS-RPCE 2.2.2.11). The spec words the alignment from the PDU body; the
/// stub start is what deployed implementations measure from, and receivers only ever trust
/// auth_pad_length, so decoding accepts either.
pub const STUB_PAD_ALIGN: usize = 16;

/// Other PDUs only restore 4-byte alignment before the trailer (C706 13.2.6.1 auth_pad).
pub const BODY_PAD_ALIGN: usize = 4;

/// Octets of padding after `len` bytes to reach a multiple of `align` (a power of two).
pub fn pad_length(len: usize, align: usize) -> usize {
    len.wrapping_neg() & (align - 1)
}

/// Where the stub of a request or response starts, or `None` for PDUs without a stub.
pub fn stub_offset(ptype: PacketType, flags: PfcFlags) -> Option<usize> {
    match ptype {
        PacketType::Request => {
            Some(HEADER_LEN + super::Request::fields_len(flags.contains(PfcFlags::OBJECT_UUID)))
        }
        PacketType::Response => Some(HEADER_LEN + super::Response::FIXED_LEN),
        _ => None,
    }
}

/// The parts of a received fragment, located from the header alone (MS-RPCE 2.2.2.11: the sec_trailer
/// starts at frag_length - auth_length - 8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FragmentLayout {
    pub header: CommonHeader,
    /// From the end of the common header to the end of the body, auth padding excluded.
    pub body: Range<usize>,
    /// The sec_trailer and the range of auth_value, when auth_length is not zero.
    pub auth: Option<(SecTrailer, Range<usize>)>,
}

impl FragmentLayout {
    /// Checks the header against the buffer, which must hold exactly one fragment.
    pub fn locate(fragment: &[u8]) -> DecodeResult<Self> {
        let mut r = Reader::new("pdu header", fragment);
        let header = CommonHeader::decode(&mut r)?;
        let context = header.ptype.name();
        let frag_length = usize::from(header.frag_length);
        if frag_length != fragment.len() {
            return Err(DecodeError::new(
                context,
                "frag_length",
                OFFSET_FRAG_LENGTH,
                DecodeErrorKind::BadValue {
                    value: frag_length as u64,
                },
            ));
        }
        if header.auth_length == 0 {
            return Ok(Self {
                header,
                body: HEADER_LEN..frag_length,
                auth: None,
            });
        }
        let auth_length = usize::from(header.auth_length);
        let trailer_start = frag_length
            .checked_sub(auth_length + SEC_TRAILER_LEN)
            .filter(|&start| start >= HEADER_LEN)
            .ok_or_else(|| {
                DecodeError::new(
                    context,
                    "auth_length",
                    OFFSET_AUTH_LENGTH,
                    DecodeErrorKind::LengthPastEnd {
                        length: (auth_length + SEC_TRAILER_LEN) as u64,
                        available: frag_length.saturating_sub(HEADER_LEN),
                    },
                )
            })?;
        r.seek("sec_trailer", trailer_start)?;
        let trailer = SecTrailer::decode(&mut r)?;
        let body_end = trailer_start
            .checked_sub(usize::from(trailer.auth_pad_length))
            .filter(|&end| end >= HEADER_LEN)
            .ok_or_else(|| {
                DecodeError::new(
                    context,
                    "auth_pad_length",
                    trailer_start + 2,
                    DecodeErrorKind::LengthPastEnd {
                        length: trailer.auth_pad_length.into(),
                        available: trailer_start - HEADER_LEN,
                    },
                )
            })?;
        Ok(Self {
            header,
            body: HEADER_LEN..body_end,
            auth: Some((trailer, trailer_start + SEC_TRAILER_LEN..frag_length)),
        })
    }

    /// Where the sec_trailer starts (the end of the padded body).
    pub fn trailer_start(&self) -> Option<usize> {
        self.auth
            .as_ref()
            .map(|(_, value)| value.start - SEC_TRAILER_LEN)
    }
}

/// Appends the padding, sec_trailer and auth_value to a PDU whose header and body are in `w`, measuring the
/// padding from `pad_from`. Returns the ranges of the padding and of auth_value.
pub(crate) fn append_verifier(
    w: &mut Writer,
    pad_from: usize,
    align: usize,
    verifier: &AuthVerifier,
) -> (Range<usize>, Range<usize>) {
    let pad_start = w.len();
    let pad = pad_length(pad_start.saturating_sub(pad_from), align);
    w.zeros(pad);
    SecTrailer {
        auth_type: verifier.auth_type,
        auth_level: verifier.auth_level,
        auth_pad_length: pad as u8,
        auth_context_id: verifier.auth_context_id,
    }
    .encode(w);
    let value_start = w.len();
    w.bytes(&verifier.auth_value);
    (pad_start..pad_start + pad, value_start..w.len())
}
