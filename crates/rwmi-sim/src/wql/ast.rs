//! The parsed form of a WQL SELECT query, its canonical text form, and validation against a schema.

use std::cmp::Ordering;
use std::fmt;

use super::error::WqlError;
use super::like::LikePattern;

/// The pseudo-property naming the object itself, as in `WHERE __this ISA 'Win32_LogicalDisk'`.
pub const THIS_PROPERTY: &str = "__this";

/// System properties every WMI object has; always valid in a query.
pub const SYSTEM_PROPERTIES: [&str; 10] = [
    "__CLASS",
    "__DERIVATION",
    "__DYNASTY",
    "__GENUS",
    "__NAMESPACE",
    "__PATH",
    "__PROPERTY_COUNT",
    "__RELPATH",
    "__SERVER",
    "__SUPERCLASS",
];

#[derive(Debug, Clone, PartialEq)]
pub struct SelectQuery {
    pub properties: SelectList,
    /// The class after FROM, as written.
    pub class: String,
    /// The WHERE clause; `None` selects every instance.
    pub condition: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SelectList {
    /// `SELECT *`
    All,
    /// `SELECT a, b`, names as written.
    Properties(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Equal,
    /// `<>` or `!=`
    NotEqual,
    Less,
    Greater,
    LessOrEqual,
    GreaterOrEqual,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Equal => "=",
            CompareOp::NotEqual => "<>",
            CompareOp::Less => "<",
            CompareOp::Greater => ">",
            CompareOp::LessOrEqual => "<=",
            CompareOp::GreaterOrEqual => ">=",
        }
    }

    /// The operator with its operands swapped: `5 < x` is `x > 5`.
    pub fn mirrored(self) -> Self {
        match self {
            CompareOp::Less => CompareOp::Greater,
            CompareOp::Greater => CompareOp::Less,
            CompareOp::LessOrEqual => CompareOp::GreaterOrEqual,
            CompareOp::GreaterOrEqual => CompareOp::LessOrEqual,
            same => same,
        }
    }

    /// Whether an ordering of property against literal satisfies the operator; `None` (incomparable) never does.
    pub fn holds(self, ordering: Option<Ordering>) -> bool {
        let Some(ordering) = ordering else {
            return false;
        };
        match self {
            CompareOp::Equal => ordering == Ordering::Equal,
            CompareOp::NotEqual => ordering != Ordering::Equal,
            CompareOp::Less => ordering == Ordering::Less,
            CompareOp::Greater => ordering == Ordering::Greater,
            CompareOp::LessOrEqual => ordering != Ordering::Greater,
            CompareOp::GreaterOrEqual => ordering != Ordering::Less,
        }
    }
}

/// A constant in a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Integer(i64),
    /// Only for values above `i64::MAX`.
    Unsigned(u64),
    Real(f64),
    String(String),
}

/// A WHERE condition. `And`/`Or` hold flat lists so that long chains do not nest.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    /// `property op literal`; a query written `literal op property` is stored mirrored.
    Compare {
        property: String,
        op: CompareOp,
        value: Literal,
    },
    Like {
        property: String,
        pattern: LikePattern,
    },
    /// `IS NULL` (`negated: false`) or `IS NOT NULL`.
    IsNull {
        property: String,
        negated: bool,
    },
    /// `property ISA 'Class'`; with `__this` it tests the object's own class.
    Isa {
        property: String,
        class: String,
    },
}

impl Condition {
    /// Calls `visit` with each property name the condition reads.
    pub fn for_each_property(&self, visit: &mut impl FnMut(&str)) {
        match self {
            Condition::And(parts) | Condition::Or(parts) => {
                parts.iter().for_each(|part| part.for_each_property(visit))
            }
            Condition::Not(inner) => inner.for_each_property(visit),
            Condition::Compare { property, .. }
            | Condition::Like { property, .. }
            | Condition::IsNull { property, .. }
            | Condition::Isa { property, .. } => visit(property),
        }
    }
}

impl SelectQuery {
    /// Rejects property names the class does not have (WBEM_E_INVALID_QUERY), as Windows does before running
    /// a query. System properties and `__this` are always accepted; for a dotted name such as
    /// `TargetInstance.Name` only the first part is looked up.
    pub fn validate(&self, has_property: impl Fn(&str) -> bool) -> Result<(), WqlError> {
        let known = |name: &str| {
            let head = name.split('.').next().unwrap_or(name);
            head.eq_ignore_ascii_case(THIS_PROPERTY)
                || SYSTEM_PROPERTIES
                    .iter()
                    .any(|system| system.eq_ignore_ascii_case(head))
                || has_property(head)
        };
        if let SelectList::Properties(names) = &self.properties
            && let Some(unknown) = names.iter().find(|name| !known(name))
        {
            return Err(WqlError::invalid(format!(
                "class `{}` has no property `{unknown}` (in the SELECT list)",
                self.class
            )));
        }
        let mut unknown = None;
        if let Some(condition) = &self.condition {
            condition.for_each_property(&mut |name| {
                if unknown.is_none() && !known(name) {
                    unknown = Some(name.to_string());
                }
            });
        }
        match unknown {
            Some(name) => Err(WqlError::invalid(format!(
                "class `{}` has no property `{name}` (in the WHERE clause)",
                self.class
            ))),
            None => Ok(()),
        }
    }
}

/// Writes a string literal the lexer reads back to the same value.
fn write_quoted(f: &mut fmt::Formatter<'_>, value: &str) -> fmt::Result {
    f.write_str("'")?;
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("'")
}

/// Writes a LIKE pattern between quotes so that it reads back as the same raw text: the lexer lets a
/// backslash shield the next character, so the pattern fits a quote that it never has unshielded.
fn write_like_pattern(f: &mut fmt::Formatter<'_>, pattern: &str) -> fmt::Result {
    let fits = |quote: char| {
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            if c == quote || (c == '\\' && chars.next().is_none()) {
                return false;
            }
        }
        true
    };
    let quote = if fits('\'') || !fits('"') { '\'' } else { '"' };
    write!(f, "{quote}{pattern}{quote}")
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("NULL"),
            Literal::Bool(true) => f.write_str("TRUE"),
            Literal::Bool(false) => f.write_str("FALSE"),
            Literal::Integer(value) => write!(f, "{value}"),
            Literal::Unsigned(value) => write!(f, "{value}"),
            // Debug keeps a decimal point or exponent, so the text reads back as a real.
            Literal::Real(value) => write!(f, "{value:?}"),
            Literal::String(value) => write_quoted(f, value),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let joined = |f: &mut fmt::Formatter<'_>, parts: &[Condition], keyword: &str| {
            f.write_str("(")?;
            for (index, part) in parts.iter().enumerate() {
                if index > 0 {
                    write!(f, " {keyword} ")?;
                }
                write!(f, "{part}")?;
            }
            f.write_str(")")
        };
        match self {
            Condition::And(parts) => joined(f, parts, "AND"),
            Condition::Or(parts) => joined(f, parts, "OR"),
            Condition::Not(inner) => write!(f, "NOT {inner}"),
            Condition::Compare {
                property,
                op,
                value,
            } => {
                write!(f, "{property} {} {value}", op.symbol())
            }
            Condition::Like { property, pattern } => {
                write!(f, "{property} LIKE ")?;
                write_like_pattern(f, pattern.as_str())
            }
            Condition::IsNull {
                property,
                negated: false,
            } => write!(f, "{property} IS NULL"),
            Condition::IsNull {
                property,
                negated: true,
            } => write!(f, "{property} IS NOT NULL"),
            Condition::Isa { property, class } => {
                write!(f, "{property} ISA ")?;
                write_quoted(f, class)
            }
        }
    }
}

impl fmt::Display for SelectQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT ")?;
        match &self.properties {
            SelectList::All => f.write_str("*")?,
            SelectList::Properties(names) => f.write_str(&names.join(", "))?,
        }
        write!(f, " FROM {}", self.class)?;
        if let Some(condition) = &self.condition {
            write!(f, " WHERE {condition}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use rwmi_core::status::wbem::WBEM_E_INVALID_QUERY;

    #[test]
    fn mirrored_and_holds() {
        assert_eq!(CompareOp::Less.mirrored(), CompareOp::Greater);
        assert_eq!(CompareOp::GreaterOrEqual.mirrored(), CompareOp::LessOrEqual);
        assert_eq!(CompareOp::NotEqual.mirrored(), CompareOp::NotEqual);
        assert!(CompareOp::LessOrEqual.holds(Some(Ordering::Equal)));
        assert!(!CompareOp::NotEqual.holds(None));
        assert!(CompareOp::NotEqual.holds(Some(Ordering::Less)));
    }

    #[test]
    fn display_reads_back_to_the_same_query() {
        let text = r"select Name, __CLASS from Win32_Directory where (NOT Name like '%\'s[^a-c]_' or Size >= -1.5e-3) and Owner is not null and X is null and __this isa 'CIM_X' and Path = 'C:\\'";
        let query = parse(text).unwrap();
        let printed = query.to_string();
        assert_eq!(parse(&printed).unwrap(), query, "{printed}");
    }

    #[test]
    fn validate_rejects_unknown_names() {
        let schema = |name: &str| name.eq_ignore_ascii_case("Name") || name == "TargetInstance";
        assert!(
            parse("SELECT name FROM C WHERE __CLASS = 'C' AND __this ISA 'C'")
                .unwrap()
                .validate(schema)
                .is_ok()
        );
        assert!(
            parse("SELECT * FROM C WHERE TargetInstance.Name = 'x'")
                .unwrap()
                .validate(schema)
                .is_ok()
        );
        let in_select = parse("SELECT Name, Bogus FROM C")
            .unwrap()
            .validate(schema)
            .unwrap_err();
        assert_eq!(in_select.hresult(), WBEM_E_INVALID_QUERY);
        assert!(in_select.to_string().contains("Bogus"));
        let in_where = parse("SELECT * FROM C WHERE NOT (Name = 1 OR Other IS NULL)").unwrap();
        let error = in_where.validate(schema).unwrap_err();
        assert!(matches!(&error, WqlError::Invalid { message } if message.contains("`Other`")));
    }
}
