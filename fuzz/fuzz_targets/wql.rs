//! The emulator's WQL parser on arbitrary UTF-8: it never panics, and a query it accepts prints as WQL that
//! parses again to the same printed form (the parser and the printer agree).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(query) = rwmi_sim::wql::parse(text) else {
        return;
    };
    let printed = query.to_string();
    let again = rwmi_sim::wql::parse(&printed)
        .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which does not parse: {e}"));
    assert_eq!(again.to_string(), printed, "printing is not stable for {text:?}");
});
