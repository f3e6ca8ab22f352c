//! NDR pointers (C706 14.3.10-14.3.12): reference, unique and full.
//!
//! On the wire an embedded pointer is a 4-octet referent id in its container's inline part; its referent
//! follows in the deferred part. Each type here therefore writes/reads only the id in `*_inline` and the
//! referent (its own inline part, then its own deferred part) in `*_deferred`.
//!
//! A top-level `[ref]` parameter has no wire representation at all: stubs pass the referent itself to
//! `encode_top`/`decode_top` instead of wrapping it in [`Ref`].

use std::sync::Arc;

use super::{Ndr, NdrReader, NdrWriter, decode_top, encode_top};
use crate::codec::DecodeResult;

/// Decodes one pointer's referent one nesting level down, charging it to the element budget.
fn decode_referent<T: Ndr>(r: &mut NdrReader<'_>, field: &'static str) -> DecodeResult<T> {
    r.charge(field, 1)?;
    r.nested(field, decode_top::<T>)
}

/// An embedded `[ref]` pointer (C706 14.3.10.1): never null; the id is non-zero and not otherwise
/// interpreted. Decoding requires `T: Default` because the referent is filled in by the deferred pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ref<T>(pub T);

impl<T: Ndr + Default> Ndr for Ref<T> {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        let id = w.next_referent_id();
        w.u32(id);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        encode_top(w, &self.0);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        if r.u32("ref pointer referent id")? == 0 {
            return Err(r.invalid("ref pointer referent id", "a [ref] pointer is null"));
        }
        Ok(Ref(T::default()))
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        self.0 = decode_referent(r, "ref pointer referent")?;
        Ok(())
    }
}

/// A `[unique]` pointer (C706 14.3.10.2; the default for embedded pointers in MS-DCOM, MS-WMI and MS-SAMR
/// IDL): id 0 is null, any other id is followed (deferred) by the referent. Decoding requires
/// `T: Default`: `Some(T::default())` marks a non-null pointer between the inline and deferred passes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unique<T>(pub Option<T>);

impl<T> Unique<T> {
    pub fn new(value: T) -> Self {
        Unique(Some(value))
    }
    pub fn null() -> Self {
        Unique(None)
    }
    pub fn is_null(&self) -> bool {
        self.0.is_none()
    }
    pub fn as_ref(&self) -> Option<&T> {
        self.0.as_ref()
    }
    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<T> From<Option<T>> for Unique<T> {
    fn from(v: Option<T>) -> Self {
        Unique(v)
    }
}

impl<T: Ndr + Default> Ndr for Unique<T> {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        let id = if self.0.is_some() {
            w.next_referent_id()
        } else {
            0
        };
        w.u32(id);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        if let Some(v) = &self.0 {
            encode_top(w, v);
        }
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let id = r.u32("unique pointer referent id")?;
        Ok(Unique((id != 0).then(T::default)))
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        if let Some(slot) = &mut self.0 {
            *slot = decode_referent(r, "unique pointer referent")?;
        }
        Ok(())
    }
}

/// A `[ptr]` full pointer (C706 14.3.10.3, 14.3.11.3): pointers to the same referent share one id and the
/// referent is sent once, with the first such pointer reached in deferred order.
///
/// Encoding identifies "the same referent" by `Arc` identity: clone the `Arc` to alias. Decoding gives
/// every alias its own copy, decoded again from where the referent was first read (see
/// [`NdrReader`]'s budget and depth limits, which make aliasing cycles an error).
#[derive(Clone, Debug, Default)]
pub struct Full<T> {
    value: Option<Arc<T>>,
    /// The id read off the wire, between the inline and deferred passes of decoding.
    wire_id: u32,
}

impl<T> Full<T> {
    pub fn new(value: T) -> Self {
        Self::from_arc(Arc::new(value))
    }
    pub fn from_arc(value: Arc<T>) -> Self {
        Full {
            value: Some(value),
            wire_id: 0,
        }
    }
    pub fn null() -> Self {
        Full {
            value: None,
            wire_id: 0,
        }
    }
    pub fn is_null(&self) -> bool {
        self.value.is_none() && self.wire_id == 0
    }
    pub fn get(&self) -> Option<&T> {
        self.value.as_deref()
    }
    pub fn arc(&self) -> Option<&Arc<T>> {
        self.value.as_ref()
    }
}

impl<T: PartialEq> PartialEq for Full<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Ndr> Ndr for Full<T> {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        let id = match &self.value {
            Some(v) => w.full_pointer_id(Arc::as_ptr(v).cast()),
            None => 0,
        };
        w.u32(id);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        if let Some(v) = &self.value {
            let id = w.full_pointer_id(Arc::as_ptr(v).cast());
            if w.claim_full_referent(id) {
                encode_top(w, v.as_ref());
            }
        }
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let wire_id = r.u32("full pointer referent id")?;
        Ok(Full {
            value: None,
            wire_id,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        if self.wire_id != 0 {
            r.charge("full pointer referent", 1)?;
            let v = r.full_referent(self.wire_id, decode_top::<T>)?;
            self.value = Some(Arc::new(v));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::DecodeErrorKind;

    #[test]
    fn top_level_unique_referent_follows_immediately() {
        let mut w = NdrWriter::new();
        encode_top(&mut w, &Unique::new(7u32));
        encode_top(&mut w, &Unique::<u32>::null());
        encode_top(&mut w, &Unique::new(8u16));
        assert_eq!(
            w.as_slice(),
            &[
                0, 0, 2, 0, 7, 0, 0, 0, //
                0, 0, 0, 0, //
                4, 0, 2, 0, 8, 0
            ]
        );
        let mut r = NdrReader::new("t", w.as_slice());
        assert_eq!(decode_top::<Unique<u32>>(&mut r).unwrap(), Unique::new(7));
        assert_eq!(decode_top::<Unique<u32>>(&mut r).unwrap(), Unique::null());
        assert_eq!(decode_top::<Unique<u16>>(&mut r).unwrap(), Unique::new(8));
        assert!(r.is_empty());
    }

    #[test]
    fn embedded_ref_refuses_null() {
        let mut r = NdrReader::new("t", &[0, 0, 0, 0]);
        let e = decode_top::<Ref<u32>>(&mut r).unwrap_err();
        assert_eq!(e.field, "ref pointer referent id");
        let mut w = NdrWriter::new();
        encode_top(&mut w, &Ref(5u8));
        assert_eq!(w.as_slice(), &[0, 0, 2, 0, 5]);
    }

    /// Two full pointers to one referent: one id, one referent (C706 14.3.11.3).
    #[derive(Debug, Default, PartialEq)]
    struct Pair {
        a: Full<u32>,
        b: Full<u32>,
    }
    impl Ndr for Pair {
        const ALIGN: usize = 4;
        fn encode_inline(&self, w: &mut NdrWriter) {
            self.a.encode_inline(w);
            self.b.encode_inline(w);
        }
        fn encode_deferred(&self, w: &mut NdrWriter) {
            self.a.encode_deferred(w);
            self.b.encode_deferred(w);
        }
        fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
            Ok(Pair {
                a: Full::decode_inline(r)?,
                b: Full::decode_inline(r)?,
            })
        }
        fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
            self.a.decode_deferred(r)?;
            self.b.decode_deferred(r)
        }
    }

    #[test]
    fn full_pointer_aliasing() {
        let shared = Arc::new(42u32);
        let pair = Pair {
            a: Full::from_arc(shared.clone()),
            b: Full::from_arc(shared),
        };
        let mut w = NdrWriter::new();
        encode_top(&mut w, &pair);
        assert_eq!(w.as_slice(), &[0, 0, 2, 0, 0, 0, 2, 0, 42, 0, 0, 0]);
        let mut r = NdrReader::new("t", w.as_slice());
        let back = decode_top::<Pair>(&mut r).unwrap();
        assert_eq!(back, pair);
        assert_eq!(back.b.get(), Some(&42));
        assert!(r.is_empty());
    }

    /// `struct node { [ptr] struct node *next; }` pointing at itself: re-decoding must stop at the cap.
    #[derive(Debug, Default, PartialEq)]
    struct Node {
        next: Full<Node>,
    }
    impl Ndr for Node {
        const ALIGN: usize = 4;
        fn encode_inline(&self, w: &mut NdrWriter) {
            self.next.encode_inline(w);
        }
        fn encode_deferred(&self, w: &mut NdrWriter) {
            self.next.encode_deferred(w);
        }
        fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
            Ok(Node {
                next: Full::decode_inline(r)?,
            })
        }
        fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
            self.next.decode_deferred(r)
        }
    }

    #[test]
    fn full_pointer_cycle_is_an_error() {
        // Top-level [ptr] node*: id 0x20000; its referent's `next` is 0x20000 again.
        let data = [0, 0, 2, 0, 0, 0, 2, 0];
        let mut r = NdrReader::new("t", &data);
        let e = decode_top::<Full<Node>>(&mut r).unwrap_err();
        assert!(matches!(
            e.kind,
            DecodeErrorKind::TooDeep { .. } | DecodeErrorKind::Limit { .. }
        ));
    }

    #[test]
    fn full_pointer_chain_round_trips() {
        let chain = Full::new(Node {
            next: Full::new(Node { next: Full::null() }),
        });
        let mut w = NdrWriter::new();
        encode_top(&mut w, &chain);
        assert_eq!(w.as_slice(), &[0, 0, 2, 0, 4, 0, 2, 0, 0, 0, 0, 0]);
        let mut r = NdrReader::new("t", w.as_slice());
        assert_eq!(decode_top::<Full<Node>>(&mut r).unwrap(), chain);
    }

    #[test]
    fn unique_chain_deeper_than_cap_is_refused() {
        #[derive(Debug, Default)]
        struct Link(Unique<Box<Link>>);
        impl Ndr for Box<Link> {
            const ALIGN: usize = 4;
            fn encode_inline(&self, w: &mut NdrWriter) {
                self.0.encode_inline(w);
            }
            fn encode_deferred(&self, w: &mut NdrWriter) {
                self.0.encode_deferred(w);
            }
            fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
                Ok(Box::new(Link(Unique::decode_inline(r)?)))
            }
            fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
                self.0.decode_deferred(r)
            }
        }
        // 1000 non-null ids in a row: each referent is another link.
        let data: Vec<u8> = std::iter::repeat_n([0, 0, 2, 0], 1000).flatten().collect();
        let mut r = NdrReader::with_limits("t", &data, 16, 1 << 20);
        let e = decode_top::<Box<Link>>(&mut r).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TooDeep { max: 16 });
    }
}
