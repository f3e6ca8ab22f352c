//! The fault PDU (C706 12.6.4.7, MS-RPCE 2.2.2.8).

use std::fmt;

use crate::codec::{DecodeResult, Reader, Writer};
use crate::status::{Encoding, StatusKind, lookup_matches};

/// The body of a fault. MS-RPCE 2.2.2.8: the error is always the status field; stub data is ignored on
/// receipt and never sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub alloc_hint: u32,
    pub context_id: u16,
    pub cancel_count: u8,
    /// Bit 0 of the reserved octet: MS-EERR extended error information follows (MS-RPCE 2.2.2.8).
    pub extended_error_present: bool,
    pub status: FaultStatus,
}

impl Fault {
    /// alloc_hint, p_cont_id, cancel_count, reserved, status, reserved2.
    pub const FIXED_LEN: usize = 16;

    pub fn new(context_id: u16, status: u32) -> Self {
        Self {
            alloc_hint: 0,
            context_id,
            cancel_count: 0,
            extended_error_present: false,
            status: FaultStatus(status),
        }
    }

    pub fn decode(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let alloc_hint = r.u32("alloc_hint")?;
        let context_id = r.u16("p_cont_id")?;
        let cancel_count = r.u8("cancel_count")?;
        let reserved = r.u8("reserved")?;
        let status = FaultStatus(r.u32("status")?);
        r.skip("reserved2", 4)?;
        Ok(Self {
            alloc_hint,
            context_id,
            cancel_count,
            extended_error_present: reserved & 1 != 0,
            status,
        })
    }

    pub fn encode(&self, w: &mut Writer) {
        w.u32(self.alloc_hint);
        w.u16(self.context_id);
        w.u8(self.cancel_count);
        w.u8(u8::from(self.extended_error_present));
        w.u32(self.status.0);
        w.u32(0);
    }
}

/// A fault status: an nca_s_* code or a Win32/HRESULT value; displayed with its name when known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FaultStatus(pub u32);

impl FaultStatus {
    /// The status's name from the status table. Kerberos codes are left out: they are small integers
    /// like Win32 codes, and a fault never carries one.
    pub fn name(self) -> Option<&'static str> {
        lookup_matches(self.0)
            .into_iter()
            .find(|m| m.encoding == Encoding::Exact && m.info.kind != StatusKind::Kerberos)
            .map(|m| m.info.name)
    }
}

impl fmt::Display for FaultStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} (0x{:08x})", self.0),
            None => write!(f, "0x{:08x}", self.0),
        }
    }
}
