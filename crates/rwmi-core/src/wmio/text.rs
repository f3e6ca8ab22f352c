//! Values typed in by a person (`rwmi call ... ProcessId=42 Flags=true,false`), converted to the CIM type
//! the class declares.

use super::cim::{CimBase, CimType, Value};

/// Converts `text` to a value of type `ty`. Arrays take comma-separated elements; `null` (any case) is no
/// value at all and is handled by the caller.
pub fn parse_value(ty: CimType, text: &str) -> Result<Value, String> {
    if ty.array {
        let items = if text.trim().is_empty() {
            Vec::new()
        } else {
            text.split(',').collect()
        };
        return items
            .into_iter()
            .map(|item| parse_scalar(ty.base, item.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    parse_scalar(ty.base, text)
}

fn parse_scalar(base: CimBase, text: &str) -> Result<Value, String> {
    fn int<T: std::str::FromStr>(text: &str, name: &str) -> Result<T, String> {
        text.trim()
            .parse::<T>()
            .map_err(|_| format!("`{text}` is not a {name}"))
    }
    Ok(match base {
        CimBase::SInt8 => Value::SInt8(int(text, "sint8")?),
        CimBase::UInt8 => Value::UInt8(int(text, "uint8")?),
        CimBase::SInt16 => Value::SInt16(int(text, "sint16")?),
        CimBase::UInt16 => Value::UInt16(int(text, "uint16")?),
        CimBase::SInt32 => Value::SInt32(int(text, "sint32")?),
        CimBase::UInt32 => Value::UInt32(int(text, "uint32")?),
        CimBase::SInt64 => Value::SInt64(int(text, "sint64")?),
        CimBase::UInt64 => Value::UInt64(int(text, "uint64")?),
        CimBase::Real32 => Value::Real32(int(text, "real32")?),
        CimBase::Real64 => Value::Real64(int(text, "real64")?),
        CimBase::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Value::Boolean(true),
            "false" | "0" | "no" => Value::Boolean(false),
            _ => return Err(format!("`{text}` is not a boolean (true or false)")),
        },
        CimBase::String => Value::String(text.to_string()),
        CimBase::DateTime => Value::DateTime(text.to_string()),
        CimBase::Reference => Value::Reference(text.to_string()),
        CimBase::Char16 => {
            let mut units = text.encode_utf16();
            match (units.next(), units.next()) {
                (Some(u), None) => Value::Char16(u),
                _ => return Err(format!("`{text}` is not a single character")),
            }
        }
        CimBase::Object => return Err("an embedded object cannot be typed in as text".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_by_declared_type() {
        assert_eq!(
            parse_value(CimType::scalar(CimBase::UInt32), "42"),
            Ok(Value::UInt32(42))
        );
        assert_eq!(
            parse_value(CimType::scalar(CimBase::SInt8), "-5"),
            Ok(Value::SInt8(-5))
        );
        assert!(parse_value(CimType::scalar(CimBase::UInt8), "300").is_err());
        assert_eq!(
            parse_value(CimType::scalar(CimBase::Boolean), "TRUE"),
            Ok(Value::Boolean(true))
        );
        assert_eq!(
            parse_value(CimType::array_of(CimBase::UInt16), "1, 2,3"),
            Ok(Value::Array(vec![
                Value::UInt16(1),
                Value::UInt16(2),
                Value::UInt16(3)
            ]))
        );
        assert_eq!(
            parse_value(CimType::array_of(CimBase::String), ""),
            Ok(Value::Array(vec![]))
        );
        assert_eq!(
            parse_value(CimType::scalar(CimBase::Char16), "x"),
            Ok(Value::Char16(u16::from(b'x')))
        );
        assert!(parse_value(CimType::scalar(CimBase::Char16), "xy").is_err());
        assert!(parse_value(CimType::scalar(CimBase::Object), "x").is_err());
    }
}
