//! `rwmi explain <CODE>`: what a status code means, from the one table doctor also uses.

use std::fmt::Write as _;

use rwmi::status::{self, Encoding, StatusInfo};

use crate::exit;

/// Renders the explanation of `text` (a number in hex or decimal, or a symbolic name), or `None` when the
/// table knows nothing by that code or name.
pub fn explain(text: &str) -> Option<String> {
    let text = text.trim();
    let mut out = String::new();
    if let Some(code) = status::parse_code(text) {
        let matches = status::lookup_matches(code);
        if matches.is_empty() {
            return None;
        }
        let _ = writeln!(out, "{}", status::hex_and_decimal(code));
        for (i, m) in matches.iter().enumerate() {
            if i > 0 {
                out.push('\n');
                out.push_str(match m.encoding {
                    Encoding::Exact => "The same number also means:\n",
                    Encoding::Win32AsHresult => {
                        "As a Win32 error carried in an HRESULT (0x8007xxxx):\n"
                    }
                    Encoding::NtStatusAsHresult => "As an NTSTATUS carried in an HRESULT:\n",
                });
            }
            render(&mut out, m.info);
        }
        return Some(out);
    }
    let infos = status::lookup_name(text);
    if infos.is_empty() {
        return None;
    }
    for (i, info) in infos.iter().enumerate() {
        if i > 0 {
            out.push_str("\nThe same name in another space:\n");
        }
        let _ = writeln!(out, "{}", status::hex_and_decimal(info.code));
        render(&mut out, info);
    }
    Some(out)
}

fn render(out: &mut String, info: &StatusInfo) {
    let _ = writeln!(out, "{}  [{}]", info.name, info.kind.label());
    if !info.aliases.is_empty() {
        let _ = writeln!(out, "  Also known as: {}", info.aliases.join(", "));
    }
    let _ = writeln!(out, "  Meaning: {}", info.meaning);
    if !info.causes.is_empty() {
        let _ = writeln!(out, "  Likely causes:");
        for cause in info.causes {
            let _ = writeln!(out, "    - {cause}");
        }
    }
    if !info.fixes.is_empty() {
        let _ = writeln!(out, "  What to do:");
        for fix in info.fixes {
            let _ = writeln!(out, "    - {fix}");
        }
    }
}

pub fn run(code: &str) -> u8 {
    match explain(code) {
        Some(text) => {
            print!("{text}");
            exit::SUCCESS
        }
        None => {
            eprintln!(
                "rwmi: no status code known as `{code}` (give hex 0x80070005, decimal -2147024891, or a name)"
            );
            exit::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decimal_and_name_agree() {
        let by_hex = explain("0x80070005").unwrap();
        assert!(by_hex.starts_with("0x80070005 (-2147024891)"), "{by_hex}");
        assert!(by_hex.contains("E_ACCESSDENIED"));
        assert!(by_hex.contains("LocalAccountTokenFilterPolicy"), "{by_hex}");
        assert_eq!(explain("-2147024891").unwrap(), by_hex);
        assert!(explain("e_accessdenied").unwrap().contains("0x80070005"));
        assert!(
            explain("WBEM_E_ACCESS_DENIED")
                .unwrap()
                .contains("0x80041003 (-2147217405)")
        );
        assert!(
            explain("nca_s_op_rng_error")
                .unwrap()
                .contains("0x1C010002")
        );
    }

    #[test]
    fn unknown_codes_say_so() {
        assert!(explain("not-a-code").is_none());
        assert!(explain("0x12345678").is_none());
    }
}
