//! A Kerberos keytab, decoded from the whole input and checked for a stable round trip through its
//! encoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::krb5::Keytab;
use rwmi_fuzz::{assert_stable, expect_redecoded};

fuzz_target!(|data: &[u8]| {
    if let Ok(first) = Keytab::decode(data) {
        let encoding = first.encode();
        let again = expect_redecoded("Keytab", Keytab::decode(&encoding), &encoding);
        assert_stable("Keytab", &first, &again);
    }
});
