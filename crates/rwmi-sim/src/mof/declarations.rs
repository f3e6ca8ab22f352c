//! Class, instance and qualifier declarations (DSP0004 ANNEX A `classDeclaration`,
//! `instanceDeclaration`, `qualifierDeclaration`).

use super::ast::{
    ArraySize, CimType, ClassDecl, Flavor, InstanceDecl, MethodDecl, ParameterDecl, PropertyDecl,
    PropertyValue, Qualifier, QualifierDecl,
};
use super::error::{MofError, Position};
use super::lexer::TokenKind;
use super::parser::Parser;

impl Parser<'_> {
    /// `Name ref` (or `object ref`), or a type keyword.
    pub(super) fn data_type(&mut self) -> Result<CimType, MofError> {
        let (word, at) = self.identifier("a data type")?;
        if self.eat_keyword("ref") {
            let target = if word.eq_ignore_ascii_case("object") {
                None
            } else {
                Some(word)
            };
            return Ok(CimType::Reference(target));
        }
        CimType::from_keyword(&word).ok_or_else(|| {
            MofError::new(
                at,
                format!(
                    "expected a data type (sint8..uint64, real32, real64, boolean, string, datetime, char16, \
                     object, or `ClassName ref`), found `{word}`"
                ),
            )
        })
    }

    /// `[]`, `[n]` or nothing.
    pub(super) fn array_size(&mut self) -> Result<ArraySize, MofError> {
        if !self.eat_punct('[') {
            return Ok(ArraySize::Scalar);
        }
        if self.eat_punct(']') {
            return Ok(ArraySize::Variable);
        }
        let at = self.position();
        let size = match self.current().kind {
            TokenKind::Integer(size) => u32::try_from(size).ok().filter(|&size| size > 0),
            _ => return Err(self.unexpected("an array size or `]`")),
        };
        let size = size
            .ok_or_else(|| MofError::new(at, "an array size must be between 1 and 4294967295"))?;
        self.advance();
        self.expect_punct(']', "after the array size")?;
        Ok(ArraySize::Fixed(size))
    }

    pub(super) fn class_declaration(
        &mut self,
        position: Position,
        qualifiers: Vec<Qualifier>,
    ) -> Result<ClassDecl, MofError> {
        let (name, _) = self.identifier("a class name")?;
        let superclass = if self.eat_punct(':') {
            Some(self.identifier("a superclass name")?.0)
        } else {
            None
        };
        self.expect_punct('{', "to open the class body")?;
        let mut class = ClassDecl {
            position,
            qualifiers,
            name,
            superclass,
            properties: Vec::new(),
            methods: Vec::new(),
        };
        while !self.eat_punct('}') {
            let start = self.position();
            if self.current().kind == TokenKind::End {
                return Err(self.unexpected("a property, a method or `}` to close the class"));
            }
            let qualifiers = if self.at_punct('[') {
                self.qualifier_list()?
            } else {
                Vec::new()
            };
            let type_position = self.position();
            // WMI methods may return `void`; no property can have that type.
            let cim_type = if self.eat_keyword("void") {
                None
            } else {
                Some(self.data_type()?)
            };
            let (name, _) = self.identifier("a property or method name")?;
            if self.eat_punct('(') {
                let parameters = self.parameters()?;
                self.expect_punct(';', "after the method declaration")?;
                class.methods.push(MethodDecl {
                    position: start,
                    qualifiers,
                    return_type: cim_type,
                    name,
                    parameters,
                });
            } else {
                let cim_type = cim_type.ok_or_else(|| {
                    MofError::new(type_position, format!("property `{name}` cannot be `void`"))
                })?;
                let array = self.array_size()?;
                let default = if self.eat_punct('=') {
                    Some(self.value(0)?)
                } else {
                    None
                };
                self.expect_punct(';', "after the property declaration")?;
                class.properties.push(PropertyDecl {
                    position: start,
                    qualifiers,
                    cim_type,
                    name,
                    array,
                    default,
                });
            }
        }
        self.expect_punct(';', "after the class declaration's `}`")?;
        Ok(class)
    }

    /// Method parameters, after the opening `(`; consumes the closing `)`.
    pub(super) fn parameters(&mut self) -> Result<Vec<ParameterDecl>, MofError> {
        let mut parameters = Vec::new();
        if self.eat_punct(')') {
            return Ok(parameters);
        }
        loop {
            let start = self.position();
            let qualifiers = if self.at_punct('[') {
                self.qualifier_list()?
            } else {
                Vec::new()
            };
            let cim_type = self.data_type()?;
            let (name, _) = self.identifier("a parameter name")?;
            let array = self.array_size()?;
            let default = if self.eat_punct('=') {
                Some(self.value(0)?)
            } else {
                None
            };
            parameters.push(ParameterDecl {
                position: start,
                qualifiers,
                cim_type,
                name,
                array,
                default,
            });
            if !self.eat_punct(',') {
                break;
            }
        }
        self.expect_punct(')', "or `,` in the parameter list")?;
        Ok(parameters)
    }

    /// `instance of Class [as $alias] { ... }`, without the `;` that ends a top-level declaration.
    pub(super) fn instance(
        &mut self,
        position: Position,
        qualifiers: Vec<Qualifier>,
        depth: usize,
    ) -> Result<InstanceDecl, MofError> {
        self.expect_keyword("instance", "to start an instance")?;
        self.expect_keyword("of", "after `instance`")?;
        let (class, _) = self.identifier("a class name after `instance of`")?;
        let alias = if self.eat_keyword("as") {
            let token = self.current().clone();
            let TokenKind::Alias(alias) = token.kind else {
                return Err(self.unexpected("an alias (`$name`) after `as`"));
            };
            self.advance();
            if let Some(previous) = self.aliases.insert(alias.to_lowercase(), token.position) {
                return Err(MofError::new(
                    token.position,
                    format!("alias `${alias}` is already defined at {previous}"),
                ));
            }
            Some(alias)
        } else {
            None
        };
        self.expect_punct('{', "to open the instance body")?;
        let mut properties = Vec::new();
        while !self.eat_punct('}') {
            let start = self.position();
            if self.current().kind == TokenKind::End {
                return Err(self.unexpected("a property value or `}` to close the instance"));
            }
            let qualifiers = if self.at_punct('[') {
                self.qualifier_list()?
            } else {
                Vec::new()
            };
            let (name, _) = self.identifier("a property name")?;
            self.expect_punct('=', "after the property name")?;
            let value = self.value(depth)?;
            self.expect_punct(';', "after the property value")?;
            properties.push(PropertyValue {
                position: start,
                qualifiers,
                name,
                value,
            });
        }
        Ok(InstanceDecl {
            position,
            qualifiers,
            class,
            alias,
            properties,
        })
    }

    pub(super) fn qualifier_declaration(
        &mut self,
        position: Position,
    ) -> Result<QualifierDecl, MofError> {
        self.advance();
        let (name, _) = self.identifier("a qualifier name")?;
        self.expect_punct(':', "before the qualifier type")?;
        let cim_type = self.data_type()?;
        let array = self.array_size()?;
        let default = if self.eat_punct('=') {
            Some(self.qualifier_value()?)
        } else {
            None
        };
        self.expect_punct(',', "before `scope`")?;
        self.expect_keyword("scope", "in the qualifier declaration")?;
        self.expect_punct('(', "after `scope`")?;
        let mut scopes = Vec::new();
        loop {
            scopes.push(
                self.identifier("a scope (class, property, method, parameter, any, ...)")?
                    .0,
            );
            if !self.eat_punct(',') {
                break;
            }
        }
        self.expect_punct(')', "or `,` in the scope list")?;
        let mut flavors = Vec::new();
        if self.eat_punct(',') {
            self.expect_keyword("flavor", "after `,`")?;
            self.expect_punct('(', "after `flavor`")?;
            loop {
                let (word, at) = self.identifier("a flavor")?;
                let flavor = Flavor::from_keyword(&word).ok_or_else(|| {
                    MofError::new(at, format!("expected a flavor, found `{word}`"))
                })?;
                flavors.push(flavor);
                if !self.eat_punct(',') {
                    break;
                }
            }
            self.expect_punct(')', "or `,` in the flavor list")?;
        }
        self.expect_punct(';', "after the qualifier declaration")?;
        Ok(QualifierDecl {
            position,
            name,
            cim_type,
            array,
            default,
            scopes,
            flavors,
        })
    }
}
