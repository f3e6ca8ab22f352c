//! Errors of WQL parsing and validation, with the HRESULT a Windows CIM object manager returns for each.

use std::fmt;

use rwmi_core::status::wbem::{
    WBEM_E_INVALID_QUERY, WBEM_E_NOT_SUPPORTED, WBEM_E_UNPARSABLE_QUERY,
};

/// A place in the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Byte offset from the start of the text.
    pub offset: usize,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WqlError {
    /// A syntax error at `position`.
    Unparsable { position: Position, message: String },
    /// Well-formed, but not a runnable query (not a SELECT, unknown property, two properties compared).
    Invalid { message: String },
    /// A WQL feature Windows has but this emulator does not.
    Unsupported { feature: String },
}

impl WqlError {
    /// The HRESULT for this error: WBEM_E_UNPARSABLE_QUERY for syntax errors (the text is not WQL),
    /// WBEM_E_INVALID_QUERY for semantic ones (WQL, but not a query that can be run),
    /// WBEM_E_NOT_SUPPORTED for valid WQL the emulator does not implement (ASSOCIATORS OF, event
    /// queries) (MS-WMI 2.2.11 descriptions).
    /// Note that MS-WMI 3.1.4.3.18-21 (ExecQuery and friends) require WBEM_E_INVALID_QUERY even for
    /// syntax errors; a server answering those methods may prefer that code.
    pub fn hresult(&self) -> u32 {
        match self {
            WqlError::Unparsable { .. } => WBEM_E_UNPARSABLE_QUERY,
            WqlError::Invalid { .. } => WBEM_E_INVALID_QUERY,
            WqlError::Unsupported { .. } => WBEM_E_NOT_SUPPORTED,
        }
    }

    pub(crate) fn unparsable(position: Position, message: impl Into<String>) -> Self {
        WqlError::Unparsable {
            position,
            message: message.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        WqlError::Invalid {
            message: message.into(),
        }
    }
}

impl fmt::Display for WqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WqlError::Unparsable { position, message } => {
                write!(f, "unparsable WQL query at {position}: {message}")
            }
            WqlError::Invalid { message } => write!(f, "invalid WQL query: {message}"),
            WqlError::Unsupported { feature } => {
                write!(f, "unsupported WQL query: {feature} is not supported")
            }
        }
    }
}

impl std::error::Error for WqlError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hresults_match_windows() {
        let at = Position {
            offset: 0,
            line: 1,
            column: 1,
        };
        assert_eq!(
            WqlError::unparsable(at, "x").hresult(),
            WBEM_E_UNPARSABLE_QUERY
        );
        assert_eq!(WqlError::invalid("x").hresult(), WBEM_E_INVALID_QUERY);
        assert_eq!(
            WqlError::Unsupported {
                feature: "x".into()
            }
            .hresult(),
            WBEM_E_NOT_SUPPORTED
        );
    }

    #[test]
    fn display_names_line_and_column() {
        let at = Position {
            offset: 9,
            line: 2,
            column: 4,
        };
        let text = WqlError::unparsable(at, "expected FROM").to_string();
        assert_eq!(text, "unparsable WQL query at 2:4: expected FROM");
    }
}
