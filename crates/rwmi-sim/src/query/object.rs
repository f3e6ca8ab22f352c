//! How the WQL evaluator sees repository objects: instances and (for `meta_class` queries) classes.

use rwmi_core::wmio::{Value, WmiClass, WmiInstance};

use crate::wql::{WqlObject, WqlValue};

/// A CIM value as the evaluator compares it. Datetimes and references compare as their text (MS-WMI
/// 2.2.1.1); a CHAR16 as its code unit; embedded objects satisfy only IS [NOT] NULL.
pub fn wql_value(value: Option<&Value>) -> WqlValue {
    let Some(value) = value else {
        return WqlValue::Null;
    };
    match value {
        Value::SInt8(v) => WqlValue::Int(i64::from(*v)),
        Value::SInt16(v) => WqlValue::Int(i64::from(*v)),
        Value::SInt32(v) => WqlValue::Int(i64::from(*v)),
        Value::SInt64(v) => WqlValue::Int(*v),
        Value::UInt8(v) => WqlValue::UInt(u64::from(*v)),
        Value::UInt16(v) => WqlValue::UInt(u64::from(*v)),
        Value::UInt32(v) => WqlValue::UInt(u64::from(*v)),
        Value::UInt64(v) => WqlValue::UInt(*v),
        Value::Char16(v) => WqlValue::UInt(u64::from(*v)),
        Value::Real32(v) => WqlValue::Real(f64::from(*v)),
        Value::Real64(v) => WqlValue::Real(*v),
        Value::Boolean(v) => WqlValue::Bool(*v),
        Value::String(s) | Value::DateTime(s) | Value::Reference(s) => WqlValue::String(s.clone()),
        Value::Object(_) => WqlValue::Array(Vec::new()),
        Value::Array(items) => WqlValue::Array(items.iter().map(|v| wql_value(Some(v))).collect()),
    }
}

/// Whether `class` is `name` or derives from it.
pub fn class_is_a(class: &WmiClass, name: &str) -> bool {
    class.name().eq_ignore_ascii_case(name)
        || class
            .derivation()
            .iter()
            .any(|parent| parent.eq_ignore_ascii_case(name))
}

/// The system properties both genera share; `None` for the ones that depend on the genus.
fn class_system_property(class: &WmiClass, upper: &str) -> Option<WqlValue> {
    let text = |s: &str| WqlValue::String(s.to_string());
    Some(match upper {
        "__CLASS" => text(class.name()),
        "__SUPERCLASS" => class.superclass().map_or(WqlValue::Null, text),
        "__DYNASTY" => text(class.dynasty()),
        "__DERIVATION" => WqlValue::Array(class.derivation().iter().map(|s| text(s)).collect()),
        "__PROPERTY_COUNT" => {
            WqlValue::Int(i64::try_from(class.properties().len()).unwrap_or(i64::MAX))
        }
        _ => return None,
    })
}

impl WqlObject for WmiInstance {
    fn property(&self, name: &str) -> Option<WqlValue> {
        if name.starts_with("__") {
            let upper = name.to_ascii_uppercase();
            if let Some(value) = class_system_property(&self.class, &upper) {
                return Some(value);
            }
            let decoration = self.decoration.as_ref();
            let text = |s: Option<String>| Some(s.map_or(WqlValue::Null, WqlValue::String));
            return match upper.as_str() {
                "__GENUS" => Some(WqlValue::Int(2)),
                "__RELPATH" => text(self.relpath()),
                "__PATH" => text(self.path()),
                "__SERVER" => text(decoration.map(|d| d.server.clone())),
                "__NAMESPACE" => text(decoration.map(|d| d.namespace.clone())),
                _ => None,
            };
        }
        self.class.property(name)?;
        Some(wql_value(self.get(name)))
    }

    fn is_a(&self, class: &str) -> bool {
        class_is_a(&self.class, class)
    }
}

impl WqlObject for WmiClass {
    fn property(&self, name: &str) -> Option<WqlValue> {
        if name.starts_with("__") {
            let upper = name.to_ascii_uppercase();
            if let Some(value) = class_system_property(self, &upper) {
                return Some(value);
            }
            let decoration = self.decoration();
            let text = |s: Option<String>| Some(s.map_or(WqlValue::Null, WqlValue::String));
            return match upper.as_str() {
                "__GENUS" => Some(WqlValue::Int(1)),
                "__RELPATH" => text(Some(self.name().to_string())),
                "__PATH" => text(
                    decoration.map(|d| format!(r"\\{}\{}:{}", d.server, d.namespace, self.name())),
                ),
                "__SERVER" => text(decoration.map(|d| d.server.clone())),
                "__NAMESPACE" => text(decoration.map(|d| d.namespace.clone())),
                _ => None,
            };
        }
        let (_, property) = self.property(name)?;
        Some(wql_value(property.default.as_ref()))
    }

    fn is_a(&self, class: &str) -> bool {
        class_is_a(self, class)
    }
}
