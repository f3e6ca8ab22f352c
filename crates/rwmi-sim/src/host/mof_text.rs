//! Writing MOF `instance of` text: string literal escaping and a small property writer.
//!
//! The escapes are the ones DSP0221 (MOF) defines for string and char16 literals: `\b \t \n \f \r
//! \" \' \\` and `\x` followed by hex digits naming a UCS character. Other control characters are
//! written as `\x` with exactly four hex digits. Because DSP0221 3.x lets `\x` take up to six digits,
//! a hex digit that directly follows such an escape would be swallowed into it; in that case the
//! literal is closed and a new one opened (`"\x0001" "A"`), which MOF concatenates (DSP0221 string
//! values are one or more adjacent literals). Printable non-ASCII text is written as UTF-8, which
//! DSP0221 3.x MOF files are.

use std::fmt::Write as _;
use std::time::SystemTime;

use super::cim_datetime::format_cim_datetime;

/// Appends `text` to `out` as a complete MOF string value, quotes included.
pub fn write_mof_string(out: &mut String, text: &str) {
    out.push('"');
    let mut after_hex_escape = false;
    for ch in text.chars() {
        if after_hex_escape && ch.is_ascii_hexdigit() {
            out.push_str("\" \"");
        }
        after_hex_escape = false;
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => {
                // is_control covers C0, DEL and C1: all fit in four hex digits.
                let _ = write!(out, "\\x{:04X}", u32::from(c));
                after_hex_escape = true;
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `text` as a complete MOF string value, quotes included.
pub fn mof_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    write_mof_string(&mut out, text);
    out
}

/// Writes the properties of one `instance of` block. Created by [`InstanceWriter::begin`], which
/// writes the header; [`InstanceWriter::end`] closes the block. Properties whose value is `None`
/// are left out, which MOF reads as NULL.
pub struct InstanceWriter<'a> {
    out: &'a mut String,
}

impl<'a> InstanceWriter<'a> {
    /// Writes `instance of <class>` and the opening brace.
    pub fn begin(out: &'a mut String, class: &str) -> Self {
        out.push_str("instance of ");
        out.push_str(class);
        out.push_str("\n{\n");
        Self { out }
    }

    fn name(&mut self, property: &str) {
        self.out.push('\t');
        self.out.push_str(property);
        self.out.push_str(" = ");
    }

    /// A string property.
    pub fn string(&mut self, property: &str, value: &str) -> &mut Self {
        self.name(property);
        write_mof_string(self.out, value);
        self.out.push_str(";\n");
        self
    }

    /// A string property that may be NULL.
    pub fn opt_string(&mut self, property: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.string(property, value);
        }
        self
    }

    /// Any unsigned integer property (uint8 to uint64).
    pub fn unsigned(&mut self, property: &str, value: u64) -> &mut Self {
        self.name(property);
        let _ = writeln!(self.out, "{value};");
        self
    }

    /// Any signed integer property (sint8 to sint64).
    pub fn signed(&mut self, property: &str, value: i64) -> &mut Self {
        self.name(property);
        let _ = writeln!(self.out, "{value};");
        self
    }

    /// A boolean property.
    pub fn boolean(&mut self, property: &str, value: bool) -> &mut Self {
        self.name(property);
        self.out
            .push_str(if value { "TRUE;\n" } else { "FALSE;\n" });
        self
    }

    /// A datetime property, written as a CIM timestamp string in UTC.
    pub fn datetime(&mut self, property: &str, value: SystemTime) -> &mut Self {
        self.name(property);
        self.out.push('"');
        self.out.push_str(&format_cim_datetime(value));
        self.out.push_str("\";\n");
        self
    }

    /// A datetime property that may be NULL.
    pub fn opt_datetime(&mut self, property: &str, value: Option<SystemTime>) -> &mut Self {
        if let Some(value) = value {
            self.datetime(property, value);
        }
        self
    }

    /// A string array property; an empty slice is written as the empty array `{}`.
    pub fn string_array<S: AsRef<str>>(&mut self, property: &str, values: &[S]) -> &mut Self {
        self.name(property);
        self.out.push('{');
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                self.out.push_str(", ");
            }
            write_mof_string(self.out, value.as_ref());
        }
        self.out.push_str("};\n");
        self
    }

    /// Closes the block.
    pub fn end(self) {
        self.out.push_str("};\n\n");
    }
}

/// Where a provider's properties go: MOF text (`InstanceWriter`), or straight into an instance
/// (`repository::synthetic`), so one description of a class's values serves both.
pub trait PropertySink {
    /// A string property.
    fn string(&mut self, property: &str, value: &str) -> &mut Self;
    /// Any unsigned integer property (uint8 to uint64).
    fn unsigned(&mut self, property: &str, value: u64) -> &mut Self;
    /// Any signed integer property (sint8 to sint64).
    fn signed(&mut self, property: &str, value: i64) -> &mut Self;
    /// A boolean property.
    fn boolean(&mut self, property: &str, value: bool) -> &mut Self;
    /// A datetime property, as a CIM timestamp in UTC.
    fn datetime(&mut self, property: &str, value: SystemTime) -> &mut Self;

    /// A string property that may be NULL.
    fn opt_string(&mut self, property: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.string(property, value);
        }
        self
    }

    /// A datetime property that may be NULL.
    fn opt_datetime(&mut self, property: &str, value: Option<SystemTime>) -> &mut Self {
        if let Some(value) = value {
            self.datetime(property, value);
        }
        self
    }
}

impl PropertySink for InstanceWriter<'_> {
    fn string(&mut self, property: &str, value: &str) -> &mut Self {
        InstanceWriter::string(self, property, value)
    }
    fn unsigned(&mut self, property: &str, value: u64) -> &mut Self {
        InstanceWriter::unsigned(self, property, value)
    }
    fn signed(&mut self, property: &str, value: i64) -> &mut Self {
        InstanceWriter::signed(self, property, value)
    }
    fn boolean(&mut self, property: &str, value: bool) -> &mut Self {
        InstanceWriter::boolean(self, property, value)
    }
    fn datetime(&mut self, property: &str, value: SystemTime) -> &mut Self {
        InstanceWriter::datetime(self, property, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn plain_text_is_quoted_unchanged() {
        assert_eq!(mof_string("bash"), "\"bash\"");
        assert_eq!(mof_string(""), "\"\"");
    }

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(
            mof_string(r#"C:\Program Files\"x" 'y'"#),
            r#""C:\\Program Files\\\"x\" 'y'""#
        );
    }

    #[test]
    fn named_control_escapes() {
        assert_eq!(
            mof_string("a\tb\nc\rd\u{8}e\u{c}f"),
            r#""a\tb\nc\rd\be\ff""#
        );
    }

    #[test]
    fn other_control_characters_use_four_hex_digits() {
        assert_eq!(mof_string("\u{0}"), r#""\x0000""#);
        assert_eq!(mof_string("a\u{1b}[0m"), r#""a\x001B[0m""#);
        assert_eq!(mof_string("\u{7f}\u{85}"), r#""\x007F\x0085""#);
    }

    #[test]
    fn hex_digit_after_hex_escape_starts_a_new_literal() {
        assert_eq!(mof_string("\u{1}A"), r#""\x0001" "A""#);
        assert_eq!(mof_string("\u{1}9z"), r#""\x0001" "9z""#);
        assert_eq!(mof_string("\u{1}g"), r#""\x0001g""#);
        assert_eq!(mof_string("\u{1}\u{2}"), r#""\x0001\x0002""#);
    }

    #[test]
    fn non_ascii_text_is_kept_as_utf8() {
        assert_eq!(mof_string("Grüße 日本 😀"), "\"Grüße 日本 😀\"");
    }

    #[test]
    fn escaped_output_has_no_raw_control_or_unbalanced_quote() {
        let mut all = String::new();
        for code in 0u32..0x200 {
            if let Some(ch) = char::from_u32(code) {
                all.push(ch);
            }
        }
        let escaped = mof_string(&all);
        assert!(!escaped.chars().any(char::is_control));
        // Every '"' inside is either escaped or part of a literal break.
        let inner = &escaped[1..escaped.len() - 1];
        let unescaped_quotes = inner.replace("\\\\", "").replace("\\\"", "");
        assert_eq!(unescaped_quotes.matches('"').count() % 2, 0);
    }

    /// Reads back one MOF string value in the forms `write_mof_string` produces: adjacent
    /// literals, the named escapes and `\x` with four hex digits.
    fn read_back(value: &str) -> String {
        let mut out = String::new();
        let mut chars = value.chars();
        let mut inside = false;
        while let Some(ch) = chars.next() {
            match (inside, ch) {
                (false, '"') => inside = true,
                (false, ' ') => {}
                (true, '"') => inside = false,
                (true, '\\') => match chars.next().unwrap() {
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'x' => {
                        let hex: String = chars.by_ref().take(4).collect();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    }
                    other => out.push(other),
                },
                (true, other) => out.push(other),
                (false, other) => panic!("{other:?} outside a literal in {value}"),
            }
        }
        assert!(!inside, "unterminated literal in {value}");
        out
    }

    #[test]
    fn every_character_round_trips() {
        let mut all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        all.extend([
            '\u{fffd}',
            '\u{ffff}',
            '\u{10000}',
            '\u{1f600}',
            '\u{10ffff}',
        ]);
        assert_eq!(read_back(&mof_string(&all)), all);
    }

    #[test]
    fn mixed_strings_round_trip() {
        // Short strings drawn from an alphabet of awkward characters, by a fixed LCG.
        let alphabet = [
            '"', '\\', '\u{0}', '\u{1}', 'A', 'f', '9', ' ', '\n', '\u{85}', 'é', '😀', '\'', 'x',
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..8 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                text.push(alphabet[(state >> 33) as usize % alphabet.len()]);
            }
            assert_eq!(read_back(&mof_string(&text)), text, "{text:?}");
        }
    }

    #[test]
    fn instance_writer_layout() {
        let mut out = String::new();
        let mut writer = InstanceWriter::begin(&mut out, "Win32_Process");
        writer
            .string("Name", "a\"b")
            .unsigned("ProcessId", 42)
            .signed("Bias", -60)
            .boolean("Started", true)
            .opt_string("Missing", None)
            .datetime(
                "CreationDate",
                UNIX_EPOCH + Duration::from_micros(1_500_000),
            )
            .string_array("IPAddress", &["10.0.0.1", "fe80::1"])
            .string_array::<&str>("Empty", &[]);
        writer.end();
        assert_eq!(
            out,
            "instance of Win32_Process\n{\n\tName = \"a\\\"b\";\n\tProcessId = 42;\n\tBias = -60;\n\
             \tStarted = TRUE;\n\tCreationDate = \"19700101000001.500000+000\";\n\
             \tIPAddress = {\"10.0.0.1\", \"fe80::1\"};\n\tEmpty = {};\n};\n\n"
        );
    }
}
