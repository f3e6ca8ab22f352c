//! Query results as aiowmi's wmic_server answered them: the text of Python's `json.dumps(result)` for
//! a list of `{property: value}` objects, one per instance, properties in declaration order
//! (aiowmi orders them by PropertyInfo's DeclarationOrder, MS-WMIO 2.2.30).
//!
//! `json.dumps` defaults, byte for byte: `", "` and `": "` separators, non-ASCII escaped as `\uXXXX`
//! (surrogate pairs beyond the BMP), floats as Python's `repr` (`1.5`, `1e-05`, `1e+16`, `NaN`,
//! `Infinity`), `true`/`false`/`null`. The original's value shapes (its `encode_value` over aiowmi's
//! decoded values):
//!
//! - datetimes as aiowmi's `dt_fmt`: `YYYY-MM-DD HH:MM:SS` and the UTC offset in minutes, signed, three
//!   digits (`2024-01-15 08:30:00+060`); the fraction of a second is dropped, as there;
//! - everything else as JSON's own types: integers, floats (REAL32 widened to a double, as
//!   `struct.unpack('<f')` gives it), booleans, strings (references and CHAR16 too), arrays as lists.
//!
//! Where the original answered wrongly, the right value in the same shape (README, "Replacing wmic"):
//! - NULL is `null`. aiowmi (with `ignore_defaults=False`, as wmic_server asks) gives a NULL the
//!   type's default (`0`, `""`, `false`, `[]`), and also turns a genuine value whose slot reads 0 or
//!   0xFFFFFFFF (a uint32 of 4294967295) into that default.
//! - Intervals (`ddddddddhhmmss.mmmmmm:000`) are the whole interval in microseconds. The original sent
//!   `timedelta.microseconds`, the sub-second part only (a 1.5 s interval gave 500000).
//! - A datetime with a negative UTC offset keeps its value (`...-300`); aiowmi failed to parse those
//!   and the original sent `1970-01-01 00:00:00+000` (the epoch in the server's time zone).
//! - A datetime that is not a CIM datetime is sent as it came, not as the epoch.
//! - Embedded objects are nested objects; the original failed the whole answer (`Object of type ...
//!   is not JSON serializable`).

use std::fmt::Write as _;

use rwmi::{CimDateTime, Value, WmiInstance};

/// The answer's text for `rows`.
pub fn rows_json(rows: &[WmiInstance]) -> String {
    let mut out = String::with_capacity(64 + rows.len() * 256);
    out.push('[');
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        instance(row, &mut out);
    }
    out.push(']');
    out
}

fn instance(row: &WmiInstance, out: &mut String) {
    out.push('{');
    for (i, property) in row.class.properties().iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        string(&property.name, out);
        out.push_str(": ");
        match row.values.get(i).and_then(Option::as_ref) {
            Some(v) => value(v, out),
            None => out.push_str("null"),
        }
    }
    out.push('}');
}

fn value(v: &Value, out: &mut String) {
    if let Some(n) = v.integer() {
        let _ = write!(out, "{n}");
        return;
    }
    match v {
        Value::Real32(x) => float(f64::from(*x), out),
        Value::Real64(x) => float(*x, out),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::String(s) | Value::Reference(s) => string(s, out),
        Value::DateTime(s) => datetime(s, out),
        Value::Char16(c) => {
            let ch = char::from_u32(u32::from(*c)).unwrap_or(char::REPLACEMENT_CHARACTER);
            string(ch.encode_utf8(&mut [0; 4]), out);
        }
        Value::Object(o) => match o.as_ref() {
            rwmi::WmiObject::Instance(i) => instance(i, out),
            // A class as a value does not occur in WMI's data; its name says what it was.
            rwmi::WmiObject::Class(c) => string(c.name(), out),
        },
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                value(item, out);
            }
            out.push(']');
        }
        // Integers were written above.
        _ => out.push_str("null"),
    }
}

/// A JSON string as `json.dumps` writes it (`ensure_ascii=True`).
fn string(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(ch),
            _ => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)` as `json.dumps` writes it: the shortest digits that read back to the same
/// double; positional when the decimal exponent is in -4..16, else `d.ddde±XX`.
fn float(x: f64, out: &mut String) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    // Rust's `{:e}` gives the same shortest round-trip digits: `-1.2345e-7`, `1e16`, `0e0`.
    let sci = format!("{x:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    out.push_str(sign);
    if (-4..16).contains(&exponent) {
        let point = exponent + 1; // digits before the decimal point
        if point <= 0 {
            out.push_str("0.");
            for _ in 0..-point {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = point as usize;
            if digits.len() <= point {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.unsigned_abs()
        );
    }
}

/// A CIM datetime (DSP0004 2.3, MS-WMIO 2.3.1) in aiowmi's `dt_fmt` form (`*` read as 0 and a month
/// or day of `00` as `01`, as aiowmi does); an interval as its microseconds; other text as it came.
fn datetime(text: &str, out: &mut String) {
    match CimDateTime::parse(&text.replace('*', "0")) {
        Some(CimDateTime::Interval(i)) => {
            let _ = write!(out, "{}", i.total_microseconds());
        }
        Some(CimDateTime::Timestamp(t))
            if t.month <= 12 && t.day <= 31 && t.hour <= 23 && t.minute <= 59 && t.second <= 60 =>
        {
            let sign = if t.offset_minutes < 0 { '-' } else { '+' };
            let shown = format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}{sign}{:03}",
                t.year,
                t.month.max(1),
                t.day.max(1),
                t.hour,
                t.minute,
                t.second,
                t.offset_minutes.unsigned_abs()
            );
            string(&shown, out);
        }
        _ => string(text, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float_text(x: f64) -> String {
        let mut s = String::new();
        float(x, &mut s);
        s
    }

    #[test]
    fn floats_as_python_repr() {
        // Each pair is Python 3's repr(float(...)) of the value.
        for (x, python) in [
            (1.5, "1.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (-2.5, "-2.5"),
            (f64::from(0.1f32), "0.10000000149011612"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(float_text(x), python, "{x:e}");
        }
    }

    #[test]
    fn strings_as_json_dumps() {
        let mut s = String::new();
        string("a\"b\\c\nd\te\u{1}é€😀", &mut s);
        assert_eq!(s, r#""a\"b\\c\nd\te\u0001\u00e9\u20ac\ud83d\ude00""#);
    }

    #[test]
    fn datetimes_as_dt_fmt() {
        let text = |t: &str| {
            let mut s = String::new();
            datetime(t, &mut s);
            s
        };
        assert_eq!(
            text("20240115083000.123456+060"),
            r#""2024-01-15 08:30:00+060""#
        );
        assert_eq!(
            text("20240115083000.000000+000"),
            r#""2024-01-15 08:30:00+000""#
        );
        assert_eq!(
            text("19980525133015.000000-300"),
            r#""1998-05-25 13:30:15-300""#
        );
        assert_eq!(
            text("1998**********.******+000"),
            r#""1998-01-01 00:00:00+000""#
        );
        // 1 day, 2 h, 3 min, 4.5 s.
        assert_eq!(text("00000001020304.500000:000"), "93784500000");
        assert_eq!(text("not a date"), r#""not a date""#);
    }
}
