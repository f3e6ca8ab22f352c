//! Recursive-descent parser for MOF (DSP0004 ANNEX A grammar, with the WMI extensions `mofcomp` takes:
//! `Amended` flavor, space-separated flavor lists, `#pragma classflags/instanceflags`).
//!
//! ```text
//! file          = *( pragma | qualifier-decl | [qualifiers] class-decl | [qualifiers] instance ";" )
//! pragma        = "#" PRAGMA name [ "(" [ arg *( "," arg ) ] ")" ]
//! qualifiers    = "[" qualifier *( "," qualifier ) "]"
//! qualifier     = name [ "(" constant ")" | "{" constants "}" ] [ ":" 1*flavor ]
//! class-decl    = CLASS name [ ":" superclass ] "{" *feature "}" ";"
//! feature       = [qualifiers] type name ( [array] [ "=" value ] | "(" [params] ")" ) ";"
//! type          = sint8 | ... | object | name REF
//! instance      = INSTANCE OF class [ AS $alias ] "{" *( [qualifiers] name "=" value ";" ) "}"
//! value         = constant | $alias | "{" [ value *( "," value ) ] "}" | instance
//! qualifier-decl= QUALIFIER name ":" type [array] [ "=" value ] "," SCOPE "(" names ")"
//!                 [ "," FLAVOR "(" flavors ")" ] ";"
//! ```

use std::collections::HashMap;

use super::ast::{
    ArraySize, CimType, ClassDecl, Declaration, Flavor, InstanceDecl, MethodDecl, MofFile, MofItem,
    MofNote, MofValue, ParameterDecl, PropertyDecl, PropertyValue, Qualifier, QualifierDecl,
};
use super::error::{MofError, Position};
use super::lexer::{Token, TokenKind, tokenize};
use super::namespace::{DEFAULT_NAMESPACE, resolve};

/// How deeply embedded instances and arrays may nest inside one value.
pub const MAX_DEPTH: usize = 32;

/// Parses MOF text, starting in `root\default` as `mofcomp` does.
pub fn parse(text: &str) -> Result<MofFile, MofError> {
    parse_in_namespace(text, DEFAULT_NAMESPACE)
}

/// Parses MOF text starting in `namespace` (what `mofcomp -N:namespace` does).
pub fn parse_in_namespace(text: &str, namespace: &str) -> Result<MofFile, MofError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens: &tokens,
        index: 0,
        namespace: namespace.to_string(),
        class_flags: Vec::new(),
        instance_flags: Vec::new(),
        aliases: HashMap::new(),
        items: Vec::new(),
        notes: Vec::new(),
    };
    parser.file()?;
    Ok(MofFile {
        items: parser.items,
        notes: parser.notes,
    })
}

struct Parser<'t> {
    tokens: &'t [Token],
    index: usize,
    namespace: String,
    class_flags: Vec<String>,
    instance_flags: Vec<String>,
    /// Lower-cased alias name to where it was defined.
    aliases: HashMap<String, Position>,
    items: Vec<MofItem>,
    notes: Vec<MofNote>,
}

impl Parser<'_> {
    // ----- token helpers -----

    fn current(&self) -> &Token {
        // `tokenize` always ends the list with `End`, and `advance` never moves past it.
        static END: Token = Token {
            kind: TokenKind::End,
            position: Position { line: 1, column: 1 },
        };
        self.tokens
            .get(self.index)
            .or(self.tokens.last())
            .unwrap_or(&END)
    }

    fn position(&self) -> Position {
        self.current().position
    }

    fn advance(&mut self) -> Token {
        let token = self.current().clone();
        if token.kind != TokenKind::End {
            self.index += 1;
        }
        token
    }

    fn unexpected(&self, expected: &str) -> MofError {
        let token = self.current();
        MofError::new(
            token.position,
            format!("expected {expected}, found {}", token.kind.describe()),
        )
    }

    fn at_punct(&self, c: char) -> bool {
        self.current().kind == TokenKind::Punct(c)
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let found = self.at_punct(c);
        if found {
            self.advance();
        }
        found
    }

    fn expect_punct(&mut self, c: char, context: &str) -> Result<(), MofError> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{c}` {context}")))
        }
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(&self.current().kind, TokenKind::Identifier(word) if word.eq_ignore_ascii_case(keyword))
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.advance();
        }
        found
    }

    fn expect_keyword(&mut self, keyword: &str, context: &str) -> Result<(), MofError> {
        if self.eat_keyword(keyword) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{keyword}` {context}")))
        }
    }

    fn identifier(&mut self, what: &str) -> Result<(String, Position), MofError> {
        let token = self.current().clone();
        match token.kind {
            TokenKind::Identifier(name) => {
                self.advance();
                Ok((name, token.position))
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// Adjacent string literals joined into one, as DSP0004 specifies.
    fn strings(&mut self) -> Option<String> {
        let mut joined: Option<String> = None;
        while let TokenKind::String(part) = &self.current().kind {
            joined.get_or_insert_with(String::new).push_str(part);
            self.advance();
        }
        joined
    }

    fn deeper(&self, depth: usize) -> Result<usize, MofError> {
        if depth >= MAX_DEPTH {
            Err(MofError::new(
                self.position(),
                format!("arrays and embedded instances nest deeper than {MAX_DEPTH} levels"),
            ))
        } else {
            Ok(depth + 1)
        }
    }

    // ----- file level -----

    fn file(&mut self) -> Result<(), MofError> {
        loop {
            let start = self.position();
            if self.current().kind == TokenKind::End {
                return Ok(());
            }
            if self.at_punct('#') {
                self.pragma()?;
                continue;
            }
            if self.at_keyword("qualifier") {
                let declaration = self.qualifier_declaration(start)?;
                self.push(Declaration::Qualifier(declaration), Vec::new());
                continue;
            }
            let qualifiers = if self.at_punct('[') {
                self.qualifier_list()?
            } else {
                Vec::new()
            };
            if self.eat_keyword("class") {
                let class = self.class_declaration(start, qualifiers)?;
                let flags = self.class_flags.clone();
                self.push(Declaration::Class(class), flags);
            } else if self.at_keyword("instance") {
                let instance = self.instance(start, qualifiers, 0)?;
                self.expect_punct(';', "after the instance declaration")?;
                let flags = self.instance_flags.clone();
                self.push(Declaration::Instance(instance), flags);
            } else {
                let expected = if qualifiers.is_empty() {
                    "`#pragma`, `class`, `instance of`, `qualifier` or `[`"
                } else {
                    "`class` or `instance of` after the qualifier list"
                };
                return Err(self.unexpected(expected));
            }
        }
    }

    fn push(&mut self, declaration: Declaration, pragma_flags: Vec<String>) {
        self.items.push(MofItem {
            namespace: self.namespace.clone(),
            pragma_flags,
            declaration,
        });
    }

    /// `#pragma name(args)`: `namespace`, `classflags` and `instanceflags` take effect; others are noted and
    /// skipped (`include`, `locale`, `autorecover`, `deleteclass`, `amendment`, ...).
    fn pragma(&mut self) -> Result<(), MofError> {
        let start = self.position();
        self.advance();
        self.expect_keyword("pragma", "after `#`")?;
        let (name, _) = self.identifier("a pragma name")?;
        let mut arguments = Vec::new();
        if self.eat_punct('(') {
            if !self.at_punct(')') {
                loop {
                    arguments.push(self.pragma_argument()?);
                    if !self.eat_punct(',') {
                        break;
                    }
                }
            }
            self.expect_punct(')', "to close the pragma arguments")?;
        }
        if name.eq_ignore_ascii_case("namespace") {
            let [(path, at)] = arguments.as_slice() else {
                return Err(MofError::new(
                    start,
                    "`#pragma namespace` takes exactly one string",
                ));
            };
            self.namespace =
                resolve(&self.namespace, path).map_err(|message| MofError::new(*at, message))?;
        } else if name.eq_ignore_ascii_case("classflags") {
            self.class_flags = arguments.into_iter().map(|(text, _)| text).collect();
        } else if name.eq_ignore_ascii_case("instanceflags") {
            self.instance_flags = arguments.into_iter().map(|(text, _)| text).collect();
        } else {
            self.notes.push(MofNote {
                position: start,
                message: format!("`#pragma {name}` is not applied by this parser and was skipped"),
            });
        }
        Ok(())
    }

    fn pragma_argument(&mut self) -> Result<(String, Position), MofError> {
        let at = self.position();
        if let Some(text) = self.strings() {
            return Ok((text, at));
        }
        match self.current().kind.clone() {
            TokenKind::Identifier(word) => {
                self.advance();
                Ok((word, at))
            }
            TokenKind::Integer(value) => {
                self.advance();
                Ok((value.to_string(), at))
            }
            _ => Err(self.unexpected("a string, name or number as pragma argument")),
        }
    }

    // ----- qualifiers -----

    fn qualifier_list(&mut self) -> Result<Vec<Qualifier>, MofError> {
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

    fn qualifier(&mut self) -> Result<Qualifier, MofError> {
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
    fn qualifier_value(&mut self) -> Result<MofValue, MofError> {
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

    // ----- values -----

    /// A scalar literal, or `None` (consuming nothing) if the current token does not start one.
    fn constant(&mut self) -> Result<Option<MofValue>, MofError> {
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
    fn value(&mut self, depth: usize) -> Result<MofValue, MofError> {
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

    fn array(
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

    // ----- declarations -----

    /// `Name ref` (or `object ref`), or a type keyword.
    fn data_type(&mut self) -> Result<CimType, MofError> {
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
    fn array_size(&mut self) -> Result<ArraySize, MofError> {
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

    fn class_declaration(
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
    fn parameters(&mut self) -> Result<Vec<ParameterDecl>, MofError> {
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
    fn instance(
        &mut self,
        position: Position,
        qualifiers: Vec<Qualifier>,
        depth: usize,
    ) -> Result<InstanceDecl, MofError> {
        self.expect_keyword("instance", "")?;
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

    fn qualifier_declaration(&mut self, position: Position) -> Result<QualifierDecl, MofError> {
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
