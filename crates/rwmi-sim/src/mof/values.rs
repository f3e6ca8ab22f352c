//! Qualifier lists and literal values (DSP0004 ANNEX A `qualifierList`, `initializer`).

use super::ast::{Flavor, MofValue, Qualifier};
use super::error::MofError;
use super::lexer::TokenKind;
use super::parser::Parser;

impl Parser<'_> {
    pub(super) fn qualifier_list(&mut self) -> Result<Vec<Qualifier>, MofError> {
        self.expect_punct('[', "to open a qualifier list")?;
        let mut qualifiers = Vec::new();
        loop {
            qualifiers.push(self.qualifier()?);
            if !self.eat_punct(',') {
                break;
            }
        }
        self.expect_punct(']', "or `,` in the qualifier list")?;
        Ok(qualifiers)
    }

    pub(super) fn qualifier(&mut self) -> Result<Qualifier, MofError> {
        let (name, _) = self.identifier("a qualifier name")?;
        let value = if self.eat_punct('(') {
            // DSP0004: a parenthesised qualifier value is one constant; arrays use `Name{...}`.
            let value = self.constant()?.ok_or_else(|| {
                self.unexpected("a qualifier value (number, string, char16, TRUE, FALSE or NULL)")
            })?;
            self.expect_punct(')', "after the qualifier value")?;
            Some(value)
        } else if self.at_punct('{') {
            Some(self.qualifier_value()?)
        } else {
            None
        };
        let mut flavors = Vec::new();
        if self.eat_punct(':') {
            while let TokenKind::Identifier(word) = &self.current().kind {
                let Some(flavor) = Flavor::from_keyword(word) else {
                    break;
                };
                flavors.push(flavor);
                self.advance();
            }
            if flavors.is_empty() {
                return Err(self.unexpected(
                    "a flavor (ToInstance, ToSubclass, DisableOverride, Amended, Restricted, ...) after `:`",
                ));
            }
        }
        Ok(Qualifier {
            name,
            value,
            flavors,
        })
    }

    /// A constant, or an array of constants: qualifiers hold no aliases or instances.
    pub(super) fn qualifier_value(&mut self) -> Result<MofValue, MofError> {
        if let Some(value) = self.constant()? {
            return Ok(value);
        }
        if self.at_punct('{') {
            return self.array(0, |parser, _| {
                parser
                    .constant()?
                    .ok_or_else(|| parser.unexpected("a constant in the qualifier array"))
            });
        }
        Err(self
            .unexpected("a qualifier value (number, string, char16, TRUE, FALSE, NULL or {array})"))
    }

    /// A scalar literal, or `None` (consuming nothing) if the current token does not start one.
    pub(super) fn constant(&mut self) -> Result<Option<MofValue>, MofError> {
        if let Some(text) = self.strings() {
            return Ok(Some(MofValue::String(text)));
        }
        let value = match &self.current().kind {
            TokenKind::Integer(value) => MofValue::Integer(*value),
            TokenKind::Real(value) => MofValue::Real(*value),
            TokenKind::Char16(value) => MofValue::Char16(*value),
            TokenKind::Identifier(word) if word.eq_ignore_ascii_case("true") => {
                MofValue::Bool(true)
            }
            TokenKind::Identifier(word) if word.eq_ignore_ascii_case("false") => {
                MofValue::Bool(false)
            }
            TokenKind::Identifier(word) if word.eq_ignore_ascii_case("null") => MofValue::Null,
            _ => return Ok(None),
        };
        self.advance();
        Ok(Some(value))
    }

    /// A property value or default: a constant, `$alias`, `{array}` or embedded `instance of`.
    pub(super) fn value(&mut self, depth: usize) -> Result<MofValue, MofError> {
        if let Some(value) = self.constant()? {
            return Ok(value);
        }
        let token = self.current().clone();
        match token.kind {
            TokenKind::Alias(name) => {
                self.advance();
                Ok(MofValue::Alias(name))
            }
            TokenKind::Punct('{') => self.array(depth, |parser, depth| {
                if parser.at_punct('{') {
                    return Err(MofError::new(parser.position(), "arrays cannot contain arrays"));
                }
                parser.value(depth)
            }),
            TokenKind::Identifier(word) if word.eq_ignore_ascii_case("instance") => {
                let depth = self.deeper(depth)?;
                Ok(MofValue::Instance(Box::new(self.instance(token.position, Vec::new(), depth)?)))
            }
            _ => Err(self.unexpected(
                "a value (number, string, char16, TRUE, FALSE, NULL, {array}, $alias or instance of)",
            )),
        }
    }

    pub(super) fn array(
        &mut self,
        depth: usize,
        mut element: impl FnMut(&mut Self, usize) -> Result<MofValue, MofError>,
    ) -> Result<MofValue, MofError> {
        let depth = self.deeper(depth)?;
        self.expect_punct('{', "to open an array")?;
        let mut elements = Vec::new();
        if !self.at_punct('}') {
            loop {
                elements.push(element(self, depth)?);
                if !self.eat_punct(',') {
                    break;
                }
            }
        }
        self.expect_punct('}', "or `,` in the array")?;
        Ok(MofValue::Array(elements))
    }
}
