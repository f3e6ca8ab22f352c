//! Splits MOF text into tokens (DSP0004 ANNEX A lexical rules): identifiers, `$aliases`, string and
//! char16 literals with their escapes, integers (decimal, hex, octal, binary), reals, and punctuation.
//! Comments (`//`, `/* */`) and whitespace are dropped here.

use super::error::{MofError, Position};

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

struct Scanner<'a> {
    text: &'a str,
    offset: usize,
    position: Position,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<char> {
        self.text.get(self.offset..)?.chars().next()
    }

    fn peek_nth(&self, n: usize) -> Option<char> {
        self.text.get(self.offset..)?.chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.offset += c.len_utf8();
        if c == '\n' {
            self.position.line = self.position.line.saturating_add(1);
            self.position.column = 1;
        } else {
            self.position.column = self.position.column.saturating_add(1);
        }
        Some(c)
    }

    fn bump_while(&mut self, keep: impl Fn(char) -> bool) -> &str {
        let start = self.offset;
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
        self.text.get(start..self.offset).unwrap_or("")
    }

    /// Skips whitespace and comments; an unterminated `/*` is an error at its start.
    fn skip_trivia(&mut self) -> Result<(), MofError> {
        loop {
            self.bump_while(char::is_whitespace);
            match (self.peek(), self.peek_nth(1)) {
                (Some('/'), Some('/')) => {
                    self.bump_while(|c| c != '\n');
                }
                (Some('/'), Some('*')) => {
                    let start = self.position;
                    self.bump();
                    self.bump();
                    loop {
                        match self.bump() {
                            None => return Err(MofError::new(start, "unterminated `/*` comment")),
                            Some('*') if self.peek() == Some('/') => {
                                self.bump();
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
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_name_part(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, MofError> {
    let mut scanner = Scanner {
        text,
        offset: 0,
        position: Position { line: 1, column: 1 },
    };
    let mut tokens = Vec::new();
    loop {
        scanner.skip_trivia()?;
        let position = scanner.position;
        let Some(c) = scanner.peek() else {
            tokens.push(Token {
                kind: TokenKind::End,
                position,
            });
            return Ok(tokens);
        };
        let kind = match c {
            '{' | '}' | '[' | ']' | '(' | ')' | ';' | ',' | ':' | '=' | '#' => {
                scanner.bump();
                TokenKind::Punct(c)
            }
            '"' => TokenKind::String(scan_quoted(&mut scanner, '"')?),
            '\'' => scan_char16(&mut scanner)?,
            '$' => {
                scanner.bump();
                if !scanner.peek().is_some_and(is_name_start) {
                    return Err(MofError::new(position, "expected an alias name after `$`"));
                }
                TokenKind::Alias(scanner.bump_while(is_name_part).to_string())
            }
            '+' | '-' | '.' | '0'..='9' => scan_number(&mut scanner)?,
            n if is_name_start(n) => {
                TokenKind::Identifier(scanner.bump_while(is_name_part).to_string())
            }
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

/// The text between `quote`s, with DSP0004 escapes: `\b \t \n \f \r \" \' \\` and `\x` (or `\X`)
/// followed by 1 to 4 hex digits naming a UCS-2 character.
fn scan_quoted(scanner: &mut Scanner<'_>, quote: char) -> Result<String, MofError> {
    let start = scanner.position;
    let what = if quote == '"' { "string" } else { "char16" };
    scanner.bump();
    let mut value = String::new();
    loop {
        let here = scanner.position;
        match scanner.bump() {
            None => return Err(MofError::new(start, format!("unterminated {what} literal"))),
            Some('\n') => {
                return Err(MofError::new(
                    start,
                    format!("unterminated {what} literal (end of line)"),
                ));
            }
            Some('\\') => value.push(scan_escape(scanner, here)?),
            Some(c) if c == quote => return Ok(value),
            Some(c) => value.push(c),
        }
    }
}

fn scan_escape(scanner: &mut Scanner<'_>, at: Position) -> Result<char, MofError> {
    let escaped = match scanner.bump() {
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
                let Some(digit) = scanner.peek().and_then(|c| c.to_digit(16)) else {
                    break;
                };
                scanner.bump();
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

fn scan_char16(scanner: &mut Scanner<'_>) -> Result<TokenKind, MofError> {
    let start = scanner.position;
    let value = scan_quoted(scanner, '\'')?;
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
/// reals (`1.5`, `.5`, `2e10`).
fn scan_number(scanner: &mut Scanner<'_>) -> Result<TokenKind, MofError> {
    let start = scanner.position;
    let bad = |what: String| MofError::new(start, format!("invalid numeric literal: {what}"));
    let negative = match scanner.peek() {
        Some(sign @ ('+' | '-')) => {
            scanner.bump();
            sign == '-'
        }
        _ => false,
    };
    let starts_number = match scanner.peek() {
        Some('.') => scanner.peek_nth(1).is_some_and(|c| c.is_ascii_digit()),
        other => other.is_some_and(|c| c.is_ascii_digit()),
    };
    if !starts_number {
        return Err(MofError::new(start, "expected the digits of a number"));
    }
    let kind = if scanner.peek() == Some('0') && matches!(scanner.peek_nth(1), Some('x' | 'X')) {
        scanner.bump();
        scanner.bump();
        let digits = scanner.bump_while(|c| c.is_ascii_hexdigit());
        integer(digits, 16, negative).ok_or_else(|| bad(format!("hex value `0x{digits}`")))?
    } else {
        let digits_start = scanner.offset;
        scanner.bump_while(|c| c.is_ascii_digit());
        let mut is_real = false;
        if scanner.peek() == Some('.') {
            is_real = true;
            scanner.bump();
            scanner.bump_while(|c| c.is_ascii_digit());
        }
        if matches!(scanner.peek(), Some('e' | 'E')) {
            let sign = matches!(scanner.peek_nth(1), Some('+' | '-'));
            let digit_at = if sign { 2 } else { 1 };
            if scanner
                .peek_nth(digit_at)
                .is_some_and(|c| c.is_ascii_digit())
            {
                is_real = true;
                scanner.bump();
                if sign {
                    scanner.bump();
                }
                scanner.bump_while(|c| c.is_ascii_digit());
            }
        }
        let digits = scanner.text.get(digits_start..scanner.offset).unwrap_or("");
        if is_real {
            let magnitude: f64 = digits
                .parse()
                .map_err(|_| bad(format!("real `{digits}`")))?;
            if !magnitude.is_finite() {
                return Err(bad(format!("real `{digits}` is out of range")));
            }
            TokenKind::Real(if negative { -magnitude } else { magnitude })
        } else if matches!(scanner.peek(), Some('b' | 'B'))
            && digits.bytes().all(|b| b == b'0' || b == b'1')
            && !scanner.peek_nth(1).is_some_and(is_name_part)
        {
            scanner.bump();
            integer(digits, 2, negative).ok_or_else(|| bad(format!("binary value `{digits}b`")))?
        } else if digits.len() > 1 && digits.starts_with('0') {
            integer(digits, 8, negative).ok_or_else(|| bad(format!("octal value `{digits}`")))?
        } else {
            integer(digits, 10, negative)
                .ok_or_else(|| bad(format!("`{digits}` is out of range")))?
        }
    };
    if scanner.peek().is_some_and(|c| is_name_part(c) || c == '.') {
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
