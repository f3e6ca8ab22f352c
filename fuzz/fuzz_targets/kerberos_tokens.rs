//! The Kerberos tokens a peer sends rwmi: the AP-REQ (raw, or in an SPNEGO NegTokenInit) the emulator's
//! acceptor answers, the NegTokenResp of a third leg, and the KRB-ERRORs the client reads. None may panic;
//! a random AP-REQ is refused with a KRB-ERROR to send back.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use rwmi::security::kdc::{krb_error_code, krb_error_server_time};
use rwmi::security::kerberos::spnego;
use rwmi::security::{AuthLevel, KerberosAcceptor, KerberosService, ServiceKey};

fn service() -> Arc<KerberosService> {
    static SERVICE: OnceLock<Arc<KerberosService>> = OnceLock::new();
    SERVICE
        .get_or_init(|| {
            Arc::new(KerberosService::new(vec![ServiceKey {
                components: vec!["emu".into()],
                realm: "TEST.LOCAL".into(),
                kvno: 2,
                enctype: 18,
                key: vec![7; 32],
            }]))
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let refused = KerberosAcceptor::new(service(), AuthLevel::Privacy)
        .accept(data)
        .expect_err("random bytes are no valid AP-REQ for the key");
    assert!(krb_error_code(&refused.krb_error).is_some(), "the refusal is a KRB-ERROR");
    if let Ok(offer) = spnego::ap_req_of_neg_token_init(data) {
        let _ = KerberosAcceptor::new(service(), AuthLevel::Integrity).accept(&offer.ap_req);
    }
    // What decodes re-encodes to a token that decodes to the same value (lengths may have come in a
    // longer form than DER's).
    if let Ok(response) = spnego::NegTokenResp::from_der(data) {
        let again = spnego::NegTokenResp::from_der(&response.to_der());
        assert_eq!(again.as_ref(), Ok(&response), "NegTokenResp round trip");
    }
    let _ = krb_error_code(data);
    let _ = krb_error_server_time(data);
});
