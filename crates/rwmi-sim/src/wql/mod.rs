//! WQL, the query language of WMI, as a Windows CIM object manager accepts it for data queries:
//! `SELECT <properties | *> FROM <class> [WHERE <condition>]` (MS-WMI 2.2.1.1, plus the NOT, ISA and
//! dotted names Windows also accepts).
//!
//! The parser takes text straight from clients, so it never panics, caps the nesting of `NOT` and
//! parentheses, and reports syntax errors with their line and column. The AST uses only this module's
//! types; the emulator maps its own objects onto [`WqlObject`] to evaluate a query.
//!
//! Entry point: [`parse`], then [`SelectQuery::validate`] against the class schema and
//! [`SelectQuery::matches`] per instance.

mod ast;
mod error;
mod eval;
mod lexer;
mod like;
mod parser;

pub use ast::{
    CompareOp, Condition, Literal, SYSTEM_PROPERTIES, SelectList, SelectQuery, THIS_PROPERTY,
};
pub use error::{Position, WqlError};
pub use eval::{WqlObject, WqlValue};
pub use like::LikePattern;
pub use parser::{MAX_NESTING, parse};
