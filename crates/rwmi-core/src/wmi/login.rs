//! IWbemLevel1Login (MS-WMI 3.1.4.1): the first interface a client reaches, which turns a namespace name
//! into an IWbemServices pointer. Only NTLMLogin does anything; the other three are kept for the emulator
//! to answer (and for locale negotiation, EstablishPosition, MS-WMI 3.2.3).

use super::ids::IWBEM_LEVEL1_LOGIN;
use crate::codec::DecodeResult;
use crate::dcom::orpc::InterfacePtr;
use crate::dcom::{OrpcThat, OrpcThis};
use crate::ndr::array::{read_conformance, read_variance, write_conformance, write_variance};
use crate::ndr::{Ndr, NdrReader, NdrWriter, Unique, WideString};
use crate::rpc::stub::{call, stub};

/// `[size_is(16), length_is(16)] unsigned char*` referent: a conformant-varying array of exactly 16
/// octets (reserved parameters of RequestChallenge and WBEMLogin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reserved16(pub [u8; 16]);

impl Ndr for Reserved16 {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 28;
    fn encode_inline(&self, w: &mut NdrWriter) {
        write_conformance(w, 16);
        write_variance(w, 0, 16);
        w.bytes(&self.0);
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let max_count = read_conformance(r, "reserved max_count")?;
        r.expect_count("reserved max_count", 16, u64::from(max_count))?;
        let (offset, actual) = read_variance(r, "reserved variance", max_count)?;
        r.expect_count("reserved offset", 0, u64::from(offset))?;
        r.expect_count("reserved actual_count", 16, u64::from(actual))?;
        Ok(Reserved16(r.raw().array::<16>("reserved")?))
    }
}

#[cfg(test)]
impl crate::test_support::Arb for Reserved16 {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        any::<[u8; 16]>().prop_map(Reserved16).boxed()
    }
}

stub! {
    /// EstablishPosition (opnum 3) request; both parameters are reserved (NULL and 0).
    pub struct EstablishPositionRequest("IWbemLevel1Login::EstablishPosition request") {
        pub this: OrpcThis,
        pub reserved1: Unique<WideString>,
        pub reserved2: u32,
    }
}

stub! {
    /// EstablishPosition response: `LocaleVersion` 1 if NTLMLogin ignores unknown locales, 0 if it fails.
    pub struct EstablishPositionResponse("IWbemLevel1Login::EstablishPosition response") {
        pub that: OrpcThat,
        pub locale_version: u32,
        pub hresult: u32,
    }
}

stub! {
    /// RequestChallenge (opnum 4) request; both parameters are reserved (NULL).
    pub struct RequestChallengeRequest("IWbemLevel1Login::RequestChallenge request") {
        pub this: OrpcThis,
        pub reserved1: Unique<WideString>,
        pub reserved2: Unique<WideString>,
    }
}

stub! {
    /// RequestChallenge response; the server SHOULD return WBEM_E_NOT_SUPPORTED.
    pub struct RequestChallengeResponse("IWbemLevel1Login::RequestChallenge response") {
        pub that: OrpcThat,
        pub reserved3: Reserved16,
        pub hresult: u32,
    }
}

stub! {
    /// WBEMLogin (opnum 5) request; every parameter is reserved.
    pub struct WbemLoginRequest("IWbemLevel1Login::WBEMLogin request") {
        pub this: OrpcThis,
        pub reserved1: Unique<WideString>,
        pub reserved2: Unique<Reserved16>,
        pub reserved3: i32,
        pub reserved4: InterfacePtr,
    }
}

stub! {
    /// WBEMLogin response; the server SHOULD return E_NOTIMPL.
    pub struct WbemLoginResponse("IWbemLevel1Login::WBEMLogin response") {
        pub that: OrpcThat,
        pub reserved5: InterfacePtr,
        pub hresult: u32,
    }
}

stub! {
    /// NTLMLogin (opnum 6) request (MS-WMI 3.1.4.1.4).
    pub struct NtlmLoginRequest("IWbemLevel1Login::NTLMLogin request") {
        pub this: OrpcThis,
        /// The namespace (`//./root/cimv2`); MUST NOT be NULL.
        pub network_resource: Unique<WideString>,
        /// Comma-separated locales in preference order (`MS_409`), or NULL for the server's default.
        pub preferred_locale: Unique<WideString>,
        /// MUST be 0.
        pub flags: u32,
        /// An IWbemContext (custom-marshaled, MS-WMI 2.2.13), or NULL.
        pub context: InterfacePtr,
    }
}

stub! {
    /// NTLMLogin response: the IWbemServices of the namespace, NULL on error.
    pub struct NtlmLoginResponse("IWbemLevel1Login::NTLMLogin response") {
        pub that: OrpcThat,
        pub namespace: InterfacePtr,
        pub hresult: u32,
    }
}

call!(EstablishPositionRequest => EstablishPositionResponse, IWBEM_LEVEL1_LOGIN, 3);
call!(RequestChallengeRequest => RequestChallengeResponse, IWBEM_LEVEL1_LOGIN, 4);
call!(WbemLoginRequest => WbemLoginResponse, IWBEM_LEVEL1_LOGIN, 5);
call!(NtlmLoginRequest => NtlmLoginResponse, IWBEM_LEVEL1_LOGIN, 6);

impl NtlmLoginRequest {
    /// The request a client sends to open `namespace` (no locale, no context, flags 0).
    pub fn new(this: OrpcThis, namespace: &str) -> Self {
        NtlmLoginRequest {
            this,
            network_resource: Unique::new(WideString::from(namespace)),
            preferred_locale: Unique::null(),
            flags: 0,
            context: Unique::null(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dcom::MInterfacePointer;
    use crate::guid::Guid;
    use crate::rpc::stub::{Call, Stub};
    use crate::status::wbem;
    use crate::test_support::{ORPCTHAT_EMPTY, check_stub, orpcthis_bytes, utf16le};

    const CID: Guid = Guid::from_u128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10);

    #[test]
    fn ntlm_login_request_bytes() {
        let request = NtlmLoginRequest::new(OrpcThis::new(CID), "//./root/cimv2");
        let mut expected = orpcthis_bytes(CID);
        expected.extend([0, 0, 2, 0]); // wszNetworkResource referent id
        expected.extend([15, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 0]); // 14 characters + NUL
        expected.extend(utf16le("//./root/cimv2\0"));
        expected.extend([0, 0]); // align to 4 (offset 78 -> 80)
        expected.extend([0, 0, 0, 0]); // wszPreferredLocale: NULL
        expected.extend([0, 0, 0, 0]); // lFlags
        expected.extend([0, 0, 0, 0]); // pCtx: NULL
        assert_eq!(expected.len(), 92);
        assert_eq!(request.to_stub(), expected);
        assert_eq!(NtlmLoginRequest::from_stub(&expected).unwrap(), request);
        assert_eq!(NtlmLoginRequest::OPNUM, 6);
    }

    #[test]
    fn ntlm_login_response_bytes() {
        let response = NtlmLoginResponse {
            that: OrpcThat::default(),
            namespace: Unique::new(MInterfacePointer {
                data: b"OBJR".to_vec(),
            }),
            hresult: 0,
        };
        let mut expected = ORPCTHAT_EMPTY.to_vec();
        expected.extend([0, 0, 2, 0, 4, 0, 0, 0, 4, 0, 0, 0]);
        expected.extend(b"OBJR");
        expected.extend([0, 0, 0, 0]);
        assert_eq!(response.to_stub(), expected);
        assert_eq!(NtlmLoginResponse::from_stub(&expected).unwrap(), response);
        // An error: NULL namespace and WBEM_E_INVALID_NAMESPACE.
        let mut failed = ORPCTHAT_EMPTY.to_vec();
        failed.extend([0, 0, 0, 0, 0x0e, 0x10, 0x04, 0x80]);
        let decoded = NtlmLoginResponse::from_stub(&failed).unwrap();
        assert!(decoded.namespace.is_null());
        assert_eq!(decoded.hresult, wbem::WBEM_E_INVALID_NAMESPACE);
    }

    #[test]
    fn reserved16_requires_exactly_sixteen() {
        let mut bytes = vec![16, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0, 0];
        bytes.extend([0u8; 16]);
        let e = crate::ndr::from_stub::<Reserved16>("t", &bytes).unwrap_err();
        assert_eq!(e.field, "reserved actual_count");
    }

    #[test]
    fn every_login_stub_round_trips() {
        check_stub::<EstablishPositionRequest>();
        check_stub::<EstablishPositionResponse>();
        check_stub::<RequestChallengeRequest>();
        check_stub::<RequestChallengeResponse>();
        check_stub::<WbemLoginRequest>();
        check_stub::<WbemLoginResponse>();
        check_stub::<NtlmLoginRequest>();
        check_stub::<NtlmLoginResponse>();
    }
}
