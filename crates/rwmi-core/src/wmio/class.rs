//! Classes: the ClassPart (MS-WMIO 2.2.15) with its derivation list, qualifiers, property lookup table,
//! NdTable and ValueTable of defaults, and the `WmiClass` model.

use std::cmp::Ordering;
use std::sync::Arc;

use crate::codec::{DecodeErrorKind, DecodeResult, Reader, Writer};

use super::builder::ClassBuilder;
use super::cim::{CimType, Value};
use super::heap::{self, HeapBuilder, HeapView, NULL_REF};
use super::method::{Method, encode_methods_part};
use super::object::{DecodeCtx, Decoration};
use super::qualifier::{self, Qualifier};
use super::{EncodeError, EncodeResult, len_u32};

/// PropertyType bit saying the property comes from a parent class (MS-WMIO 2.2.32).
const INHERITED: u32 = 0x4000;
/// Octets of a PropertyInfo before its qualifier set (2.2.30).
const PROPERTY_INFO_FIXED: usize = 4 + 2 + 4 + 4;

/// One property of a class, with what PropertyInfo (2.2.30) and the class NdTable/ValueTable say about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub cim_type: CimType,
    /// Declared in a parent class (the Inherited bit, 2.2.32).
    pub inherited: bool,
    /// Position in the class declaration; it indexes the NdTable (2.2.33).
    pub declaration_order: u16,
    /// Where the value sits in a ValueTable (2.2.34).
    pub value_table_offset: u32,
    /// Depth in the derivation chain of the class that declared it, 0 being the top-most class (2.2.35).
    pub class_of_origin: u32,
    pub qualifiers: Vec<Qualifier>,
    /// The class's default value, `None` for a NULL default.
    pub default: Option<Value>,
    /// The default comes from a parent class (NdTable bit 1, 2.2.27).
    pub default_inherited: bool,
}

impl Property {
    pub fn qualifier(&self, name: &str) -> Option<&Qualifier> {
        qualifier::find(&self.qualifiers, name)
    }

    /// Whether the property carries a true `key` qualifier.
    pub fn is_key(&self) -> bool {
        matches!(
            self.qualifier("key").map(|q| &q.value),
            Some(Value::Boolean(true))
        )
    }
}

/// A CIM class. Immutable once made (by decoding or by `ClassBuilder`), because instances are laid out
/// against the exact ClassPart octets it keeps.
#[derive(Debug, Clone)]
pub struct WmiClass {
    pub(super) name: Option<String>,
    pub(super) derivation: Vec<String>,
    pub(super) qualifiers: Vec<Qualifier>,
    /// In declaration order.
    pub(super) properties: Vec<Property>,
    /// Property indices in PropertyLookupTable order (sorted by name).
    pub(super) lookup: Vec<u16>,
    pub(super) methods: Vec<Method>,
    pub(super) parent: Option<Arc<WmiClass>>,
    pub(super) decoration: Option<Decoration>,
    /// ObjectFlags bits beyond class/instance/decoration (the query prototype bits, 2.2.6).
    pub(super) extra_flags: u8,
    pub(super) part_image: Arc<[u8]>,
    pub(super) methods_image: Option<Arc<[u8]>>,
    pub(super) value_table_len: usize,
}

/// Classes are equal when their definitions and ClassPart octets are; the MethodsPart octets are only a
/// record of how the methods were received (an instance's class has none) and do not take part.
impl PartialEq for WmiClass {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.derivation == other.derivation
            && self.qualifiers == other.qualifiers
            && self.properties == other.properties
            && self.lookup == other.lookup
            && self.methods == other.methods
            && self.parent == other.parent
            && self.decoration == other.decoration
            && self.extra_flags == other.extra_flags
            && self.part_image == other.part_image
    }
}

impl WmiClass {
    pub fn builder(name: &str) -> ClassBuilder {
        ClassBuilder::new(name)
    }

    /// The class name (`__CLASS`); empty for the placeholder ParentClass of a class without superclass.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    /// `__SUPERCLASS`: the immediate parent.
    pub fn superclass(&self) -> Option<&str> {
        self.derivation.first().map(String::as_str)
    }

    /// `__DERIVATION`: the parent, its parent, and so on up to the top-most class (2.2.17).
    pub fn derivation(&self) -> &[String] {
        &self.derivation
    }

    /// `__DYNASTY`: the top-most class of the chain.
    pub fn dynasty(&self) -> &str {
        self.derivation.last().map_or(self.name(), String::as_str)
    }

    pub fn qualifiers(&self) -> &[Qualifier] {
        &self.qualifiers
    }

    pub fn qualifier(&self, name: &str) -> Option<&Qualifier> {
        qualifier::find(&self.qualifiers, name)
    }

    /// Properties in declaration order, the order instance values follow.
    pub fn properties(&self) -> &[Property] {
        &self.properties
    }

    /// Property indices (into `properties`) in the order of the PropertyLookupTable.
    pub fn lookup_order(&self) -> &[u16] {
        &self.lookup
    }

    /// Finds a property by name, case-insensitively; returns its index and definition.
    pub fn property(&self, name: &str) -> Option<(usize, &Property)> {
        let by_table = self
            .lookup
            .binary_search_by(|&i| {
                self.properties
                    .get(usize::from(i))
                    .map_or(Ordering::Less, |p| compare_names(&p.name, name))
            })
            .ok()
            .and_then(|pos| self.lookup.get(pos))
            .map(|&i| usize::from(i));
        // A received table need not be sorted; fall back to a scan rather than miss a property.
        let index = by_table.or_else(|| {
            self.properties
                .iter()
                .position(|p| p.name.eq_ignore_ascii_case(name))
        })?;
        self.properties.get(index).map(|p| (index, p))
    }

    pub fn methods(&self) -> &[Method] {
        &self.methods
    }

    pub fn method(&self, name: &str) -> Option<&Method> {
        self.methods
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
    }

    /// The ParentClass part a class object was sent with (2.2.12).
    pub fn parent(&self) -> Option<&Arc<WmiClass>> {
        self.parent.as_ref()
    }

    pub fn decoration(&self) -> Option<&Decoration> {
        self.decoration.as_ref()
    }

    /// The exact ClassPart octets, which instances of this class carry as their CurrentClass.
    pub fn part_image(&self) -> &[u8] {
        &self.part_image
    }

    pub(crate) fn extra_flags(&self) -> u8 {
        self.extra_flags
    }

    pub(crate) fn value_table_len(&self) -> usize {
        self.value_table_len
    }

    /// The MethodsPart octets: as received, or encoded from `methods` for a class that came without one.
    pub(crate) fn methods_image(&self) -> EncodeResult<Arc<[u8]>> {
        match &self.methods_image {
            Some(image) => Ok(image.clone()),
            None => encode_methods_part(&self.methods).map(Arc::from),
        }
    }

    /// A copy carrying the given decoration, for re-sending a class from another server or namespace.
    pub fn with_decoration(&self, decoration: Option<Decoration>) -> WmiClass {
        WmiClass {
            decoration,
            ..self.clone()
        }
    }

    /// Attaches the MethodsPart that followed this ClassPart.
    pub(crate) fn with_methods(
        mut self,
        methods: Vec<Method>,
        methods_image: Arc<[u8]>,
    ) -> WmiClass {
        self.methods = methods;
        self.methods_image = Some(methods_image);
        self
    }

    /// Attaches what the enclosing class object carried around this ClassPart.
    pub(crate) fn complete(
        self,
        parent: Arc<WmiClass>,
        methods: Vec<Method>,
        methods_image: Arc<[u8]>,
        decoration: Option<Decoration>,
        extra_flags: u8,
    ) -> WmiClass {
        let mut this = self.with_methods(methods, methods_image);
        this.parent = Some(parent);
        this.decoration = decoration;
        this.extra_flags = extra_flags;
        this
    }
}

/// The order of the PropertyLookupTable: case-insensitive, then ordinal to break ties.
pub(crate) fn compare_names(a: &str, b: &str) -> Ordering {
    // Compared as iterators: property lookups run per value set, so no allocation here.
    fn fold(s: &str) -> impl Iterator<Item = char> + '_ {
        s.chars().map(|c| c.to_ascii_lowercase())
    }
    fold(a).cmp(fold(b)).then_with(|| a.cmp(b))
}

/// NdTable octets for `count` properties: two bits each, rounded up (2.2.26).
pub(crate) fn nd_table_len(count: usize) -> usize {
    count.div_ceil(4)
}

/// The two NdTable bits of property `index`.
pub(crate) fn nd_bits(nd: &[u8], index: usize) -> u8 {
    nd.get(index / 4)
        .map_or(0, |b| (b >> ((index % 4) * 2)) & 3)
}

pub(crate) fn set_nd_bits(nd: &mut [u8], index: usize, bits: u8) {
    if let Some(b) = nd.get_mut(index / 4) {
        *b |= (bits & 3) << ((index % 4) * 2);
    }
}

/// Takes a unit that starts with an EncodingLength counting itself, returning all its octets.
pub(crate) fn take_counted_unit<'a>(
    r: &mut Reader<'a>,
    field: &'static str,
    min: u32,
) -> DecodeResult<&'a [u8]> {
    let rest = r.rest();
    let len = match rest.get(..4) {
        Some(&[b0, b1, b2, b3]) => u32::from_le_bytes([b0, b1, b2, b3]),
        _ => {
            return Err(r.error(
                field,
                DecodeErrorKind::Truncated {
                    needed: 4,
                    available: rest.len(),
                },
            ));
        }
    };
    if len < min {
        return Err(r.bad_value(field, u64::from(len)));
    }
    r.counted(field, u64::from(len))
}

/// Decodes a ClassPart (2.2.15). The class has no methods, parent or decoration yet.
pub(crate) fn decode_class_part(
    r: &mut Reader<'_>,
    ctx: &mut DecodeCtx<'_>,
) -> DecodeResult<WmiClass> {
    let image = take_counted_unit(r, "ClassHeader.EncodingLength", 13)?;
    let mut p = Reader::new("ClassPart", image);
    p.skip("ClassHeader.EncodingLength", 4)?;
    p.u8("ClassHeader.ReservedOctet")?;
    let name_ref = p.u32("ClassNameRef")?;
    let nd_vt_len = p.u32("NdTableValueTableLength")?;

    let derivation_len = p.u32("DerivationList.EncodingLength")?;
    let derivation_body = derivation_len
        .checked_sub(4)
        .ok_or_else(|| p.bad_value("DerivationList.EncodingLength", u64::from(derivation_len)))?;
    let mut derivation_r = p.sub("DerivationList.EncodingLength", u64::from(derivation_body))?;

    let qualifiers_r = p.clone();
    let qualifier_len = p.u32("ClassQualifierSet.EncodingLength")?;
    let qualifier_body = qualifier_len
        .checked_sub(4)
        .ok_or_else(|| p.bad_value("ClassQualifierSet.EncodingLength", u64::from(qualifier_len)))?;
    p.counted("ClassQualifierSet", u64::from(qualifier_body))?;

    let count = p.u32("PropertyCount")?;
    let max = ctx.limits.max_properties.min(u32::from(u16::MAX));
    if count > max {
        return Err(p.error(
            "PropertyCount",
            DecodeErrorKind::Limit {
                limit: "max_properties",
                value: u64::from(count),
                max: u64::from(max),
            },
        ));
    }
    let count = p.check_count("PropertyCount", u64::from(count), 8)?;
    let mut lookup_r = p.sub("PropertyLookupTable", count as u64 * 8)?;
    let nd_vt = if count == 0 {
        if nd_vt_len != 0 {
            return Err(p.bad_value("NdTableValueTableLength", u64::from(nd_vt_len)));
        }
        &[][..]
    } else {
        p.counted("NdTableValueTableLength", u64::from(nd_vt_len))?
    };
    let nd_len = nd_table_len(count);
    let (nd, value_table) = match (nd_vt.get(..nd_len), nd_vt.get(nd_len..)) {
        (Some(nd), Some(vt)) => (nd, vt),
        _ => return Err(p.bad_value("NdTableValueTableLength", u64::from(nd_vt_len))),
    };
    let heap = HeapView::decode(&mut p, ctx)?;

    let name = heap.string("ClassNameRef", name_ref, ctx)?;
    let mut derivation = Vec::new();
    while !derivation_r.is_empty() {
        derivation.push(heap::read_encoded_string(
            &mut derivation_r,
            "ClassNameEncoding",
            ctx,
        )?);
        // The length that follows each name (2.2.18) is redundant with the string's own terminator.
        derivation_r.u32("ClassNameEncoding.EncodingLength")?;
    }
    let mut qualifiers_r = qualifiers_r;
    let qualifiers = qualifier::read_set(&mut qualifiers_r, &heap, ctx)?;

    let mut by_order: Vec<Option<Property>> = vec![None; count];
    let mut lookup = Vec::with_capacity(count);
    let mut slots = Vec::with_capacity(count);
    for _ in 0..count {
        let name_ref = lookup_r.u32("PropertyNameRef")?;
        let info_ref = lookup_r.u32("PropertyInfoRef")?;
        let name = heap.name("PropertyNameRef", name_ref, ctx)?;
        let mut info = heap.at("PropertyInfoRef", info_ref)?;
        let raw_type = info.u32("PropertyType")?;
        let cim_type = CimType::from_u16((raw_type & !INHERITED) as u16)
            .ok_or_else(|| info.bad_value("PropertyType", u64::from(raw_type)))?;
        let order = info.u16("DeclarationOrder")?;
        let value_table_offset = info.u32("ValueTableOffset")?;
        let class_of_origin = info.u32("ClassOfOrigin")?;
        let prop_qualifiers = qualifier::read_set(&mut info, &heap, ctx)?;
        let slot = by_order
            .get_mut(usize::from(order))
            .filter(|s| s.is_none())
            .ok_or_else(|| info.bad_value("DeclarationOrder", u64::from(order)))?;
        let fits = (value_table_offset as usize)
            .checked_add(cim_type.slot_size())
            .is_some_and(|end| end <= value_table.len());
        if !fits {
            return Err(info.bad_value("ValueTableOffset", u64::from(value_table_offset)));
        }
        slots.push((value_table_offset as usize, cim_type.slot_size()));
        let bits = nd_bits(nd, usize::from(order));
        let default = if bits & 1 == 0 {
            let mut vr = Reader::new("ValueTable", value_table);
            vr.seek("ValueTableOffset", value_table_offset as usize)?;
            heap::read_value(&mut vr, cim_type, &heap, ctx)?
        } else {
            None
        };
        lookup.push(order);
        *slot = Some(Property {
            name,
            cim_type,
            inherited: raw_type & INHERITED != 0,
            declaration_order: order,
            value_table_offset,
            class_of_origin,
            qualifiers: prop_qualifiers,
            default,
            default_inherited: bits & 2 != 0,
        });
    }
    check_slots_disjoint(&mut slots, &p)?;
    // DeclarationOrder values were checked to be distinct and below `count`, so every slot is filled.
    let properties: Vec<Property> = by_order.into_iter().flatten().collect();

    Ok(WmiClass {
        name,
        derivation,
        qualifiers,
        properties,
        lookup,
        methods: Vec::new(),
        parent: None,
        decoration: None,
        extra_flags: 0,
        part_image: Arc::from(image),
        methods_image: None,
        value_table_len: value_table.len(),
    })
}

/// Refuses properties whose ValueTable slots (2.2.34) share octets. Every property owns its slot: an
/// instance writing one value would change another, so such a layout cannot be encoded faithfully.
/// `slots` holds (offset, size) pairs already checked to lie inside the table.
fn check_slots_disjoint(slots: &mut [(usize, usize)], r: &Reader<'_>) -> DecodeResult<()> {
    slots.sort_unstable();
    for pair in slots.windows(2) {
        if let [(start, size), (next, _)] = pair
            && start.saturating_add(*size) > *next
        {
            return Err(r.error(
                "ValueTableOffset",
                DecodeErrorKind::Invalid("property value table slots overlap"),
            ));
        }
    }
    Ok(())
}

/// Encodes a ClassPart with the canonical heap layout of the spec's examples: class name, class qualifier
/// items, then per property (in lookup order) its name, PropertyInfo and qualifier items, then defaults.
pub(crate) fn encode_class_part(
    name: Option<&str>,
    derivation: &[String],
    qualifiers: &[Qualifier],
    properties: &[Property],
    lookup: &[u16],
    value_table_len: usize,
) -> EncodeResult<Vec<u8>> {
    let ordered = lookup
        .iter()
        .map(|&index| properties.get(usize::from(index)))
        .collect::<Option<Vec<&Property>>>()
        .ok_or(EncodeError::Invalid(
            "property lookup index beyond the properties",
        ))?;
    let mut heap = HeapBuilder::new();
    let mut w = Writer::new();
    let len_at = w.placeholder_u32();
    w.u8(0);
    let name_ref = match name {
        Some(n) => heap.string(n, "class name")?,
        None => NULL_REF,
    };
    w.u32(name_ref);
    let nd_len = if properties.is_empty() {
        0
    } else {
        nd_table_len(properties.len())
    };
    w.u32(len_u32(
        "NdTableValueTableLength",
        nd_len + value_table_len,
    )?);

    let derivation_at = w.placeholder_u32();
    for class_name in derivation {
        heap::write_encoded_string(&mut w, class_name, "DerivationList")?;
        w.u32(len_u32(
            "ClassNameEncoding",
            heap::encoded_string_len(class_name),
        )?);
    }
    let derivation_len = len_u32("DerivationList", w.len() - derivation_at)?;
    w.patch_u32(derivation_at, derivation_len);

    qualifier::write_set(&mut w, &mut heap, qualifiers)?;

    w.u32(len_u32("PropertyCount", properties.len())?);
    for p in &ordered {
        let name_ref = heap.string(&p.name, &p.name)?;
        let info_at = heap.reserve(PROPERTY_INFO_FIXED + qualifier::set_len(&p.qualifiers))?;
        let mut info = Writer::new();
        info.u32(u32::from(p.cim_type.to_u16()) | if p.inherited { INHERITED } else { 0 });
        info.u16(p.declaration_order);
        info.u32(p.value_table_offset);
        info.u32(p.class_of_origin);
        qualifier::write_set(&mut info, &mut heap, &p.qualifiers)?;
        heap.patch(info_at, info.as_slice());
        w.u32(name_ref);
        w.u32(info_at);
    }

    if !properties.is_empty() {
        let mut nd = vec![0u8; nd_len];
        let mut value_table = vec![0u8; value_table_len];
        for p in &ordered {
            let mut slot = Writer::new();
            match &p.default {
                Some(v) => heap::write_value(&mut slot, &mut heap, p.cim_type, v, &p.name)?,
                None => heap::fill_slot(&mut slot, p.cim_type, 0xFF),
            }
            let bits = u8::from(p.default.is_none()) | (u8::from(p.default_inherited) << 1);
            set_nd_bits(&mut nd, usize::from(p.declaration_order), bits);
            let start = p.value_table_offset as usize;
            value_table
                .get_mut(start..start.saturating_add(slot.len()))
                .ok_or(EncodeError::Invalid(
                    "property value slot beyond the value table",
                ))?
                .copy_from_slice(slot.as_slice());
        }
        w.bytes(&nd);
        w.bytes(&value_table);
    }
    heap.finish(&mut w)?;
    let len = len_u32("ClassPart", w.len())?;
    w.patch_u32(len_at, len);
    Ok(w.into_vec())
}

/// The ParentClass of a class without superclass: no name, no properties, empty heaps (2.2.11).
pub(crate) fn empty_parent_image() -> EncodeResult<(Vec<u8>, Vec<u8>)> {
    Ok((
        encode_class_part(None, &[], &[], &[], &[], 0)?,
        encode_methods_part(&[])?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wmio::{CimBase, EncodeError, Limits};

    #[test]
    fn nd_table_packs_two_bits_per_property() {
        assert_eq!(nd_table_len(1), 1);
        assert_eq!(nd_table_len(4), 1);
        assert_eq!(nd_table_len(5), 2);
        let mut nd = [0u8; 2];
        set_nd_bits(&mut nd, 0, 3);
        set_nd_bits(&mut nd, 1, 1);
        set_nd_bits(&mut nd, 3, 1);
        set_nd_bits(&mut nd, 4, 2);
        assert_eq!(nd, [0x47, 0x02]);
        assert_eq!(nd_bits(&nd, 2), 0);
        assert_eq!(nd_bits(&nd, 4), 2);
        assert_eq!(nd_bits(&nd, 100), 0);
    }

    #[test]
    fn empty_parent_matches_the_spec_placeholder() {
        let (part, methods) = empty_parent_image().unwrap();
        let expected_part = [
            0x1D, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0x80,
        ];
        assert_eq!(part, expected_part);
        assert_eq!(methods, [0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80]);
    }

    #[test]
    fn builder_lays_out_values_in_declaration_order_and_lookup_by_name() {
        let class = WmiClass::builder("Thing")
            .property("b", CimType::scalar(CimBase::UInt8), vec![], None)
            .property(
                "A",
                CimType::scalar(CimBase::SInt64),
                vec![],
                Some(Value::SInt64(-1)),
            )
            .property("c", CimType::array_of(CimBase::String), vec![], None)
            .build()
            .unwrap();
        let offsets: Vec<u32> = class
            .properties()
            .iter()
            .map(|p| p.value_table_offset)
            .collect();
        assert_eq!(offsets, [0, 1, 9]);
        assert_eq!(class.lookup_order(), [1, 0, 2]);
        assert_eq!(class.property("a").unwrap().0, 1);
        assert_eq!(class.property("C").unwrap().0, 2);
        assert!(class.property("d").is_none());
        let limits = Limits::default();
        let mut ctx = DecodeCtx::new(&limits, None);
        let image = class.part_image().to_vec();
        let decoded = decode_class_part(&mut Reader::new("t", &image), &mut ctx).unwrap();
        assert_eq!(decoded.properties(), class.properties());
        assert_eq!(decoded.name(), "Thing");
    }

    #[test]
    fn duplicate_properties_are_refused() {
        let err = WmiClass::builder("T")
            .property("x", CimType::scalar(CimBase::UInt8), vec![], None)
            .property("X", CimType::scalar(CimBase::UInt8), vec![], None)
            .build()
            .unwrap_err();
        assert_eq!(err, EncodeError::Duplicate { name: "X".into() });
    }

    #[test]
    fn property_count_is_limited() {
        let mut class_part = Writer::new();
        class_part.u32(0);
        class_part.u8(0);
        class_part.u32(NULL_REF);
        class_part.u32(0);
        class_part.u32(4);
        class_part.u32(4);
        class_part.u32(5000);
        let limits = Limits::default();
        let mut ctx = DecodeCtx::new(&limits, None);
        let len = class_part.len() as u32;
        class_part.patch_u32(0, len);
        let err =
            decode_class_part(&mut Reader::new("t", class_part.as_slice()), &mut ctx).unwrap_err();
        assert!(matches!(
            err.kind,
            DecodeErrorKind::Limit {
                limit: "max_properties",
                ..
            }
        ));
    }
}
