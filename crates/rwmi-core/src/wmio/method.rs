//! Methods: the MethodsPart (MS-WMIO 2.2.38) and its MethodDescriptions, whose parameters travel as
//! embedded `__PARAMETERS` class objects (2.2.70, 2.3.3).

use std::sync::Arc;

use crate::codec::{DecodeResult, Reader, Writer};

use super::class::{WmiClass, take_counted_unit};
use super::heap::{HeapBuilder, HeapView, NULL_REF};
use super::object::{self, DecodeCtx, WmiObject};
use super::qualifier::{self, Qualifier};
use super::{EncodeError, EncodeResult, len_u32};

/// MethodFlags bit for a method inherited from the parent class (MS-WMIO 2.2.43).
pub(crate) const METHOD_INHERITED: u8 = 0x20;
/// Octets of a MethodDescription (2.2.41).
const METHOD_DESCRIPTION: usize = 4 + 1 + 3 + 4 + 4 + 4 + 4;

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
    let len = len_u32("MethodsPart", w.len())?;
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
    let len = len_u32("MethodSignatureBlock", item.len() - 4)?;
    item.patch_u32(len_at, len);
    heap.item(item.as_slice())
}
