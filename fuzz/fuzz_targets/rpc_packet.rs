//! One DCE/RPC fragment: `fragment_length` (what a transport uses to cut the stream), `Packet::decode`
//! with a round trip through `Packet::to_bytes`, and `open_protected_fragment` with a provider that
//! accepts any signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::rpc::{Packet, SecuritySettings, fragment_length, open_protected_fragment};
use rwmi_fuzz::{AcceptingProtection, assert_stable, expect_redecoded};

fuzz_target!(|data: &[u8]| {
    if let Ok(len) = fragment_length(data, usize::from(u16::MAX)) {
        assert!(
            (16..=usize::from(u16::MAX)).contains(&len),
            "fragment_length returned {len}"
        );
    }
    let Ok(first) = Packet::decode(data) else {
        return;
    };
    // A transport cuts fragments with fragment_length: it must agree with what decode accepted.
    assert_eq!(
        fragment_length(data, usize::MAX).ok(),
        Some(data.len()),
        "fragment_length disagrees with a fragment Packet::decode accepted"
    );
    // A body too long for the 16-bit length fields is refused by the encoder, which is not a defect.
    if let Ok(encoding) = first.to_bytes() {
        let again = expect_redecoded("Packet", Packet::decode(&encoding), &encoding);
        assert_stable("Packet", &first, &again);
    }
    if let Some(auth) = &first.auth {
        let settings = SecuritySettings {
            auth_type: auth.auth_type,
            auth_level: auth.auth_level,
            auth_context_id: auth.auth_context_id,
        };
        let mut protection = AcceptingProtection {
            signature_len: auth.auth_value.len(),
        };
        let mut fragment = data.to_vec();
        let _ = open_protected_fragment(&mut fragment, &settings, &mut protection);
    }
});
