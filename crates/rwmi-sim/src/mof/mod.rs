//! A parser for DMTF CIM MOF as WMI's `mofcomp` accepts it: `#pragma` directives, qualifier declarations,
//! class declarations (properties, references, methods) and instance declarations with embedded instances
//! and `$alias` references.
//!
//! MOF text may come from anyone, so the parser never panics, caps nesting (see [`MAX_DEPTH`]), and every
//! error names the line and column and what was expected there. The AST uses only this module's types;
//! the emulator converts it into its own object model.

mod ast;
mod declarations;
mod error;
mod lexer;
mod namespace;
mod parser;
#[cfg(test)]
mod tests;
mod values;

pub use ast::{
    ArraySize, CimType, ClassDecl, Declaration, Flavor, InstanceDecl, MethodDecl, MofFile, MofItem,
    MofNote, MofValue, ParameterDecl, PropertyDecl, PropertyValue, Qualifier, QualifierDecl,
};
pub use error::{MofError, Position};
pub use namespace::DEFAULT_NAMESPACE;
pub use parser::{MAX_DEPTH, parse, parse_in_namespace};
