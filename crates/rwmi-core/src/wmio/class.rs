//! Classes: the ClassPart (MS-WMIO 2.2.15), the MethodsPart (2.2.38), the `WmiClass` model, and a builder
//! that lays out new classes the way the spec's examples do.

use std::cmp::Ordering;
use std::sync::Arc;

use crate::codec::{DecodeErrorKind, DecodeResult, Reader, Writer};

use super::cim::{CimBase, CimType, Value};
use super::heap::{self, HeapBuilder, HeapView, NULL_REF};
use super::object::{self, DecodeCtx, Decoration, WmiObject};
use super::qualifier::{self, Flavor, Qualifier};
use super::{EncodeError, EncodeResult};

/// PropertyType bit saying the property comes from a parent class (MS-WMIO 2.2.32).
const INHERITED: u32 = 0x4000;
/// MethodFlags bit for a method inherited from the parent class (MS-WMIO 2.2.43).
const METHOD_INHERITED: u8 = 0x20;
/// Octets of a PropertyInfo before its qualifier set (2.2.30).
const PROPERTY_INFO_FIXED: usize = 4 + 2 + 4 + 4;
/// Octets of a MethodDescription (2.2.41).
const METHOD_DESCRIPTION: usize = 4 + 1 + 3 + 4 + 4 + 4 + 4;

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

/// One method (MS-WMIO 2.2.41) with its parameters as `__PARAMETERS` classes (2.3.3).
#[derive(Debug, Clone, PartialEq)]
pub struct Method {
    pub name: String,
    /// MethodFlags; 0x20 marks a method inherited from the parent class.
    pub flags: u8,
    /// Depth in the derivation chain of the class that declared it (2.2.45).
    pub origin: u32,
    pub qualifiers: Vec<Qualifier>,
    pub input: Option<Arc<WmiClass>>,
    pub output: Option<Arc<WmiClass>>,
}

/// A CIM class. Immutable once made (by decoding or by `ClassBuilder`), because instances are laid out
/// against the exact ClassPart octets it keeps.
#[derive(Debug, Clone)]
pub struct WmiClass {
    name: Option<String>,
    derivation: Vec<String>,
    qualifiers: Vec<Qualifier>,
    /// In declaration order.
    properties: Vec<Property>,
    /// Property indices in PropertyLookupTable order (sorted by name).
    lookup: Vec<u16>,
    methods: Vec<Method>,
    parent: Option<Arc<WmiClass>>,
    decoration: Option<Decoration>,
    /// ObjectFlags bits beyond class/instance/decoration (the query prototype bits, 2.2.6).
    extra_flags: u8,
    part_image: Arc<[u8]>,
    methods_image: Option<Arc<[u8]>>,
    value_table_len: usize,
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
fn compare_names(a: &str, b: &str) -> Ordering {
    let fold = |s: &str| {
        s.chars()
            .map(|c| c.to_ascii_lowercase())
            .collect::<Vec<_>>()
    };
    fold(a).cmp(&fold(b)).then_with(|| a.cmp(b))
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
        Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        None => {
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

/// Decodes a MethodsPart (2.2.38), returning the methods and the part's octets.
pub(crate) fn decode_methods_part<'a>(
    r: &mut Reader<'a>,
    ctx: &mut DecodeCtx<'_>,
) -> DecodeResult<(Vec<Method>, &'a [u8])> {
    let image = take_counted_unit(r, "MethodsPart.EncodingLength", 12)?;
    let mut m = Reader::new("MethodsPart", image);
    m.skip("MethodsPart.EncodingLength", 4)?;
    let count = m.u16("MethodCount")?;
    m.skip("MethodCountPadding", 2)?;
    let count = m.check_count("MethodCount", u64::from(count), METHOD_DESCRIPTION)?;
    let mut descriptions = m.sub("MethodDescription", (count * METHOD_DESCRIPTION) as u64)?;
    let heap = HeapView::decode(&mut m, ctx)?;
    let mut methods = Vec::with_capacity(count);
    for _ in 0..count {
        let name_ref = descriptions.u32("MethodName")?;
        let flags = descriptions.u8("MethodFlags")?;
        descriptions.skip("MethodPadding", 3)?;
        let origin = descriptions.u32("MethodOrigin")?;
        let qualifiers_ref = descriptions.u32("MethodQualifiers")?;
        let input_ref = descriptions.u32("InputSignature")?;
        let output_ref = descriptions.u32("OutputSignature")?;
        let name = heap.name("MethodName", name_ref, ctx)?;
        let qualifiers = if qualifiers_ref == NULL_REF {
            Vec::new()
        } else {
            let mut qr = heap.at("MethodQualifiers", qualifiers_ref)?;
            qualifier::read_set(&mut qr, &heap, ctx)?
        };
        let input = decode_signature(&heap, "InputSignature", input_ref, ctx)?;
        let output = decode_signature(&heap, "OutputSignature", output_ref, ctx)?;
        methods.push(Method {
            name,
            flags,
            origin,
            qualifiers,
            input,
            output,
        });
    }
    Ok((methods, image))
}

/// A MethodSignatureBlock (2.2.70): a length, then (unless it is zero) a class ObjectBlock.
fn decode_signature(
    heap: &HeapView<'_>,
    field: &'static str,
    reference: u32,
    ctx: &mut DecodeCtx<'_>,
) -> DecodeResult<Option<Arc<WmiClass>>> {
    if reference == NULL_REF {
        return Ok(None);
    }
    let mut r = heap.at(field, reference)?;
    let len = r.u32("MethodSignatureBlock.EncodingLength")?;
    if len == 0 {
        return Ok(None);
    }
    ctx.charge(&r, "MethodSignatureBlock.EncodingLength", u64::from(len))?;
    let block = r.counted("MethodSignatureBlock.EncodingLength", u64::from(len))?;
    match object::decode_nested_block(block, ctx)? {
        WmiObject::Class(class) => Ok(Some(class)),
        WmiObject::Instance(_) => Err(r.invalid(field, "method signature is not a class")),
    }
}

fn sig_len(what: &'static str, n: usize) -> EncodeResult<u32> {
    u32::try_from(n).map_err(|_| EncodeError::TooLarge { what })
}

/// Encodes a ClassPart with the canonical heap layout of the spec's examples: class name, class qualifier
/// items, then per property (in lookup order) its name, PropertyInfo and qualifier items, then defaults.
fn encode_class_part(
    name: Option<&str>,
    derivation: &[String],
    qualifiers: &[Qualifier],
    properties: &[Property],
    lookup: &[u16],
    value_table_len: usize,
) -> EncodeResult<Vec<u8>> {
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
    w.u32(sig_len(
        "NdTableValueTableLength",
        nd_len + value_table_len,
    )?);

    let derivation_at = w.placeholder_u32();
    for class_name in derivation {
        heap::write_encoded_string(&mut w, class_name, "DerivationList")?;
        w.u32(sig_len(
            "ClassNameEncoding",
            heap::encoded_string_len(class_name),
        )?);
    }
    let derivation_len = sig_len("DerivationList", w.len() - derivation_at)?;
    w.patch_u32(derivation_at, derivation_len);

    qualifier::write_set(&mut w, &mut heap, qualifiers)?;

    w.u32(sig_len("PropertyCount", properties.len())?);
    for &index in lookup {
        let p = &properties[usize::from(index)];
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
        for &index in lookup {
            let p = &properties[usize::from(index)];
            let mut slot = Writer::new();
            match &p.default {
                Some(v) => heap::write_value(&mut slot, &mut heap, p.cim_type, v, &p.name)?,
                None => heap::fill_slot(&mut slot, p.cim_type, 0xFF),
            }
            let bits = u8::from(p.default.is_none()) | (u8::from(p.default_inherited) << 1);
            set_nd_bits(&mut nd, usize::from(p.declaration_order), bits);
            let start = p.value_table_offset as usize;
            value_table[start..start + slot.len()].copy_from_slice(slot.as_slice());
        }
        w.bytes(&nd);
        w.bytes(&value_table);
    }
    heap.finish(&mut w)?;
    let len = sig_len("ClassPart", w.len())?;
    w.patch_u32(len_at, len);
    Ok(w.into_vec())
}

/// Encodes a MethodsPart; per method the heap holds its name, input and output signatures, then its
/// qualifier set and that set's items (the layout of MS-WMIO 3.2).
pub(crate) fn encode_methods_part(methods: &[Method]) -> EncodeResult<Vec<u8>> {
    let mut heap = HeapBuilder::new();
    let mut descriptions = Writer::new();
    for m in methods {
        let name_ref = heap.string(&m.name, &m.name)?;
        let input_ref = encode_signature(&mut heap, m.input.as_ref())?;
        let output_ref = encode_signature(&mut heap, m.output.as_ref())?;
        let qualifiers_ref = qualifier::write_set_item(&mut heap, &m.qualifiers)?;
        descriptions.u32(name_ref);
        descriptions.u8(m.flags);
        descriptions.zeros(3);
        descriptions.u32(m.origin);
        descriptions.u32(qualifiers_ref);
        descriptions.u32(input_ref);
        descriptions.u32(output_ref);
    }
    let count = u16::try_from(methods.len()).map_err(|_| EncodeError::TooLarge {
        what: "MethodCount",
    })?;
    let mut w = Writer::new();
    let len_at = w.placeholder_u32();
    w.u16(count);
    w.u16(0);
    w.bytes(descriptions.as_slice());
    heap.finish(&mut w)?;
    let len = sig_len("MethodsPart", w.len())?;
    w.patch_u32(len_at, len);
    Ok(w.into_vec())
}

fn encode_signature(heap: &mut HeapBuilder, class: Option<&Arc<WmiClass>>) -> EncodeResult<u32> {
    let Some(class) = class else {
        return Ok(NULL_REF);
    };
    let mut item = Writer::new();
    let len_at = item.placeholder_u32();
    object::encode_object_block(&mut item, &WmiObject::Class(class.clone()))?;
    let len = sig_len("MethodSignatureBlock", item.len() - 4)?;
    item.patch_u32(len_at, len);
    heap.item(item.as_slice())
}

/// The ParentClass of a class without superclass: no name, no properties, empty heaps (2.2.11).
pub(crate) fn empty_parent_image() -> EncodeResult<(Vec<u8>, Vec<u8>)> {
    Ok((
        encode_class_part(None, &[], &[], &[], &[], 0)?,
        encode_methods_part(&[])?,
    ))
}

/// Builds a new class, inheriting from a parent the way WMI does: the parent's properties and methods are
/// copied and marked inherited, and qualifiers flavored to propagate to derived classes are carried over.
#[derive(Debug, Clone)]
pub struct ClassBuilder {
    name: String,
    parent: Option<Arc<WmiClass>>,
    qualifiers: Vec<Qualifier>,
    properties: Vec<(String, CimType, Vec<Qualifier>, Option<Value>)>,
    /// Declared here; `flags` and `origin` are set by `build`.
    methods: Vec<Method>,
    decoration: Option<Decoration>,
}

impl ClassBuilder {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            parent: None,
            qualifiers: Vec::new(),
            properties: Vec::new(),
            methods: Vec::new(),
            decoration: None,
        }
    }

    pub fn superclass(mut self, parent: Arc<WmiClass>) -> Self {
        self.parent = Some(parent);
        self
    }

    pub fn qualifier(mut self, q: Qualifier) -> Self {
        self.qualifiers.push(q);
        self
    }

    /// Declares a property. A `CIMTYPE` qualifier naming the type is put first unless one is given.
    pub fn property(
        mut self,
        name: &str,
        cim_type: CimType,
        qualifiers: Vec<Qualifier>,
        default: Option<Value>,
    ) -> Self {
        self.properties
            .push((name.to_owned(), cim_type, qualifiers, default));
        self
    }

    /// Declares a method with its `__PARAMETERS` classes for in and out parameters.
    pub fn method(
        mut self,
        name: &str,
        qualifiers: Vec<Qualifier>,
        input: Option<Arc<WmiClass>>,
        output: Option<Arc<WmiClass>>,
    ) -> Self {
        self.methods.push(Method {
            name: name.to_owned(),
            flags: 0,
            origin: 0,
            qualifiers,
            input,
            output,
        });
        self
    }

    pub fn decoration(mut self, server: &str, namespace: &str) -> Self {
        self.decoration = Some(Decoration {
            server: server.to_owned(),
            namespace: namespace.to_owned(),
        });
        self
    }

    pub fn build(self) -> EncodeResult<Arc<WmiClass>> {
        let propagate = |q: &Qualifier| {
            q.flavor.propagates_to_derived_class().then(|| Qualifier {
                flavor: Flavor(q.flavor.0 | Flavor::ORIGIN_PROPAGATED),
                ..q.clone()
            })
        };
        let (derivation, mut properties, mut methods, mut qualifiers) = match &self.parent {
            Some(parent) => {
                let mut derivation = vec![parent.name().to_owned()];
                derivation.extend(parent.derivation.iter().cloned());
                let properties: Vec<Property> = parent
                    .properties
                    .iter()
                    .map(|p| Property {
                        inherited: true,
                        qualifiers: p.qualifiers.iter().filter_map(propagate).collect(),
                        default_inherited: true,
                        ..p.clone()
                    })
                    .collect();
                let methods: Vec<Method> = parent
                    .methods
                    .iter()
                    .map(|m| Method {
                        flags: m.flags | METHOD_INHERITED,
                        ..m.clone()
                    })
                    .collect();
                let qualifiers: Vec<Qualifier> =
                    parent.qualifiers.iter().filter_map(propagate).collect();
                (derivation, properties, methods, qualifiers)
            }
            None => (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
        };
        let own_origin = sig_len("ClassOfOrigin", derivation.len())?;

        for q in self.qualifiers {
            qualifiers.retain(|old| !old.name.eq_ignore_ascii_case(&q.name));
            qualifiers.push(q);
        }

        let mut value_table_len: usize = properties
            .iter()
            .map(|p| p.value_table_offset as usize + p.cim_type.slot_size())
            .max()
            .unwrap_or(0);
        for (name, cim_type, mut prop_qualifiers, default) in self.properties {
            if properties
                .iter()
                .any(|p| p.name.eq_ignore_ascii_case(&name))
            {
                return Err(EncodeError::Duplicate { name });
            }
            if qualifier::find(&prop_qualifiers, "CIMTYPE").is_none() {
                prop_qualifiers.insert(
                    0,
                    Qualifier {
                        name: "CIMTYPE".to_owned(),
                        flavor: Flavor(
                            Flavor::PROPAGATE_TO_INSTANCE | Flavor::PROPAGATE_TO_DERIVED_CLASS,
                        ),
                        cim_type: CimType::scalar(CimBase::String),
                        value: Value::String(cim_type.base.name().to_owned()),
                    },
                );
            }
            let declaration_order =
                u16::try_from(properties.len()).map_err(|_| EncodeError::TooLarge {
                    what: "DeclarationOrder",
                })?;
            properties.push(Property {
                name,
                cim_type,
                inherited: false,
                declaration_order,
                value_table_offset: sig_len("ValueTableOffset", value_table_len)?,
                class_of_origin: own_origin,
                qualifiers: prop_qualifiers,
                default,
                default_inherited: false,
            });
            value_table_len += cim_type.slot_size();
        }

        for method in self.methods {
            if methods
                .iter()
                .any(|m| m.name.eq_ignore_ascii_case(&method.name))
            {
                return Err(EncodeError::Duplicate { name: method.name });
            }
            methods.push(Method {
                flags: 0,
                origin: own_origin,
                ..method
            });
        }

        let mut lookup: Vec<u16> = (0..properties.len() as u16).collect();
        lookup.sort_by(|&a, &b| {
            compare_names(
                &properties[usize::from(a)].name,
                &properties[usize::from(b)].name,
            )
        });
        let part_image = encode_class_part(
            Some(&self.name),
            &derivation,
            &qualifiers,
            &properties,
            &lookup,
            value_table_len,
        )?;
        let methods_image = encode_methods_part(&methods)?;
        Ok(Arc::new(WmiClass {
            name: Some(self.name),
            derivation,
            qualifiers,
            properties,
            lookup,
            methods,
            parent: self.parent,
            decoration: self.decoration,
            extra_flags: 0,
            part_image: Arc::from(part_image),
            methods_image: Some(Arc::from(methods_image)),
            value_table_len,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wmio::Limits;

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
