//! Reading a status code the way users paste it, and printing it the way tools show it.
//!
//! Accepted forms (surrounding whitespace ignored, `_` allowed between digits):
//! - `0x80070005` / `0X6ba`: hexadecimal with a prefix;
//! - `80070005h`: hexadecimal with the assembler-style suffix some Microsoft pages use;
//! - `800706BA`, `6BA`: bare hexadecimal, when the text has a letter a-f or is exactly 8 digits long
//!   (HRESULT and NTSTATUS values are always written with 8 digits, and an 8-digit decimal is never a
//!   meaningful status code);
//! - `-2147024891`: negative decimal, read as a signed 32-bit HRESULT;
//! - `2147942405`, `5`, `1326`: unsigned decimal.

/// Parse one status code; `None` if the text is none of the accepted forms or does not fit in 32 bits.
pub fn parse_code(text: &str) -> Option<u32> {
    let trimmed = text.trim();
    let cleaned: String = trimmed.chars().filter(|&c| c != '_').collect();
    if cleaned.is_empty() || trimmed.starts_with('_') || trimmed.ends_with('_') {
        return None;
    }
    if let Some(rest) = cleaned.strip_prefix('-') {
        let magnitude = parse_decimal(rest)?;
        let signed = 0i64.checked_sub(i64::from(magnitude))?;
        return i32::try_from(signed).ok().map(|v| v as u32);
    }
    let unsigned = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    if let Some(hex) = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        return parse_hex(hex);
    }
    if let Some(hex) = unsigned
        .strip_suffix('h')
        .or_else(|| unsigned.strip_suffix('H'))
    {
        return parse_hex(hex);
    }
    let has_hex_letter = unsigned
        .chars()
        .any(|c| c.is_ascii_hexdigit() && !c.is_ascii_digit());
    if has_hex_letter || unsigned.len() == 8 {
        return parse_hex(unsigned);
    }
    parse_decimal(unsigned)
}

fn parse_hex(digits: &str) -> Option<u32> {
    if digits.is_empty() || digits.len() > 8 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

fn parse_decimal(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u32>().ok()
}

/// `0x80070005 (-2147024891)`: the hex value and, in brackets, the signed 32-bit decimal, since HRESULTs
/// are signed and scripts (VBScript, PowerShell `$_.Exception.HResult`) print them that way.
pub fn hex_and_decimal(code: u32) -> String {
    format!("0x{code:08X} ({})", code as i32)
}

/// `0x80041003 / -2147217405`: the pair without brackets, for use inside a bracketed message.
pub(crate) fn hex_slash_decimal(code: u32) -> String {
    format!("0x{code:08X} / {}", code as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_with_prefix() {
        assert_eq!(parse_code("0x80070005"), Some(0x8007_0005));
        assert_eq!(parse_code("0X6ba"), Some(0x6BA));
        assert_eq!(parse_code("  0x8007_0005 "), Some(0x8007_0005));
        assert_eq!(parse_code("0x"), None);
        assert_eq!(parse_code("0x123456789"), None);
        assert_eq!(parse_code("0xZZ"), None);
    }

    #[test]
    fn hex_with_suffix() {
        assert_eq!(parse_code("80070005h"), Some(0x8007_0005));
        assert_eq!(parse_code("6BAH"), Some(0x6BA));
        assert_eq!(parse_code("h"), None);
    }

    #[test]
    fn bare_hex() {
        assert_eq!(parse_code("800706BA"), Some(0x8007_06BA));
        assert_eq!(parse_code("80070005"), Some(0x8007_0005));
        assert_eq!(parse_code("c000006d"), Some(0xC000_006D));
        assert_eq!(parse_code("6BA"), Some(0x6BA));
    }

    #[test]
    fn decimal_signed_and_unsigned() {
        assert_eq!(parse_code("-2147024891"), Some(0x8007_0005));
        assert_eq!(parse_code("2147942405"), Some(0x8007_0005));
        assert_eq!(parse_code("-2147217405"), Some(0x8004_1003));
        assert_eq!(parse_code("5"), Some(5));
        assert_eq!(parse_code("+1326"), Some(1326));
        assert_eq!(parse_code("0"), Some(0));
        assert_eq!(parse_code("-2147483648"), Some(0x8000_0000));
        assert_eq!(parse_code("4294967295"), Some(u32::MAX));
    }

    #[test]
    fn rejects_out_of_range_and_junk() {
        assert_eq!(parse_code("-2147483649"), None);
        assert_eq!(parse_code("4294967296"), None);
        assert_eq!(parse_code("99999999999999999999999"), None);
        assert_eq!(parse_code(""), None);
        assert_eq!(parse_code("   "), None);
        assert_eq!(parse_code("-"), None);
        assert_eq!(parse_code("--5"), None);
        assert_eq!(parse_code("-0x5"), None);
        assert_eq!(parse_code("E_ACCESSDENIED"), None);
        assert_eq!(parse_code("12 34"), None);
        assert_eq!(parse_code("_5"), None);
    }

    #[test]
    fn formats_hex_and_signed_decimal() {
        assert_eq!(hex_and_decimal(0x8007_0005), "0x80070005 (-2147024891)");
        assert_eq!(hex_and_decimal(0x6BA), "0x000006BA (1722)");
        assert_eq!(hex_slash_decimal(0x8004_1003), "0x80041003 / -2147217405");
    }

    #[test]
    fn formatted_values_parse_back() {
        for code in [0u32, 1, 5, 0x6BA, 0x8007_0005, 0xC000_006D, u32::MAX] {
            let shown = hex_and_decimal(code);
            let (hex, decimal) = shown.split_once(' ').expect("two parts");
            assert_eq!(parse_code(hex), Some(code));
            assert_eq!(
                parse_code(decimal.trim_matches(|c| c == '(' || c == ')')),
                Some(code)
            );
        }
    }
}
