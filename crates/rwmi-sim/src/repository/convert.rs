//! Turning MOF declarations into the MS-WMIO object model: classes through `ClassBuilder`, literal
//! values by the type their property declares, and instances.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use rwmi_core::wmio::{
    CimBase, CimType, ClassBuilder, Flavor, Qualifier, Value, WmiClass, WmiInstance, WmiObject,
};

use crate::mof::{
    self, ArraySize, ClassDecl, InstanceDecl, MethodDecl, MofValue, ParameterDecl, Position,
    QualifierDecl,
};

/// Why MOF could not be loaded, with the file and place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub position: Position,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.position, self.message)
    }
}

impl std::error::Error for LoadError {}

/// What conversion needs from the namespace being loaded: its classes, qualifier declarations and the
/// paths of the aliased instances seen so far.
pub(super) struct Scope<'a> {
    pub file: &'a str,
    pub classes: &'a dyn Fn(&str) -> Option<Arc<WmiClass>>,
    pub qualifier_types: &'a HashMap<String, QualifierDecl>,
    pub aliases: &'a HashMap<String, String>,
}

impl Scope<'_> {
    pub(super) fn error(&self, position: Position, message: impl Into<String>) -> LoadError {
        LoadError {
            file: self.file.to_string(),
            position,
            message: message.into(),
        }
    }
}

/// The MS-WMIO type for a MOF type.
pub(super) fn cim_type(ty: &mof::CimType, array: ArraySize) -> CimType {
    let base = match ty {
        mof::CimType::Sint8 => CimBase::SInt8,
        mof::CimType::Uint8 => CimBase::UInt8,
        mof::CimType::Sint16 => CimBase::SInt16,
        mof::CimType::Uint16 => CimBase::UInt16,
        mof::CimType::Sint32 => CimBase::SInt32,
        mof::CimType::Uint32 => CimBase::UInt32,
        mof::CimType::Sint64 => CimBase::SInt64,
        mof::CimType::Uint64 => CimBase::UInt64,
        mof::CimType::Real32 => CimBase::Real32,
        mof::CimType::Real64 => CimBase::Real64,
        mof::CimType::Boolean => CimBase::Boolean,
        mof::CimType::String => CimBase::String,
        mof::CimType::Datetime => CimBase::DateTime,
        mof::CimType::Char16 => CimBase::Char16,
        mof::CimType::Object => CimBase::Object,
        mof::CimType::Reference(_) => CimBase::Reference,
    };
    CimType {
        base,
        array: array != ArraySize::Scalar,
    }
}

/// The CIMTYPE qualifier: the element type's name (arrays too), `ref:Class` for typed references and
/// `object:Class` for an object typed by `EmbeddedInstance("Class")`, as Windows writes it (the
/// `__PARAMETERS` class of Win32_Process.Create in tests/real-windows: `object:Win32_ProcessStartup`).
fn cimtype_qualifier(ty: &mof::CimType, written: &[Qualifier]) -> Qualifier {
    let embedded = || match written
        .iter()
        .find(|q| q.name.eq_ignore_ascii_case("EmbeddedInstance"))
        .map(|q| &q.value)
    {
        Some(Value::String(class)) => Some(class.clone()),
        _ => None,
    };
    let text = match ty {
        mof::CimType::Reference(Some(class)) => format!("ref:{class}"),
        mof::CimType::Object => match embedded() {
            Some(class) => format!("object:{class}"),
            None => "object".to_string(),
        },
        _ => cim_type(ty, ArraySize::Scalar).base.name().to_string(),
    };
    Qualifier::new(
        "CIMTYPE",
        Flavor::PROPAGATE_TO_INSTANCE | Flavor::PROPAGATE_TO_DERIVED_CLASS,
        Value::String(text),
    )
}

/// The qualifiers written in MOF, with CIMTYPE first (its type carries `EmbeddedInstance`, which Windows
/// does not send as a qualifier of its own).
fn typed_qualifiers(ty: &mof::CimType, written: Vec<Qualifier>) -> Vec<Qualifier> {
    let mut set = vec![cimtype_qualifier(ty, &written)];
    set.extend(
        written
            .into_iter()
            .filter(|q| !q.name.eq_ignore_ascii_case("EmbeddedInstance")),
    );
    set
}

/// The wire flavor of MOF flavor keywords, starting from DSP0004's defaults (EnableOverride, ToSubclass,
/// NotToInstance) or the qualifier declaration's flavors.
fn flavor_bits(declared: &[mof::Flavor], written: &[mof::Flavor]) -> u8 {
    let mut bits = Flavor::PROPAGATE_TO_DERIVED_CLASS;
    for flavor in declared.iter().chain(written) {
        match flavor {
            mof::Flavor::EnableOverride => bits &= !Flavor::NOT_OVERRIDABLE,
            mof::Flavor::DisableOverride => bits |= Flavor::NOT_OVERRIDABLE,
            mof::Flavor::ToSubclass => bits |= Flavor::PROPAGATE_TO_DERIVED_CLASS,
            mof::Flavor::NotToSubclass | mof::Flavor::Restricted => {
                bits &= !Flavor::PROPAGATE_TO_DERIVED_CLASS
            }
            mof::Flavor::ToInstance => bits |= Flavor::PROPAGATE_TO_INSTANCE,
            mof::Flavor::NotToInstance => bits &= !Flavor::PROPAGATE_TO_INSTANCE,
            mof::Flavor::Amended => bits |= Flavor::AMENDED,
            mof::Flavor::Translatable => {}
        }
    }
    bits
}

/// Converts written qualifiers. A qualifier without value is boolean true; otherwise the value takes the
/// type of the qualifier declaration when there is one, else the type its literal suggests (integers
/// become sint32, as WMI stores them).
pub(super) fn qualifiers(
    scope: &Scope<'_>,
    written: &[mof::Qualifier],
    position: Position,
) -> Result<Vec<Qualifier>, LoadError> {
    written
        .iter()
        .map(|q| {
            let declaration = scope.qualifier_types.get(&q.name.to_ascii_lowercase());
            let flavor = flavor_bits(
                declaration.map_or(&[][..], |d| d.flavors.as_slice()),
                &q.flavors,
            );
            let value = match (&q.value, declaration) {
                (None, _) => Value::Boolean(true),
                (Some(value), Some(declaration)) => {
                    let ty = cim_type(&declaration.cim_type, declaration.array);
                    convert_value(scope, value, ty, position, &q.name)?
                        .unwrap_or(Value::Boolean(false))
                }
                (Some(value), None) => guess_value(value).ok_or_else(|| {
                    scope.error(
                        position,
                        format!("qualifier `{}` has a value of no CIM type", q.name),
                    )
                })?,
            };
            let mut qualifier = Qualifier::new(&q.name, flavor, value);
            if let Some(declaration) = declaration {
                qualifier.cim_type = cim_type(&declaration.cim_type, declaration.array);
            }
            Ok(qualifier)
        })
        .collect()
}

/// The value of an undeclared qualifier.
fn guess_value(value: &MofValue) -> Option<Value> {
    Some(match value {
        MofValue::Bool(b) => Value::Boolean(*b),
        MofValue::Integer(i) => match i32::try_from(*i) {
            Ok(v) => Value::SInt32(v),
            Err(_) => Value::SInt64(i64::try_from(*i).ok()?),
        },
        MofValue::Real(r) => Value::Real64(*r),
        MofValue::String(s) => Value::String(s.clone()),
        MofValue::Char16(c) => Value::Char16(u16::try_from(u32::from(*c)).ok()?),
        MofValue::Array(items) => {
            Value::Array(items.iter().map(guess_value).collect::<Option<Vec<_>>>()?)
        }
        MofValue::Null | MofValue::Alias(_) | MofValue::Instance(_) => return None,
    })
}

/// Converts a literal to a value of `ty`; `Ok(None)` is NULL. `what` names the property for errors.
pub(super) fn convert_value(
    scope: &Scope<'_>,
    value: &MofValue,
    ty: CimType,
    position: Position,
    what: &str,
) -> Result<Option<Value>, LoadError> {
    let mismatch = |found: &str| {
        scope.error(
            position,
            format!("`{what}` is declared {ty} but is given {found}"),
        )
    };
    if let MofValue::Null = value {
        return Ok(None);
    }
    if ty.array {
        let MofValue::Array(items) = value else {
            return Err(mismatch("a single value"));
        };
        let element = CimType::scalar(ty.base);
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match convert_value(scope, item, element, position, what)? {
                Some(v) => out.push(v),
                None => return Err(mismatch("NULL as an array element")),
            }
        }
        return Ok(Some(Value::Array(out)));
    }
    let out_of_range = |i: &i128| {
        scope.error(
            position,
            format!("`{what}` is declared {ty}; {i} is out of its range"),
        )
    };
    let converted = match (ty.base, value) {
        (_, MofValue::Array(_)) => return Err(mismatch("an array")),
        (CimBase::SInt8, MofValue::Integer(i)) => {
            Value::SInt8(i8::try_from(*i).map_err(|_| out_of_range(i))?)
        }
        (CimBase::UInt8, MofValue::Integer(i)) => {
            Value::UInt8(u8::try_from(*i).map_err(|_| out_of_range(i))?)
        }
        (CimBase::SInt16, MofValue::Integer(i)) => {
            Value::SInt16(i16::try_from(*i).map_err(|_| out_of_range(i))?)
        }
        (CimBase::UInt16, MofValue::Integer(i)) => {
            Value::UInt16(u16::try_from(*i).map_err(|_| out_of_range(i))?)
        }
        (CimBase::SInt32, MofValue::Integer(i)) => {
            Value::SInt32(i32::try_from(*i).map_err(|_| out_of_range(i))?)
        }
        (CimBase::UInt32, MofValue::Integer(i)) => {
            Value::UInt32(u32::try_from(*i).map_err(|_| out_of_range(i))?)
        }
        (CimBase::SInt64, MofValue::Integer(i)) => {
            Value::SInt64(i64::try_from(*i).map_err(|_| out_of_range(i))?)
        }
        (CimBase::UInt64, MofValue::Integer(i)) => {
            Value::UInt64(u64::try_from(*i).map_err(|_| out_of_range(i))?)
        }
        (CimBase::Real32, MofValue::Real(r)) => Value::Real32(*r as f32),
        (CimBase::Real64, MofValue::Real(r)) => Value::Real64(*r),
        (CimBase::Real32, MofValue::Integer(i)) => Value::Real32(*i as f32),
        (CimBase::Real64, MofValue::Integer(i)) => Value::Real64(*i as f64),
        (CimBase::Boolean, MofValue::Bool(b)) => Value::Boolean(*b),
        (CimBase::String, MofValue::String(s)) => Value::String(s.clone()),
        (CimBase::DateTime, MofValue::String(s)) => {
            if !is_cim_datetime(s) {
                return Err(scope.error(
                    position,
                    format!(
                        "`{what}` is a datetime; `{s}` is not yyyymmddHHMMSS.mmmmmmsUUU or an interval"
                    ),
                ));
            }
            Value::DateTime(s.clone())
        }
        (CimBase::Reference, MofValue::String(s)) => Value::Reference(s.clone()),
        (CimBase::Reference, MofValue::Alias(alias)) => {
            let path = scope
                .aliases
                .get(&alias.to_ascii_lowercase())
                .ok_or_else(|| scope.error(position, format!("alias `${alias}` has no path")))?;
            Value::Reference(path.clone())
        }
        (CimBase::Char16, MofValue::Char16(c)) => {
            Value::Char16(u16::try_from(u32::from(*c)).map_err(|_| {
                scope.error(position, format!("`{what}`: {c:?} is not one UTF-16 unit"))
            })?)
        }
        (CimBase::Char16, MofValue::String(s)) if s.chars().count() == 1 => {
            let unit = s.encode_utf16().next().unwrap_or(0);
            if s.encode_utf16().count() != 1 {
                return Err(mismatch("a character outside the BMP"));
            }
            Value::Char16(unit)
        }
        (CimBase::Object, MofValue::Instance(embedded)) => {
            Value::Object(Box::new(WmiObject::Instance(instance(scope, embedded)?)))
        }
        (_, other) => return Err(mismatch(literal_kind(other))),
    };
    Ok(Some(converted))
}

fn literal_kind(value: &MofValue) -> &'static str {
    match value {
        MofValue::Null => "NULL",
        MofValue::Bool(_) => "a boolean",
        MofValue::Integer(_) => "an integer",
        MofValue::Real(_) => "a real number",
        MofValue::String(_) => "a string",
        MofValue::Char16(_) => "a character",
        MofValue::Alias(_) => "an alias",
        MofValue::Array(_) => "an array",
        MofValue::Instance(_) => "an embedded instance",
    }
}

/// A CIM datetime (MS-WMIO 2.3.1 / DSP0004 5.2.4): `yyyymmddHHMMSS.mmmmmm` then `+`/`-` and a 3-digit
/// UTC offset, or `:000` for an interval. Any digit may be `*` (a wildcard).
fn is_cim_datetime(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 25
        && bytes.iter().enumerate().all(|(index, b)| match index {
            14 => *b == b'.',
            21 => matches!(b, b'+' | b'-' | b':'),
            _ => b.is_ascii_digit() || *b == b'*',
        })
}

/// Builds a class from its declaration; its superclass, if any, must already be loaded.
pub(super) fn class(scope: &Scope<'_>, decl: &ClassDecl) -> Result<Arc<WmiClass>, LoadError> {
    let mut builder = ClassBuilder::new(&decl.name);
    let parent = match &decl.superclass {
        Some(name) => {
            let parent = (scope.classes)(name).ok_or_else(|| {
                scope.error(
                    decl.position,
                    format!(
                        "class `{}` derives from `{name}`, which is not defined (yet)",
                        decl.name
                    ),
                )
            })?;
            builder = builder.superclass(parent.clone());
            Some(parent)
        }
        None => None,
    };
    for q in qualifiers(scope, &decl.qualifiers, decl.position)? {
        builder = builder.qualifier(q);
    }
    for property in &decl.properties {
        // A subclass may redeclare an inherited property (to override it); ClassBuilder keeps the
        // inherited definition, so the redeclaration must agree on the type and adds nothing else.
        let ty = cim_type(&property.cim_type, property.array);
        if let Some((_, inherited)) = parent.as_ref().and_then(|p| p.property(&property.name)) {
            if inherited.cim_type != ty {
                return Err(scope.error(
                    property.position,
                    format!(
                        "`{}.{}` is {ty} but `{}` inherits it as {}",
                        decl.name, property.name, decl.name, inherited.cim_type
                    ),
                ));
            }
            continue;
        }
        let property_qualifiers = typed_qualifiers(
            &property.cim_type,
            qualifiers(scope, &property.qualifiers, property.position)?,
        );
        let default = match &property.default {
            Some(value) => convert_value(scope, value, ty, property.position, &property.name)?,
            None => None,
        };
        builder = builder.property(&property.name, ty, property_qualifiers, default);
    }
    for method in &decl.methods {
        let (input, output) = parameter_classes(scope, method)?;
        builder = builder.method(
            &method.name,
            qualifiers(scope, &method.qualifiers, method.position)?,
            input,
            output,
        );
    }
    builder
        .build()
        .map_err(|e| scope.error(decl.position, format!("class `{}`: {e}", decl.name)))
}

/// A method's in-parameter and out-parameter classes; `None` where it has none.
type ParameterClasses = (Option<Arc<WmiClass>>, Option<Arc<WmiClass>>);

/// The `__PARAMETERS` classes of a method (MS-WMIO 2.3.3): the in-parameters, and the out-parameters with
/// `ReturnValue` first, laid out as Windows sends them (the in-parameter class of Win32_Process.Create in
/// tests/real-windows): the class qualified `abstract`; each parameter's qualifiers CIMTYPE, then those
/// written in MOF in their order (`In` / `Out` as written, flavor 0), then its position as `ID` (sint32,
/// ToInstance and DisableOverride).
fn parameter_classes(
    scope: &Scope<'_>,
    method: &MethodDecl,
) -> Result<ParameterClasses, LoadError> {
    let direction_qualifier = |name: &str| Qualifier::new(name, 0, Value::Boolean(true));
    let parameter = |builder: ClassBuilder, p: &ParameterDecl, id: usize, direction: &str| {
        let ty = cim_type(&p.cim_type, p.array);
        let mut written = Vec::new();
        for q in qualifiers(scope, &p.qualifiers, p.position)? {
            let is_in = q.name.eq_ignore_ascii_case("in");
            if is_in || q.name.eq_ignore_ascii_case("out") {
                // An [in, out] parameter is in both classes, each with its own direction only.
                if q.name.eq_ignore_ascii_case(direction) {
                    written.push(direction_qualifier(&q.name));
                }
            } else {
                written.push(q);
            }
        }
        // A parameter written without [in] (an input by default) still says so.
        if !written
            .iter()
            .any(|q| q.name.eq_ignore_ascii_case(direction))
        {
            let name = if direction == "in" { "In" } else { "Out" };
            written.insert(0, direction_qualifier(name));
        }
        let mut qs = typed_qualifiers(&p.cim_type, written);
        qs.push(Qualifier::new(
            "ID",
            Flavor::PROPAGATE_TO_INSTANCE | Flavor::NOT_OVERRIDABLE,
            Value::SInt32(i32::try_from(id).unwrap_or(i32::MAX)),
        ));
        let default = match &p.default {
            Some(value) => convert_value(scope, value, ty, p.position, &p.name)?,
            None => None,
        };
        Ok::<_, LoadError>(builder.property(&p.name, ty, qs, default))
    };
    let build = |builder: ClassBuilder| {
        builder
            .build()
            .map_err(|e| scope.error(method.position, format!("method `{}`: {e}", method.name)))
    };
    // A parameter without [in] or [out] is an input, as mofcomp takes it.
    let is_in = |p: &ParameterDecl| p.is_in() || !p.is_out();
    let parameters_class = || {
        ClassBuilder::new("__PARAMETERS").qualifier(Qualifier::new(
            "abstract",
            0,
            Value::Boolean(true),
        ))
    };
    let mut input = parameters_class();
    let mut has_input = false;
    for (id, p) in method.parameters.iter().enumerate() {
        if is_in(p) {
            input = parameter(input, p, id, "in")?;
            has_input = true;
        }
    }
    let mut output = parameters_class();
    let mut has_output = false;
    if let Some(return_type) = &method.return_type {
        let qs = typed_qualifiers(return_type, vec![direction_qualifier("Out")]);
        output = output.property(
            "ReturnValue",
            cim_type(return_type, ArraySize::Scalar),
            qs,
            None,
        );
        has_output = true;
    }
    for (id, p) in method.parameters.iter().enumerate() {
        if p.is_out() {
            output = parameter(output, p, id, "out")?;
            has_output = true;
        }
    }
    Ok((
        if has_input { Some(build(input)?) } else { None },
        if has_output {
            Some(build(output)?)
        } else {
            None
        },
    ))
}

/// Builds an instance from `instance of Class { ... }`.
pub(super) fn instance(scope: &Scope<'_>, decl: &InstanceDecl) -> Result<WmiInstance, LoadError> {
    let class = (scope.classes)(&decl.class).ok_or_else(|| {
        scope.error(
            decl.position,
            format!("instance of undefined class `{}`", decl.class),
        )
    })?;
    let mut instance = WmiInstance::new(class.clone());
    for property in &decl.properties {
        let Some((_, declared)) = class.property(&property.name) else {
            return Err(scope.error(
                property.position,
                format!("class `{}` has no property `{}`", decl.class, property.name),
            ));
        };
        let value = convert_value(
            scope,
            &property.value,
            declared.cim_type,
            property.position,
            &property.name,
        )?;
        instance
            .set(&property.name, value)
            .map_err(|e| scope.error(property.position, e.to_string()))?;
    }
    Ok(instance)
}
