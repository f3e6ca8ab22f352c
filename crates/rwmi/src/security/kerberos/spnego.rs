//! SPNEGO (RFC 4178) around DCE-style Kerberos, for RPC_C_AUTHN_GSS_NEGOTIATE (auth_type 9), the package
//! Windows clients and Impacket's `-k` bind with (MS-RPCE 2.2.1.1.7, MS-SPNG 3.1.5).
//!
//! Only the Kerberos mechanism is offered: the bind's NegTokenInit carries the AP-REQ as its mechToken
//! (GSS-API framed, RFC 4121 4.1, or raw), the bind_ack's NegTokenResp the AP-REP (raw in DCE style),
//! and the third leg, in rpc_auth_3 or an alter_context, a NegTokenResp with the client's AP-REP.

use picky_asn1::wrapper::{
    ExplicitContextTag0, ExplicitContextTag1, ExplicitContextTag2, OctetStringAsn1, Optional,
};
use picky_asn1_der::Asn1RawDer;
use picky_asn1_x509::oids;
use picky_krb::gss_api::{GssApiNegInit, KrbMessage, MechType, NegTokenTarg, NegTokenTarg1};
use picky_krb::messages::ApReq;

/// RFC 4178 4.2.2 negState.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegState {
    AcceptCompleted = 0,
    AcceptIncomplete = 1,
    Reject = 2,
}

/// The Kerberos mechanisms: the standard OID and the one Windows sends first (MS-KILE 1.9).
fn is_kerberos(mech: &MechType) -> bool {
    mech.0 == oids::krb5() || mech.0 == oids::ms_krb5()
}

/// The length of the DER TLV at the start of `data` (X.690 8.1.3), if `data` holds all of it.
fn der_tlv_len(data: &[u8]) -> Option<usize> {
    let first = usize::from(*data.get(1)?);
    let (header, content) = if first < 0x80 {
        (2, first)
    } else {
        let count = first & 0x7f;
        if count == 0 || count > 4 {
            return None;
        }
        let bytes = data.get(2..2 + count)?;
        let content = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (2 + count, content)
    };
    let total = header.checked_add(content)?;
    (total <= data.len()).then_some(total)
}

/// The InitialContextToken of RFC 2743 3.1 around a NegTokenInit. Decoded here rather than through
/// picky's `ApplicationTag0`, whose deserializer unwraps (panics on) a well-formed TLV with other
/// content (found by the `kerberos_tokens` fuzz target).
fn gss_neg_init(token: &[u8]) -> Result<GssApiNegInit, String> {
    let not_init = |why: &str| format!("the bind's token is not an SPNEGO NegTokenInit: {why}");
    if token.first() != Some(&0x60) {
        return Err(not_init("no [APPLICATION 0] tag"));
    }
    let len = der_tlv_len(token).ok_or_else(|| not_init("its length runs past the token"))?;
    // The same content under a SEQUENCE tag is what picky's GssApiNegInit reads.
    let mut sequence = token[..len].to_vec();
    sequence[0] = 0x30;
    picky_asn1_der::from_bytes(&sequence).map_err(|e| not_init(&e.to_string()))
}

/// The AP-REQ of a bind's NegTokenInit (raw DER), and the mechanism to name in the answer.
pub fn ap_req_of_neg_token_init(token: &[u8]) -> Result<(Vec<u8>, MechType), String> {
    let init = gss_neg_init(token)?;
    if init.oid.0 != oids::spnego() {
        return Err("the bind's token is not SPNEGO (wrong mechanism OID)".into());
    }
    let body = init.neg_token_init.0;
    let mechs = body.mech_types.0.map(|m| m.0.0).unwrap_or_default();
    // RFC 4178 3.2: the optimistic token is for the first mechanism listed.
    let first = mechs
        .first()
        .cloned()
        .ok_or("the NegTokenInit lists no mechanism")?;
    if !is_kerberos(&first) {
        return Err(format!(
            "the client prefers mechanism {} (NTLM?); this server offers Kerberos only under Negotiate",
            String::try_from(&first.0).unwrap_or_default()
        ));
    }
    let mech_token = body
        .mech_token
        .0
        .map(|t| t.0.0)
        .ok_or("the NegTokenInit carries no Kerberos token")?;
    let ap_req = if mech_token.first() == Some(&0x60) {
        let framed = KrbMessage::<ApReq>::decode_application_krb_message(&mech_token)
            .map_err(|e| format!("the mechToken is not a GSS-API framed AP-REQ: {e:?}"))?;
        picky_asn1_der::to_vec(&framed.0.krb_msg).map_err(|e| e.to_string())?
    } else {
        mech_token
    };
    Ok((ap_req, first))
}

/// A NegTokenResp ([1] NegTokenTarg).
pub fn neg_token_resp(state: NegState, mech: Option<MechType>, token: Option<Vec<u8>>) -> Vec<u8> {
    let response = NegTokenTarg1::from(NegTokenTarg {
        // ENUMERATED, one octet.
        neg_result: Optional::from(Some(ExplicitContextTag0::from(Asn1RawDer(vec![
            0x0a,
            0x01,
            state as u8,
        ])))),
        supported_mech: Optional::from(mech.map(ExplicitContextTag1::from)),
        response_token: Optional::from(
            token.map(|t| ExplicitContextTag2::from(OctetStringAsn1::from(t))),
        ),
        mech_list_mic: Optional::from(None),
    });
    picky_asn1_der::to_vec(&response).unwrap_or_default()
}

/// The responseToken of a NegTokenResp (the client's AP-REP in the third leg).
pub fn response_token(token: &[u8]) -> Result<Vec<u8>, String> {
    let response: NegTokenTarg1 = picky_asn1_der::from_bytes(token)
        .map_err(|e| format!("the third leg is not an SPNEGO NegTokenResp: {e}"))?;
    let token = response
        .0
        .response_token
        .0
        .map(|t| t.0.0)
        .ok_or_else(|| "the NegTokenResp carries no response token".to_string())?;
    // picky's NegTokenTarg hands back the OCTET STRING with its own header (04 LL): take its content.
    match token.first() {
        Some(0x04) => picky_asn1_der::from_bytes::<OctetStringAsn1>(&token)
            .map(|inner| inner.0)
            .map_err(|e| format!("the NegTokenResp's response token: {e}")),
        _ => Ok(token),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use picky_asn1::wrapper::{Asn1SequenceOf, ExplicitContextTag0, ObjectIdentifierAsn1};
    use picky_krb::gss_api::{ApplicationTag0, NegTokenInit};

    /// A NegTokenInit as Impacket builds it: mechTypes and a GSS-API framed "AP-REQ" (any DER under an
    /// APPLICATION 14 tag is enough for the framing).
    fn init(mechs: Vec<ObjectIdentifierAsn1>, mech_token: Option<Vec<u8>>) -> Vec<u8> {
        let body = GssApiNegInit {
            oid: ObjectIdentifierAsn1::from(oids::spnego()),
            neg_token_init: ExplicitContextTag0::from(NegTokenInit {
                mech_types: Optional::from(Some(ExplicitContextTag0::from(Asn1SequenceOf::from(
                    mechs,
                )))),
                req_flags: Optional::from(None),
                mech_token: Optional::from(
                    mech_token.map(|t| ExplicitContextTag2::from(OctetStringAsn1::from(t))),
                ),
                mech_list_mic: Optional::from(None),
            }),
        };
        picky_asn1_der::to_vec(&ApplicationTag0(body)).unwrap()
    }

    fn framed(inner: &[u8]) -> Vec<u8> {
        // 0x60 len | OID 1.2.840.113554.1.2.2 | TOK_ID 01 00 | token (RFC 2743 3.1, RFC 4121 4.1).
        let mut body = vec![
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00,
        ];
        body.extend_from_slice(inner);
        let mut token = vec![0x60, u8::try_from(body.len()).unwrap()];
        token.extend_from_slice(&body);
        token
    }

    #[test]
    fn the_kerberos_token_comes_out_framed_or_raw_and_others_are_refused() {
        let krb5 = ObjectIdentifierAsn1::from(oids::krb5());
        let ms_krb5 = ObjectIdentifierAsn1::from(oids::ms_krb5());
        // Not a real AP-REQ: the framed path decodes an ApReq, so use raw tokens for the content check
        // and the framing check separately.
        let raw = vec![0x6e, 0x00];
        let (token, mech) = ap_req_of_neg_token_init(&init(
            vec![ms_krb5.clone(), krb5.clone()],
            Some(raw.clone()),
        ))
        .unwrap();
        assert_eq!((token, mech), (raw.clone(), ms_krb5.clone()));
        assert!(
            ap_req_of_neg_token_init(&init(vec![krb5.clone()], Some(framed(&raw)))).is_err(),
            "a framed non-AP-REQ"
        );
        let ntlm = ObjectIdentifierAsn1::from(oids::ntlm_ssp());
        let err = ap_req_of_neg_token_init(&init(vec![ntlm, krb5.clone()], Some(raw.clone())))
            .unwrap_err();
        assert!(err.contains("Kerberos only"), "{err}");
        assert!(ap_req_of_neg_token_init(&init(vec![krb5.clone()], None)).is_err());
        assert!(ap_req_of_neg_token_init(&init(vec![], Some(raw))).is_err());
        let good = init(vec![krb5], Some(vec![0x6e, 0x00]));
        for cut in 0..good.len() {
            assert!(
                ap_req_of_neg_token_init(&good[..cut]).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_well_formed_tlv_of_another_kind_is_an_error_not_a_panic() {
        // Fuzz finding: picky's ApplicationTag0 deserializer unwraps the inner decode.
        for token in [
            &[0x6e, 0x02, 0x30, 0x00][..],
            &[0x60, 0x02, 0x30, 0x00],
            &[0x60, 0x00],
        ] {
            assert!(ap_req_of_neg_token_init(token).is_err(), "{token:02x?}");
        }
        assert!(ap_req_of_neg_token_init(&[0x60, 0x85, 1, 2, 3, 4, 5]).is_err());
        assert_eq!(der_tlv_len(&[0x60, 0x81, 0x01, 0xff]), Some(4));
        assert_eq!(der_tlv_len(&[0x60, 0x81, 0x02, 0xff]), None);
    }

    #[test]
    fn responses_round_trip_and_impackets_third_leg_is_read() {
        let mech = ObjectIdentifierAsn1::from(oids::ms_krb5());
        let response = neg_token_resp(
            NegState::AcceptIncomplete,
            Some(mech),
            Some(vec![0x6f, 0x00]),
        );
        assert_eq!(response_token(&response).unwrap(), [0x6f, 0x00]);
        // The bytes Impacket's getKerberosType3 sends: [1] { SEQUENCE { [2] { OCTET STRING { AP-REP } } } }.
        let impacket = [0xa1, 0x08, 0x30, 0x06, 0xa2, 0x04, 0x04, 0x02, 0x6f, 0x00];
        assert_eq!(response_token(&impacket).unwrap(), [0x6f, 0x00]);
        let done = neg_token_resp(NegState::AcceptCompleted, None, None);
        assert!(
            response_token(&done)
                .unwrap_err()
                .contains("no response token")
        );
        assert!(response_token(b"\x30\x00").is_err());
    }
}
