//! Where a MOF error is, and what was wrong.

use std::fmt;

/// A place in MOF text: 1-based line, and 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A MOF syntax or limit error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MofError {
    pub position: Position,
    /// What was wrong, usually "expected X, found Y".
    pub message: String,
}

impl MofError {
    pub(crate) fn new(position: Position, message: impl Into<String>) -> Self {
        MofError {
            position,
            message: message.into(),
        }
    }
}

impl fmt::Display for MofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.message)
    }
}

impl std::error::Error for MofError {}
