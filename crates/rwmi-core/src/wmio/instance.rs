//! Instances: the part of an InstanceType after its CurrentClass (MS-WMIO 2.2.53), the `WmiInstance`
//! model, and the system properties computed from it (`__RELPATH`, `__PATH`, ...).

use std::sync::Arc;

use crate::codec::{DecodeResult, Reader, Writer};

use super::cim::{CimType, Value};
use super::class::{self, WmiClass};
use super::heap::{self, HeapBuilder, HeapView};
use super::object::{DecodeCtx, Decoration, WmiObject};
use super::qualifier::{self, Qualifier};
use super::{EncodeError, EncodeResult};

/// InstPropQualSetFlag values (2.2.65).
const NO_PROPERTY_QUALIFIERS: u8 = 1;
const WITH_PROPERTY_QUALIFIERS: u8 = 2;

/// An instance of a class. `values`, `defaulted` and `property_qualifiers` are indexed like
/// `class.properties()` (declaration order).
#[derive(Debug, Clone, PartialEq)]
pub struct WmiInstance {
    pub class: Arc<WmiClass>,
    /// The effective value of each property; `None` is NULL.
    pub values: Vec<Option<Value>>,
    /// Where the instance takes the class default (NdTable bit 1): `values` then holds that default and
    /// the encoder does not write it again.
    pub defaulted: Vec<bool>,
    pub qualifiers: Vec<Qualifier>,
    /// Instance-level qualifiers of each property, when any property has some (2.2.65).
    pub property_qualifiers: Option<Vec<Vec<Qualifier>>>,
    pub decoration: Option<Decoration>,
}

impl WmiInstance {
    /// A new instance with every property at its class default.
    pub fn new(class: Arc<WmiClass>) -> Self {
        let values = class
            .properties()
            .iter()
            .map(|p| p.default.clone())
            .collect();
        let defaulted = vec![true; class.properties().len()];
        Self {
            class,
            values,
            defaulted,
            qualifiers: Vec::new(),
            property_qualifiers: None,
            decoration: None,
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        let (index, _) = self.class.property(name)?;
        self.values.get(index)?.as_ref()
    }

    /// Sets a property (`None` for NULL); the value must have the property's type.
    pub fn set(&mut self, name: &str, value: Option<Value>) -> EncodeResult<()> {
        let (index, property) = self
            .class
            .property(name)
            .ok_or(EncodeError::Invalid("no such property"))?;
        if let Some(v) = &value
            && !v.matches(property.cim_type)
        {
            return Err(EncodeError::TypeMismatch {
                what: property.name.clone(),
                expected: property.cim_type,
            });
        }
        match (self.values.get_mut(index), self.defaulted.get_mut(index)) {
            (Some(slot), Some(defaulted)) => {
                *slot = value;
                *defaulted = false;
                Ok(())
            }
            _ => Err(EncodeError::WrongValueCount {
                expected: self.class.properties().len(),
                got: self.values.len(),
            }),
        }
    }

    /// `__RELPATH`: `Class.Key=value,...` from the properties qualified `key` (sorted by name),
    /// `Class=@` for a singleton, `None` without keys or with a NULL key.
    pub fn relpath(&self) -> Option<String> {
        let mut keys: Vec<(&str, &Value)> = Vec::new();
        for (p, v) in self.class.properties().iter().zip(&self.values) {
            if p.is_key() {
                keys.push((&p.name, v.as_ref()?));
            }
        }
        let class_name = self.class.name();
        if keys.is_empty() {
            let singleton = matches!(
                self.class.qualifier("singleton").map(|q| &q.value),
                Some(Value::Boolean(true))
            );
            return singleton.then(|| format!("{class_name}=@"));
        }
        keys.sort_by_key(|(name, _)| name.to_ascii_lowercase());
        let mut out = String::from(class_name);
        out.push('.');
        for (i, (name, value)) in keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(name);
            out.push('=');
            out.push_str(&key_text(value)?);
        }
        Some(out)
    }

    /// `__PATH`: `\\SERVER\NAMESPACE:RELPATH`, when the instance is decorated and has a relative path.
    pub fn path(&self) -> Option<String> {
        let d = self.decoration.as_ref()?;
        Some(format!(
            r"\\{}\{}:{}",
            d.server,
            d.namespace,
            self.relpath()?
        ))
    }
}

/// A key value as object paths write it: strings quoted with `\` and `"` escaped, numbers plain.
fn key_text(value: &Value) -> Option<String> {
    Some(match value {
        Value::String(s) | Value::DateTime(s) | Value::Reference(s) => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
            out
        }
        Value::SInt8(v) => v.to_string(),
        Value::UInt8(v) => v.to_string(),
        Value::SInt16(v) => v.to_string(),
        Value::UInt16(v) => v.to_string(),
        Value::SInt32(v) => v.to_string(),
        Value::UInt32(v) => v.to_string(),
        Value::SInt64(v) => v.to_string(),
        Value::UInt64(v) => v.to_string(),
        Value::Char16(v) => v.to_string(),
        Value::Boolean(v) => (if *v { "TRUE" } else { "FALSE" }).to_owned(),
        Value::Real32(_) | Value::Real64(_) | Value::Object(_) | Value::Array(_) => return None,
    })
}

impl WmiObject {
    /// The WMI system properties (`__CLASS`, `__SUPERCLASS`, `__DYNASTY`, `__DERIVATION`,
    /// `__PROPERTY_COUNT`, `__GENUS`, `__SERVER`, `__NAMESPACE`, `__RELPATH`, `__PATH`).
    pub fn system_property(&self, name: &str) -> Option<Value> {
        let class = self.class();
        let upper = name.to_ascii_uppercase();
        let text = |s: &str| Some(Value::String(s.to_owned()));
        match upper.as_str() {
            "__CLASS" => text(class.name()),
            "__SUPERCLASS" => class.superclass().and_then(text),
            "__DYNASTY" => text(class.dynasty()),
            "__DERIVATION" => Some(Value::Array(
                class
                    .derivation()
                    .iter()
                    .map(|s| Value::String(s.clone()))
                    .collect(),
            )),
            "__PROPERTY_COUNT" => i32::try_from(class.properties().len())
                .ok()
                .map(Value::SInt32),
            "__GENUS" => Some(Value::SInt32(match self {
                WmiObject::Class(_) => 1,
                WmiObject::Instance(_) => 2,
            })),
            "__SERVER" => self.decoration().and_then(|d| text(&d.server)),
            "__NAMESPACE" => self.decoration().and_then(|d| text(&d.namespace)),
            "__RELPATH" => match self {
                WmiObject::Class(c) => text(c.name()),
                WmiObject::Instance(i) => i.relpath().map(Value::String),
            },
            "__PATH" => match self {
                WmiObject::Class(c) => c.decoration().map(|d| {
                    Value::String(format!(r"\\{}\{}:{}", d.server, d.namespace, c.name()))
                }),
                WmiObject::Instance(i) => i.path().map(Value::String),
            },
            _ => None,
        }
    }
}

/// Decodes what follows the CurrentClass of an InstanceType (2.2.53): EncodingLength, InstanceFlags,
/// InstanceClassName, NdTable, InstanceData, InstanceQualifierSet, InstanceHeap.
pub(crate) fn decode_instance_part(
    r: &mut Reader<'_>,
    class: Arc<WmiClass>,
    decoration: Option<Decoration>,
    ctx: &mut DecodeCtx<'_>,
) -> DecodeResult<WmiInstance> {
    let unit = class::take_counted_unit(r, "InstanceType.EncodingLength", 4)?;
    let mut body = Reader::new("InstanceType", unit);
    body.skip("InstanceType.EncodingLength", 4)?;
    body.u8("InstanceFlags")?;
    let class_name_ref = body.u32("InstanceClassName")?;
    let count = class.properties().len();
    let nd = body.bytes("NdTable", class::nd_table_len(count))?;
    let value_table = body.bytes("InstanceData", class.value_table_len())?;

    let mut qualifiers_r = body.clone();
    skip_qualifier_set(&mut body)?;
    let flag = body.u8("InstPropQualSetFlag")?;
    let property_sets_r = body.clone();
    match flag {
        NO_PROPERTY_QUALIFIERS => {}
        WITH_PROPERTY_QUALIFIERS => {
            for _ in 0..count {
                skip_qualifier_set(&mut body)?;
            }
        }
        other => return Err(body.bad_value("InstPropQualSetFlag", u64::from(other))),
    }
    let heap = HeapView::decode(&mut body, ctx)?;

    // The class name is validated as a reference but not compared: the CurrentClass is authoritative.
    heap.check_string("InstanceClassName", class_name_ref)?;

    let mut values = Vec::with_capacity(count);
    let mut defaulted = Vec::with_capacity(count);
    for (index, p) in class.properties().iter().enumerate() {
        let bits = class::nd_bits(nd, index);
        let mut is_default = bits & 2 != 0;
        let value = if bits & 1 != 0 {
            None
        } else if is_default {
            p.default.clone()
        } else {
            let mut slot = Reader::new("InstanceData", value_table);
            slot.seek("ValueTableOffset", p.value_table_offset as usize)?;
            if never_set(&slot, p.cim_type) {
                is_default = true;
                p.default.clone()
            } else {
                heap::read_value(&mut slot, p.cim_type, &heap, ctx)
                    .map_err(|e| e.in_property(&format!("{}.{}", class.name(), p.name)))?
            }
        };
        values.push(value);
        defaulted.push(is_default);
    }

    let qualifiers = qualifier::read_set(&mut qualifiers_r, &heap, ctx)?;
    let property_qualifiers = if flag == WITH_PROPERTY_QUALIFIERS {
        let mut sets_r = property_sets_r;
        let mut sets = vec![Vec::new(); count];
        for &index in class.lookup_order() {
            let set = qualifier::read_set(&mut sets_r, &heap, ctx)?;
            if let Some(slot) = sets.get_mut(usize::from(index)) {
                *slot = set;
            }
        }
        Some(sets)
    } else {
        None
    };

    Ok(WmiInstance {
        class,
        values,
        defaulted,
        qualifiers,
        property_qualifiers,
        decoration,
    })
}

/// Whether a value-table slot holds heap offset 0 for a property whose value lives on the heap (a string,
/// datetime, reference, embedded object or array): the encoding of a property an instance never set.
/// Clients that build instances themselves (Impacket's SpawnInstance, as PutInstance and ExecMethod
/// carry them) leave such slots zero with the NdTable bits clear, Windows accepts them, and Impacket
/// reads them as "no value of its own"; the heap's first item is the instance's class name, which no
/// property value shares. The instance then takes the class default (NULL where the class has none), as
/// an unset property of a spawned instance does. Numeric slots are values, where 0 is just 0.
fn never_set(slot: &Reader<'_>, ty: CimType) -> bool {
    if !(ty.array || ty.base.is_heap()) {
        return false;
    }
    let mut peek = slot.clone();
    peek.u32("HeapRef").is_ok_and(|reference| reference == 0)
}

fn skip_qualifier_set(r: &mut Reader<'_>) -> DecodeResult<()> {
    let len = r.u32("QualifierSet.EncodingLength")?;
    let body = len
        .checked_sub(4)
        .ok_or_else(|| r.bad_value("QualifierSet.EncodingLength", u64::from(len)))?;
    r.counted("QualifierSet", u64::from(body)).map(|_| ())
}

/// Encodes the instance part. The heap holds the class name, then property values in lookup order, then
/// the instance's qualifier items (the layout of MS-WMIO 3.1).
pub(crate) fn encode_instance_part(w: &mut Writer, inst: &WmiInstance) -> EncodeResult<()> {
    let class = &inst.class;
    let count = class.properties().len();
    for got in [inst.values.len(), inst.defaulted.len()] {
        if got != count {
            return Err(EncodeError::WrongValueCount {
                expected: count,
                got,
            });
        }
    }
    if let Some(sets) = &inst.property_qualifiers
        && sets.len() != count
    {
        return Err(EncodeError::WrongValueCount {
            expected: count,
            got: sets.len(),
        });
    }
    let mut heap = HeapBuilder::new();
    let class_name_ref = heap.string(class.name(), "InstanceClassName")?;
    let mut nd = vec![0u8; class::nd_table_len(count)];
    let mut value_table = vec![0u8; class.value_table_len()];
    for &index in class.lookup_order() {
        let index = usize::from(index);
        let (Some(p), Some(value), Some(&is_default)) = (
            class.properties().get(index),
            inst.values.get(index),
            inst.defaulted.get(index),
        ) else {
            continue;
        };
        let bits = u8::from(value.is_none()) | (u8::from(is_default) << 1);
        class::set_nd_bits(&mut nd, index, bits);
        if let (Some(v), false) = (value, is_default) {
            let mut slot = Writer::new();
            heap::write_value(&mut slot, &mut heap, p.cim_type, v, &p.name)?;
            let start = p.value_table_offset as usize;
            if let Some(dest) = value_table.get_mut(start..start + slot.len()) {
                dest.copy_from_slice(slot.as_slice());
            }
        }
    }
    let mut unit = Writer::new();
    let len_at = unit.placeholder_u32();
    unit.u8(0);
    unit.u32(class_name_ref);
    unit.bytes(&nd);
    unit.bytes(&value_table);
    qualifier::write_set(&mut unit, &mut heap, &inst.qualifiers)?;
    match &inst.property_qualifiers {
        None => unit.u8(NO_PROPERTY_QUALIFIERS),
        Some(sets) => {
            unit.u8(WITH_PROPERTY_QUALIFIERS);
            for &index in class.lookup_order() {
                let set = sets.get(usize::from(index)).map_or(&[][..], Vec::as_slice);
                qualifier::write_set(&mut unit, &mut heap, set)?;
            }
        }
    }
    heap.finish(&mut unit)?;
    let len = u32::try_from(unit.len()).map_err(|_| EncodeError::TooLarge {
        what: "InstanceType",
    })?;
    unit.patch_u32(len_at, len);
    w.bytes(unit.as_slice());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::DecodeErrorKind;
    use crate::wmio::{CimBase, ClassBuilder, Limits};

    /// A class with a string (with a class default), an array, an embedded object and a number.
    fn class() -> Arc<WmiClass> {
        ClassBuilder::new("Zzzzz_Unset")
            .property(
                "Name",
                CimType::scalar(CimBase::String),
                vec![],
                Some(Value::String("class default".into())),
            )
            .property("Tags", CimType::array_of(CimBase::String), vec![], None)
            .property("Inner", CimType::scalar(CimBase::Object), vec![], None)
            .property("Count", CimType::scalar(CimBase::UInt32), vec![], None)
            .build()
            .unwrap()
    }

    /// The instance part of an instance with every property set, so that its NdTable is all clear.
    fn every_property_set() -> (Arc<WmiClass>, Vec<u8>) {
        let class = class();
        let inner = WmiInstance::new(class.clone());
        let mut inst = WmiInstance::new(class.clone());
        inst.set("Name", Some(Value::String("own".into()))).unwrap();
        inst.set("Tags", Some(Value::Array(vec![Value::String("a".into())])))
            .unwrap();
        inst.set(
            "Inner",
            Some(Value::Object(Box::new(WmiObject::Instance(inner)))),
        )
        .unwrap();
        inst.set("Count", Some(Value::UInt32(0))).unwrap();
        let mut w = Writer::new();
        encode_instance_part(&mut w, &inst).unwrap();
        (class, w.as_slice().to_vec())
    }

    /// Where a property's value-table slot is in an instance part: after EncodingLength, InstanceFlags,
    /// InstanceClassName and the NdTable.
    fn slot_at(class: &WmiClass, name: &str) -> usize {
        let (_, p) = class.property(name).unwrap();
        9 + class::nd_table_len(class.properties().len()) + p.value_table_offset as usize
    }

    fn with_slot(mut part: Vec<u8>, at: usize, reference: u32) -> Vec<u8> {
        part[at..at + 4].copy_from_slice(&reference.to_le_bytes());
        part
    }

    fn decode(class: &Arc<WmiClass>, part: &[u8], limits: &Limits) -> DecodeResult<WmiInstance> {
        let mut ctx = DecodeCtx::new(limits, None);
        decode_instance_part(&mut Reader::new("t", part), class.clone(), None, &mut ctx)
    }

    #[test]
    fn heap_offset_zero_is_a_property_never_set() {
        let (class, mut part) = every_property_set();
        let limits = Limits::default();
        let set = decode(&class, &part, &limits).unwrap();
        assert_eq!(set.get("Name"), Some(&Value::String("own".into())));
        assert!(set.get("Inner").is_some());
        for name in ["Name", "Tags", "Inner"] {
            part = with_slot(part, slot_at(&class, name), 0);
        }
        let unset = decode(&class, &part, &limits).unwrap();
        // The class default where there is one, NULL otherwise; taken as defaulted, so that the
        // instance encodes as Windows writes an unset property.
        assert_eq!(
            unset.get("Name"),
            Some(&Value::String("class default".into()))
        );
        assert_eq!(unset.get("Tags"), None);
        assert_eq!(unset.get("Inner"), None);
        assert_eq!(unset.defaulted, vec![true, true, true, false]);
        // A number whose slot is 0 is the number 0.
        assert_eq!(unset.get("Count"), Some(&Value::UInt32(0)));
        let mut again = Writer::new();
        encode_instance_part(&mut again, &unset).unwrap();
        assert_eq!(decode(&class, again.as_slice(), &limits).unwrap(), unset);
    }

    #[test]
    fn an_undecodable_property_is_an_error_that_names_it() {
        let (class, part) = every_property_set();
        let limits = Limits::default();
        let past_heap = with_slot(part.clone(), slot_at(&class, "Name"), 0x7000);
        let e = decode(&class, &past_heap, &limits).unwrap_err();
        assert_eq!(e.property.as_deref(), Some("Zzzzz_Unset.Name"));
        assert!(matches!(e.kind, DecodeErrorKind::LengthPastEnd { .. }));
        assert!(e.to_string().contains("property `Zzzzz_Unset.Name`"), "{e}");

        // An array slot pointing into the class name (the shape of the real-server objects that
        // once failed at offset 0) still meets the array limit when the offset is not 0.
        let into_name = with_slot(part, slot_at(&class, "Tags"), 1);
        let e = decode(&class, &into_name, &limits).unwrap_err();
        assert_eq!(e.property.as_deref(), Some("Zzzzz_Unset.Tags"));
        assert!(matches!(
            e.kind,
            DecodeErrorKind::Limit {
                limit: "max_array_count",
                ..
            }
        ));
    }

    #[test]
    fn nested_property_names_read_outermost_first() {
        let e = Reader::new("t", &[])
            .invalid("f", "why")
            .in_property("Inner_Class.Name")
            .in_property("Outer.Inner");
        assert_eq!(
            e.property.as_deref(),
            Some("Outer.Inner > Inner_Class.Name")
        );
        assert_eq!(
            e.to_string(),
            "t: property `Outer.Inner > Inner_Class.Name`: field `f` at offset 0: why"
        );
    }
}
