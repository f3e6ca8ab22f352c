//! The top level: EncodingUnit (MS-WMIO 2.2.1), ObjectBlock (2.2.5) with its flags and decoration,
//! objects embedded in heaps, and instances sent without their class (2.2.3).

use std::sync::Arc;

use crate::codec::{DecodeErrorKind, DecodeResult, Reader, Writer};

use super::cache::ClassCache;
use super::class::{self, WmiClass};
use super::heap;
use super::instance::{self, WmiInstance};
use super::method;
use super::{EncodeError, EncodeResult, Limits};

/// The Signature that opens every EncodingUnit (2.2.77).
pub const SIGNATURE: u32 = 0x1234_5678;

/// ObjectFlags bits (2.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectFlags;

impl ObjectFlags {
    pub const CLASS: u8 = 0x01;
    pub const INSTANCE: u8 = 0x02;
    pub const DECORATION: u8 = 0x04;
    /// The class is the prototype of a query result (MS-WMI 2.2.4.1).
    pub const PROTOTYPE: u8 = 0x10;
    /// Some key properties are missing from the prototype.
    pub const KEYS_MISSING: u8 = 0x40;
}

/// Where an object comes from (2.2.7): `__SERVER` and `__NAMESPACE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoration {
    pub server: String,
    pub namespace: String,
}

/// A decoded CIM object.
#[derive(Debug, Clone, PartialEq)]
pub enum WmiObject {
    Class(Arc<WmiClass>),
    Instance(WmiInstance),
}

impl WmiObject {
    /// The class of the object: itself for a class, its class for an instance.
    pub fn class(&self) -> &Arc<WmiClass> {
        match self {
            WmiObject::Class(c) => c,
            WmiObject::Instance(i) => &i.class,
        }
    }

    pub fn decoration(&self) -> Option<&Decoration> {
        match self {
            WmiObject::Class(c) => c.decoration(),
            WmiObject::Instance(i) => i.decoration.as_ref(),
        }
    }

    /// This object as an EncodingUnit (signature, length, ObjectBlock).
    pub fn encode(&self) -> EncodeResult<Vec<u8>> {
        EncodingUnit {
            object: self.clone(),
            trailing: Vec::new(),
        }
        .encode()
    }

    /// This object as a bare ObjectBlock (EncodingUnitObjectBlock, 2.2.2), as WBEMOBJECT_CLASS and
    /// WBEMOBJECT_INSTANCE carry it.
    pub fn encode_block(&self) -> EncodeResult<Vec<u8>> {
        let mut w = Writer::new();
        encode_object_block(&mut w, self)?;
        Ok(w.into_vec())
    }
}

/// An EncodingUnit: an object plus whatever octets its ObjectEncodingLength covers after the ObjectBlock
/// (the spec's examples have such unused octets, 3), kept so a re-encode reproduces the input.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodingUnit {
    pub object: WmiObject,
    pub trailing: Vec<u8>,
}

impl EncodingUnit {
    pub fn encode(&self) -> EncodeResult<Vec<u8>> {
        let mut w = Writer::new();
        w.u32(SIGNATURE);
        let len_at = w.placeholder_u32();
        encode_object_block(&mut w, &self.object)?;
        w.bytes(&self.trailing);
        let len = u32::try_from(w.len() - 8).map_err(|_| EncodeError::TooLarge {
            what: "ObjectEncodingLength",
        })?;
        w.patch_u32(len_at, len);
        Ok(w.into_vec())
    }
}

/// State shared by one decode: the limits, the class cache, the nesting depth and the work done.
pub(crate) struct DecodeCtx<'c> {
    pub limits: &'c Limits,
    pub cache: Option<&'c mut ClassCache>,
    depth: usize,
    decoded: u64,
}

impl<'c> DecodeCtx<'c> {
    pub fn new(limits: &'c Limits, cache: Option<&'c mut ClassCache>) -> Self {
        Self {
            limits,
            cache,
            depth: 0,
            decoded: 0,
        }
    }

    /// Counts `n` octets materialised from the input against `max_decoded_bytes`.
    pub fn charge(&mut self, r: &Reader<'_>, field: &'static str, n: u64) -> DecodeResult<()> {
        self.decoded = self.decoded.saturating_add(n);
        let max = self.limits.max_decoded_bytes;
        if self.decoded > max {
            return Err(r.error(
                field,
                DecodeErrorKind::Limit {
                    limit: "max_decoded_bytes",
                    value: self.decoded,
                    max,
                },
            ));
        }
        Ok(())
    }
}

/// Decodes an EncodingUnit (2.2.1): Signature, ObjectEncodingLength, ObjectBlock. Octets after the unit
/// are not looked at. With a cache, instances whose ClassPart is already known share that class.
pub fn decode_encoding_unit(
    bytes: &[u8],
    limits: &Limits,
    cache: Option<&mut ClassCache>,
) -> DecodeResult<EncodingUnit> {
    let mut r = Reader::new("EncodingUnit", bytes);
    let signature = r.u32("Signature")?;
    if signature != SIGNATURE {
        return Err(r.bad_value("Signature", u64::from(signature)));
    }
    let len = r.u32("ObjectEncodingLength")?;
    let mut block = r.sub("ObjectEncodingLength", u64::from(len))?;
    let mut ctx = DecodeCtx::new(limits, cache);
    let object = decode_block(&mut block, &mut ctx)?;
    Ok(EncodingUnit {
        object,
        trailing: block.rest().to_vec(),
    })
}

/// Decodes an EncodingUnitObjectBlock (2.2.2): an ObjectBlock filling `bytes` (MS-WMI 2.2.14.2, 2.2.14.3).
pub fn decode_object_block(
    bytes: &[u8],
    limits: &Limits,
    cache: Option<&mut ClassCache>,
) -> DecodeResult<WmiObject> {
    let mut r = Reader::new("ObjectBlock", bytes);
    let mut ctx = DecodeCtx::new(limits, cache);
    decode_block(&mut r, &mut ctx)
}

/// Decodes an object embedded in a heap or a signature: ObjectEncodingLength then ObjectBlock (2.2.71).
pub fn decode_embedded_object(bytes: &[u8], limits: &Limits) -> DecodeResult<WmiObject> {
    let mut r = Reader::new("embedded object", bytes);
    let len = r.u32("ObjectEncodingLength")?;
    let block = r.counted("ObjectEncodingLength", u64::from(len))?;
    let mut ctx = DecodeCtx::new(limits, None);
    decode_nested_block(block, &mut ctx)
}

/// Decodes an EncodingUnitInstanceNoClass (2.2.3) against the class that an earlier WBEMOBJECT_INSTANCE
/// with the same classID carried (MS-WMI 2.2.14.4); `ClassCache` keeps such classes.
pub fn decode_instance_no_class(
    bytes: &[u8],
    class: &Arc<WmiClass>,
    limits: &Limits,
) -> DecodeResult<WmiInstance> {
    let mut r = Reader::new("EncodingUnitInstanceNoClass", bytes);
    let mut ctx = DecodeCtx::new(limits, None);
    let flags = r.u8("ObjectFlags")?;
    if flags & ObjectFlags::CLASS != 0 || flags & ObjectFlags::INSTANCE == 0 {
        return Err(r.bad_value("ObjectFlags", u64::from(flags)));
    }
    let decoration = decode_decoration(&mut r, flags, &mut ctx)?;
    instance::decode_instance_part(&mut r, class.clone(), decoration, &mut ctx)
}

/// Encodes an instance as EncodingUnitInstanceNoClass (2.2.3): the instance without its CurrentClass.
pub fn encode_instance_no_class(instance: &WmiInstance) -> EncodeResult<Vec<u8>> {
    let mut w = Writer::new();
    write_flags_and_decoration(&mut w, ObjectFlags::INSTANCE, instance.decoration.as_ref())?;
    instance::encode_instance_part(&mut w, instance)?;
    Ok(w.into_vec())
}

/// Decodes an ObjectBlock one level deeper than the current one, refusing to pass `max_depth`.
pub(crate) fn decode_nested_block(
    block: &[u8],
    ctx: &mut DecodeCtx<'_>,
) -> DecodeResult<WmiObject> {
    let mut r = Reader::new("embedded ObjectBlock", block);
    let max = ctx.limits.max_depth;
    if ctx.depth >= max {
        return Err(r.error(
            "ObjectBlock",
            DecodeErrorKind::Limit {
                limit: "max_depth",
                value: ctx.depth as u64 + 1,
                max: max as u64,
            },
        ));
    }
    ctx.depth += 1;
    let result = decode_block(&mut r, ctx);
    ctx.depth -= 1;
    result
}

fn decode_decoration(
    r: &mut Reader<'_>,
    flags: u8,
    ctx: &mut DecodeCtx<'_>,
) -> DecodeResult<Option<Decoration>> {
    if flags & ObjectFlags::DECORATION == 0 {
        return Ok(None);
    }
    let server = heap::read_encoded_string(r, "DecServerName", ctx)?;
    let namespace = heap::read_encoded_string(r, "DecNamespaceName", ctx)?;
    Ok(Some(Decoration { server, namespace }))
}

/// ObjectBlock = ObjectFlags [Decoration] Encoding (2.2.5).
fn decode_block(r: &mut Reader<'_>, ctx: &mut DecodeCtx<'_>) -> DecodeResult<WmiObject> {
    let flags = r.u8("ObjectFlags")?;
    let is_class = flags & ObjectFlags::CLASS != 0;
    if is_class == (flags & ObjectFlags::INSTANCE != 0) {
        return Err(r.bad_value("ObjectFlags", u64::from(flags)));
    }
    let decoration = decode_decoration(r, flags, ctx)?;
    if is_class {
        // ClassType = ParentClass CurrentClass, each a ClassPart and a MethodsPart (2.2.11, 2.2.14).
        let parent = class::decode_class_part(r, ctx)?;
        let (parent_methods, parent_methods_image) = method::decode_methods_part(r, ctx)?;
        let parent = Arc::new(parent.with_methods(parent_methods, Arc::from(parent_methods_image)));
        let current = class::decode_class_part(r, ctx)?;
        let (methods, methods_image) = method::decode_methods_part(r, ctx)?;
        let extra = flags & !(ObjectFlags::CLASS | ObjectFlags::DECORATION);
        Ok(WmiObject::Class(Arc::new(current.complete(
            parent,
            methods,
            Arc::from(methods_image),
            decoration,
            extra,
        ))))
    } else {
        let class = instance_class(r, ctx)?;
        Ok(WmiObject::Instance(instance::decode_instance_part(
            r, class, decoration, ctx,
        )?))
    }
}

/// The CurrentClass of an InstanceType: shared from the cache when its octets are already known.
fn instance_class(r: &mut Reader<'_>, ctx: &mut DecodeCtx<'_>) -> DecodeResult<Arc<WmiClass>> {
    let mut peek = r.clone();
    let image = class::take_counted_unit(&mut peek, "ClassHeader.EncodingLength", 13)?;
    let limits = ctx.limits;
    if let Some(found) = ctx.cache.as_mut().and_then(|c| c.find_image(image, limits)) {
        *r = peek;
        return Ok(found);
    }
    let class = Arc::new(class::decode_class_part(r, ctx)?);
    if let Some(cache) = ctx.cache.as_mut() {
        cache.insert_decoded_part(class.clone(), limits);
    }
    Ok(class)
}

fn write_flags_and_decoration(
    w: &mut Writer,
    flags: u8,
    decoration: Option<&Decoration>,
) -> EncodeResult<()> {
    match decoration {
        Some(d) => {
            w.u8(flags | ObjectFlags::DECORATION);
            heap::write_encoded_string(w, &d.server, "DecServerName")?;
            heap::write_encoded_string(w, &d.namespace, "DecNamespaceName")?;
        }
        None => w.u8(flags & !ObjectFlags::DECORATION),
    }
    Ok(())
}

/// Writes an ObjectBlock (2.2.5).
pub(crate) fn encode_object_block(w: &mut Writer, object: &WmiObject) -> EncodeResult<()> {
    match object {
        WmiObject::Class(c) => {
            write_flags_and_decoration(w, ObjectFlags::CLASS | c.extra_flags(), c.decoration())?;
            match c.parent() {
                Some(p) => {
                    w.bytes(p.part_image());
                    w.bytes(&p.methods_image()?);
                }
                None => {
                    let (part, methods) = class::empty_parent_image()?;
                    w.bytes(&part);
                    w.bytes(&methods);
                }
            }
            w.bytes(c.part_image());
            w.bytes(&c.methods_image()?);
        }
        WmiObject::Instance(i) => {
            write_flags_and_decoration(w, ObjectFlags::INSTANCE, i.decoration.as_ref())?;
            w.bytes(i.class.part_image());
            instance::encode_instance_part(w, i)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wmio::{CimBase, CimType, Value};

    #[test]
    fn embedded_objects_are_length_prefixed_blocks() {
        let class = WmiClass::builder("E")
            .property(
                "v",
                CimType::scalar(CimBase::Real32),
                vec![],
                Some(Value::Real32(0.5)),
            )
            .build()
            .unwrap();
        let object = WmiObject::Instance(WmiInstance::new(class));
        let block = object.encode_block().unwrap();
        let mut embedded = (block.len() as u32).to_le_bytes().to_vec();
        embedded.extend_from_slice(&block);
        let limits = Limits::default();
        let back = decode_embedded_object(&embedded, &limits).unwrap();
        assert_eq!(back.encode_block().unwrap(), block);
        assert!(decode_embedded_object(&embedded[..embedded.len() - 1], &limits).is_err());
    }

    #[test]
    fn signature_and_flags_are_checked() {
        let limits = Limits::default();
        let err = decode_encoding_unit(&[0, 0, 0, 0, 1, 0, 0, 0, 1], &limits, None).unwrap_err();
        assert_eq!(err.field, "Signature");
        for flags in [0u8, 3, 0x04] {
            let err = decode_object_block(&[flags], &limits, None).unwrap_err();
            assert_eq!(err.field, "ObjectFlags");
        }
        let mut lying = Vec::new();
        lying.extend_from_slice(&SIGNATURE.to_le_bytes());
        lying.extend_from_slice(&u32::MAX.to_le_bytes());
        lying.push(1);
        let err = decode_encoding_unit(&lying, &limits, None).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::LengthPastEnd { .. }));
    }
}
