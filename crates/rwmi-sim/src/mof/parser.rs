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

use super::ast::{Declaration, MofFile, MofItem, MofNote};
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

pub(super) struct Parser<'t> {
    pub(super) tokens: &'t [Token],
    pub(super) index: usize,
    pub(super) namespace: String,
    pub(super) class_flags: Vec<String>,
    pub(super) instance_flags: Vec<String>,
    /// Lower-cased alias name to where it was defined.
    pub(super) aliases: HashMap<String, Position>,
    pub(super) items: Vec<MofItem>,
    pub(super) notes: Vec<MofNote>,
}

impl Parser<'_> {
    pub(super) fn current(&self) -> &Token {
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

    pub(super) fn position(&self) -> Position {
        self.current().position
    }

    pub(super) fn advance(&mut self) -> Token {
        let token = self.current().clone();
        if token.kind != TokenKind::End {
            self.index += 1;
        }
        token
    }

    pub(super) fn unexpected(&self, expected: &str) -> MofError {
        let token = self.current();
        MofError::new(
            token.position,
            format!("expected {expected}, found {}", token.kind.describe()),
        )
    }

    pub(super) fn at_punct(&self, c: char) -> bool {
        self.current().kind == TokenKind::Punct(c)
    }

    pub(super) fn eat_punct(&mut self, c: char) -> bool {
        let found = self.at_punct(c);
        if found {
            self.advance();
        }
        found
    }

    pub(super) fn expect_punct(&mut self, c: char, context: &str) -> Result<(), MofError> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{c}` {context}")))
        }
    }

    pub(super) fn at_keyword(&self, keyword: &str) -> bool {
        matches!(&self.current().kind, TokenKind::Identifier(word) if word.eq_ignore_ascii_case(keyword))
    }

    pub(super) fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.advance();
        }
        found
    }

    pub(super) fn expect_keyword(&mut self, keyword: &str, context: &str) -> Result<(), MofError> {
        if self.eat_keyword(keyword) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{keyword}` {context}")))
        }
    }

    pub(super) fn identifier(&mut self, what: &str) -> Result<(String, Position), MofError> {
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
    pub(super) fn strings(&mut self) -> Option<String> {
        let mut joined: Option<String> = None;
        while let TokenKind::String(part) = &self.current().kind {
            joined.get_or_insert_with(String::new).push_str(part);
            self.advance();
        }
        joined
    }

    pub(super) fn deeper(&self, depth: usize) -> Result<usize, MofError> {
        if depth >= MAX_DEPTH {
            Err(MofError::new(
                self.position(),
                format!("arrays and embedded instances nest deeper than {MAX_DEPTH} levels"),
            ))
        } else {
            Ok(depth + 1)
        }
    }

    pub(super) fn file(&mut self) -> Result<(), MofError> {
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

    pub(super) fn push(&mut self, declaration: Declaration, pragma_flags: Vec<String>) {
        self.items.push(MofItem {
            namespace: self.namespace.clone(),
            pragma_flags,
            declaration,
        });
    }

    /// `#pragma name(args)`: `namespace`, `classflags` and `instanceflags` take effect; others are noted and
    /// skipped (`include`, `locale`, `autorecover`, `deleteclass`, `amendment`, ...).
    pub(super) fn pragma(&mut self) -> Result<(), MofError> {
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

    pub(super) fn pragma_argument(&mut self) -> Result<(String, Position), MofError> {
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
}
