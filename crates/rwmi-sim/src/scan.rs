//! What the MOF and WQL lexers share: a cursor over the text's characters that tracks the byte offset,
//! line and column, names (DSP0004 and MS-WMI 2.2.1.1 agree: a letter or `_`, then letters, digits and
//! `_`), the shape of a number (decimal or `0x` digits, a fraction, an exponent), and quoted literals
//! whose escapes each language reads its own way. The token sets, keywords, comments and what a number's
//! digits mean stay with each language.

/// A place in the text: byte offset, 1-based line, 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    pub offset: usize,
    pub line: u32,
    pub column: u32,
}

pub(crate) struct Cursor<'a> {
    text: &'a str,
    mark: Mark,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Cursor {
            text,
            mark: Mark {
                offset: 0,
                line: 1,
                column: 1,
            },
        }
    }

    /// Where the next character is.
    pub(crate) fn mark(&self) -> Mark {
        self.mark
    }

    pub(crate) fn offset(&self) -> usize {
        self.mark.offset
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.mark.offset..).unwrap_or("")
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// The character `n` places after the next one (`peek_nth(0)` is `peek()`).
    pub(crate) fn peek_nth(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    /// Moves past the next character: a line feed starts a new line.
    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.mark.offset += c.len_utf8();
        if c == '\n' {
            self.mark.line = self.mark.line.saturating_add(1);
            self.mark.column = 1;
        } else {
            self.mark.column = self.mark.column.saturating_add(1);
        }
        Some(c)
    }

    /// Moves past the characters `keep` accepts and gives them.
    pub(crate) fn bump_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let start = self.mark.offset;
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
        self.since(start)
    }

    /// The text from byte offset `start` to the cursor.
    pub(crate) fn since(&self, start: usize) -> &'a str {
        self.text.get(start..self.mark.offset).unwrap_or("")
    }

    pub(crate) fn skip_whitespace(&mut self) {
        self.bump_while(char::is_whitespace);
    }

    /// The rest of a name whose first character is next.
    pub(crate) fn name(&mut self) -> &'a str {
        self.bump_while(is_name_part)
    }

    /// Whether the digits of a number (`5`, `.5`) start `skip` characters ahead.
    pub(crate) fn starts_number(&self, skip: usize) -> bool {
        let mut ahead = self.rest().chars().skip(skip);
        match ahead.next() {
            Some('.') => ahead.next().is_some_and(|c| c.is_ascii_digit()),
            first => first.is_some_and(|c| c.is_ascii_digit()),
        }
    }

    /// Whether a letter, digit, `_` or `.` comes next: what no number may run on into.
    pub(crate) fn runs_on(&self) -> bool {
        self.peek().is_some_and(|c| is_name_part(c) || c == '.')
    }
}

pub(crate) fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

pub(crate) fn is_name_part(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The digits of a number as written, before a language gives them a value.
#[derive(Debug, PartialEq)]
pub(crate) enum Numeral<'a> {
    /// After `0x` or `0X`; possibly empty.
    Hex(&'a str),
    /// Digits with a fraction or an exponent when `real`.
    Decimal { digits: &'a str, real: bool },
}

/// Scans the number whose digits (or `.` and a digit) are next, without a sign. An exponent is `e` or
/// `E`, an optional sign and at least one digit (else the `e` is not part of the number). A `.` with no
/// digit after it makes a real only where `bare_dot_is_real` (MOF's `3.`; WQL leaves the dot).
pub(crate) fn numeral<'a>(cursor: &mut Cursor<'a>, bare_dot_is_real: bool) -> Numeral<'a> {
    if cursor.peek() == Some('0') && matches!(cursor.peek_nth(1), Some('x' | 'X')) {
        cursor.bump();
        cursor.bump();
        return Numeral::Hex(cursor.bump_while(|c| c.is_ascii_hexdigit()));
    }
    let start = cursor.offset();
    cursor.bump_while(|c| c.is_ascii_digit());
    let mut real = false;
    if cursor.peek() == Some('.')
        && (bare_dot_is_real || cursor.peek_nth(1).is_some_and(|c| c.is_ascii_digit()))
    {
        real = true;
        cursor.bump();
        cursor.bump_while(|c| c.is_ascii_digit());
    }
    if matches!(cursor.peek(), Some('e' | 'E')) {
        let signed = matches!(cursor.peek_nth(1), Some('+' | '-'));
        let digit_at = if signed { 2 } else { 1 };
        if cursor
            .peek_nth(digit_at)
            .is_some_and(|c| c.is_ascii_digit())
        {
            real = true;
            cursor.bump();
            if signed {
                cursor.bump();
            }
            cursor.bump_while(|c| c.is_ascii_digit());
        }
    }
    Numeral::Decimal {
        digits: cursor.since(start),
        real,
    }
}

/// A quoted literal: its value with escapes resolved, and the text between the quotes as written.
#[derive(Debug, PartialEq)]
pub(crate) struct Quoted<'a> {
    pub value: String,
    pub raw: &'a str,
}

/// How a quoted literal failed to close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unterminated {
    EndOfText,
    /// A line feed inside a literal that must close on its line.
    EndOfLine,
}

/// The literal from the quote character that is next to the next same quote. A backslash starts an
/// escape that `escape` reads (the cursor past the backslash, `at` the backslash's place) into the
/// character it stands for; `unterminated` makes the error for a literal that does not close.
pub(crate) fn quoted<'a, E>(
    cursor: &mut Cursor<'a>,
    single_line: bool,
    mut escape: impl FnMut(&mut Cursor<'a>, Mark) -> Result<char, E>,
    unterminated: impl FnOnce(Unterminated) -> E,
) -> Result<Quoted<'a>, E> {
    let quote = cursor.bump();
    let raw_start = cursor.offset();
    let mut value = String::new();
    loop {
        let here = cursor.mark();
        match cursor.bump() {
            None => return Err(unterminated(Unterminated::EndOfText)),
            Some('\n') if single_line => return Err(unterminated(Unterminated::EndOfLine)),
            Some('\\') => value.push(escape(cursor, here)?),
            Some(c) if Some(c) == quote => {
                let raw = cursor.text.get(raw_start..here.offset).unwrap_or("");
                return Ok(Quoted { value, raw });
            }
            Some(c) => value.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_counts_lines_columns_in_characters_and_bytes() {
        let mut cursor = Cursor::new("aé\n b");
        assert_eq!(cursor.peek_nth(1), Some('é'));
        assert_eq!(cursor.bump_while(|c| c != '\n'), "aé");
        assert_eq!(
            cursor.mark(),
            Mark {
                offset: 3,
                line: 1,
                column: 3
            }
        );
        cursor.skip_whitespace();
        assert_eq!(
            cursor.mark(),
            Mark {
                offset: 5,
                line: 2,
                column: 2
            }
        );
        assert_eq!(cursor.bump(), Some('b'));
        assert_eq!(cursor.bump(), None);
        assert_eq!(cursor.peek(), None);
        assert_eq!(cursor.since(1), "é\n b");
    }

    #[test]
    fn names_take_letters_digits_and_underscores() {
        assert!(is_name_start('_') && is_name_start('ä') && !is_name_start('1'));
        let mut cursor = Cursor::new("__Class_1.Name");
        assert_eq!(cursor.name(), "__Class_1");
        assert_eq!(cursor.peek(), Some('.'));
        assert!(cursor.runs_on());
    }

    #[test]
    fn numbers_start_with_a_digit_or_a_dot_and_a_digit() {
        assert!(Cursor::new("5").starts_number(0));
        assert!(Cursor::new(".5").starts_number(0));
        assert!(Cursor::new("-.5").starts_number(1));
        assert!(!Cursor::new(".x").starts_number(0));
        assert!(!Cursor::new("- 1").starts_number(1));
    }

    fn numeral_of(text: &str, bare_dot_is_real: bool) -> (Numeral<'_>, &str) {
        let mut cursor = Cursor::new(text);
        let numeral = numeral(&mut cursor, bare_dot_is_real);
        (numeral, cursor.rest())
    }

    #[test]
    fn numerals_have_their_shape_and_leave_what_follows() {
        let decimal = |digits, real| Numeral::Decimal { digits, real };
        assert_eq!(numeral_of("0x1Fz", true), (Numeral::Hex("1F"), "z"));
        assert_eq!(numeral_of("0X", true), (Numeral::Hex(""), ""));
        assert_eq!(numeral_of("42,", true), (decimal("42", false), ","));
        assert_eq!(numeral_of("1.5e-3)", true), (decimal("1.5e-3", true), ")"));
        assert_eq!(numeral_of(".25", false), (decimal(".25", true), ""));
        assert_eq!(numeral_of("2E10", false), (decimal("2E10", true), ""));
        // An `e` without exponent digits is not part of the number.
        assert_eq!(numeral_of("2e+x", true), (decimal("2", false), "e+x"));
        // A dot with no digit after it: a real in MOF, left alone in WQL.
        assert_eq!(numeral_of("3.", true), (decimal("3.", true), ""));
        assert_eq!(numeral_of("3.", false), (decimal("3", false), "."));
    }

    fn quoted_of(text: &str, single_line: bool) -> Result<(String, String), String> {
        let mut cursor = Cursor::new(text);
        let literal = quoted(
            &mut cursor,
            single_line,
            |cursor, at| match cursor.bump() {
                Some('n') => Ok('\n'),
                Some(c) => Ok(c),
                None => Err(format!("escape at {}", at.column)),
            },
            |how| format!("{how:?}"),
        )?;
        Ok((literal.value, literal.raw.to_string()))
    }

    #[test]
    fn quoted_literals_resolve_escapes_and_keep_the_raw_text() {
        assert_eq!(
            quoted_of(r#""a\nb\"c" rest"#, true),
            Ok(("a\nb\"c".into(), r#"a\nb\"c"#.into()))
        );
        assert_eq!(
            quoted_of("'it''", true),
            Ok(("it".into(), "it".into())),
            "the opening quote is the closing one"
        );
        assert_eq!(
            quoted_of("'a\"é'", true),
            Ok(("a\"é".into(), "a\"é".into()))
        );
        assert_eq!(
            quoted_of("'a\nb'", false),
            Ok(("a\nb".into(), "a\nb".into()))
        );
    }

    #[test]
    fn unterminated_quoted_literals_say_how() {
        assert_eq!(quoted_of("'open", true), Err("EndOfText".into()));
        assert_eq!(quoted_of("'a\nb'", true), Err("EndOfLine".into()));
        assert_eq!(quoted_of("'ends \\", true), Err("escape at 7".into()));
    }
}
