//! The two MS-SAMR calls the Samba interop test makes, as NDR stubs: enough to prove our RPC layer against
//! a server we did not write. MS-SAMR is not part of rwmi, so these live with the test.

use rwmi_core::ndr::{
    ConformantArray, ContextHandle, Ndr, NdrReader, NdrWriter, RpcUnicodeString, Unique, decode_top,
};
use rwmi_core::rpc::SyntaxId;
use rwmi_core::{DecodeResult, Guid};

/// MS-SAMR 1.9: 12345778-1234-abcd-ef00-0123456789ac v1.0.
pub const SAMR: SyntaxId = SyntaxId::new(
    Guid::from_u128(0x12345778_1234_abcd_ef00_0123456789ac),
    1,
    0,
);
pub const SAMR_CONNECT: u16 = 0;
pub const SAMR_ENUMERATE_DOMAINS: u16 = 6;
/// SAM_SERVER_ENUMERATE_DOMAINS | SAM_SERVER_CONNECT (MS-SAMR 2.2.1.3).
const DESIRED_ACCESS: u32 = 0x0000_0010 | 0x0000_0001;

/// SamrConnect: a null ServerName (a unique pointer to one wchar_t) and the access mask.
pub fn connect_request() -> Vec<u8> {
    let mut w = NdrWriter::new();
    w.u32(0);
    w.u32(DESIRED_ACCESS);
    w.into_vec()
}

/// The server handle and the NTSTATUS.
pub fn connect_response(stub: &[u8]) -> DecodeResult<(ContextHandle, u32)> {
    let mut r = NdrReader::new("SamrConnect response", stub);
    let handle = decode_top(&mut r)?;
    Ok((handle, r.u32("status")?))
}

pub fn enumerate_domains_request(handle: &ContextHandle) -> Vec<u8> {
    let mut w = NdrWriter::new();
    rwmi_core::ndr::encode_top(&mut w, handle);
    w.u32(0); // EnumerationContext
    w.u32(0xffff_ffff); // PreferedMaximumLength
    w.into_vec()
}

/// SAMPR_RID_ENUMERATION (MS-SAMR 2.2.3.9).
#[derive(Debug, Default, Clone, PartialEq)]
struct RidEnumeration {
    relative_id: u32,
    name: RpcUnicodeString,
}

impl Ndr for RidEnumeration {
    const ALIGN: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(4);
        w.u32(self.relative_id);
        self.name.encode_inline(w);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.name.encode_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        Ok(RidEnumeration {
            relative_id: r.u32("RelativeId")?,
            name: RpcUnicodeString::decode_inline(r)?,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        self.name.decode_deferred(r)
    }
}

/// SAMPR_ENUMERATION_BUFFER (MS-SAMR 2.2.3.10).
#[derive(Debug, Default, Clone, PartialEq)]
struct EnumerationBuffer {
    entries_read: u32,
    buffer: Unique<ConformantArray<RidEnumeration>>,
}

impl Ndr for EnumerationBuffer {
    const ALIGN: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(4);
        w.u32(self.entries_read);
        self.buffer.encode_inline(w);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.buffer.encode_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        Ok(EnumerationBuffer {
            entries_read: r.u32("EntriesRead")?,
            buffer: Unique::decode_inline(r)?,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        self.buffer.decode_deferred(r)
    }
}

/// The domain names and the NTSTATUS.
pub fn enumerate_domains_response(stub: &[u8]) -> DecodeResult<(Vec<String>, u32)> {
    let mut r = NdrReader::new("SamrEnumerateDomainsInSamServer response", stub);
    let _context = r.u32("EnumerationContext")?;
    let buffer: Unique<EnumerationBuffer> = decode_top(&mut r)?;
    let _count = r.u32("CountReturned")?;
    let status = r.u32("status")?;
    let names = buffer
        .as_ref()
        .and_then(|b| b.buffer.as_ref())
        .map(|entries| {
            entries
                .0
                .iter()
                .map(|e| e.name.as_str().to_string())
                .collect()
        })
        .unwrap_or_default();
    Ok((names, status))
}
