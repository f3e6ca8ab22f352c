//! Rows as Samba's wmic printed them. The rules, from openvas-smb `wmi/wmic.c` (`main` and
//! `string_CIMVAR`), the wmic every distribution last shipped:
//!
//! - Before the first object, and again whenever an object's class name differs from the previous
//!   one (`strcmp`, so case matters): `CLASS: <name>`, then the property names joined by the delimiter.
//! - Then one line per object: every property of its class, in the same order, joined by the
//!   delimiter, nothing escaped or quoted.
//! - The order is the class's PropertyLookupTable order (MS-WMIO 2.2.21: sorted by name), which is the
//!   order Samba's decoder (`ndr_pull_WbemClass` in `samba/librpc/ndr/ndr_dcom.c`) fills `properties[]`.
//! - Integers in decimal (`%d`, `%u`, `%lld`, `%llu`); booleans `True`/`False`; strings, datetimes and
//!   references as they are; a NULL string `(null)` (glibc's `printf("%s", NULL)`); arrays `(a,b,c)`,
//!   an empty one `()`, a NULL one `NULL`.
//!
//! Where wmic printed something wrong we print the right value (README, "Replacing wmic"):
//! - REAL32/REAL64: wmic cast the value's integer bits to double (`(double)v->v_uint32`), so 1.5
//!   printed `1069547520.000000`; we print the number with `%f`'s six decimals (`1.500000`), the form
//!   wmic itself used for real arrays.
//! - CHAR16 printed `Unsupported`; we print the character. Embedded objects printed `Unsupported`; we
//!   print the object as rwmi's JSON.
//! - A NULL number or boolean printed whatever its value slot held (0, `False`): indistinguishable
//!   from a real 0. We print `(null)`, as wmic did for every NULL string.
//! - Boolean arrays printed the VARIANT_BOOL bits (`65535`, `0`); we print `True`/`False`, as scalars.

use std::io::{self, Write};
use std::sync::Arc;

use rwmi::{Value, WmiClass, WmiInstance};

/// A scalar in wmic's form.
fn scalar(value: &Value, out: &mut String) {
    use std::fmt::Write as _;
    if let Some(n) = value.integer() {
        let _ = write!(out, "{n}");
        return;
    }
    let _ = match value {
        Value::Real32(v) => real(f64::from(*v), out),
        Value::Real64(v) => real(*v, out),
        Value::Boolean(b) => out.write_str(if *b { "True" } else { "False" }),
        Value::String(s) | Value::DateTime(s) | Value::Reference(s) => out.write_str(s),
        Value::Char16(c) => {
            out.push(char::from_u32(u32::from(*c)).unwrap_or(char::REPLACEMENT_CHARACTER));
            Ok(())
        }
        Value::Object(o) => out.write_str(&rwmi::json::object_to_json(o)),
        Value::Array(items) => {
            // Nested arrays do not occur in CIM; should one arrive, it prints like any array.
            array(items, out);
            Ok(())
        }
        // Integers were written above.
        _ => Ok(()),
    };
}

/// C's `%f`: six decimals, `nan`/`inf` in lower case.
fn real(v: f64, out: &mut String) -> std::fmt::Result {
    use std::fmt::Write as _;
    if v.is_nan() {
        out.write_str(if v.is_sign_negative() { "-nan" } else { "nan" })
    } else if v.is_infinite() {
        out.write_str(if v < 0.0 { "-inf" } else { "inf" })
    } else {
        write!(out, "{v:.6}")
    }
}

fn array(items: &[Value], out: &mut String) {
    out.push('(');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        scalar(item, out);
    }
    out.push(')');
}

/// Appends a property's value as wmic printed it; `array_type` says whether the property is an array (a
/// NULL array prints `NULL`, a NULL scalar `(null)`).
pub fn write_value_text(out: &mut String, value: Option<&Value>, array_type: bool) {
    match value {
        None if array_type => out.push_str("NULL"),
        None => out.push_str("(null)"),
        Some(v) => scalar(v, out),
    }
}

/// The property indices of a class in the order wmic printed them (PropertyLookupTable order; a
/// class whose table is incomplete falls back to declaration order for the rest).
fn columns(class: &WmiClass) -> Vec<usize> {
    let n = class.properties().len();
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for &i in class.lookup_order() {
        let i = usize::from(i);
        if let Some(flag) = seen.get_mut(i)
            && !*flag
        {
            *flag = true;
            order.push(i);
        }
    }
    order.extend((0..n).filter(|&i| !seen.get(i).copied().unwrap_or(true)));
    order
}

/// Prints objects as wmic did, the `CLASS:` line and header again at each change of class.
pub struct Printer<W: Write> {
    out: W,
    delimiter: String,
    current: Option<(String, Arc<WmiClass>, Vec<usize>)>,
    /// One row's text, kept between rows so that a row costs no allocation once it has grown.
    line: String,
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, delimiter: &str) -> Self {
        Self {
            out,
            delimiter: delimiter.to_string(),
            current: None,
            line: String::new(),
        }
    }

    pub fn row(&mut self, instance: &WmiInstance) -> io::Result<()> {
        let name = instance.class.name();
        let same = matches!(&self.current, Some((n, class, _)) if n == name && Arc::ptr_eq(class, &instance.class));
        if !same {
            let order = columns(&instance.class);
            let class_changed = self.current.as_ref().is_none_or(|(n, _, _)| n != name);
            if class_changed {
                // wmic compares names only (wmic.c: strcmp of __CLASS).
                writeln!(self.out, "CLASS: {name}")?;
                let header: Vec<&str> = order
                    .iter()
                    .filter_map(|&i| instance.class.properties().get(i))
                    .map(|p| p.name.as_str())
                    .collect();
                writeln!(self.out, "{}", header.join(&self.delimiter))?;
            }
            self.current = Some((name.to_string(), instance.class.clone(), order));
        }
        let Some((_, class, order)) = &self.current else {
            return Ok(());
        };
        let line = &mut self.line;
        line.clear();
        for (k, &i) in order.iter().enumerate() {
            if k > 0 {
                line.push_str(&self.delimiter);
            }
            let array_type = class.properties().get(i).is_some_and(|p| p.cim_type.array);
            write_value_text(
                line,
                instance.values.get(i).and_then(Option::as_ref),
                array_type,
            );
        }
        line.push('\n');
        self.out.write_all(line.as_bytes())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_text(value: Option<&Value>, array_type: bool) -> String {
        let mut out = String::new();
        write_value_text(&mut out, value, array_type);
        out
    }

    #[test]
    fn value_forms() {
        let t = |v: Value| value_text(Some(&v), false);
        assert_eq!(t(Value::SInt8(-5)), "-5");
        assert_eq!(t(Value::UInt64(u64::MAX)), "18446744073709551615");
        assert_eq!(t(Value::SInt64(i64::MIN)), "-9223372036854775808");
        assert_eq!(t(Value::Real32(1.5)), "1.500000");
        assert_eq!(t(Value::Real64(-0.25)), "-0.250000");
        assert_eq!(t(Value::Real64(f64::NAN)), "nan");
        assert_eq!(t(Value::Real64(f64::NEG_INFINITY)), "-inf");
        assert_eq!(t(Value::Boolean(true)), "True");
        assert_eq!(t(Value::Char16(0x43)), "C");
        assert_eq!(t(Value::Char16(0xD800)), "\u{FFFD}");
        assert_eq!(t(Value::String("a|b".into())), "a|b");
        assert_eq!(
            t(Value::Array(vec![
                Value::Boolean(true),
                Value::Boolean(false)
            ])),
            "(True,False)"
        );
        assert_eq!(t(Value::Array(vec![])), "()");
        assert_eq!(value_text(None, true), "NULL");
        assert_eq!(value_text(None, false), "(null)");
    }
}
