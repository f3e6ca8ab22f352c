//! A Kerberos FILE credential cache (what `KRB5CCNAME` names), decoded from the whole input and checked
//! for a stable round trip through its encoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::krb5::CredentialCache;
use rwmi_fuzz::{assert_stable, expect_redecoded};

fuzz_target!(|data: &[u8]| {
    if let Ok(first) = CredentialCache::decode(data) {
        let encoding = first.encode();
        let again = expect_redecoded(
            "CredentialCache",
            CredentialCache::decode(&encoding),
            &encoding,
        );
        assert_stable("CredentialCache", &first, &again);
    }
});
