//! Splits WQL text into tokens. Keywords are not distinguished here: the parser recognises them from
//! identifiers, case-insensitively, so that property names may collide with nothing but real keywords.

use super::ast::CompareOp;
use super::error::{Position, WqlError};
use crate::scan::{self, Cursor, Mark, Numeral, is_name_start};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// A name or keyword; may contain dots (`TargetInstance.Name`).
    Identifier(String),
    /// A quoted string: `value` with escapes resolved, `raw` as written between the quotes (LIKE patterns
    /// use the raw text: MS-WMI 2.2.1 exempts them from backslash escaping).
    String {
        value: String,
        raw: String,
    },
    Integer(i64),
    Unsigned(u64),
    Real(f64),
    Star,
    Comma,
    OpenParen,
    CloseParen,
    Compare(CompareOp),
    End,
}

impl TokenKind {
    /// How the token is named in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            TokenKind::Identifier(name) => format!("`{name}`"),
            TokenKind::String { .. } => "a string literal".into(),
            TokenKind::Integer(_) | TokenKind::Unsigned(_) => "an integer literal".into(),
            TokenKind::Real(_) => "a real literal".into(),
            TokenKind::Star => "`*`".into(),
            TokenKind::Comma => "`,`".into(),
            TokenKind::OpenParen => "`(`".into(),
            TokenKind::CloseParen => "`)`".into(),
            TokenKind::Compare(op) => format!("`{}`", op.symbol()),
            TokenKind::End => "the end of the query".into(),
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
            offset: mark.offset,
            line: mark.line,
            column: mark.column,
        }
    }
}

pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, WqlError> {
    let mut cursor = Cursor::new(text);
    let mut tokens = Vec::new();
    loop {
        cursor.skip_whitespace();
        let position = cursor.mark().into();
        let Some(c) = cursor.peek() else {
            tokens.push(Token {
                kind: TokenKind::End,
                position,
            });
            return Ok(tokens);
        };
        let kind = match c {
            '*' | ',' | '(' | ')' | '=' => {
                cursor.bump();
                match c {
                    '*' => TokenKind::Star,
                    ',' => TokenKind::Comma,
                    '(' => TokenKind::OpenParen,
                    ')' => TokenKind::CloseParen,
                    _ => TokenKind::Compare(CompareOp::Equal),
                }
            }
            '<' | '>' | '!' => scan_operator(&mut cursor, position)?,
            '\'' | '"' => scan_string(&mut cursor, position)?,
            '-' | '+' if cursor.starts_number(1) => {
                cursor.bump();
                scan_number(&mut cursor, position, c == '-')?
            }
            _ if cursor.starts_number(0) => scan_number(&mut cursor, position, false)?,
            n if is_name_start(n) => scan_name(&mut cursor, position)?,
            other => {
                return Err(WqlError::unparsable(
                    position,
                    format!("unexpected character `{other}`"),
                ));
            }
        };
        tokens.push(Token { kind, position });
    }
}

fn scan_operator(cursor: &mut Cursor<'_>, position: Position) -> Result<TokenKind, WqlError> {
    let first = cursor.bump();
    let second = cursor.peek();
    let (op, two_chars) = match (first, second) {
        (Some('<'), Some('>')) => (CompareOp::NotEqual, true),
        (Some('<'), Some('=')) => (CompareOp::LessOrEqual, true),
        (Some('<'), _) => (CompareOp::Less, false),
        (Some('>'), Some('=')) => (CompareOp::GreaterOrEqual, true),
        (Some('>'), _) => (CompareOp::Greater, false),
        (Some('!'), Some('=')) => (CompareOp::NotEqual, true),
        _ => {
            return Err(WqlError::unparsable(
                position,
                "`!` must be followed by `=`",
            ));
        }
    };
    if two_chars {
        cursor.bump();
    }
    Ok(TokenKind::Compare(op))
}

/// A string in single or double quotes (MS-WMI 2.2.1.1 UNICODE-STRING), over lines too. A backslash makes
/// the next character literal (MS-WMI 2.2.1), so `'C:\\Windows'` is `C:\Windows` and `'it\'s'` is `it's`.
fn scan_string(cursor: &mut Cursor<'_>, position: Position) -> Result<TokenKind, WqlError> {
    let unterminated = || WqlError::unparsable(position, "unterminated string literal");
    let literal = scan::quoted(
        cursor,
        false,
        |cursor, _| cursor.bump().ok_or_else(unterminated),
        |_| unterminated(),
    )?;
    Ok(TokenKind::String {
        value: literal.value,
        raw: literal.raw.to_string(),
    })
}

/// Decimal or `0x` hexadecimal integers and reals (`1.5`, `.5`, `2e10`), after an optional sign
/// (MS-WMI 2.2.1.1 INT and REAL; hex as Windows also accepts it).
fn scan_number(
    cursor: &mut Cursor<'_>,
    position: Position,
    negative: bool,
) -> Result<TokenKind, WqlError> {
    let bad =
        |what: &str| WqlError::unparsable(position, format!("invalid numeric literal: {what}"));
    let kind = match scan::numeral(cursor, false) {
        Numeral::Hex("") => return Err(bad("`0x` needs hexadecimal digits")),
        Numeral::Hex(digits) => {
            let magnitude = u64::from_str_radix(digits, 16).map_err(|_| bad("out of range"))?;
            integer_kind(negative, magnitude).ok_or_else(|| bad("out of range"))?
        }
        Numeral::Decimal { digits, real: true } => {
            let magnitude: f64 = digits.parse().map_err(|_| bad("not a real number"))?;
            if !magnitude.is_finite() {
                return Err(bad("out of range"));
            }
            TokenKind::Real(if negative { -magnitude } else { magnitude })
        }
        Numeral::Decimal {
            digits,
            real: false,
        } => {
            let magnitude: u64 = digits.parse().map_err(|_| bad("out of range"))?;
            integer_kind(negative, magnitude).ok_or_else(|| bad("out of range"))?
        }
    };
    if cursor.runs_on() {
        return Err(bad("letters or a dot directly after a number"));
    }
    Ok(kind)
}

/// Signed when it fits an `i64`, unsigned only for positive values above `i64::MAX`.
fn integer_kind(negative: bool, magnitude: u64) -> Option<TokenKind> {
    if negative {
        let value = 0i64.checked_sub_unsigned(magnitude)?;
        Some(TokenKind::Integer(value))
    } else {
        Some(match i64::try_from(magnitude) {
            Ok(value) => TokenKind::Integer(value),
            Err(_) => TokenKind::Unsigned(magnitude),
        })
    }
}

/// A name, possibly dotted (`TargetInstance.Name`); each part starts with a letter or underscore.
fn scan_name(cursor: &mut Cursor<'_>, position: Position) -> Result<TokenKind, WqlError> {
    let start = cursor.offset();
    loop {
        cursor.name();
        if cursor.peek() != Some('.') {
            break;
        }
        if !cursor.peek_nth(1).is_some_and(is_name_start) {
            return Err(WqlError::unparsable(
                position,
                "a `.` in a name must be followed by a name",
            ));
        }
        cursor.bump();
    }
    Ok(TokenKind::Identifier(cursor.since(start).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        tokenize(text)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn string(value: &str, raw: &str) -> TokenKind {
        TokenKind::String {
            value: value.into(),
            raw: raw.into(),
        }
    }

    fn error_at(text: &str) -> (u32, u32) {
        match tokenize(text) {
            Err(WqlError::Unparsable { position, .. }) => (position.line, position.column),
            other => panic!("expected an unparsable error, got {other:?}"),
        }
    }

    #[test]
    fn operators() {
        use CompareOp::*;
        let ops: Vec<_> = [
            Equal,
            NotEqual,
            NotEqual,
            Less,
            Greater,
            LessOrEqual,
            GreaterOrEqual,
        ]
        .into_iter()
        .map(TokenKind::Compare)
        .chain([TokenKind::End])
        .collect();
        assert_eq!(kinds("= <> != < > <= >="), ops);
        assert_eq!(kinds("a<=1")[1], TokenKind::Compare(LessOrEqual));
    }

    #[test]
    fn strings_in_both_quotes_with_backslash_escapes() {
        assert_eq!(
            kinds(r"'C:\\Windows'")[0],
            string(r"C:\Windows", r"C:\\Windows")
        );
        assert_eq!(
            kinds(r#""say \"hi\"""#)[0],
            string(r#"say "hi""#, r#"say \"hi\""#)
        );
        assert_eq!(kinds(r"'it\'s'")[0], string("it's", r"it\'s"));
        assert_eq!(kinds(r#"'a"b'"#)[0], string("a\"b", "a\"b"));
        assert_eq!(kinds("''")[0], string("", ""));
    }

    #[test]
    fn numbers() {
        assert_eq!(kinds("42")[0], TokenKind::Integer(42));
        assert_eq!(kinds("-42")[0], TokenKind::Integer(-42));
        assert_eq!(kinds("0x1F")[0], TokenKind::Integer(31));
        assert_eq!(kinds("-0x10")[0], TokenKind::Integer(-16));
        assert_eq!(
            kinds("18446744073709551615")[0],
            TokenKind::Unsigned(u64::MAX)
        );
        assert_eq!(
            kinds("-9223372036854775808")[0],
            TokenKind::Integer(i64::MIN)
        );
        assert_eq!(kinds("1.5")[0], TokenKind::Real(1.5));
        assert_eq!(kinds("+7")[0], TokenKind::Integer(7));
        assert_eq!(kinds(".5")[0], TokenKind::Real(0.5));
        assert_eq!(kinds("-.25")[0], TokenKind::Real(-0.25));
        assert_eq!(kinds("-2.5e3")[0], TokenKind::Real(-2500.0));
        assert_eq!(kinds("1E-2")[0], TokenKind::Real(0.01));
    }

    #[test]
    fn bad_numbers() {
        assert_eq!(error_at("18446744073709551616"), (1, 1));
        assert_eq!(error_at("x = -9223372036854775809"), (1, 5));
        assert_eq!(error_at("0x"), (1, 1));
        assert_eq!(error_at("12abc"), (1, 1));
        assert_eq!(error_at("1e999"), (1, 1));
    }

    #[test]
    fn names_may_be_dotted_and_system() {
        assert_eq!(kinds("__CLASS")[0], TokenKind::Identifier("__CLASS".into()));
        assert_eq!(
            kinds("TargetInstance.Name")[0],
            TokenKind::Identifier("TargetInstance.Name".into())
        );
        assert_eq!(error_at("a. b"), (1, 1));
    }

    #[test]
    fn errors_have_line_and_column() {
        assert_eq!(error_at("SELECT *\nFROM x WHERE a = 'open"), (2, 18));
        assert_eq!(error_at("a ! b"), (1, 3));
        assert_eq!(error_at("a # b"), (1, 3));
        assert_eq!(error_at("'ends in escape\\"), (1, 1));
    }
}
