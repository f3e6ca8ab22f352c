//! Status code parsing of arbitrary UTF-8. A parsed code must parse again from its own hex rendering
//! (the first word of `hex_and_decimal`), and looking it up must not fail.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::status::{hex_and_decimal, lookup, parse_code};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(code) = parse_code(text) else {
        return;
    };
    let shown = hex_and_decimal(code);
    let hex = shown.split_whitespace().next().unwrap_or_default();
    assert_eq!(
        parse_code(hex),
        Some(code),
        "{text:?} parsed as {code:#x}, shown as {shown:?}"
    );
    let _ = lookup(code);
});
