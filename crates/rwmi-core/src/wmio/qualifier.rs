//! Qualifiers (MS-WMIO 2.2.59 QualifierSet, 2.2.60 Qualifier, 2.2.62 QualifierFlavor).

use crate::codec::{DecodeResult, Reader, Writer};

use super::cim::{CimType, Value};
use super::heap::{self, HeapBuilder, HeapView};
use super::object::DecodeCtx;
use super::{EncodeError, EncodeResult};

/// QualifierFlavor bits (MS-WMIO 2.2.62). Unknown bits are kept as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flavor(pub u8);

impl Flavor {
    pub const PROPAGATE_TO_INSTANCE: u8 = 0x01;
    pub const PROPAGATE_TO_DERIVED_CLASS: u8 = 0x02;
    pub const NOT_OVERRIDABLE: u8 = 0x10;
    pub const ORIGIN_PROPAGATED: u8 = 0x20;
    pub const ORIGIN_SYSTEM: u8 = 0x40;
    pub const AMENDED: u8 = 0x80;

    pub fn propagates_to_instance(self) -> bool {
        self.0 & Self::PROPAGATE_TO_INSTANCE != 0
    }
    pub fn propagates_to_derived_class(self) -> bool {
        self.0 & Self::PROPAGATE_TO_DERIVED_CLASS != 0
    }
    pub fn not_overridable(self) -> bool {
        self.0 & Self::NOT_OVERRIDABLE != 0
    }
    /// The qualifier was inherited rather than declared here.
    pub fn propagated(self) -> bool {
        self.0 & Self::ORIGIN_PROPAGATED != 0
    }
    pub fn system(self) -> bool {
        self.0 & Self::ORIGIN_SYSTEM != 0
    }
    pub fn amended(self) -> bool {
        self.0 & Self::AMENDED != 0
    }
}

/// One qualifier: a name, its flavor, its type and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Qualifier {
    pub name: String,
    pub flavor: Flavor,
    pub cim_type: CimType,
    pub value: Value,
}

impl Qualifier {
    /// A qualifier whose type is that of its (scalar or non-empty array) value.
    pub fn new(name: &str, flavor: u8, value: Value) -> Self {
        let cim_type = match &value {
            Value::Array(items) => CimType::array_of(
                items
                    .first()
                    .and_then(Value::scalar_base)
                    .unwrap_or(super::CimBase::String),
            ),
            v => CimType::scalar(v.scalar_base().unwrap_or(super::CimBase::String)),
        };
        Self {
            name: name.to_owned(),
            flavor: Flavor(flavor),
            cim_type,
            value,
        }
    }

    /// Octets of this qualifier inside a QualifierSet: name, flavor, type, then the value slot.
    pub(crate) fn encoded_len(&self) -> usize {
        4 + 1 + 4 + self.cim_type.slot_size()
    }
}

/// Finds a qualifier by name, case-insensitively as CIM names compare.
pub(crate) fn find<'q>(set: &'q [Qualifier], name: &str) -> Option<&'q Qualifier> {
    set.iter().find(|q| q.name.eq_ignore_ascii_case(name))
}

/// Reads a QualifierSet: an EncodingLength that counts itself, then qualifiers until it is used up.
pub(crate) fn read_set<'a>(
    r: &mut Reader<'a>,
    heap: &HeapView<'a>,
    ctx: &mut DecodeCtx<'_>,
) -> DecodeResult<Vec<Qualifier>> {
    let len = r.u32("QualifierSet.EncodingLength")?;
    let Some(body_len) = len.checked_sub(4) else {
        return Err(r.bad_value("QualifierSet.EncodingLength", u64::from(len)));
    };
    let mut body = r.sub("QualifierSet.EncodingLength", u64::from(body_len))?;
    let mut out = Vec::new();
    while !body.is_empty() {
        // A qualifier set may be shared by many properties; each decoded qualifier counts as work.
        ctx.charge(&body, "Qualifier", std::mem::size_of::<Qualifier>() as u64)?;
        let name_ref = body.u32("QualifierName")?;
        let flavor = body.u8("QualifierFlavor")?;
        let raw_type = body.u32("QualifierType")?;
        let cim_type = CimType::from_u16(raw_type as u16)
            .ok_or_else(|| body.bad_value("QualifierType", u64::from(raw_type)))?;
        let name = heap.name("QualifierName", name_ref, ctx)?;
        let value = heap::read_value(&mut body, cim_type, heap, ctx)?
            .ok_or_else(|| body.invalid("QualifierValue", "qualifier value is null"))?;
        out.push(Qualifier {
            name,
            flavor: Flavor(flavor),
            cim_type,
            value,
        });
    }
    Ok(out)
}

/// Octets `write_set` produces inline (the heap items it adds are not counted).
pub(crate) fn set_len(set: &[Qualifier]) -> usize {
    4 + set.iter().map(Qualifier::encoded_len).sum::<usize>()
}

/// Writes a QualifierSet, placing names and values on `heap` in qualifier order.
pub(crate) fn write_set(
    w: &mut Writer,
    heap: &mut HeapBuilder,
    set: &[Qualifier],
) -> EncodeResult<()> {
    let len = u32::try_from(set_len(set)).map_err(|_| EncodeError::TooLarge {
        what: "QualifierSet",
    })?;
    w.u32(len);
    for q in set {
        let name = heap.string(&q.name, &q.name)?;
        w.u32(name);
        w.u8(q.flavor.0);
        w.u32(u32::from(q.cim_type.to_u16()));
        heap::write_value(w, heap, q.cim_type, &q.value, &q.name)?;
    }
    Ok(())
}

/// Writes a QualifierSet as a heap item of its own (method qualifiers, 2.2.46) and returns its reference.
pub(crate) fn write_set_item(heap: &mut HeapBuilder, set: &[Qualifier]) -> EncodeResult<u32> {
    let at = heap.reserve(set_len(set))?;
    let mut body = Writer::new();
    write_set(&mut body, heap, set)?;
    heap.patch(at, body.as_slice());
    Ok(at)
}
