//! The PDUs that carry a call's stub data: request (C706 12.6.4.9) and response (C706 12.6.4.10).

use crate::codec::{DecodeResult, Reader, Writer};
use crate::guid::Guid;

/// The body of a request fragment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Stub bytes still to come from this fragment on, or 0 (MS-RPCE 2.2.2.6).
    pub alloc_hint: u32,
    pub context_id: u16,
    pub opnum: u16,
    /// Present exactly when pfc_flags has PFC_OBJECT_UUID; the encoder sets that flag from this field.
    pub object: Option<Guid>,
    pub stub: Vec<u8>,
}

impl Request {
    /// alloc_hint, p_cont_id and opnum.
    pub const FIXED_LEN: usize = 8;

    /// The bytes between the common header and the stub.
    pub fn fields_len(has_object: bool) -> usize {
        Self::FIXED_LEN + if has_object { Guid::WIRE_LEN } else { 0 }
    }

    /// Reads the body; `r` ends where the stub ends (before any auth padding).
    pub fn decode(r: &mut Reader<'_>, has_object: bool) -> DecodeResult<Self> {
        let alloc_hint = r.u32("alloc_hint")?;
        let context_id = r.u16("p_cont_id")?;
        let opnum = r.u16("opnum")?;
        let object = if has_object {
            Some(Guid::decode(r, "object")?)
        } else {
            None
        };
        Ok(Self {
            alloc_hint,
            context_id,
            opnum,
            object,
            stub: r.rest().to_vec(),
        })
    }

    pub fn encode(&self, w: &mut Writer) {
        self.encode_fields(w);
        w.bytes(&self.stub);
    }

    /// Everything but the stub, for the fragmenter.
    pub(crate) fn encode_fields(&self, w: &mut Writer) {
        w.u32(self.alloc_hint);
        w.u16(self.context_id);
        w.u16(self.opnum);
        if let Some(object) = &self.object {
            object.encode(w);
        }
    }
}

/// The body of a response fragment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub alloc_hint: u32,
    pub context_id: u16,
    pub cancel_count: u8,
    pub stub: Vec<u8>,
}

impl Response {
    /// alloc_hint, p_cont_id, cancel_count and reserved.
    pub const FIXED_LEN: usize = 8;

    pub fn decode(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let alloc_hint = r.u32("alloc_hint")?;
        let context_id = r.u16("p_cont_id")?;
        let cancel_count = r.u8("cancel_count")?;
        r.skip("reserved", 1)?;
        Ok(Self {
            alloc_hint,
            context_id,
            cancel_count,
            stub: r.rest().to_vec(),
        })
    }

    pub fn encode(&self, w: &mut Writer) {
        self.encode_fields(w);
        w.bytes(&self.stub);
    }

    pub(crate) fn encode_fields(&self, w: &mut Writer) {
        w.u32(self.alloc_hint);
        w.u16(self.context_id);
        w.u8(self.cancel_count);
        w.u8(0);
    }
}
