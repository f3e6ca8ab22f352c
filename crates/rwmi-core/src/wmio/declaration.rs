//! A class as MOF-like text: what a ClassPart and MethodsPart say (qualifiers with their flavors, properties
//! in declaration order with types and defaults, methods with their parameters), so that a person can
//! read the class a server sent and two encodings of one class can be compared line by line.
//!
//! The text follows MOF (DSP0221) where MOF has a form for the fact, and says the rest in comments:
//! flavors are written only where they differ from MOF's defaults (EnableOverride, ToSubclass,
//! NotToInstance), so `ToInstance`, `DisableOverride`, `Restricted` and `Amended` show; the wire-only
//! origin bits (MS-WMIO 2.2.62: propagated, system) show as a comment after the qualifier.

use std::fmt::Write;

use super::cim::{CimBase, CimType, Value};
use super::class::{Property, WmiClass};
use super::method::Method;
use super::object::WmiObject;
use super::qualifier::Qualifier;

/// `class` as MOF-like text, one item a line; inherited properties are listed with a comment naming that
/// they come from a parent.
pub fn class_declaration(class: &WmiClass) -> String {
    let mut out = String::new();
    write_qualifier_list(&mut out, class.qualifiers(), "\n");
    let _ = write!(out, "class {}", class.name());
    if let Some(parent) = class.superclass() {
        let _ = write!(out, " : {parent}");
    }
    out.push_str("\n{\n");
    for property in class.properties() {
        out.push('\t');
        write_property(&mut out, property);
        out.push('\n');
    }
    for method in class.methods() {
        out.push('\t');
        write_method(&mut out, method);
        out.push('\n');
    }
    out.push_str("};\n");
    out
}

fn write_property(out: &mut String, property: &Property) {
    write_declarator(out, &property.qualifiers, property);
    if let Some(default) = &property.default {
        out.push_str(" = ");
        write_value(out, default);
    }
    out.push(';');
    match (property.inherited, property.default_inherited) {
        (true, true) => out.push_str(" // inherited, default inherited"),
        (true, false) => out.push_str(" // inherited"),
        (false, true) => out.push_str(" // default inherited"),
        (false, false) => {}
    }
}

/// A method as MOF writes it: the return type from the out-parameters' `ReturnValue`, then every
/// parameter of the in- and out-parameter classes ordered by their `ID` qualifier (MS-WMIO 2.3.3), a
/// parameter that is both in and out once.
fn write_method(out: &mut String, method: &Method) {
    write_qualifier_list(out, &method.qualifiers, " ");
    let output = method.output.as_deref();
    let return_type = output
        .and_then(|o| o.property("ReturnValue"))
        .map_or("void".to_string(), |(_, p)| type_name(p.cim_type));
    let _ = write!(out, "{return_type} {}(", method.name);
    let mut parameters: Vec<&Property> = Vec::new();
    for class in [method.input.as_deref(), output].into_iter().flatten() {
        for p in class.properties() {
            let duplicate = parameters.iter().any(|q| q.name == p.name);
            if p.name != "ReturnValue" && !duplicate {
                parameters.push(p);
            }
        }
    }
    let id = |p: &Property| match p.qualifier("ID").map(|q| &q.value) {
        Some(Value::SInt32(id)) => i64::from(*id),
        _ => i64::MAX,
    };
    parameters.sort_by_key(|p| id(p));
    for (i, p) in parameters.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let mut qualifiers: Vec<Qualifier> = p.qualifiers.clone();
        // A parameter in both classes carries `In` in one and `Out` in the other: show both.
        if let Some((_, other)) = output.and_then(|o| o.property(&p.name))
            && !std::ptr::eq(other, *p)
        {
            let missing: Vec<Qualifier> = other
                .qualifiers
                .iter()
                .filter(|q| super::qualifier::find(&qualifiers, &q.name).is_none())
                .cloned()
                .collect();
            qualifiers.extend(missing);
        }
        write_declarator(out, &qualifiers, p);
    }
    out.push_str(");");
}

/// `[qualifiers] type name` with `[]` after the name of an array, as MOF declares a property or parameter.
fn write_declarator(out: &mut String, qualifiers: &[Qualifier], property: &Property) {
    write_qualifier_list(out, qualifiers, " ");
    let _ = write!(
        out,
        "{} {}{}",
        type_name(property.cim_type),
        property.name,
        if property.cim_type.array { "[]" } else { "" }
    );
}

fn type_name(ty: CimType) -> String {
    match ty.base {
        CimBase::Reference => "ref".to_string(),
        base => base.name().to_string(),
    }
}

/// `[Q1, Q2(value): ToInstance]` followed by `separator`; nothing for an empty set.
fn write_qualifier_list(out: &mut String, qualifiers: &[Qualifier], separator: &str) {
    if qualifiers.is_empty() {
        return;
    }
    write_list(out, qualifiers, ('[', ']'), write_qualifier);
    out.push_str(separator);
}

/// `items` between `brackets`, comma-separated.
fn write_list<T>(
    out: &mut String,
    items: &[T],
    brackets: (char, char),
    write: impl Fn(&mut String, &T),
) {
    out.push(brackets.0);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(out, item);
    }
    out.push(brackets.1);
}

fn write_qualifier(out: &mut String, q: &Qualifier) {
    out.push_str(&q.name);
    match &q.value {
        // MOF writes a true boolean qualifier by its name alone.
        Value::Boolean(true) => {}
        // MOF writes an array qualifier's value as the array literal itself.
        array @ Value::Array(_) => write_value(out, array),
        value => {
            out.push('(');
            write_value(out, value);
            out.push(')');
        }
    }
    let flavor = q.flavor;
    let mut keywords = Vec::new();
    if flavor.propagates_to_instance() {
        keywords.push("ToInstance");
    }
    if !flavor.propagates_to_derived_class() {
        keywords.push("Restricted");
    }
    if flavor.not_overridable() {
        keywords.push("DisableOverride");
    }
    if flavor.amended() {
        keywords.push("Amended");
    }
    if !keywords.is_empty() {
        let _ = write!(out, ": {}", keywords.join(" "));
    }
    match (flavor.propagated(), flavor.system()) {
        (true, true) => out.push_str(" /* propagated, system */"),
        (true, false) => out.push_str(" /* propagated */"),
        (false, true) => out.push_str(" /* system */"),
        (false, false) => {}
    }
}

/// A value as a MOF literal; an embedded object by its class, as it has no one-line literal.
fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::SInt8(_)
        | Value::UInt8(_)
        | Value::SInt16(_)
        | Value::UInt16(_)
        | Value::SInt32(_)
        | Value::UInt32(_)
        | Value::SInt64(_)
        | Value::UInt64(_) => push_display(out, &value.integer().unwrap_or_default()),
        Value::Real32(v) => push_display(out, v),
        Value::Real64(v) => push_display(out, v),
        Value::Boolean(v) => out.push_str(if *v { "TRUE" } else { "FALSE" }),
        Value::String(s) | Value::DateTime(s) | Value::Reference(s) => push_quoted(out, s, '"'),
        Value::Char16(c) => {
            let text = char::from_u32(u32::from(*c))
                .map_or_else(|| format!("\\x{c:04X}"), |ch| ch.to_string());
            push_quoted(out, &text, '\'');
        }
        Value::Object(object) => {
            let kind = match **object {
                WmiObject::Class(_) => "class",
                WmiObject::Instance(_) => "instance of",
            };
            let _ = write!(out, "/* {kind} {} */ NULL", object.class().name());
        }
        Value::Array(items) => write_list(out, items, ('{', '}'), write_value),
    }
}

fn push_display(out: &mut String, v: &impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

/// A MOF string or char literal: backslash, the quote and control characters escaped (DSP0221 7.6.1.1).
fn push_quoted(out: &mut String, text: &str, quote: char) {
    out.push(quote);
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\x{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wmio::{ClassBuilder, Flavor};

    #[test]
    fn a_built_class_reads_as_mof() {
        let class = ClassBuilder::new("Sample")
            .qualifier(Qualifier::new(
                "Description",
                Flavor::PROPAGATE_TO_DERIVED_CLASS | Flavor::AMENDED,
                Value::String("a \"sample\"\n".into()),
            ))
            .property(
                "Name",
                CimType::scalar(CimBase::String),
                vec![Qualifier::new(
                    "key",
                    Flavor::PROPAGATE_TO_INSTANCE | Flavor::PROPAGATE_TO_DERIVED_CLASS,
                    Value::Boolean(true),
                )],
                None,
            )
            .property(
                "Sizes",
                CimType::array_of(CimBase::UInt16),
                vec![],
                Some(Value::Array(vec![Value::UInt16(1), Value::UInt16(2)])),
            )
            .property(
                "Initial",
                CimType::scalar(CimBase::Char16),
                vec![],
                Some(Value::Char16(u16::from(b'\''))),
            )
            .build()
            .unwrap();
        let expected = concat!(
            "[Description(\"a \\\"sample\\\"\\n\"): Amended]\n",
            "class Sample\n{\n",
            "\t[CIMTYPE(\"string\"): ToInstance, key: ToInstance] string Name;\n",
            "\t[CIMTYPE(\"uint16\"): ToInstance] uint16 Sizes[] = {1, 2};\n",
            "\t[CIMTYPE(\"char16\"): ToInstance] char16 Initial = '\\'';\n",
            "};\n",
        );
        assert_eq!(class_declaration(&class), expected);
    }

    #[test]
    fn a_method_reads_with_its_parameters_in_id_order() {
        let param = |name: &str, ty: CimBase, id: i32, direction: &str| {
            (
                name.to_string(),
                CimType::scalar(ty),
                vec![
                    Qualifier::new(direction, 0, Value::Boolean(true)),
                    Qualifier::new("ID", Flavor::NOT_OVERRIDABLE, Value::SInt32(id)),
                ],
            )
        };
        let parameters = |items: Vec<(String, CimType, Vec<Qualifier>)>| {
            items
                .into_iter()
                .fold(ClassBuilder::new("__PARAMETERS"), |b, (name, ty, qs)| {
                    b.property(&name, ty, qs, None)
                })
                .build()
                .unwrap()
        };
        let input = parameters(vec![
            param("Mode", CimBase::UInt16, 1, "In"),
            param("Path", CimBase::String, 0, "In"),
        ]);
        let output = parameters(vec![
            (
                "ReturnValue".into(),
                CimType::scalar(CimBase::UInt32),
                vec![Qualifier::new("Out", 0, Value::Boolean(true))],
            ),
            param("Mode", CimBase::UInt16, 1, "Out"),
        ]);
        let class = ClassBuilder::new("Tool")
            .method("Run", vec![], Some(input), Some(output))
            .build()
            .unwrap();
        let text = class_declaration(&class);
        assert_eq!(
            text.lines().nth(2).unwrap(),
            concat!(
                "\tuint32 Run([CIMTYPE(\"string\"): ToInstance, In: Restricted, ID(0): Restricted DisableOverride] string Path, ",
                "[CIMTYPE(\"uint16\"): ToInstance, In: Restricted, ID(1): Restricted DisableOverride, Out: Restricted] uint16 Mode);"
            )
        );
    }
}
