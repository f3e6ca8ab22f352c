//! Context handles (C706 Appendix N `ndr_context_handle`; MS-RPCE 2.2.1.1.4): 20 opaque octets, a u32
//! `context_handle_attributes` and a GUID `context_handle_uuid`, aligned to 4.

use super::{Guid, Ndr, NdrReader, NdrWriter};
use crate::codec::DecodeResult;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ContextHandle {
    pub attributes: u32,
    pub uuid: Guid,
}

impl ContextHandle {
    /// The all-zero handle, which a server returns when it closes a handle (and which is never valid as
    /// an `[in]` handle).
    pub const NULL: ContextHandle = ContextHandle {
        attributes: 0,
        uuid: Guid::NIL,
    };

    pub fn is_null(&self) -> bool {
        *self == Self::NULL
    }

    /// The 20 wire octets, which MS-RPCE 2.2.1.1.4 says to treat as one opaque token.
    pub fn to_bytes(&self) -> [u8; 20] {
        let mut out = [0u8; 20];
        out[..4].copy_from_slice(&self.attributes.to_le_bytes());
        out[4..].copy_from_slice(&self.uuid.to_bytes_le());
        out
    }
}

impl Ndr for ContextHandle {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 20;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.u32(self.attributes);
        self.uuid.encode_inline(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(ContextHandle {
            attributes: r.u32("context_handle_attributes")?,
            uuid: Guid::decode_inline(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{from_stub, to_stub};
    use super::*;

    #[test]
    fn layout() {
        let h = ContextHandle {
            attributes: 0,
            uuid: Guid::from_u128(0x00112233_4455_6677_8899_aabbccddeeff),
        };
        let stub = to_stub(&h);
        assert_eq!(
            stub,
            [
                0, 0, 0, 0, // attributes
                0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, // Data1..Data3, little-endian
                0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff // Data4
            ]
        );
        assert_eq!(stub, h.to_bytes());
        assert_eq!(from_stub::<ContextHandle>("t", &stub).unwrap(), h);
        assert!(!h.is_null());
        assert!(ContextHandle::NULL.is_null());
    }

    #[test]
    fn truncated_handle_fails() {
        let stub = [1u8; 20];
        for n in 0..20 {
            assert!(from_stub::<ContextHandle>("t", &stub[..n]).is_err());
        }
    }
}
