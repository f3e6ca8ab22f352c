//! Evaluating a WHERE clause against one object, with WMI's comparison rules: strings compare without
//! regard to case, numbers compare across signed, unsigned and real, a constant is converted to the
//! property's kind ('123' against a number, 5 against a string), and NULL satisfies nothing but IS NULL.
//! Logic is two-valued, as in WMI: a comparison with NULL is false, so `NOT (p = 1)` holds when p is NULL.

use std::cmp::Ordering;

use super::ast::{CompareOp, Condition, Literal, SelectQuery, THIS_PROPERTY};
use super::like::fold_case;

/// A property value as the query evaluator sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum WqlValue {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Real(f64),
    /// Strings, and also datetimes and references, which WMI compares as their text.
    String(String),
    /// Arrays satisfy no comparison, LIKE or ISA; only IS [NOT] NULL looks at them.
    Array(Vec<WqlValue>),
}

/// What a query needs from an object.
pub trait WqlObject {
    /// The value of a property, looked up without regard to case; `None` if the object has no such property
    /// (treated like NULL; [`SelectQuery::validate`] is what rejects unknown names).
    fn property(&self, name: &str) -> Option<WqlValue>;
    /// Whether the object's class is `class` or derives from it (case-insensitive).
    fn is_a(&self, class: &str) -> bool;
    /// Whether the embedded object held by `property` is of `class` or a subclass, for
    /// `TargetInstance ISA 'Win32_Process'`. Objects without embedded objects keep the default.
    fn property_is_a(&self, property: &str, class: &str) -> bool {
        let _ = (property, class);
        false
    }
}

impl SelectQuery {
    /// Whether `object` satisfies the WHERE clause (always, when there is none).
    pub fn matches(&self, object: &impl WqlObject) -> bool {
        self.condition
            .as_ref()
            .is_none_or(|condition| condition.matches(object))
    }
}

impl Condition {
    pub fn matches(&self, object: &impl WqlObject) -> bool {
        match self {
            Condition::And(parts) => parts.iter().all(|part| part.matches(object)),
            Condition::Or(parts) => parts.iter().any(|part| part.matches(object)),
            Condition::Not(inner) => !inner.matches(object),
            Condition::Compare {
                property,
                op,
                value,
            } => {
                let actual = object.property(property).unwrap_or(WqlValue::Null);
                op.holds(compare(&actual, value))
            }
            Condition::Like { property, pattern } => match object.property(property) {
                Some(WqlValue::String(text)) => pattern.matches(&text),
                // MS-WMI 2.2.1.1: on a non-string property LIKE tests equality with the pattern text.
                Some(other) => CompareOp::Equal
                    .evaluate(&other, &Literal::String(pattern.as_str().to_string())),
                None => false,
            },
            Condition::IsNull { property, negated } => {
                let is_null = matches!(object.property(property), None | Some(WqlValue::Null));
                is_null != *negated
            }
            Condition::Isa { property, class } => {
                if property.eq_ignore_ascii_case(THIS_PROPERTY) {
                    object.is_a(class)
                } else {
                    object.property_is_a(property, class)
                }
            }
        }
    }
}

/// A number of any of WQL's three numeric kinds.
#[derive(Debug, Clone, Copy)]
enum Number {
    Signed(i64),
    Unsigned(u64),
    Real(f64),
}

impl Number {
    fn as_real(self) -> f64 {
        match self {
            Number::Signed(value) => value as f64,
            Number::Unsigned(value) => value as f64,
            Number::Real(value) => value,
        }
    }

    fn compare(self, other: Number) -> Option<Ordering> {
        match (self, other) {
            (Number::Signed(a), Number::Signed(b)) => Some(a.cmp(&b)),
            (Number::Unsigned(a), Number::Unsigned(b)) => Some(a.cmp(&b)),
            (Number::Signed(a), Number::Unsigned(b)) => Some(match u64::try_from(a) {
                Ok(a) => a.cmp(&b),
                Err(_) => Ordering::Less,
            }),
            (Number::Unsigned(_), Number::Signed(_)) => other.compare(self).map(Ordering::reverse),
            _ => self.as_real().partial_cmp(&other.as_real()),
        }
    }

    /// Reads a number from a string constant: decimal or `0x` hex integers, or a real.
    fn parse(text: &str) -> Option<Number> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let hex = digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"));
        let magnitude = match hex {
            Some(hex_digits) => u64::from_str_radix(hex_digits, 16).ok(),
            None if digits.bytes().all(|b| b.is_ascii_digit()) => digits.parse().ok(),
            None => None,
        };
        match magnitude {
            Some(magnitude) if negative => 0i64.checked_sub_unsigned(magnitude).map(Number::Signed),
            Some(magnitude) => Some(match i64::try_from(magnitude) {
                Ok(value) => Number::Signed(value),
                Err(_) => Number::Unsigned(magnitude),
            }),
            None if hex.is_none() && !digits.starts_with(['+', '-']) => {
                let value: f64 = text.parse().ok()?;
                value.is_finite().then_some(Number::Real(value))
            }
            None => None,
        }
    }
}

fn literal_number(literal: &Literal) -> Option<Number> {
    match literal {
        Literal::Integer(value) => Some(Number::Signed(*value)),
        Literal::Unsigned(value) => Some(Number::Unsigned(*value)),
        Literal::Real(value) => Some(Number::Real(*value)),
        Literal::Bool(value) => Some(Number::Signed(i64::from(*value))),
        Literal::String(text) => Number::parse(text),
        Literal::Null => None,
    }
}

fn literal_bool(literal: &Literal) -> Option<bool> {
    match literal {
        Literal::Bool(value) => Some(*value),
        Literal::Integer(value) => Some(*value != 0),
        Literal::Unsigned(value) => Some(*value != 0),
        Literal::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
        Literal::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// The literal as text, for comparing with a string property.
fn literal_text(literal: &Literal) -> Option<String> {
    match literal {
        Literal::Null => None,
        Literal::String(text) => Some(text.clone()),
        Literal::Bool(value) => Some(if *value { "TRUE" } else { "FALSE" }.to_string()),
        Literal::Integer(value) => Some(value.to_string()),
        Literal::Unsigned(value) => Some(value.to_string()),
        Literal::Real(value) => Some(value.to_string()),
    }
}

fn compare_ignoring_case(a: &str, b: &str) -> Ordering {
    a.chars().map(fold_case).cmp(b.chars().map(fold_case))
}

/// How a property value orders against a constant, after converting the constant to the value's kind;
/// `None` when they cannot be compared (NULL, arrays, unconvertible constants).
fn compare(actual: &WqlValue, literal: &Literal) -> Option<Ordering> {
    match actual {
        WqlValue::Null | WqlValue::Array(_) => None,
        WqlValue::String(text) => Some(compare_ignoring_case(text, &literal_text(literal)?)),
        WqlValue::Bool(value) => Some(value.cmp(&literal_bool(literal)?)),
        WqlValue::Int(value) => Number::Signed(*value).compare(literal_number(literal)?),
        WqlValue::UInt(value) => Number::Unsigned(*value).compare(literal_number(literal)?),
        WqlValue::Real(value) => Number::Real(*value).compare(literal_number(literal)?),
    }
}

/// Whether `op` holds between a property value and a constant; exposed for callers filtering by hand.
impl CompareOp {
    pub fn evaluate(self, actual: &WqlValue, literal: &Literal) -> bool {
        self.holds(compare(actual, literal))
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    struct Process;

    impl WqlObject for Process {
        fn property(&self, name: &str) -> Option<WqlValue> {
            Some(match name.to_ascii_lowercase().as_str() {
                "name" => WqlValue::String("Notepad.EXE".into()),
                "processid" => WqlValue::UInt(4242),
                "priority" => WqlValue::Int(-3),
                "cpu" => WqlValue::Real(12.5),
                "critical" => WqlValue::Bool(false),
                "description" => WqlValue::Null,
                "handles" => WqlValue::Array(vec![WqlValue::Int(1)]),
                "__class" => WqlValue::String("Win32_Process".into()),
                "targetinstance" => WqlValue::Null,
                _ => return None,
            })
        }

        fn is_a(&self, class: &str) -> bool {
            ["Win32_Process", "CIM_Process"]
                .iter()
                .any(|c| c.eq_ignore_ascii_case(class))
        }

        fn property_is_a(&self, property: &str, class: &str) -> bool {
            property.eq_ignore_ascii_case("TargetInstance")
                && class.eq_ignore_ascii_case("Win32_Service")
        }
    }

    fn check(condition: &str) -> bool {
        parse(&format!("SELECT * FROM Win32_Process WHERE {condition}"))
            .unwrap()
            .matches(&Process)
    }

    #[test]
    fn no_where_matches_everything() {
        assert!(
            parse("SELECT * FROM Win32_Process")
                .unwrap()
                .matches(&Process)
        );
    }

    #[test]
    fn strings_ignore_case() {
        assert!(check("Name = 'notepad.exe'"));
        assert!(check("name <> 'calc.exe'"));
        assert!(check("Name != 'calc.exe'"));
        assert!(!check("Name = 'notepad'"));
        assert!(check("Name > 'MSPAINT'"));
        assert!(check("Name < 'z'"));
        assert!(check("Name >= 'NOTEPAD.exe'"));
        assert!(check("Name <= 'notepad.exe'"));
        assert!(!check("Name < 'NOTEPAD.EXE'"));
        assert!(check("'notepad.exe' = Name"));
        assert!(check("'a' < Name"));
        assert!(check("__CLASS = 'WIN32_PROCESS'"));
    }

    #[test]
    fn numbers_across_kinds() {
        assert!(check("ProcessId = 4242"));
        assert!(check("ProcessId = 4242.0"));
        assert!(check("ProcessId = 0x1092"));
        assert!(check("ProcessId > -1"));
        assert!(check("ProcessId < 18446744073709551615"));
        assert!(check("ProcessId >= 4242 AND ProcessId <= 4242"));
        assert!(check("Priority < 0"));
        assert!(check("Priority < 18446744073709551615"));
        assert!(check("Priority = -3.0"));
        assert!(!check("Priority > 0"));
        assert!(check("Cpu > 12"));
        assert!(check("Cpu < 13"));
        assert!(check("Cpu = 12.5"));
        assert!(check("Cpu <> 12"));
        assert!(check("100 > Cpu"));
    }

    #[test]
    fn string_constants_convert_to_numbers_and_back() {
        assert!(check("ProcessId = '4242'"));
        assert!(check("ProcessId > ' 100 '"));
        assert!(check("Priority = '-3'"));
        assert!(check("Cpu = '12.5'"));
        assert!(check("ProcessId = '0x1092'"));
        assert!(!check("ProcessId = 'abc'"));
        assert!(!check("ProcessId <> 'abc'"));
        assert!(!check("ProcessId = ''"));
        assert!(!check("ProcessId = '--1'"));
        assert!(!check("ProcessId = '+-1'"));
        assert!(!check("Name = 5"));
        assert!(check("Name <> 5"));
    }

    #[test]
    fn booleans() {
        assert!(check("Critical = FALSE"));
        assert!(check("Critical <> TRUE"));
        assert!(check("Critical < TRUE"));
        assert!(check("Critical = 0"));
        assert!(!check("Critical = 1"));
        assert!(check("Critical = 'false'"));
        assert!(!check("Critical = 'maybe'"));
        assert!(!check("Critical <> 'maybe'"));
        assert!(check("ProcessId > TRUE"));
    }

    #[test]
    fn null_only_satisfies_is_null() {
        assert!(check("Description IS NULL"));
        assert!(!check("Description IS NOT NULL"));
        assert!(check("Name IS NOT NULL"));
        assert!(!check("Name IS NULL"));
        for op in ["=", "<>", "<", ">", "<=", ">="] {
            assert!(!check(&format!("Description {op} 'x'")), "{op}");
            assert!(!check(&format!("Name {op} NULL")), "{op}");
            assert!(!check(&format!("Description {op} NULL")), "{op}");
        }
        assert!(!check("Description LIKE '%'"));
        assert!(check("NOT Description = 'x'"));
        assert!(check("Missing IS NULL"));
        assert!(!check("Missing = 1"));
        assert!(check("Handles IS NOT NULL"));
        assert!(!check("Handles = 1"));
    }

    #[test]
    fn like_is_case_insensitive() {
        assert!(check("Name LIKE 'NOTE%'"));
        assert!(check("Name LIKE '%.exe'"));
        assert!(check("Name LIKE 'n_tepad.[a-f]xe'"));
        assert!(check("Name LIKE '[^x]%'"));
        assert!(!check("Name LIKE 'calc%'"));
        assert!(!check("ProcessId LIKE '4%'"));
        assert!(check("ProcessId LIKE '4242'"));
        assert!(check("Critical LIKE 'false'"));
        assert!(!check("Handles LIKE '1'"));
    }

    #[test]
    fn isa() {
        assert!(check("__this ISA 'cim_process'"));
        assert!(!check("__THIS ISA 'Win32_Service'"));
        assert!(check("TargetInstance ISA 'Win32_Service'"));
        assert!(!check("Name ISA 'Win32_Service'"));
    }

    #[test]
    fn logic() {
        assert!(check("Name = 'x' OR ProcessId = 4242"));
        assert!(!check("Name = 'x' AND ProcessId = 4242"));
        assert!(check("NOT Name = 'x'"));
        assert!(check("NOT (Name = 'x' OR ProcessId = 1) AND (Cpu > 1)"));
        assert!(!check("NOT NOT Name = 'x'"));
    }

    #[test]
    fn number_parsing() {
        assert!(matches!(Number::parse("12"), Some(Number::Signed(12))));
        assert!(matches!(Number::parse("-0x10"), Some(Number::Signed(-16))));
        assert!(matches!(
            Number::parse("18446744073709551615"),
            Some(Number::Unsigned(u64::MAX))
        ));
        assert!(matches!(Number::parse("1e3"), Some(Number::Real(v)) if v == 1000.0));
        assert!(Number::parse("inf").is_none());
        assert!(Number::parse("NaN").is_none());
        assert!(Number::parse("1e999").is_none());
        assert!(Number::parse("-").is_none());
    }

    #[test]
    fn evaluate_directly() {
        assert!(CompareOp::Less.evaluate(&WqlValue::Int(-1), &Literal::Unsigned(u64::MAX)));
        assert!(!CompareOp::Equal.evaluate(&WqlValue::Real(f64::NAN), &Literal::Real(f64::NAN)));
    }
}
