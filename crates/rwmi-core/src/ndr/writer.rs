//! The NDR encoding buffer: a `Writer` plus the referent-id generator and full-pointer table of one call.

use std::collections::{HashMap, HashSet};

use crate::codec::Writer;

/// The first referent id Windows hands out in a call; later ids step by 4.
pub const FIRST_REFERENT_ID: u32 = 0x0002_0000;

/// Encodes NDR 2.0 (little-endian) stub data. Alignment is counted from the first byte written, so one
/// `NdrWriter` must hold exactly one stub (C706 14.2.2).
#[derive(Debug)]
pub struct NdrWriter {
    inner: Writer,
    next_referent_id: u32,
    /// Full pointers (C706 14.3.11.3): the id given to each referent address, and which ids have had their
    /// referent written.
    full_ids: HashMap<*const (), u32>,
    full_written: HashSet<u32>,
}

impl Default for NdrWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl NdrWriter {
    pub fn new() -> Self {
        Self {
            inner: Writer::new(),
            next_referent_id: FIRST_REFERENT_ID,
            full_ids: HashMap::new(),
            full_written: HashSet::new(),
        }
    }

    /// The bytes written so far.
    pub fn as_slice(&self) -> &[u8] {
        self.inner.as_slice()
    }

    pub fn len(&self) -> usize {
        self.inner.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    pub fn into_vec(self) -> Vec<u8> {
        self.inner.into_vec()
    }

    /// The underlying buffer, for placeholders and patches.
    pub fn raw(&mut self) -> &mut Writer {
        &mut self.inner
    }

    /// A fresh non-null referent id: 0x00020000, 0x00020004, ... as Windows numbers them.
    pub fn next_referent_id(&mut self) -> u32 {
        let id = self.next_referent_id;
        self.next_referent_id = self.next_referent_id.wrapping_add(4).max(FIRST_REFERENT_ID);
        id
    }

    /// Writes zero octets up to the next multiple of `align` from the start of the stub.
    pub fn align(&mut self, align: usize) {
        self.inner.align(align);
    }

    pub fn u8(&mut self, v: u8) {
        self.inner.u8(v);
    }
    pub fn i8(&mut self, v: i8) {
        self.inner.i8(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.align(2);
        self.inner.u16(v);
    }
    pub fn i16(&mut self, v: i16) {
        self.align(2);
        self.inner.i16(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.align(4);
        self.inner.u32(v);
    }
    pub fn i32(&mut self, v: i32) {
        self.align(4);
        self.inner.i32(v);
    }
    pub fn u64(&mut self, v: u64) {
        self.align(8);
        self.inner.u64(v);
    }
    pub fn i64(&mut self, v: i64) {
        self.align(8);
        self.inner.i64(v);
    }
    pub fn f32(&mut self, v: f32) {
        self.align(4);
        self.inner.f32(v);
    }
    pub fn f64(&mut self, v: f64) {
        self.align(8);
        self.inner.f64(v);
    }

    /// IDL `boolean`: one octet, 1 for TRUE (C706 14.2.3).
    pub fn boolean(&mut self, v: bool) {
        self.u8(u8::from(v));
    }

    /// Windows `BOOL`: 32-bit, 1 for TRUE (MS-DTYP 2.2.3).
    pub fn bool32(&mut self, v: bool) {
        self.u32(u32::from(v));
    }

    /// Raw octets (a `byte` array body), unaligned.
    pub fn bytes(&mut self, b: &[u8]) {
        self.inner.bytes(b);
    }

    /// The referent id for a full pointer to `addr`: the same address always gets the same id.
    pub(crate) fn full_pointer_id(&mut self, addr: *const ()) -> u32 {
        if let Some(id) = self.full_ids.get(&addr) {
            return *id;
        }
        let id = self.next_referent_id();
        self.full_ids.insert(addr, id);
        id
    }

    /// True the first time it is asked about `id`: only then is the referent written.
    pub(crate) fn claim_full_referent(&mut self, id: u32) -> bool {
        self.full_written.insert(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referent_ids_follow_windows() {
        let mut w = NdrWriter::new();
        assert_eq!(w.next_referent_id(), 0x0002_0000);
        assert_eq!(w.next_referent_id(), 0x0002_0004);
        assert_eq!(w.next_referent_id(), 0x0002_0008);
    }

    #[test]
    fn primitives_are_aligned() {
        let mut w = NdrWriter::new();
        w.u8(1);
        w.u16(2);
        w.u32(3);
        w.u64(4);
        w.boolean(true);
        w.bool32(false);
        assert_eq!(
            w.as_slice(),
            &[
                1, 0, 2, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0
            ]
        );
    }

    #[test]
    fn full_ids_are_stable_per_address() {
        let mut w = NdrWriter::new();
        let a = 1u32;
        let b = 2u32;
        let ia = w.full_pointer_id(&a as *const u32 as *const ());
        let ib = w.full_pointer_id(&b as *const u32 as *const ());
        assert_ne!(ia, ib);
        assert_eq!(w.full_pointer_id(&a as *const u32 as *const ()), ia);
        assert!(w.claim_full_referent(ia));
        assert!(!w.claim_full_referent(ia));
    }
}
