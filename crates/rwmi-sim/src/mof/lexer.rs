//! Splits MOF text into tokens (DSP0004 ANNEX A lexical rules): identifiers, `$aliases`, string and
//! char16 literals with their escapes, integers (decimal, hex, octal, binary), reals, and punctuation.
//! Comments (`//`, `/* */`) and whitespace are dropped here.

use super::error::{MofError, Position};
use crate::scan::{self, Cursor, Mark, Numeral, Unterminated, is_name_part, is_name_start};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    Identifier(String),
    /// `$name`, without the `$`.
    Alias(String),
    /// One string literal, escapes resolved; the parser joins adjacent ones.
    String(String),
    Char16(char),
    Integer(i128),
    Real(f64),
    /// One of `{ } [ ] ( ) ; , : = #`.
    Punct(char),
    End,
}

impl TokenKind {
    pub(crate) fn describe(&self) -> String {
        match self {
            TokenKind::Identifier(name) => format!("`{name}`"),
            TokenKind::Alias(name) => format!("alias `${name}`"),
            TokenKind::String(_) => "a string literal".into(),
            TokenKind::Char16(_) => "a char16 literal".into(),
            TokenKind::Integer(_) => "an integer literal".into(),
            TokenKind::Real(_) => "a real literal".into(),
            TokenKind::Punct(c) => format!("`{c}`"),
            TokenKind::End => "the end of the file".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub position: Position,
}

impl From<Mark> for Position {
    fn from(mark: Mark) -> Self {
        Position {
            line: mark.line,
            column: mark.column,
        }
    }
}

/// Skips whitespace and comments; an unterminated `/*` is an error at its start.
fn skip_trivia(cursor: &mut Cursor<'_>) -> Result<(), MofError> {
    loop {
        cursor.skip_whitespace();
        match (cursor.peek(), cursor.peek_nth(1)) {
            (Some('/'), Some('/')) => {
                cursor.bump_while(|c| c != '\n');
            }
            (Some('/'), Some('*')) => {
                let start = cursor.mark().into();
                cursor.bump();
                cursor.bump();
                loop {
                    match cursor.bump() {
                        None => return Err(MofError::new(start, "unterminated `/*` comment")),
                        Some('*') if cursor.peek() == Some('/') => {
                            cursor.bump();
                            break;
                        }
                        Some(_) => {}
                    }
                }
            }
            _ => return Ok(()),
        }
    }
}

pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, MofError> {
    let mut cursor = Cursor::new(text);
    let mut tokens = Vec::new();
    loop {
        skip_trivia(&mut cursor)?;
        let position = cursor.mark().into();
        let Some(c) = cursor.peek() else {
            tokens.push(Token {
                kind: TokenKind::End,
                position,
            });
            return Ok(tokens);
        };
        let kind = match c {
            '{' | '}' | '[' | ']' | '(' | ')' | ';' | ',' | ':' | '=' | '#' => {
                cursor.bump();
                TokenKind::Punct(c)
            }
            '"' => TokenKind::String(scan_quoted(&mut cursor)?),
            '\'' => scan_char16(&mut cursor)?,
            '$' => {
                cursor.bump();
                if !cursor.peek().is_some_and(is_name_start) {
                    return Err(MofError::new(position, "expected an alias name after `$`"));
                }
                TokenKind::Alias(cursor.name().to_string())
            }
            '+' | '-' | '.' | '0'..='9' => scan_number(&mut cursor)?,
            n if is_name_start(n) => TokenKind::Identifier(cursor.name().to_string()),
            other => {
                return Err(MofError::new(
                    position,
                    format!("unexpected character `{}`", other.escape_debug()),
                ));
            }
        };
        tokens.push(Token { kind, position });
    }
}

/// The text between the quotes that are next (`"` or `'`), with DSP0004 escapes: `\b \t \n \f \r \" \' \\`
/// and `\x` (or `\X`) followed by 1 to 4 hex digits naming a UCS-2 character. It closes on its line.
fn scan_quoted(cursor: &mut Cursor<'_>) -> Result<String, MofError> {
    let start = cursor.mark().into();
    let what = if cursor.peek() == Some('"') {
        "string"
    } else {
        "char16"
    };
    let literal = scan::quoted(
        cursor,
        true,
        |cursor, at| scan_escape(cursor, at.into()),
        |how| {
            let message = match how {
                Unterminated::EndOfText => format!("unterminated {what} literal"),
                Unterminated::EndOfLine => format!("unterminated {what} literal (end of line)"),
            };
            MofError::new(start, message)
        },
    )?;
    Ok(literal.value)
}

fn scan_escape(cursor: &mut Cursor<'_>, at: Position) -> Result<char, MofError> {
    let escaped = match cursor.bump() {
        Some('b') => '\u{8}',
        Some('t') => '\t',
        Some('n') => '\n',
        Some('f') => '\u{c}',
        Some('r') => '\r',
        Some(c @ ('"' | '\'' | '\\')) => c,
        Some('x' | 'X') => {
            let mut code: u32 = 0;
            let mut digits = 0;
            while digits < 4 {
                let Some(digit) = cursor.peek().and_then(|c| c.to_digit(16)) else {
                    break;
                };
                cursor.bump();
                code = code * 16 + digit;
                digits += 1;
            }
            if digits == 0 {
                return Err(MofError::new(
                    at,
                    "`\\x` must be followed by 1 to 4 hex digits",
                ));
            }
            char::from_u32(code).ok_or_else(|| {
                MofError::new(
                    at,
                    format!("`\\x{code:x}` is a lone UTF-16 surrogate, not a character"),
                )
            })?
        }
        Some(other) => {
            return Err(MofError::new(
                at,
                format!(
                    "unknown escape `\\{}`; expected one of \\b \\t \\n \\f \\r \\\" \\' \\\\ \\x",
                    other.escape_debug()
                ),
            ));
        }
        None => return Err(MofError::new(at, "unterminated escape sequence")),
    };
    Ok(escaped)
}

fn scan_char16(cursor: &mut Cursor<'_>) -> Result<TokenKind, MofError> {
    let start = cursor.mark().into();
    let value = scan_quoted(cursor)?;
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.len_utf16() == 1 => Ok(TokenKind::Char16(c)),
        _ => Err(MofError::new(
            start,
            "a char16 literal holds exactly one UCS-2 character",
        )),
    }
}

/// Integers in DSP0004 forms (decimal, `0x` hex, `0`-prefixed octal, `b`-suffixed binary), signed, and
/// reals (`1.5`, `.5`, `2e10`, `3.`).
fn scan_number(cursor: &mut Cursor<'_>) -> Result<TokenKind, MofError> {
    let start = cursor.mark().into();
    let bad = |what: String| MofError::new(start, format!("invalid numeric literal: {what}"));
    let negative = match cursor.peek() {
        Some(sign @ ('+' | '-')) => {
            cursor.bump();
            sign == '-'
        }
        _ => false,
    };
    if !cursor.starts_number(0) {
        return Err(MofError::new(start, "expected the digits of a number"));
    }
    let kind = match scan::numeral(cursor, true) {
        Numeral::Hex(digits) => {
            integer(digits, 16, negative).ok_or_else(|| bad(format!("hex value `0x{digits}`")))?
        }
        Numeral::Decimal { digits, real: true } => {
            let magnitude: f64 = digits
                .parse()
                .map_err(|_| bad(format!("real `{digits}`")))?;
            if !magnitude.is_finite() {
                return Err(bad(format!("real `{digits}` is out of range")));
            }
            TokenKind::Real(if negative { -magnitude } else { magnitude })
        }
        Numeral::Decimal {
            digits,
            real: false,
        } if matches!(cursor.peek(), Some('b' | 'B'))
            && digits.bytes().all(|b| b == b'0' || b == b'1')
            && !cursor.peek_nth(1).is_some_and(is_name_part) =>
        {
            cursor.bump();
            integer(digits, 2, negative).ok_or_else(|| bad(format!("binary value `{digits}b`")))?
        }
        Numeral::Decimal { digits, .. } if digits.len() > 1 && digits.starts_with('0') => {
            integer(digits, 8, negative).ok_or_else(|| bad(format!("octal value `{digits}`")))?
        }
        Numeral::Decimal { digits, .. } => integer(digits, 10, negative)
            .ok_or_else(|| bad(format!("`{digits}` is out of range")))?,
    };
    if cursor.runs_on() {
        return Err(bad(
            "letters, digits or a dot directly after a number".into()
        ));
    }
    Ok(kind)
}

/// An integer in `i64::MIN ..= u64::MAX`, the range of CIM's integer types.
fn integer(digits: &str, radix: u32, negative: bool) -> Option<TokenKind> {
    if digits.is_empty() {
        return None;
    }
    let magnitude = i128::from(u64::from_str_radix(digits, radix).ok()?);
    let value = if negative { -magnitude } else { magnitude };
    (value >= i128::from(i64::MIN)).then_some(TokenKind::Integer(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        let mut kinds: Vec<_> = tokenize(text)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect();
        assert_eq!(kinds.pop(), Some(TokenKind::End));
        kinds
    }

    fn error(text: &str) -> (u32, u32, String) {
        let e = tokenize(text).unwrap_err();
        (e.position.line, e.position.column, e.message)
    }

    #[test]
    fn comments_are_skipped() {
        assert_eq!(
            kinds("a // line\n/* block\n * more */ b /**/c"),
            ["a", "b", "c"].map(|n| TokenKind::Identifier(n.into()))
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            kinds(r#""\\\\.\\root""#),
            [TokenKind::String(r"\\.\root".into())]
        );
        assert_eq!(
            kinds(r#""a\tb\nc\"d\'e\x41\X263a\b\f\r""#),
            [TokenKind::String(
                "a\tb\nc\"d'eA\u{263a}\u{8}\u{c}\r".into()
            )]
        );
        assert_eq!(kinds(r#""\x41G""#), [TokenKind::String("AG".into())]);
    }

    #[test]
    fn char16_literals() {
        assert_eq!(
            kinds("'a' '\\n' '\\x263A' '\"'"),
            [
                TokenKind::Char16('a'),
                TokenKind::Char16('\n'),
                TokenKind::Char16('\u{263a}'),
                TokenKind::Char16('"')
            ]
        );
        assert_eq!(
            error("x = 'ab'"),
            (
                1,
                5,
                "a char16 literal holds exactly one UCS-2 character".into()
            )
        );
        assert_eq!(error("''").0, 1);
        assert!(error("'\u{1F600}'").2.contains("UCS-2"));
    }

    #[test]
    fn numbers() {
        assert_eq!(
            kinds("0 42 -42 +7 0x1F -0x10 017 101b 1.5 -.5 2e3 1E-2 3.")[..],
            [
                TokenKind::Integer(0),
                TokenKind::Integer(42),
                TokenKind::Integer(-42),
                TokenKind::Integer(7),
                TokenKind::Integer(31),
                TokenKind::Integer(-16),
                TokenKind::Integer(15),
                TokenKind::Integer(5),
                TokenKind::Real(1.5),
                TokenKind::Real(-0.5),
                TokenKind::Real(2000.0),
                TokenKind::Real(0.01),
                TokenKind::Real(3.0),
            ]
        );
        assert_eq!(
            kinds("18446744073709551615"),
            [TokenKind::Integer(u64::MAX as i128)]
        );
        assert_eq!(
            kinds("-9223372036854775808"),
            [TokenKind::Integer(i64::MIN as i128)]
        );
    }

    #[test]
    fn bad_numbers() {
        assert_eq!(error("18446744073709551616").1, 1);
        assert_eq!(
            error("\n  -9223372036854775809"),
            (
                2,
                3,
                "invalid numeric literal: `9223372036854775809` is out of range".into()
            )
        );
        assert!(error("0x").2.contains("hex"));
        assert!(error("089").2.contains("octal"));
        assert!(error("12ab").2.contains("directly after"));
        assert!(error("1e999").2.contains("out of range"));
        assert_eq!(error("- 1").2, "expected the digits of a number");
        assert_eq!(error("x .").1, 3);
    }

    #[test]
    fn aliases_and_punctuation() {
        assert_eq!(
            kinds("$p1 {}[]();,:=#"),
            [
                TokenKind::Alias("p1".into()),
                TokenKind::Punct('{'),
                TokenKind::Punct('}'),
                TokenKind::Punct('['),
                TokenKind::Punct(']'),
                TokenKind::Punct('('),
                TokenKind::Punct(')'),
                TokenKind::Punct(';'),
                TokenKind::Punct(','),
                TokenKind::Punct(':'),
                TokenKind::Punct('='),
                TokenKind::Punct('#'),
            ]
        );
        assert_eq!(error("$ x").2, "expected an alias name after `$`");
    }

    #[test]
    fn lexical_errors_have_positions() {
        assert_eq!(
            error("a\n  /* open"),
            (2, 3, "unterminated `/*` comment".into())
        );
        assert_eq!(
            error("a = \"open\nb"),
            (1, 5, "unterminated string literal (end of line)".into())
        );
        assert_eq!(
            error("\"open"),
            (1, 1, "unterminated string literal".into())
        );
        let (line, column, message) = error("x \"a\\qb\"");
        assert_eq!((line, column), (1, 5));
        assert!(message.starts_with("unknown escape `\\q`"), "{message}");
        assert!(error("\"\\x\"").2.contains("hex digits"));
        assert!(error("\"\\xD800\"").2.contains("surrogate"));
        assert_eq!(error("a @"), (1, 3, "unexpected character `@`".into()));
    }
}
