//! `rwmi decode FILE`: prints a WMI object found in a file as JSON. The file holds an MS-WMIO encoding
//! unit (signature 0x12345678) or a bare object block, as captured from the wire.

use rwmi_core::wmio::{self, Limits};

use crate::exit;

/// The object in `bytes` as JSON, or a message saying what was wrong and where.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let limits = Limits::default();
    let object = if bytes.starts_with(&wmio::SIGNATURE.to_le_bytes()) {
        wmio::decode_encoding_unit(bytes, &limits, None).map(|unit| unit.object)
    } else {
        wmio::decode_object_block(bytes, &limits, None)
    };
    object
        .map(|o| wmio::object_to_json(&o))
        .map_err(|e| e.to_string())
}

pub fn run(path: &str) -> u8 {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("rwmi: cannot read {path}: {e}");
            return exit::USAGE;
        }
    };
    match decode(&bytes) {
        Ok(json) => {
            println!("{json}");
            exit::SUCCESS
        }
        Err(e) => {
            eprintln!("rwmi: {path} is not a WMI object: {e}");
            exit::FAILURE
        }
    }
}
