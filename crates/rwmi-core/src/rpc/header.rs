//! The 16-byte common header of every connection-oriented PDU (C706 12.6.1).

use crate::codec::{DecodeError, DecodeErrorKind, DecodeResult, Reader, Writer};

/// The size of the common header.
pub const HEADER_LEN: usize = 16;

/// Byte offsets of header fields, used to point errors at the right place.
pub(crate) const OFFSET_PTYPE: usize = 2;
pub(crate) const OFFSET_PFC_FLAGS: usize = 3;
pub(crate) const OFFSET_DREP: usize = 4;
pub(crate) const OFFSET_FRAG_LENGTH: usize = 8;
pub(crate) const OFFSET_AUTH_LENGTH: usize = 10;
pub(crate) const OFFSET_CALL_ID: usize = 12;

/// rpc_vers / rpc_vers_minor: only 5.0 is recognised (MS-RPCE 3.3.1.5.1).
pub const RPC_VERS: u8 = 5;
pub const RPC_VERS_MINOR: u8 = 0;

/// Little-endian integers, ASCII characters, IEEE floats (C706 14.1): the only data representation this
/// crate reads or writes, because every decoder above the PDU layer is little-endian.
pub const DREP_LITTLE_ENDIAN_ASCII_IEEE: [u8; 4] = [0x10, 0, 0, 0];

/// The size of the sec_trailer that precedes auth_value (MS-RPCE 2.2.2.11).
pub const SEC_TRAILER_LEN: usize = 8;

/// PTYPE values of connection-oriented PDUs (C706 12.6.4; rpc_auth_3 from MS-RPCE 2.2.2.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PacketType {
    Request = 0,
    Response = 2,
    Fault = 3,
    Bind = 11,
    BindAck = 12,
    BindNak = 13,
    AlterContext = 14,
    AlterContextResp = 15,
    Auth3 = 16,
    Shutdown = 17,
    CoCancel = 18,
    Orphaned = 19,
}

impl PacketType {
    /// Connectionless-only types (ping, working, ...) are refused: they never appear on a connection.
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::Request,
            2 => Self::Response,
            3 => Self::Fault,
            11 => Self::Bind,
            12 => Self::BindAck,
            13 => Self::BindNak,
            14 => Self::AlterContext,
            15 => Self::AlterContextResp,
            16 => Self::Auth3,
            17 => Self::Shutdown,
            18 => Self::CoCancel,
            19 => Self::Orphaned,
            _ => return None,
        })
    }

    /// The name errors use for a PDU of this type.
    pub fn name(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
            Self::Fault => "fault",
            Self::Bind => "bind",
            Self::BindAck => "bind_ack",
            Self::BindNak => "bind_nak",
            Self::AlterContext => "alter_context",
            Self::AlterContextResp => "alter_context_resp",
            Self::Auth3 => "rpc_auth_3",
            Self::Shutdown => "shutdown",
            Self::CoCancel => "co_cancel",
            Self::Orphaned => "orphaned",
        }
    }

    /// Whether 0x04 in pfc_flags means PFC_SUPPORT_HEADER_SIGN rather than PFC_PENDING_CANCEL
    /// (MS-RPCE 2.2.2.3).
    pub fn flag_0x04_is_header_sign(self) -> bool {
        matches!(
            self,
            Self::Bind | Self::BindAck | Self::AlterContext | Self::AlterContextResp | Self::Auth3
        )
    }
}

/// pfc_flags (C706 12.6.3.1, MS-RPCE 2.2.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct PfcFlags(pub u8);

impl PfcFlags {
    pub const FIRST_FRAG: u8 = 0x01;
    pub const LAST_FRAG: u8 = 0x02;
    /// In request, response, fault and the cancel PDUs.
    pub const PENDING_CANCEL: u8 = 0x04;
    /// The same bit in bind, bind_ack, alter_context, alter_context_resp and rpc_auth_3.
    pub const SUPPORT_HEADER_SIGN: u8 = 0x04;
    pub const CONC_MPX: u8 = 0x10;
    pub const DID_NOT_EXECUTE: u8 = 0x20;
    pub const MAYBE: u8 = 0x40;
    pub const OBJECT_UUID: u8 = 0x80;

    /// A whole message in one fragment.
    pub const SINGLE_FRAGMENT: PfcFlags = PfcFlags(Self::FIRST_FRAG | Self::LAST_FRAG);

    pub fn contains(self, bits: u8) -> bool {
        self.0 & bits == bits
    }

    pub fn with(self, bits: u8) -> Self {
        Self(self.0 | bits)
    }

    pub fn without(self, bits: u8) -> Self {
        Self(self.0 & !bits)
    }

    pub fn is_first(self) -> bool {
        self.contains(Self::FIRST_FRAG)
    }

    pub fn is_last(self) -> bool {
        self.contains(Self::LAST_FRAG)
    }
}

/// The common header as read from the wire. rpc_vers, rpc_vers_minor and drep are not kept: decoding refuses
/// any value but the one this crate writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommonHeader {
    pub ptype: PacketType,
    pub pfc_flags: PfcFlags,
    pub frag_length: u16,
    pub auth_length: u16,
    pub call_id: u32,
}

impl CommonHeader {
    /// Reads the 16 header bytes and checks version, drep and packet type. Lengths are checked against each
    /// other by [`fragment_length`]; a decoder of a whole fragment checks them against the buffer.
    pub fn decode(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let vers = r.u8("rpc_vers")?;
        if vers != RPC_VERS {
            return Err(bad(r, "rpc_vers", 1, vers.into()));
        }
        let minor = r.u8("rpc_vers_minor")?;
        if minor != RPC_VERS_MINOR {
            return Err(bad(r, "rpc_vers_minor", 1, minor.into()));
        }
        let ptype_raw = r.u8("ptype")?;
        let ptype =
            PacketType::from_u8(ptype_raw).ok_or_else(|| bad(r, "ptype", 1, ptype_raw.into()))?;
        r.set_context(ptype.name());
        let pfc_flags = PfcFlags(r.u8("pfc_flags")?);
        let drep = r.array::<4>("drep")?;
        // C706 14.1: byte 0 high nibble = integer order, low nibble = character set; byte 1 = float format.
        if drep[0] != DREP_LITTLE_ENDIAN_ASCII_IEEE[0]
            || drep[1] != DREP_LITTLE_ENDIAN_ASCII_IEEE[1]
        {
            return Err(DecodeError::new(
                r.context(),
                "drep",
                OFFSET_DREP,
                DecodeErrorKind::Invalid(
                    "only little-endian integers, ASCII characters and IEEE floats are supported",
                ),
            ));
        }
        Ok(Self {
            ptype,
            pfc_flags,
            frag_length: r.u16("frag_length")?,
            auth_length: r.u16("auth_length")?,
            call_id: r.u32("call_id")?,
        })
    }

    pub fn encode(&self, w: &mut Writer) {
        w.u8(RPC_VERS);
        w.u8(RPC_VERS_MINOR);
        w.u8(self.ptype as u8);
        w.u8(self.pfc_flags.0);
        w.bytes(&DREP_LITTLE_ENDIAN_ASCII_IEEE);
        w.u16(self.frag_length);
        w.u16(self.auth_length);
        w.u32(self.call_id);
    }
}

/// An error about a field that has just been read (`width` bytes ago).
fn bad(r: &Reader<'_>, field: &'static str, width: usize, value: u64) -> DecodeError {
    DecodeError::new(
        r.context(),
        field,
        r.position().saturating_sub(width),
        DecodeErrorKind::BadValue { value },
    )
}

/// From the first 16 bytes of a fragment, how many bytes the whole fragment has, so that a transport reads
/// exactly one fragment. Refuses lengths that cannot be right or exceed `max_fragment` (the receive size
/// negotiated at bind, or a transport cap before that).
pub fn fragment_length(first_bytes: &[u8], max_fragment: usize) -> DecodeResult<usize> {
    let mut r = Reader::new("pdu header", first_bytes);
    let header = CommonHeader::decode(&mut r)?;
    let frag_length = usize::from(header.frag_length);
    let context = header.ptype.name();
    if frag_length < HEADER_LEN {
        return Err(DecodeError::new(
            context,
            "frag_length",
            OFFSET_FRAG_LENGTH,
            DecodeErrorKind::Invalid("shorter than the 16-byte common header"),
        ));
    }
    if frag_length > max_fragment {
        return Err(DecodeError::new(
            context,
            "frag_length",
            OFFSET_FRAG_LENGTH,
            DecodeErrorKind::Limit {
                limit: "max_fragment",
                value: frag_length as u64,
                max: max_fragment as u64,
            },
        ));
    }
    if header.auth_length != 0
        && usize::from(header.auth_length) + SEC_TRAILER_LEN + HEADER_LEN > frag_length
    {
        return Err(DecodeError::new(
            context,
            "auth_length",
            OFFSET_AUTH_LENGTH,
            DecodeErrorKind::LengthPastEnd {
                length: u64::from(header.auth_length) + SEC_TRAILER_LEN as u64,
                available: frag_length - HEADER_LEN,
            },
        ));
    }
    Ok(frag_length)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIND_HEADER: [u8; 16] = [5, 0, 11, 3, 0x10, 0, 0, 0, 0x48, 0, 0, 0, 1, 0, 0, 0];

    #[test]
    fn header_round_trip() {
        let mut r = Reader::new("t", &BIND_HEADER);
        let h = CommonHeader::decode(&mut r).unwrap();
        assert_eq!(h.ptype, PacketType::Bind);
        assert_eq!(h.pfc_flags, PfcFlags::SINGLE_FRAGMENT);
        assert_eq!(h.frag_length, 0x48);
        assert_eq!(h.call_id, 1);
        let mut w = Writer::new();
        h.encode(&mut w);
        assert_eq!(w.as_slice(), &BIND_HEADER);
    }

    #[test]
    fn fragment_length_checks() {
        assert_eq!(fragment_length(&BIND_HEADER, 5840).unwrap(), 0x48);
        let e = fragment_length(&BIND_HEADER, 0x47).unwrap_err();
        assert_eq!((e.context, e.field), ("bind", "frag_length"));
        assert!(matches!(
            e.kind,
            DecodeErrorKind::Limit {
                limit: "max_fragment",
                ..
            }
        ));

        let mut short = BIND_HEADER;
        short[8] = 15;
        assert_eq!(
            fragment_length(&short, 5840).unwrap_err().field,
            "frag_length"
        );

        let mut auth = BIND_HEADER;
        auth[10] = 0x48 - 16 - 8 + 1;
        assert_eq!(
            fragment_length(&auth, 5840).unwrap_err().field,
            "auth_length"
        );
        auth[10] = 0x48 - 16 - 8;
        assert_eq!(fragment_length(&auth, 5840).unwrap(), 0x48);
    }

    #[test]
    fn refuses_foreign_drep_version_and_ptype() {
        let mut be = BIND_HEADER;
        be[4] = 0x00;
        let e = fragment_length(&be, 5840).unwrap_err();
        assert_eq!(e.field, "drep");
        assert!(e.to_string().contains("drep"));

        let mut v4 = BIND_HEADER;
        v4[0] = 4;
        assert_eq!(fragment_length(&v4, 5840).unwrap_err().field, "rpc_vers");

        let mut minor = BIND_HEADER;
        minor[1] = 1;
        assert_eq!(
            fragment_length(&minor, 5840).unwrap_err().field,
            "rpc_vers_minor"
        );

        for ptype in [1u8, 4, 5, 6, 7, 8, 9, 10, 20, 255] {
            let mut p = BIND_HEADER;
            p[2] = ptype;
            let e = fragment_length(&p, 5840).unwrap_err();
            assert_eq!(e.field, "ptype");
            assert_eq!(
                e.kind,
                DecodeErrorKind::BadValue {
                    value: ptype.into()
                }
            );
        }
    }

    #[test]
    fn truncated_headers_are_errors() {
        for len in 0..HEADER_LEN {
            assert!(fragment_length(&BIND_HEADER[..len], 5840).is_err());
        }
    }
}
