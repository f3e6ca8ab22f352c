//! MS-WMIO: the binary encoding of CIM classes and instances that MS-WMI carries.
//!
//! Layout of the module, one concept per file:
//! - `cim`: the CIM type system (`CimType` with its array flag, `Value`).
//! - `heap`: heaps (MS-WMIO 2.2.66), heap references, Encoded-String, the string dictionary, and the
//!   EncodedValue codec that puts a value inline or on a heap.
//! - `qualifier`: qualifiers, flavors and qualifier sets.
//! - `class`: the ClassPart and the `WmiClass` model.
//! - `method`: the MethodsPart and `Method`.
//! - `builder`: `ClassBuilder`, which lays out new classes.
//! - `instance`: the instance part and the `WmiInstance` model (with `__RELPATH` / `__PATH`).
//! - `object`: the top level (EncodingUnit, ObjectBlock, embedded objects, instances without class).
//! - `cache`: a bounded class cache for instances sent without their class (MS-WMI 2.2.14.4).
//! - `json`: instances and objects as JSON text.
//! - `declaration`: a class as MOF-like text (`rwmi decode --class`).
//!
//! Decoding keeps, for every class, the exact octets of its ClassPart and MethodsPart: the spec requires
//! instances to carry a copy of their class's ClassPart (MS-WMIO 2.3.4), and the value layout of an
//! instance is fixed by that copy, so an instance is always encoded against the image it was decoded
//! with. Classes made with `ClassBuilder` get a canonical image when built. Given a `ClassCache`, the decoder
//! recognises a ClassPart it has seen (by its octets) and hands out the same `Arc<WmiClass>` instead of
//! parsing it again, so rows of one class share their property names and types.

mod builder;
mod cache;
mod cim;
mod class;
mod datetime;
mod declaration;
mod heap;
mod instance;
mod json;
mod method;
mod object;
mod qualifier;
mod text;

pub use builder::ClassBuilder;
pub use cache::{ClassCache, SharedClasses};
pub use cim::{CimBase, CimType, Value};
pub use class::{Property, WmiClass};
pub use datetime::{CimDateTime, CimInterval, CimTimestamp};
pub use declaration::class_declaration;
pub use heap::DICTIONARY;
pub use instance::WmiInstance;
pub use json::{ToJson, instance_to_json, json_string, object_to_json, to_json, value_to_json};
pub use method::Method;
pub use object::{
    Decoration, EncodingUnit, ObjectFlags, SIGNATURE, WmiObject, decode_embedded_object,
    decode_encoding_unit, decode_instance_no_class, decode_object_block, encode_instance_no_class,
};
pub use qualifier::{Flavor, Qualifier};
pub use text::parse_value;

use std::fmt;

/// Caps on what a decoder accepts from the network. Exceeding one is a `DecodeErrorKind::Limit` naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Objects embedded in objects (property values, method signatures), counted from the outermost.
    pub max_depth: usize,
    /// Elements in one Encoded-Array.
    pub max_array_count: u32,
    /// Octets in one heap.
    pub max_heap_size: u32,
    /// Properties in one class.
    pub max_properties: u32,
    /// Octets of strings and embedded objects materialised from one encoding in total. Heap items may be
    /// referenced many times; this bounds the work and memory such sharing can cost.
    pub max_decoded_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 8,
            max_array_count: 1 << 20,
            max_heap_size: 64 << 20,
            max_properties: 4096,
            max_decoded_bytes: 256 << 20,
        }
    }
}

/// Why a model could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// A value does not have the type its property or qualifier declares.
    TypeMismatch { what: String, expected: CimType },
    /// Instance values do not line up with the class's properties.
    WrongValueCount { expected: usize, got: usize },
    /// A string holds U+0000, which Encoded-String cannot carry (MS-WMIO 2.2.78).
    InteriorNul { what: String },
    /// A length or offset does not fit its 31- or 32-bit field.
    TooLarge { what: &'static str },
    /// A property or method name occurs twice.
    Duplicate { name: String },
    /// A class builder was given something inconsistent.
    Invalid(&'static str),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::TypeMismatch { what, expected } => {
                write!(f, "{what}: value is not of type {expected}")
            }
            EncodeError::WrongValueCount { expected, got } => {
                write!(
                    f,
                    "instance has {got} values but its class has {expected} properties"
                )
            }
            EncodeError::InteriorNul { what } => write!(f, "{what}: string contains U+0000"),
            EncodeError::TooLarge { what } => write!(f, "{what} does not fit its field"),
            EncodeError::Duplicate { name } => write!(f, "`{name}` is declared twice"),
            EncodeError::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for EncodeError {}

pub type EncodeResult<T> = Result<T, EncodeError>;

/// A length or offset for a 32-bit field.
pub(crate) fn len_u32(what: &'static str, n: usize) -> EncodeResult<u32> {
    u32::try_from(n).map_err(|_| EncodeError::TooLarge { what })
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod spec_examples;
