//! The emulator's MOF parser on arbitrary UTF-8 (repository files and `--config` additions come from
//! users): it never panics, and every error names a position inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = rwmi_sim::mof::parse(text) {
        // Any line-break convention the lexer may count: every \n and \r starts a line.
        let lines = 1 + text.bytes().filter(|b| matches!(b, b'\n' | b'\r')).count();
        assert!(e.position.line as usize <= lines, "error past the end: {e} in {lines} lines");
    }
});
