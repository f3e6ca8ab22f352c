//! Cross-cutting tests: deferral order across nested constructed types, SAMR-shaped structures, and
//! hostile input against composite stubs.

use super::array::{read_elements, read_elements_deferred, wire_count, write_elements};
use super::*;
use crate::codec::{DecodeErrorKind, DecodeResult};
use proptest::prelude::*;

/// `typedef struct { [string, unique] wchar_t *First; [string, unique] wchar_t *Second; } TWO_NAMES;`
#[derive(Clone, Debug, Default, PartialEq)]
struct TwoNames {
    first: Unique<WideString>,
    second: Unique<WideString>,
}

impl Ndr for TwoNames {
    const ALIGN: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(Self::ALIGN);
        self.first.encode_inline(w);
        self.second.encode_inline(w);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.first.encode_deferred(w);
        self.second.encode_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(Self::ALIGN)?;
        Ok(TwoNames {
            first: Unique::decode_inline(r)?,
            second: Unique::decode_inline(r)?,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        self.first.decode_deferred(r)?;
        self.second.decode_deferred(r)
    }
}

/// `typedef struct { TWO_NAMES Names; unsigned short Tag; } OUTER;`: the strings of the embedded
/// structure move past `Tag`, to the end of the outermost structure (C706 14.3.12.3).
#[derive(Clone, Debug, Default, PartialEq)]
struct Outer {
    names: TwoNames,
    tag: u16,
}

impl Ndr for Outer {
    const ALIGN: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(Self::ALIGN);
        self.names.encode_inline(w);
        w.u16(self.tag);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.names.encode_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(Self::ALIGN)?;
        Ok(Outer {
            names: TwoNames::decode_inline(r)?,
            tag: r.u16("Tag")?,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        self.names.decode_deferred(r)
    }
}

fn two_names(a: &str, b: &str) -> TwoNames {
    TwoNames {
        first: Unique::new(WideString::from(a)),
        second: Unique::new(WideString::from(b)),
    }
}

#[test]
fn two_embedded_unique_strings_defer_in_member_order() {
    let v = two_names("a", "bc");
    let stub = to_stub(&v);
    assert_eq!(
        stub,
        [
            0, 0, 2, 0, // First: referent id 0x00020000
            4, 0, 2, 0, // Second: referent id 0x00020004
            2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, // First's string: max 2, offset 0, actual 2
            b'a', 0, 0, 0, // "a" NUL
            3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, // Second's string, aligned to 4 (already)
            b'b', 0, b'c', 0, 0, 0, // "bc" NUL
        ]
    );
    assert_eq!(from_stub::<TwoNames>("TWO_NAMES", &stub).unwrap(), v);
}

#[test]
fn embedded_structure_referents_go_to_the_end_of_the_outermost() {
    let v = Outer {
        names: two_names("x", ""),
        tag: 0x0102,
    };
    let stub = to_stub(&v);
    assert_eq!(
        stub,
        [
            0, 0, 2, 0, 4, 0, 2, 0, // the two ids
            2, 1, // Tag, before any referent
            0, 0, // pad to 4 for the first string's max_count
            2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, b'x', 0, 0, 0, //
            1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
        ]
    );
    assert_eq!(from_stub::<Outer>("OUTER", &stub).unwrap(), v);
}

#[test]
fn null_and_non_null_mixed() {
    let v = TwoNames {
        first: Unique::null(),
        second: Unique::new(WideString::from("")),
    };
    let stub = to_stub(&v);
    assert_eq!(
        stub,
        [
            0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0
        ]
    );
    assert_eq!(from_stub::<TwoNames>("t", &stub).unwrap(), v);
}

/// MS-SAMR 2.2.3.9 `SAMPR_RID_ENUMERATION { unsigned long RelativeId; RPC_UNICODE_STRING Name; }`
#[derive(Clone, Debug, Default, PartialEq)]
struct RidEnumeration {
    relative_id: u32,
    name: RpcUnicodeString,
}

impl Ndr for RidEnumeration {
    const ALIGN: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(Self::ALIGN);
        w.u32(self.relative_id);
        self.name.encode_inline(w);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.name.encode_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(Self::ALIGN)?;
        Ok(RidEnumeration {
            relative_id: r.u32("RelativeId")?,
            name: RpcUnicodeString::decode_inline(r)?,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        self.name.decode_deferred(r)
    }
}

/// MS-SAMR 2.2.3.10 `SAMPR_ENUMERATION_BUFFER { unsigned long EntriesRead;
/// [size_is(EntriesRead)] PSAMPR_RID_ENUMERATION Buffer; }`: the array is a pointer referent, so the
/// stub checks its conformance against `EntriesRead` once the deferred part is read.
#[derive(Clone, Debug, Default, PartialEq)]
struct EnumerationBuffer {
    entries: Option<Vec<RidEnumeration>>,
    entries_read: u32,
}

impl Ndr for EnumerationBuffer {
    const ALIGN: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        w.align(Self::ALIGN);
        let n = self.entries.as_ref().map_or(0, |e| wire_count(e.len()));
        w.u32(n);
        let id = if self.entries.is_some() {
            w.next_referent_id()
        } else {
            0
        };
        w.u32(id);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        if let Some(entries) = &self.entries {
            w.u32(wire_count(entries.len()));
            write_elements(w, entries);
            entries.iter().for_each(|e| e.encode_deferred(w));
        }
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(Self::ALIGN)?;
        let entries_read = r.u32("EntriesRead")?;
        let id = r.u32("Buffer")?;
        Ok(EnumerationBuffer {
            entries: (id != 0).then(Vec::new),
            entries_read,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        if let Some(slot) = &mut self.entries {
            let max_count = r.u32("Buffer max_count")?;
            r.expect_count(
                "Buffer max_count",
                u64::from(self.entries_read),
                u64::from(max_count),
            )?;
            let mut entries = read_elements::<RidEnumeration>(r, "Buffer", max_count)?;
            read_elements_deferred(r, "Buffer", &mut entries)?;
            *slot = entries;
        }
        Ok(())
    }
}

#[test]
fn samr_enumeration_buffer_layout() {
    let buf = EnumerationBuffer {
        entries_read: 2,
        entries: Some(vec![
            RidEnumeration {
                relative_id: 0,
                name: RpcUnicodeString::new("AB").unwrap(),
            },
            RidEnumeration {
                relative_id: 1,
                name: RpcUnicodeString::new("Builtin").unwrap(),
            },
        ]),
    };
    // A top-level [out] PSAMPR_ENUMERATION_BUFFER*: unique pointer to the structure.
    let top = Unique::new(buf.clone());
    let stub = to_stub(&top);
    let mut expected = vec![
        0, 0, 2, 0, // top-level pointer
        2, 0, 0, 0, 4, 0, 2, 0, // EntriesRead, Buffer id
        2, 0, 0, 0, // array max_count
        0, 0, 0, 0, 4, 0, 4, 0, 8, 0, 2, 0, // entry 0: RelativeId, Name (ids in order)
        1, 0, 0, 0, 14, 0, 14, 0, 12, 0, 2, 0, // entry 1
        2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, b'A', 0, b'B', 0, // entry 0's name
        7, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0,
    ];
    for c in "Builtin".bytes() {
        expected.extend([c, 0]);
    }
    assert_eq!(stub, expected);
    assert_eq!(
        from_stub::<Unique<EnumerationBuffer>>("t", &stub).unwrap(),
        top
    );

    // EntriesRead lies about the array's conformance.
    let mut lying = stub.clone();
    lying[4] = 3;
    let e = from_stub::<Unique<EnumerationBuffer>>("t", &lying).unwrap_err();
    assert_eq!(e.field, "Buffer max_count");
}

#[test]
fn truncation_at_every_length_never_panics() {
    let stubs = [
        to_stub(&Outer {
            names: two_names("ab", "cde"),
            tag: 3,
        }),
        to_stub(&Unique::new(EnumerationBuffer {
            entries_read: 1,
            entries: Some(vec![RidEnumeration {
                relative_id: 5,
                name: RpcUnicodeString::new("x").unwrap(),
            }]),
        })),
    ];
    for n in 0..stubs[0].len() {
        assert!(from_stub::<Outer>("t", &stubs[0][..n]).is_err(), "{n}");
    }
    for n in 0..stubs[1].len() {
        assert!(
            from_stub::<Unique<EnumerationBuffer>>("t", &stubs[1][..n]).is_err(),
            "{n}"
        );
    }
}

#[test]
fn lying_max_count_in_nested_array_is_refused() {
    let mut stub = vec![0, 0, 2, 0, 0xff, 0xff, 0xff, 0x0f, 4, 0, 2, 0];
    stub.extend([0xff, 0xff, 0xff, 0x0f]);
    stub.extend([0u8; 32]);
    let mut r = NdrReader::new("t", &stub);
    let e = decode_top::<Unique<EnumerationBuffer>>(&mut r).unwrap_err();
    assert!(matches!(
        e.kind,
        DecodeErrorKind::LengthPastEnd { .. } | DecodeErrorKind::Limit { .. }
    ));
}

#[test]
fn deep_nesting_through_arrays_is_refused() {
    // ConformantArray<ConformantArray<...>>: each level is max_count 1; 200 levels deep.
    type Nest = ConformantArray<ConformantArray<ConformantArray<ConformantArray<u8>>>>;
    let stub: Vec<u8> = std::iter::repeat_n([1, 0, 0, 0], 3)
        .flatten()
        .chain([1, 0, 0, 0, 9])
        .collect();
    assert!(from_stub::<Nest>("t", &stub).is_ok());
    let mut r = NdrReader::with_limits("t", &stub, 3, 1000);
    assert_eq!(
        decode_top::<Nest>(&mut r).unwrap_err().kind,
        DecodeErrorKind::TooDeep { max: 3 }
    );
}

#[test]
fn trailing_garbage_is_refused_by_from_stub() {
    let mut stub = to_stub(&7u32);
    stub.push(1);
    assert!(from_stub::<u32>("t", &stub).is_err());
}

fn opt_string() -> impl Strategy<Value = Unique<WideString>> {
    proptest::option::of("\\PC{0,12}".prop_filter("no NUL", |s: &String| !s.contains('\0')))
        .prop_map(|s| Unique(s.map(WideString)))
}

proptest! {
    #[test]
    fn pointer_structs_round_trip(
        first in opt_string(),
        second in opt_string(),
        tag in any::<u16>(),
        names in proptest::collection::vec("\\PC{0,6}", 0..5),
    ) {
        let outer = Outer { names: TwoNames { first, second }, tag };
        prop_assert_eq!(from_stub::<Outer>("t", &to_stub(&outer)).unwrap(), outer);

        let entries: Vec<RidEnumeration> = names
            .iter()
            .enumerate()
            .map(|(i, n)| RidEnumeration {
                relative_id: i as u32,
                name: RpcUnicodeString::new(n).unwrap(),
            })
            .collect();
        let buf = Unique::new(EnumerationBuffer { entries_read: entries.len() as u32, entries: Some(entries) });
        prop_assert_eq!(from_stub::<Unique<EnumerationBuffer>>("t", &to_stub(&buf)).unwrap(), buf);
    }

    #[test]
    fn hostile_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..96)) {
        let _ = from_stub::<Outer>("t", &data);
        let _ = from_stub::<Unique<EnumerationBuffer>>("t", &data);
        let _ = from_stub::<Full<ConformantArray<Full<u32>>>>("t", &data);
    }

    #[test]
    fn flipped_bytes_never_panic(idx in 0usize..64, val in any::<u8>()) {
        let mut stub = to_stub(&Outer { names: two_names("abc", "de"), tag: 1 });
        if let Some(b) = stub.get_mut(idx) {
            *b = val;
        }
        let _ = from_stub::<Outer>("t", &stub);
    }
}

/// `struct { [unique] [ptr] long **Inner; [ptr] long *Outer; }` with both full pointers aimed at one
/// value: the referent travels with whichever full pointer is reached first in deferred order (here the
/// one inside `Inner`'s referent), and the later alias is decoded again from there.
#[derive(Debug, Default, PartialEq)]
struct AliasAcrossLevels {
    inner: Unique<Full<u32>>,
    outer: Full<u32>,
}

impl Ndr for AliasAcrossLevels {
    const ALIGN: usize = 4;
    fn encode_inline(&self, w: &mut NdrWriter) {
        self.inner.encode_inline(w);
        self.outer.encode_inline(w);
    }
    fn encode_deferred(&self, w: &mut NdrWriter) {
        self.inner.encode_deferred(w);
        self.outer.encode_deferred(w);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(AliasAcrossLevels {
            inner: Unique::decode_inline(r)?,
            outer: Full::decode_inline(r)?,
        })
    }
    fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
        self.inner.decode_deferred(r)?;
        self.outer.decode_deferred(r)
    }
}

#[test]
fn full_pointer_referent_goes_with_first_deferred_occurrence() {
    let shared = std::sync::Arc::new(42u32);
    let v = AliasAcrossLevels {
        inner: Unique::new(Full::from_arc(shared.clone())),
        outer: Full::from_arc(shared),
    };
    let stub = to_stub(&v);
    assert_eq!(
        stub,
        [
            0, 0, 2, 0, // Inner (unique)
            4, 0, 2, 0, // Outer (full, id 0x20004)
            4, 0, 2, 0, // Inner's referent: the full pointer, same id
            42, 0, 0, 0, // the shared long, written once
        ]
    );
    let back = from_stub::<AliasAcrossLevels>("t", &stub).unwrap();
    assert_eq!(back, v);
    assert_eq!(back.outer.get(), Some(&42));
}
