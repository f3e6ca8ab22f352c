//! NDR 2.0 transfer syntax (C706 chapter 14, with the Microsoft extensions of MS-RPCE 2.2.4), little-endian
//! only: the PDU layer refuses any other data representation before stub data reaches this module.
//!
//! # The model: inline part and deferred part
//!
//! Every NDR type implements [`Ndr`], which splits its representation in two:
//!
//! * the **inline** part: what the type puts where it stands — primitives, the 4-octet referent id of a
//!   pointer, the members of a structure, the elements of an array;
//! * the **deferred** part: the referents of the pointers embedded in it.
//!
//! C706 14.3.12.3 defers the referents of embedded pointers to the end of the *outermost* constructed type
//! that contains them. With the split this happens by itself: a structure's `encode_inline` calls
//! `encode_inline` on each member, and its `encode_deferred` calls `encode_deferred` on each member in the
//! same order. A pointer's inline part is just its id; its deferred part is its referent, written as a new
//! top-level item (referent inline part, then the referent's own deferred part). So for
//!
//! ```text
//! struct S { [string, unique] wchar_t *a; [string, unique] wchar_t *b; };
//! ```
//!
//! the stream is `id(a) id(b) string(a) string(b)`, and if `S` is itself a member of `T`, the two strings
//! move to the end of `T`. Top-level parameters are encoded with [`encode_top`]/[`decode_top`], which run
//! the inline then the deferred part at once: a top-level `[unique]` or `[ptr]` pointer's referent follows
//! its id immediately, before the next parameter. A top-level `[ref]` pointer has no representation: pass
//! the referent itself.
//!
//! Decoding mirrors this. `decode_inline` builds the value with placeholders for pointer referents
//! ([`Unique`] holds `Some(T::default())` for a non-null pointer whose referent has not been read yet), and
//! `decode_deferred` fills them in. That is why pointer referent types must implement `Default`.
//!
//! # Writing a stub
//!
//! Rules for an `impl Ndr`:
//!
//! 1. `ALIGN` is the largest alignment of any member (C706 14.3.2); `encode_inline`/`decode_inline` start
//!    with `align(Self::ALIGN)` (primitives and library types align themselves, so a structure whose first
//!    member already has the structure's alignment may skip it, but aligning twice is harmless).
//! 2. `*_inline` handles every member in IDL order; `*_deferred` calls `*_deferred` on every member that
//!    can contain pointers, in the same order. Members without pointers have nothing deferred.
//! 3. Primitives are read with the named readers (`r.u32("Length")`) so errors say which field failed.
//! 4. A structure whose last member is a conformant array writes that array's `max_count` first: see
//!    [`array::write_conformance`] and [`array::read_conformance`].
//! 5. Recursive types (a list through pointers) get the depth cap for free through the pointer types; a
//!    stub that recurses by itself wraps the recursion in [`NdrReader::nested`].
//!
//! ```
//! use rwmi_core::ndr::{Ndr, NdrReader, NdrWriter, Unique, WideString, decode_top, encode_top};
//! use rwmi_core::DecodeResult;
//!
//! /// typedef struct { unsigned long Id; [string, unique] wchar_t *Name; } NAMED_ITEM;
//! #[derive(Debug, Default, PartialEq)]
//! struct NamedItem {
//!     id: u32,
//!     name: Unique<WideString>,
//! }
//!
//! impl Ndr for NamedItem {
//!     const ALIGN: usize = 4;
//!     fn encode_inline(&self, w: &mut NdrWriter) {
//!         w.align(Self::ALIGN);
//!         w.u32(self.id);
//!         self.name.encode_inline(w); // the referent id only
//!     }
//!     fn encode_deferred(&self, w: &mut NdrWriter) {
//!         self.name.encode_deferred(w); // the string, after everything inline
//!     }
//!     fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
//!         r.align(Self::ALIGN)?;
//!         Ok(NamedItem { id: r.u32("Id")?, name: Unique::decode_inline(r)? })
//!     }
//!     fn decode_deferred(&mut self, r: &mut NdrReader<'_>) -> DecodeResult<()> {
//!         self.name.decode_deferred(r)
//!     }
//! }
//!
//! let item = NamedItem { id: 7, name: Unique::new(WideString::from("ab")) };
//! let mut w = NdrWriter::new();
//! encode_top(&mut w, &item); // a top-level [in] NAMED_ITEM parameter
//! assert_eq!(
//!     w.as_slice(),
//!     &[
//!         7, 0, 0, 0, // Id
//!         0, 0, 2, 0, // Name: referent id 0x00020000
//!         3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, // max_count, offset, actual_count
//!         b'a', 0, b'b', 0, 0, 0, // "ab" and its terminating NUL
//!     ]
//! );
//! let mut r = NdrReader::new("NAMED_ITEM", w.as_slice());
//! assert_eq!(decode_top::<NamedItem>(&mut r).unwrap(), item);
//! ```
//!
//! # Hostile input
//!
//! [`NdrReader`] caps nesting depth and keeps a running budget of elements a stub may make it allocate;
//! every count is checked against the bytes left before anything is reserved for it, and every length,
//! offset and count relation that C706 states (offset + actual_count <= max_count, and so on) is checked.

pub mod array;
mod context_handle;
mod guid;
mod pointer;
mod primitive;
mod reader;
pub mod string;
mod union;
mod writer;

#[cfg(test)]
mod tests;

pub use array::{ConformantArray, ConformantVaryingArray, VaryingArray};
pub use context_handle::ContextHandle;
pub use guid::Guid;
pub use pointer::{Full, Ref, Unique};
pub use primitive::Bool32;
pub use reader::{DEFAULT_MAX_DEPTH, DEFAULT_MAX_ELEMENTS, NdrReader};
pub use string::{AnsiString, RpcUnicodeString, WideString};
pub use union::{Encapsulated, NdrUnion, NonEncapsulated};
pub use writer::{FIRST_REFERENT_ID, NdrWriter};

use crate::codec::DecodeResult;

/// A type with an NDR representation, split into the inline part and the deferred part (the referents of
/// embedded pointers). See the module documentation for the deferral model and an example.
pub trait Ndr: Sized {
    /// The alignment of the inline part: the largest alignment of any primitive in it (C706 14.3.2).
    const ALIGN: usize;

    /// A lower bound on the size of the inline part, used to check an array's count against the bytes
    /// left before allocating. 1 is always safe; larger values make lying counts fail earlier.
    const MIN_WIRE_SIZE: usize = 1;

    /// Writes the inline part, starting with `w.align(Self::ALIGN)`.
    fn encode_inline(&self, w: &mut NdrWriter);

    /// Writes the referents of embedded pointers, in member order. Nothing for pointer-free types.
    fn encode_deferred(&self, _w: &mut NdrWriter) {}

    /// Reads the inline part, leaving placeholders for pointer referents.
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self>;

    /// Reads the referents of embedded pointers into the placeholders `decode_inline` left.
    fn decode_deferred(&mut self, _r: &mut NdrReader<'_>) -> DecodeResult<()> {
        Ok(())
    }
}

/// Encodes a top-level parameter (or a pointer's referent): its inline part, then its deferred part.
pub fn encode_top<T: Ndr>(w: &mut NdrWriter, value: &T) {
    value.encode_inline(w);
    value.encode_deferred(w);
}

/// Decodes a top-level parameter (or a pointer's referent): its inline part, then its deferred part.
pub fn decode_top<T: Ndr>(r: &mut NdrReader<'_>) -> DecodeResult<T> {
    let mut value = T::decode_inline(r)?;
    value.decode_deferred(r)?;
    Ok(value)
}

/// Encodes one value as a whole stub (tests and single-parameter calls).
pub fn to_stub<T: Ndr>(value: &T) -> Vec<u8> {
    let mut w = NdrWriter::new();
    encode_top(&mut w, value);
    w.into_vec()
}

/// Decodes one value from a whole stub and requires that nothing but alignment padding is left over.
pub fn from_stub<T: Ndr>(context: &'static str, stub: &[u8]) -> DecodeResult<T> {
    let mut r = NdrReader::new(context, stub);
    let value = decode_top(&mut r)?;
    end_of_stub(&mut r)?;
    Ok(value)
}

/// Checks that a stub read to its last parameter has nothing left but alignment padding: the PDU layer
/// may leave up to 7 zero octets when the sender padded the stub for the verifier.
pub fn end_of_stub(r: &mut NdrReader<'_>) -> DecodeResult<()> {
    if r.remaining() >= 8 || r.raw().rest().iter().any(|b| *b != 0) {
        return Err(r.invalid("trailing data", "octets left over after the last parameter"));
    }
    Ok(())
}
