//! Recursive-descent parser for WQL data queries.
//!
//! Grammar (keywords case-insensitive):
//! ```text
//! query      = SELECT ( "*" | name *( "," name ) ) FROM class [ WHERE condition ]
//! condition  = and-term *( OR and-term )
//! and-term   = factor *( AND factor )
//! factor     = NOT factor | "(" condition ")" | predicate
//! predicate  = operand compare operand | name IS [NOT] NULL | name LIKE string | name ISA string
//! operand    = name | string | integer | real | TRUE | FALSE | NULL
//! ```
//! One side of a comparison must be a property and the other a constant, as Windows requires.

use super::ast::{CompareOp, Condition, Literal, SelectList, SelectQuery};
use super::error::{Position, WqlError};
use super::lexer::{Token, TokenKind, tokenize};
use super::like::LikePattern;

/// How deeply `NOT` and parentheses may nest.
pub const MAX_NESTING: usize = 64;

/// Words that cannot be property or class names.
const RESERVED: [&str; 12] = [
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "LIKE", "IS", "ISA", "NULL", "TRUE", "FALSE",
];

/// Parses a WQL SELECT query.
pub fn parse(text: &str) -> Result<SelectQuery, WqlError> {
    // Checked before tokenizing: the object paths in braces these queries carry are not WQL tokens.
    let first_word = text
        .trim_start()
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    for unsupported in ["ASSOCIATORS", "REFERENCES"] {
        if first_word.eq_ignore_ascii_case(unsupported) {
            return Err(WqlError::Unsupported {
                feature: format!("{unsupported} OF"),
            });
        }
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens: &tokens,
        index: 0,
    };
    parser.query()
}

struct Parser<'a> {
    tokens: &'a [Token],
    index: usize,
}

fn is_keyword(kind: &TokenKind, keyword: &str) -> bool {
    matches!(kind, TokenKind::Identifier(name) if name.eq_ignore_ascii_case(keyword))
}

/// One side of a comparison.
enum Operand {
    Property(String),
    Constant(Literal),
}

impl Parser<'_> {
    fn current(&self) -> &Token {
        // The token list always ends with `End`, and the parser never moves past it.
        static END: Token = Token {
            kind: TokenKind::End,
            position: Position {
                offset: 0,
                line: 1,
                column: 1,
            },
        };
        self.tokens
            .get(self.index)
            .or(self.tokens.last())
            .unwrap_or(&END)
    }

    fn advance(&mut self) -> Token {
        let token = self.current().clone();
        if token.kind != TokenKind::End {
            self.index += 1;
        }
        token
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        is_keyword(&self.current().kind, keyword)
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.advance();
        }
        found
    }

    fn unexpected(&self, expected: &str) -> WqlError {
        let token = self.current();
        WqlError::unparsable(
            token.position,
            format!("expected {expected}, found {}", token.kind.describe()),
        )
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<(), WqlError> {
        if self.eat_keyword(keyword) {
            Ok(())
        } else {
            Err(self.unexpected(keyword))
        }
    }

    /// A property or class name that is not a reserved word.
    fn name(&mut self, what: &str) -> Result<String, WqlError> {
        match &self.current().kind {
            TokenKind::Identifier(name)
                if !RESERVED.iter().any(|word| word.eq_ignore_ascii_case(name)) =>
            {
                let name = name.clone();
                self.advance();
                Ok(name)
            }
            _ => Err(self.unexpected(what)),
        }
    }

    fn query(&mut self) -> Result<SelectQuery, WqlError> {
        let first = self.current().clone();
        match &first.kind {
            TokenKind::End => {
                return Err(WqlError::unparsable(first.position, "the query is empty"));
            }
            TokenKind::Identifier(word) if word.eq_ignore_ascii_case("SELECT") => {}
            other => {
                return Err(WqlError::invalid(format!(
                    "only SELECT queries are supported, the query starts with {}",
                    other.describe()
                )));
            }
        }
        self.advance();
        let properties = if self.current().kind == TokenKind::Star {
            self.advance();
            SelectList::All
        } else {
            let mut names = vec![self.name("`*` or a property name")?];
            while self.current().kind == TokenKind::Comma {
                self.advance();
                names.push(self.name("a property name")?);
            }
            SelectList::Properties(names)
        };
        self.expect_keyword("FROM")?;
        let class_position = self.current().position;
        let class = self.name("a class name")?;
        if class.contains('.') {
            return Err(WqlError::unparsable(
                class_position,
                "a class name cannot contain `.`",
            ));
        }
        for event_keyword in ["WITHIN", "GROUP", "HAVING"] {
            if self.at_keyword(event_keyword) {
                return Err(WqlError::Unsupported {
                    feature: format!("event queries ({event_keyword})"),
                });
            }
        }
        let condition = if self.eat_keyword("WHERE") {
            Some(self.condition(0)?)
        } else {
            None
        };
        if self.current().kind != TokenKind::End {
            return Err(self.unexpected(if condition.is_some() {
                "AND, OR or the end of the query"
            } else {
                "WHERE or the end of the query"
            }));
        }
        Ok(SelectQuery {
            properties,
            class,
            condition,
        })
    }

    fn condition(&mut self, depth: usize) -> Result<Condition, WqlError> {
        let mut terms = vec![self.and_term(depth)?];
        while self.eat_keyword("OR") {
            terms.push(self.and_term(depth)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Condition::Or(terms)
        })
    }

    fn and_term(&mut self, depth: usize) -> Result<Condition, WqlError> {
        let mut factors = vec![self.factor(depth)?];
        while self.eat_keyword("AND") {
            factors.push(self.factor(depth)?);
        }
        Ok(if factors.len() == 1 {
            factors.remove(0)
        } else {
            Condition::And(factors)
        })
    }

    fn factor(&mut self, depth: usize) -> Result<Condition, WqlError> {
        let nested = |parser: &Self| {
            if depth >= MAX_NESTING {
                Err(WqlError::unparsable(
                    parser.current().position,
                    format!("NOT and parentheses nest deeper than {MAX_NESTING} levels"),
                ))
            } else {
                Ok(depth + 1)
            }
        };
        if self.at_keyword("NOT") {
            let depth = nested(self)?;
            self.advance();
            return Ok(Condition::Not(Box::new(self.factor(depth)?)));
        }
        if self.current().kind == TokenKind::OpenParen {
            let depth = nested(self)?;
            self.advance();
            let inner = self.condition(depth)?;
            if self.current().kind != TokenKind::CloseParen {
                return Err(self.unexpected("`)`, AND or OR"));
            }
            self.advance();
            return Ok(inner);
        }
        self.predicate()
    }

    fn operand(&mut self) -> Result<Operand, WqlError> {
        let token = self.current().clone();
        let operand = match token.kind {
            TokenKind::String { value, .. } => Operand::Constant(Literal::String(value)),
            TokenKind::Integer(value) => Operand::Constant(Literal::Integer(value)),
            TokenKind::Unsigned(value) => Operand::Constant(Literal::Unsigned(value)),
            TokenKind::Real(value) => Operand::Constant(Literal::Real(value)),
            TokenKind::Identifier(word) if word.eq_ignore_ascii_case("NULL") => {
                Operand::Constant(Literal::Null)
            }
            TokenKind::Identifier(word) if word.eq_ignore_ascii_case("TRUE") => {
                Operand::Constant(Literal::Bool(true))
            }
            TokenKind::Identifier(word) if word.eq_ignore_ascii_case("FALSE") => {
                Operand::Constant(Literal::Bool(false))
            }
            _ => {
                return Ok(Operand::Property(
                    self.name("a property name or a constant")?,
                ));
            }
        };
        self.advance();
        Ok(operand)
    }

    /// The pattern after LIKE, as written between its quotes (MS-WMI 2.2.1: no backslash escapes in LIKE).
    fn like_pattern(&mut self) -> Result<LikePattern, WqlError> {
        let token = self.current().clone();
        let TokenKind::String { raw, .. } = token.kind else {
            return Err(self.unexpected("a quoted pattern after LIKE"));
        };
        self.advance();
        LikePattern::compile(&raw).map_err(|message| WqlError::unparsable(token.position, message))
    }

    /// The class after ISA: quoted as Windows clients write it, or bare as in MS-WMI 2.2.1.1
    /// (`WHERE __THIS ISA CLASS-NAME`).
    fn isa_class(&mut self) -> Result<String, WqlError> {
        if let TokenKind::String { value, .. } = &self.current().kind {
            let class = value.clone();
            self.advance();
            return Ok(class);
        }
        self.name("a class name after ISA")
    }

    fn predicate(&mut self) -> Result<Condition, WqlError> {
        let left_position = self.current().position;
        let left = self.operand()?;
        if let Operand::Property(property) = &left {
            let property = property.clone();
            if self.eat_keyword("IS") {
                let negated = self.eat_keyword("NOT");
                self.expect_keyword("NULL")?;
                return Ok(Condition::IsNull { property, negated });
            }
            if self.eat_keyword("LIKE") {
                let pattern = self.like_pattern()?;
                return Ok(Condition::Like { property, pattern });
            }
            if self.eat_keyword("ISA") {
                let class = self.isa_class()?;
                return Ok(Condition::Isa { property, class });
            }
        }
        let TokenKind::Compare(op) = self.current().kind else {
            let expected = match left {
                Operand::Property(_) => "a comparison operator, IS, LIKE or ISA",
                Operand::Constant(_) => "a comparison operator",
            };
            return Err(self.unexpected(expected));
        };
        self.advance();
        let right = match &left {
            // MS-WMI 2.2.1.1 EXPR: `__CLASS = CLASS-NAME` names the class without quotes.
            Operand::Property(property)
                if property.eq_ignore_ascii_case("__CLASS")
                    && matches!(op, CompareOp::Equal | CompareOp::NotEqual) =>
            {
                match self.operand()? {
                    Operand::Property(class) => Operand::Constant(Literal::String(class)),
                    constant => constant,
                }
            }
            _ => self.operand()?,
        };
        match (left, right) {
            (Operand::Property(property), Operand::Constant(value)) => Ok(Condition::Compare {
                property,
                op,
                value,
            }),
            (Operand::Constant(value), Operand::Property(property)) => Ok(Condition::Compare {
                property,
                op: op.mirrored(),
                value,
            }),
            (Operand::Property(left), Operand::Property(right)) => Err(WqlError::invalid(format!(
                "comparing two properties (`{left}` and `{right}`) is not supported"
            ))),
            (Operand::Constant(_), Operand::Constant(_)) => Err(WqlError::invalid(format!(
                "the comparison at {left_position} has no property; one side must name a property"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rwmi_core::status::wbem::{WBEM_E_INVALID_QUERY, WBEM_E_NOT_SUPPORTED};

    fn where_of(text: &str) -> Condition {
        parse(&format!("SELECT * FROM C WHERE {text}"))
            .unwrap()
            .condition
            .unwrap()
    }

    fn compare(property: &str, op: CompareOp, value: Literal) -> Condition {
        Condition::Compare {
            property: property.into(),
            op,
            value,
        }
    }

    fn unparsable_at(text: &str) -> (u32, u32, String) {
        match parse(text) {
            Err(WqlError::Unparsable { position, message }) => {
                (position.line, position.column, message)
            }
            other => panic!("expected unparsable, got {other:?}"),
        }
    }

    #[test]
    fn select_star_and_property_lists() {
        let query = parse("SELECT * FROM Win32_Process").unwrap();
        assert_eq!(query.properties, SelectList::All);
        assert_eq!(query.class, "Win32_Process");
        assert_eq!(query.condition, None);
        let query = parse("select Name, ProcessId,__CLASS from win32_process").unwrap();
        assert_eq!(
            query.properties,
            SelectList::Properties(vec!["Name".into(), "ProcessId".into(), "__CLASS".into()])
        );
        assert_eq!(query.class, "win32_process");
    }

    #[test]
    fn every_comparison_operator() {
        for (symbol, op) in [
            ("=", CompareOp::Equal),
            ("<>", CompareOp::NotEqual),
            ("!=", CompareOp::NotEqual),
            ("<", CompareOp::Less),
            (">", CompareOp::Greater),
            ("<=", CompareOp::LessOrEqual),
            (">=", CompareOp::GreaterOrEqual),
        ] {
            assert_eq!(
                where_of(&format!("X {symbol} 1")),
                compare("X", op, Literal::Integer(1))
            );
            assert_eq!(
                where_of(&format!("1 {symbol} X")),
                compare("X", op.mirrored(), Literal::Integer(1))
            );
        }
    }

    #[test]
    fn literals() {
        assert_eq!(
            where_of("A = 'x'"),
            compare("A", CompareOp::Equal, Literal::String("x".into()))
        );
        assert_eq!(
            where_of("A = \"x\""),
            compare("A", CompareOp::Equal, Literal::String("x".into()))
        );
        assert_eq!(
            where_of("A = -5"),
            compare("A", CompareOp::Equal, Literal::Integer(-5))
        );
        assert_eq!(
            where_of("A = 0x10"),
            compare("A", CompareOp::Equal, Literal::Integer(16))
        );
        assert_eq!(
            where_of("A = 18446744073709551615"),
            compare("A", CompareOp::Equal, Literal::Unsigned(u64::MAX))
        );
        assert_eq!(
            where_of("A = 2.5"),
            compare("A", CompareOp::Equal, Literal::Real(2.5))
        );
        assert_eq!(
            where_of("A = true"),
            compare("A", CompareOp::Equal, Literal::Bool(true))
        );
        assert_eq!(
            where_of("A = False"),
            compare("A", CompareOp::Equal, Literal::Bool(false))
        );
        assert_eq!(
            where_of("A = null"),
            compare("A", CompareOp::Equal, Literal::Null)
        );
    }

    #[test]
    fn precedence_not_over_and_over_or() {
        let a = compare("A", CompareOp::Equal, Literal::Integer(1));
        let b = compare("B", CompareOp::Equal, Literal::Integer(2));
        let c = compare("C", CompareOp::Equal, Literal::Integer(3));
        assert_eq!(
            where_of("A = 1 OR B = 2 AND NOT C = 3"),
            Condition::Or(vec![
                a.clone(),
                Condition::And(vec![b.clone(), Condition::Not(Box::new(c.clone()))])
            ])
        );
        assert_eq!(
            where_of("(A = 1 OR B = 2) and c = 3"),
            Condition::And(vec![
                Condition::Or(vec![a.clone(), b.clone()]),
                compare("c", CompareOp::Equal, Literal::Integer(3))
            ])
        );
        assert_eq!(where_of("((A = 1))"), a);
        assert_eq!(
            where_of("not not A = 1"),
            Condition::Not(Box::new(Condition::Not(Box::new(a))))
        );
    }

    #[test]
    fn is_null_like_isa() {
        assert_eq!(
            where_of("A IS NULL"),
            Condition::IsNull {
                property: "A".into(),
                negated: false
            }
        );
        assert_eq!(
            where_of("A is not null"),
            Condition::IsNull {
                property: "A".into(),
                negated: true
            }
        );
        let Condition::Like { property, pattern } = where_of("Name LIKE 'a[b-c]%'") else {
            panic!()
        };
        assert_eq!((property.as_str(), pattern.as_str()), ("Name", "a[b-c]%"));
        assert_eq!(
            where_of("__this ISA 'CIM_LogicalDisk'"),
            Condition::Isa {
                property: "__this".into(),
                class: "CIM_LogicalDisk".into()
            }
        );
        assert_eq!(
            where_of("__THIS isa CIM_LogicalDisk"),
            Condition::Isa {
                property: "__THIS".into(),
                class: "CIM_LogicalDisk".into()
            }
        );
        let Condition::Like { pattern, .. } = where_of(r"Name LIKE 'C:\\Win%'") else {
            panic!()
        };
        assert_eq!(
            pattern.as_str(),
            r"C:\\Win%",
            "LIKE keeps backslashes as written"
        );
    }

    #[test]
    fn class_name_without_quotes_after_class_equals() {
        assert_eq!(
            where_of("__CLASS = Win32_Process"),
            compare(
                "__CLASS",
                CompareOp::Equal,
                Literal::String("Win32_Process".into())
            )
        );
        assert_eq!(
            where_of("__class <> Win32_Process"),
            compare(
                "__class",
                CompareOp::NotEqual,
                Literal::String("Win32_Process".into())
            )
        );
        assert!(matches!(
            parse("SELECT * FROM C WHERE __CLASS < Win32_Process"),
            Err(WqlError::Invalid { .. })
        ));
    }

    #[test]
    fn long_chains_stay_flat() {
        let chain = vec!["A = 1"; 10_000].join(" AND ");
        let Condition::And(parts) = where_of(&chain) else {
            panic!()
        };
        assert_eq!(parts.len(), 10_000);
    }

    #[test]
    fn nesting_is_capped() {
        let ok = format!(
            "SELECT * FROM C WHERE {}A = 1{}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        assert!(parse(&ok).is_ok());
        let deep = format!(
            "SELECT * FROM C WHERE {}A = 1{}",
            "(".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        assert!(unparsable_at(&deep).2.contains("deeper"));
        let nots = format!("SELECT * FROM C WHERE {}A = 1", "NOT ".repeat(100_000));
        assert!(unparsable_at(&nots).2.contains("deeper"));
    }

    #[test]
    fn syntax_errors_with_positions() {
        assert_eq!(unparsable_at(""), (1, 1, "the query is empty".into()));
        assert_eq!(unparsable_at("SELECT FROM C").0..2, 1..2);
        assert_eq!(unparsable_at("SELECT FROM C").1, 8);
        assert_eq!(unparsable_at("SELECT * C").1, 10);
        assert_eq!(unparsable_at("SELECT * FROM").1, 14);
        assert_eq!(unparsable_at("SELECT a, FROM C").1, 11);
        let (line, column, message) = unparsable_at("SELECT *\n FROM C\n WHERE A = ");
        assert_eq!((line, column), (3, 12));
        assert!(message.contains("end of the query"), "{message}");
        assert_eq!(unparsable_at("SELECT * FROM C WHERE A").1, 24);
        assert_eq!(unparsable_at("SELECT * FROM C WHERE (A = 1").1, 29);
        assert_eq!(unparsable_at("SELECT * FROM C WHERE A = 1)").1, 28);
        assert_eq!(unparsable_at("SELECT * FROM C WHERE A IS 5").1, 28);
        assert_eq!(unparsable_at("SELECT * FROM C WHERE A LIKE 5").1, 30);
        assert_eq!(unparsable_at("SELECT * FROM C WHERE A LIKE '[ab'").1, 30);
        assert_eq!(unparsable_at("SELECT * FROM C WHERE A ISA 5").1, 29);
        assert_eq!(unparsable_at("SELECT * FROM C D").1, 17);
        assert_eq!(unparsable_at("SELECT * FROM where").1, 15);
        assert_eq!(unparsable_at("SELECT * FROM C WHERE 1 LIKE 'a'").1, 25);
        assert_eq!(unparsable_at("SELECT * FROM A.B").1, 15);
    }

    #[test]
    fn invalid_queries() {
        for text in [
            "DELETE FROM C",
            "UPDATE C SET A = 1",
            "42",
            "SELECT * FROM C WHERE A = B",
            "SELECT * FROM C WHERE 1 = 1",
            "SELECT * FROM C WHERE 'x' = NULL",
        ] {
            let error = parse(text).unwrap_err();
            assert!(
                matches!(error, WqlError::Invalid { .. }),
                "{text}: {error:?}"
            );
            assert_eq!(error.hresult(), WBEM_E_INVALID_QUERY);
        }
    }

    #[test]
    fn unsupported_queries() {
        for (text, feature) in [
            ("ASSOCIATORS OF {Win32_Service.Name='x'}", "ASSOCIATORS OF"),
            ("references of {A.B=1}", "REFERENCES OF"),
            (
                "SELECT * FROM __InstanceCreationEvent WITHIN 5 WHERE TargetInstance ISA 'X'",
                "WITHIN",
            ),
        ] {
            match parse(text) {
                Err(error @ WqlError::Unsupported { .. }) => {
                    assert!(error.to_string().contains(feature), "{error}");
                    assert_eq!(error.hresult(), WBEM_E_NOT_SUPPORTED);
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    mod no_panic {
        use super::super::parse;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn arbitrary_text(text in "\\PC{0,80}") {
                let _ = parse(&text);
            }

            #[test]
            fn wql_shaped_text(words in proptest::collection::vec(
                prop_oneof![
                    Just("SELECT"), Just("FROM"), Just("WHERE"), Just("AND"), Just("OR"), Just("NOT"),
                    Just("LIKE"), Just("IS"), Just("ISA"), Just("NULL"), Just("TRUE"), Just("*"), Just(","),
                    Just("("), Just(")"), Just("="), Just("<>"), Just("<="), Just("'a%'"), Just("\"x\\"),
                    Just("-1"), Just("0x"), Just("1.5e3"), Just("Name"), Just("__CLASS"), Just("C"), Just("["),
                ],
                0..24,
            )) {
                let text = words.join(" ");
                if let Ok(query) = parse(&text) {
                    let printed = query.to_string();
                    prop_assert_eq!(parse(&printed), Ok(query));
                }
            }
        }
    }
}
