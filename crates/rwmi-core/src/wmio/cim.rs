//! The CIM type system as MS-WMIO encodes it (2.2.82 CimType, 2.2.71 EncodedValue).

use std::fmt;

use super::object::WmiObject;

/// A CimBaseType (MS-WMIO 2.2.82); the discriminants are the wire values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CimBase {
    SInt8 = 16,
    UInt8 = 17,
    SInt16 = 2,
    UInt16 = 18,
    SInt32 = 3,
    UInt32 = 19,
    SInt64 = 20,
    UInt64 = 21,
    Real32 = 4,
    Real64 = 5,
    Boolean = 11,
    String = 8,
    DateTime = 101,
    Reference = 102,
    Char16 = 103,
    Object = 13,
}

impl CimBase {
    pub const ALL: [CimBase; 16] = [
        CimBase::SInt8,
        CimBase::UInt8,
        CimBase::SInt16,
        CimBase::UInt16,
        CimBase::SInt32,
        CimBase::UInt32,
        CimBase::SInt64,
        CimBase::UInt64,
        CimBase::Real32,
        CimBase::Real64,
        CimBase::Boolean,
        CimBase::String,
        CimBase::DateTime,
        CimBase::Reference,
        CimBase::Char16,
        CimBase::Object,
    ];

    pub fn from_u16(v: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|b| *b as u16 == v)
    }

    /// Octets of an EncodedValue of this type when it is not an array: numbers, BOOL and CHAR16 inline,
    /// everything else a HeapRef (MS-WMIO 2.2.71).
    pub fn inline_size(self) -> usize {
        match self {
            CimBase::SInt8 | CimBase::UInt8 => 1,
            CimBase::SInt16 | CimBase::UInt16 | CimBase::Boolean | CimBase::Char16 => 2,
            CimBase::SInt64 | CimBase::UInt64 | CimBase::Real64 => 8,
            _ => 4,
        }
    }

    /// The name MOF and the CIMTYPE qualifier use for the type.
    pub fn name(self) -> &'static str {
        match self {
            CimBase::SInt8 => "sint8",
            CimBase::UInt8 => "uint8",
            CimBase::SInt16 => "sint16",
            CimBase::UInt16 => "uint16",
            CimBase::SInt32 => "sint32",
            CimBase::UInt32 => "uint32",
            CimBase::SInt64 => "sint64",
            CimBase::UInt64 => "uint64",
            CimBase::Real32 => "real32",
            CimBase::Real64 => "real64",
            CimBase::Boolean => "boolean",
            CimBase::String => "string",
            CimBase::DateTime => "datetime",
            CimBase::Reference => "ref",
            CimBase::Char16 => "char16",
            CimBase::Object => "object",
        }
    }

    /// Whether the value lives on the heap (strings, references, datetimes, embedded objects).
    pub fn is_heap(self) -> bool {
        matches!(
            self,
            CimBase::String | CimBase::DateTime | CimBase::Reference | CimBase::Object
        )
    }
}

/// A CimType: a base type, optionally with the CimArrayFlag 0x2000 (MS-WMIO 2.2.82).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CimType {
    pub base: CimBase,
    pub array: bool,
}

impl CimType {
    pub const ARRAY_FLAG: u16 = 0x2000;

    pub const fn scalar(base: CimBase) -> Self {
        Self { base, array: false }
    }

    pub const fn array_of(base: CimBase) -> Self {
        Self { base, array: true }
    }

    /// Decodes the low 16 bits of a CimType field; the caller strips other flags (Inherited, 2.2.32).
    pub fn from_u16(v: u16) -> Option<Self> {
        let array = v & Self::ARRAY_FLAG != 0;
        CimBase::from_u16(v & !Self::ARRAY_FLAG).map(|base| Self { base, array })
    }

    pub fn to_u16(self) -> u16 {
        self.base as u16 | if self.array { Self::ARRAY_FLAG } else { 0 }
    }

    /// Octets this type takes in a value table or qualifier: arrays are a HeapRef.
    pub fn slot_size(self) -> usize {
        if self.array {
            4
        } else {
            self.base.inline_size()
        }
    }
}

impl fmt::Display for CimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base.name())?;
        if self.array {
            f.write_str("[]")?;
        }
        Ok(())
    }
}

/// A CIM value. Arrays hold elements of their property's base type; the type travels with the property
/// or qualifier, so an empty array needs no element type of its own.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    SInt8(i8),
    UInt8(u8),
    SInt16(i16),
    UInt16(u16),
    SInt32(i32),
    UInt32(u32),
    SInt64(i64),
    UInt64(u64),
    Real32(f32),
    Real64(f64),
    Boolean(bool),
    String(String),
    /// A CIM datetime string (MS-WMIO 2.3.1), such as `20240101120000.000000+000`.
    DateTime(String),
    /// A CIM object path (MS-WMIO 2.3.2).
    Reference(String),
    Char16(u16),
    Object(Box<WmiObject>),
    Array(Vec<Value>),
}

impl Value {
    /// The base type of a scalar value; `None` for arrays.
    pub fn scalar_base(&self) -> Option<CimBase> {
        Some(match self {
            Value::SInt8(_) => CimBase::SInt8,
            Value::UInt8(_) => CimBase::UInt8,
            Value::SInt16(_) => CimBase::SInt16,
            Value::UInt16(_) => CimBase::UInt16,
            Value::SInt32(_) => CimBase::SInt32,
            Value::UInt32(_) => CimBase::UInt32,
            Value::SInt64(_) => CimBase::SInt64,
            Value::UInt64(_) => CimBase::UInt64,
            Value::Real32(_) => CimBase::Real32,
            Value::Real64(_) => CimBase::Real64,
            Value::Boolean(_) => CimBase::Boolean,
            Value::String(_) => CimBase::String,
            Value::DateTime(_) => CimBase::DateTime,
            Value::Reference(_) => CimBase::Reference,
            Value::Char16(_) => CimBase::Char16,
            Value::Object(_) => CimBase::Object,
            Value::Array(_) => return None,
        })
    }

    /// The value of an integer of any width and sign (i128 holds them all), for printing it in decimal;
    /// `None` for other values.
    pub fn integer(&self) -> Option<i128> {
        Some(match *self {
            Value::SInt8(v) => v.into(),
            Value::UInt8(v) => v.into(),
            Value::SInt16(v) => v.into(),
            Value::UInt16(v) => v.into(),
            Value::SInt32(v) => v.into(),
            Value::UInt32(v) => v.into(),
            Value::SInt64(v) => v.into(),
            Value::UInt64(v) => v.into(),
            _ => return None,
        })
    }

    /// Whether this value can be stored under `ty`.
    pub fn matches(&self, ty: CimType) -> bool {
        match self {
            Value::Array(items) => {
                ty.array && items.iter().all(|v| v.scalar_base() == Some(ty.base))
            }
            scalar => !ty.array && scalar.scalar_base() == Some(ty.base),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::DateTime(s) | Value::Reference(s) => Some(s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_of_every_width_and_nothing_else() {
        assert_eq!(
            Value::UInt64(u64::MAX).integer(),
            Some(i128::from(u64::MAX))
        );
        assert_eq!(
            Value::SInt64(i64::MIN).integer(),
            Some(i128::from(i64::MIN))
        );
        assert_eq!(Value::SInt8(-1).integer(), Some(-1));
        assert_eq!(Value::Real64(1.0).integer(), None);
        assert_eq!(Value::Boolean(true).integer(), None);
        assert_eq!(Value::Char16(65).integer(), None);
    }
}
