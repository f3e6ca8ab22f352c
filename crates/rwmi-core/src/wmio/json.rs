//! Objects as JSON text, written by hand because the core has no dependencies.

use std::fmt::Write;

use super::cim::Value;
use super::instance::WmiInstance;
use super::object::WmiObject;

/// What `to_json` accepts: an instance or an object.
pub trait ToJson {
    fn to_json(&self) -> String;
}

impl ToJson for WmiInstance {
    fn to_json(&self) -> String {
        instance_to_json(self)
    }
}

impl ToJson for WmiObject {
    fn to_json(&self) -> String {
        object_to_json(self)
    }
}

/// `{"__CLASS": "...", "<Property>": value, ...}`; see `instance_to_json` and `object_to_json`.
pub fn to_json<T: ToJson + ?Sized>(value: &T) -> String {
    value.to_json()
}

/// `{"__CLASS": "...", "<Property>": value, ...}` with properties in class (declaration) order.
pub fn instance_to_json(instance: &WmiInstance) -> String {
    let mut out = String::new();
    write_instance(&mut out, instance);
    out
}

/// An instance as `instance_to_json` writes it; a class as its name and its properties' default values.
pub fn object_to_json(object: &WmiObject) -> String {
    let mut out = String::new();
    write_object(&mut out, object);
    out
}

/// One value as JSON (numbers as numbers, strings escaped, arrays, embedded objects as objects).
pub fn value_to_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// A JSON string literal for `text`, quoted and escaped.
pub fn json_string(text: &str) -> String {
    let mut out = String::new();
    write_string(&mut out, text);
    out
}

fn write_object(out: &mut String, object: &WmiObject) {
    match object {
        WmiObject::Instance(i) => write_instance(out, i),
        WmiObject::Class(c) => {
            let entries = c
                .properties()
                .iter()
                .map(|p| (p.name.as_str(), p.default.as_ref()));
            write_members(out, c.name(), entries);
        }
    }
}

fn write_instance(out: &mut String, instance: &WmiInstance) {
    let entries = instance
        .class
        .properties()
        .iter()
        .zip(&instance.values)
        .map(|(p, v)| (p.name.as_str(), v.as_ref()));
    write_members(out, instance.class.name(), entries);
}

fn write_members<'v>(
    out: &mut String,
    class_name: &str,
    entries: impl Iterator<Item = (&'v str, Option<&'v Value>)>,
) {
    out.push_str("{\"__CLASS\": ");
    write_string(out, class_name);
    for (name, value) in entries {
        out.push_str(", ");
        write_string(out, name);
        out.push_str(": ");
        match value {
            Some(v) => write_value(out, v),
            None => out.push_str("null"),
        }
    }
    out.push('}');
}

fn write_value(out: &mut String, value: &Value) {
    // Writing to a String cannot fail.
    let _ = match value {
        Value::SInt8(_)
        | Value::UInt8(_)
        | Value::SInt16(_)
        | Value::UInt16(_)
        | Value::SInt32(_)
        | Value::UInt32(_)
        | Value::SInt64(_)
        | Value::UInt64(_) => write!(out, "{}", value.integer().unwrap_or_default()),
        Value::Real32(v) => {
            write_real(out, f64::from(*v), &v.to_string());
            Ok(())
        }
        Value::Real64(v) => {
            write_real(out, *v, &v.to_string());
            Ok(())
        }
        Value::Boolean(v) => write!(out, "{v}"),
        Value::String(s) | Value::DateTime(s) | Value::Reference(s) => {
            write_string(out, s);
            Ok(())
        }
        Value::Char16(c) => {
            let text: String = char::decode_utf16([*c])
                .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            write_string(out, &text);
            Ok(())
        }
        Value::Object(o) => {
            write_object(out, o);
            Ok(())
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
            Ok(())
        }
    };
}

/// JSON has no NaN or infinities: those become the strings "NaN", "inf", "-inf".
fn write_real(out: &mut String, v: f64, shortest: &str) {
    if v.is_nan() {
        out.push_str("\"NaN\"");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "\"inf\"" } else { "\"-inf\"" });
    } else {
        out.push_str(shortest);
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wmio::{CimBase, CimType, WmiClass};

    #[test]
    fn values_render_as_json() {
        let inner = WmiClass::builder("Inner")
            .property("x", CimType::scalar(CimBase::UInt8), vec![], None)
            .build()
            .unwrap();
        let mut inner_inst = WmiInstance::new(inner);
        inner_inst.set("x", Some(Value::UInt8(7))).unwrap();
        let class = WmiClass::builder("Outer")
            .property("s", CimType::scalar(CimBase::String), vec![], None)
            .property("big", CimType::scalar(CimBase::UInt64), vec![], None)
            .property("neg", CimType::scalar(CimBase::SInt64), vec![], None)
            .property("b", CimType::scalar(CimBase::Boolean), vec![], None)
            .property("r", CimType::array_of(CimBase::Real64), vec![], None)
            .property("c", CimType::scalar(CimBase::Char16), vec![], None)
            .property("o", CimType::scalar(CimBase::Object), vec![], None)
            .property("n", CimType::scalar(CimBase::SInt32), vec![], None)
            .build()
            .unwrap();
        let mut inst = WmiInstance::new(class);
        inst.set("s", Some(Value::String("a\"b\\c\n\u{1}é".into())))
            .unwrap();
        inst.set("big", Some(Value::UInt64(u64::MAX))).unwrap();
        inst.set("neg", Some(Value::SInt64(i64::MIN))).unwrap();
        inst.set("b", Some(Value::Boolean(true))).unwrap();
        inst.set(
            "r",
            Some(Value::Array(vec![
                Value::Real64(1.5),
                Value::Real64(f64::NAN),
                Value::Real64(f64::NEG_INFINITY),
            ])),
        )
        .unwrap();
        inst.set("c", Some(Value::Char16(0x41))).unwrap();
        inst.set(
            "o",
            Some(Value::Object(Box::new(WmiObject::Instance(inner_inst)))),
        )
        .unwrap();
        assert_eq!(to_json(&inst), to_json(&WmiObject::Instance(inst.clone())));
        assert_eq!(
            instance_to_json(&inst),
            "{\"__CLASS\": \"Outer\", \"s\": \"a\\\"b\\\\c\\n\\u0001é\", \
             \"big\": 18446744073709551615, \"neg\": -9223372036854775808, \"b\": true, \
             \"r\": [1.5, \"NaN\", \"-inf\"], \"c\": \"A\", \
             \"o\": {\"__CLASS\": \"Inner\", \"x\": 7}, \"n\": null}"
        );
    }
}
