//! Connection-oriented DCE/RPC PDUs (C706 chapter 12, MS-RPCE 2.2.2): typed bodies, whole-fragment
//! encoding and decoding, the sec_trailer, per-PDU protection, fragmentation and reassembly, and the
//! server's presentation context negotiation, and the traits every call stub implements (`stub`).
//! Sans-I/O: bytes in, bytes out.

pub mod auth;
pub mod bind;
pub mod fault;
pub mod fragment;
pub mod header;
pub mod negotiate;
pub mod request;
pub mod security;
pub mod stub;

#[cfg(test)]
mod tests;

use std::fmt;

pub use auth::{AuthLevel, AuthType, AuthVerifier, FragmentLayout, SecTrailer};
pub use bind::{
    Bind, BindAck, BindNak, BindNakReason, BindTimeFeatures, ContextElement, ContextOutcome,
    ContextResult, NDR20, NDR64, ProtocolVersion, ProviderReason, SyntaxId,
};
pub use fault::{Fault, FaultStatus};
pub use fragment::{CallHeader, Message, Reassembler, fragment_call};
pub use header::{CommonHeader, HEADER_LEN, PacketType, PfcFlags, fragment_length};
pub use negotiate::{BindNegotiation, ServerBindPolicy, negotiate_bind};
pub use request::{Request, Response};
pub use security::{
    PduProtection, ProtectionError, SecuritySettings, build_protected_fragment,
    open_protected_fragment,
};
pub use stub::{Call, Stub};

use crate::codec::{DecodeResult, Reader, Writer};

/// The body of a connection-oriented PDU, by type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pdu {
    Request(Request),
    Response(Response),
    Fault(Fault),
    Bind(Bind),
    BindAck(BindAck),
    BindNak(BindNak),
    AlterContext(Bind),
    AlterContextResp(BindAck),
    /// rpc_auth_3: its 4-byte pad is ignored on receipt (MS-RPCE 2.2.2.10); the token is in the verifier.
    Auth3,
    Shutdown,
    CoCancel,
    Orphaned,
}

impl Pdu {
    pub fn ptype(&self) -> PacketType {
        match self {
            Self::Request(_) => PacketType::Request,
            Self::Response(_) => PacketType::Response,
            Self::Fault(_) => PacketType::Fault,
            Self::Bind(_) => PacketType::Bind,
            Self::BindAck(_) => PacketType::BindAck,
            Self::BindNak(_) => PacketType::BindNak,
            Self::AlterContext(_) => PacketType::AlterContext,
            Self::AlterContextResp(_) => PacketType::AlterContextResp,
            Self::Auth3 => PacketType::Auth3,
            Self::Shutdown => PacketType::Shutdown,
            Self::CoCancel => PacketType::CoCancel,
            Self::Orphaned => PacketType::Orphaned,
        }
    }

    /// Reads the body of a PDU of type `ptype`; `r` starts after the header and ends before any padding.
    fn decode(r: &mut Reader<'_>, ptype: PacketType, flags: PfcFlags) -> DecodeResult<Self> {
        Ok(match ptype {
            PacketType::Request => {
                Self::Request(Request::decode(r, flags.contains(PfcFlags::OBJECT_UUID))?)
            }
            PacketType::Response => Self::Response(Response::decode(r)?),
            PacketType::Fault => Self::Fault(Fault::decode(r)?),
            PacketType::Bind => Self::Bind(Bind::decode(r)?),
            PacketType::BindAck => Self::BindAck(BindAck::decode(r)?),
            PacketType::BindNak => Self::BindNak(BindNak::decode(r)?),
            PacketType::AlterContext => Self::AlterContext(Bind::decode(r)?),
            PacketType::AlterContextResp => Self::AlterContextResp(BindAck::decode(r)?),
            PacketType::Auth3 => {
                r.skip("pad", 4)?;
                Self::Auth3
            }
            PacketType::Shutdown => Self::Shutdown,
            PacketType::CoCancel => Self::CoCancel,
            PacketType::Orphaned => Self::Orphaned,
        })
    }

    fn encode(&self, w: &mut Writer) {
        match self {
            Self::Request(b) => b.encode(w),
            Self::Response(b) => b.encode(w),
            Self::Fault(b) => b.encode(w),
            Self::Bind(b) | Self::AlterContext(b) => b.encode(w),
            Self::BindAck(b) | Self::AlterContextResp(b) => b.encode(w),
            Self::BindNak(b) => b.encode(w),
            Self::Auth3 => w.u32(0),
            Self::Shutdown | Self::CoCancel | Self::Orphaned => {}
        }
    }
}

/// A PDU that does not fit the 16-bit length fields of the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError {
    pub pdu: &'static str,
    pub field: &'static str,
    pub value: usize,
    pub max: usize,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: `{}` would be {} but at most {} fits",
            self.pdu, self.field, self.value, self.max
        )
    }
}

impl std::error::Error for EncodeError {}

/// One whole fragment: header fields the caller chooses, the body, and optional authentication.
/// frag_length, auth_length, auth_pad_length and (for requests) PFC_OBJECT_UUID are derived when encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub call_id: u32,
    pub pfc_flags: PfcFlags,
    pub pdu: Pdu,
    pub auth: Option<AuthVerifier>,
}

impl Packet {
    /// A single-fragment PDU without authentication.
    pub fn new(call_id: u32, pdu: Pdu) -> Self {
        Self {
            call_id,
            pfc_flags: PfcFlags::SINGLE_FRAGMENT,
            pdu,
            auth: None,
        }
    }

    /// Decodes exactly one fragment (`fragment.len()` must equal its frag_length).
    pub fn decode(fragment: &[u8]) -> DecodeResult<Self> {
        let layout = FragmentLayout::locate(fragment)?;
        let header = layout.header;
        let body_bytes = fragment.get(..layout.body.end).unwrap_or_default();
        let mut r = Reader::new(header.ptype.name(), body_bytes);
        r.seek("body", layout.body.start)?;
        let pdu = Pdu::decode(&mut r, header.ptype, header.pfc_flags)?;
        let auth = layout.auth.map(|(trailer, value)| AuthVerifier {
            auth_type: trailer.auth_type,
            auth_level: trailer.auth_level,
            auth_context_id: trailer.auth_context_id,
            auth_value: fragment.get(value).unwrap_or_default().to_vec(),
        });
        Ok(Self {
            call_id: header.call_id,
            pfc_flags: header.pfc_flags,
            pdu,
            auth,
        })
    }

    /// The flags as they go on the wire.
    pub fn wire_flags(&self) -> PfcFlags {
        match &self.pdu {
            Pdu::Request(req) if req.object.is_some() => self.pfc_flags.with(PfcFlags::OBJECT_UUID),
            Pdu::Request(_) => self.pfc_flags.without(PfcFlags::OBJECT_UUID),
            _ => self.pfc_flags,
        }
    }

    /// Encodes the fragment.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let ptype = self.pdu.ptype();
        let flags = self.wire_flags();
        let mut w = Writer::new();
        CommonHeader {
            ptype,
            pfc_flags: flags,
            frag_length: 0,
            auth_length: 0,
            call_id: self.call_id,
        }
        .encode(&mut w);
        self.pdu.encode(&mut w);
        let mut auth_length = 0;
        if let Some(verifier) = &self.auth {
            auth_length = verifier.auth_value.len();
            let (pad_from, align) = match auth::stub_offset(ptype, flags) {
                Some(stub_start) => (stub_start, auth::STUB_PAD_ALIGN),
                None => (0, auth::BODY_PAD_ALIGN),
            };
            auth::append_verifier(&mut w, pad_from, align, verifier);
        }
        let too_long = |field, value| EncodeError {
            pdu: ptype.name(),
            field,
            value,
            max: usize::from(u16::MAX),
        };
        let frag_length = u16::try_from(w.len()).map_err(|_| too_long("frag_length", w.len()))?;
        let auth_length =
            u16::try_from(auth_length).map_err(|_| too_long("auth_length", auth_length))?;
        w.patch_u16(header::OFFSET_FRAG_LENGTH, frag_length);
        w.patch_u16(header::OFFSET_AUTH_LENGTH, auth_length);
        Ok(w.into_vec())
    }

    /// Appends the encoded fragment to `w`.
    pub fn encode(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.bytes(&self.to_bytes()?);
        Ok(())
    }
}

/// Anything that can go wrong opening or building a protected PDU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PduError {
    Decode(crate::codec::DecodeError),
    Encode(EncodeError),
    Protection(ProtectionError),
    /// max_xmit_frag leaves no room for stub bytes after `overhead` bytes of header, fields and verifier.
    FragmentTooSmall {
        max_xmit_frag: u16,
        overhead: usize,
    },
}

impl fmt::Display for PduError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => e.fmt(f),
            Self::Encode(e) => e.fmt(f),
            Self::Protection(e) => e.fmt(f),
            Self::FragmentTooSmall {
                max_xmit_frag,
                overhead,
            } => write!(
                f,
                "max_xmit_frag {max_xmit_frag} leaves no room for stub data after {overhead} bytes of overhead"
            ),
        }
    }
}

impl std::error::Error for PduError {}

impl From<crate::codec::DecodeError> for PduError {
    fn from(e: crate::codec::DecodeError) -> Self {
        Self::Decode(e)
    }
}

impl From<EncodeError> for PduError {
    fn from(e: EncodeError) -> Self {
        Self::Encode(e)
    }
}

impl From<ProtectionError> for PduError {
    fn from(e: ProtectionError) -> Self {
        Self::Protection(e)
    }
}
