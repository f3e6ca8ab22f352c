//! A ticket-granting ticket from a credential cache (`KRB5CCNAME`, written by `kinit` or Impacket's
//! `getTGT.py`), used in place of the AS exchange.
//!
//! sspi 0.23 always begins with an AS exchange and has no way to be handed a TGT. So when the user has a
//! cached TGT, rwmi's KDC transport answers sspi's AS-REQ itself, without sending it anywhere: with an
//! AS-REP (RFC 4120 5.4.2) that carries the cached ticket, and whose encrypted part holds the cached
//! session key under a local key that sspi was given as the "long-term key". sspi then asks the real KDC
//! for the service ticket with the cached TGT (TGS exchange), exactly as `kinit` followed by a GSS-API
//! client would. Nothing of the local AS-REP leaves the process.

use picky_asn1::bit_string::BitString;
use picky_asn1::restricted_string::IA5String;
use picky_asn1::wrapper::{
    Asn1SequenceOf, BitStringAsn1, ExplicitContextTag0, ExplicitContextTag1, ExplicitContextTag2,
    ExplicitContextTag3, ExplicitContextTag4, ExplicitContextTag5, ExplicitContextTag6,
    ExplicitContextTag7, ExplicitContextTag8, ExplicitContextTag9, ExplicitContextTag10,
    IntegerAsn1, OctetStringAsn1, Optional,
};
use picky_krb::constants::key_usages::AS_REP_ENC;
use picky_krb::crypto::CipherSuite;
use picky_krb::data_types::{
    EncryptedData, EncryptionKey, KerberosStringAsn1, LastReqInner, PrincipalName, Ticket,
};
use picky_krb::messages::{AsRep, AsReq, EncAsRepPart, EncKdcRepPart, KdcRep};

use super::acceptor::{kerberos_time, krb_error};
use crate::security::KerberosErrorCode;

/// The TGT and what the cache says about it. Times are seconds since the Unix epoch.
#[derive(Clone, PartialEq, Eq)]
pub struct CachedTgt {
    /// The client principal's name components and realm.
    pub client: Vec<String>,
    pub client_realm: String,
    /// The DER-encoded Ticket for krbtgt/REALM.
    pub ticket: Vec<u8>,
    /// The encryption type of the TGT's session key (17 or 18: rwmi's contexts are AES).
    pub enctype: i32,
    pub session_key: Vec<u8>,
    /// The ticket flags as the cache stores them (RFC 4120 5.3 bit order, most significant first).
    pub flags: u32,
    pub auth_time: i64,
    pub start_time: i64,
    pub end_time: i64,
    pub renew_till: i64,
}

impl std::fmt::Debug for CachedTgt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedTgt")
            .field(
                "client",
                &format!("{}@{}", self.client.join("/"), self.client_realm),
            )
            .field("enctype", &self.enctype)
            .field("end_time", &self.end_time)
            .finish_non_exhaustive()
    }
}

fn kerberos_string(text: &str) -> Result<KerberosStringAsn1, String> {
    IA5String::from_string(text.to_string())
        .map(KerberosStringAsn1::from)
        .map_err(|_| format!("`{text}` is not an ASCII Kerberos name"))
}

fn principal(name_type: u8, components: &[String]) -> Result<PrincipalName, String> {
    Ok(PrincipalName {
        name_type: ExplicitContextTag0::from(IntegerAsn1::from(vec![name_type])),
        name_string: ExplicitContextTag1::from(Asn1SequenceOf::from(
            components
                .iter()
                .map(|c| kerberos_string(c))
                .collect::<Result<Vec<_>, _>>()?,
        )),
    })
}

impl CachedTgt {
    /// The cipher suite of the session key; only AES makes a context rwmi can use.
    pub fn cipher_suite(&self) -> Result<CipherSuite, String> {
        match (self.enctype, self.session_key.len()) {
            (18, 32) => Ok(CipherSuite::Aes256CtsHmacSha196),
            (17, 16) => Ok(CipherSuite::Aes128CtsHmacSha196),
            (enctype, len) => Err(format!(
                "the cached TGT has a session key of encryption type {enctype} ({len} octets); rwmi \
                 uses AES only (types 17 and 18): get a ticket with an AES key (kinit with AES enabled)"
            )),
        }
    }

    /// The key sspi is told is the user's long-term key. It only carries the cached session key from
    /// [`CachedTgt::answer_as_req`] to sspi inside this process, so its value does not need to be secret.
    pub fn carrier_key(&self) -> Vec<u8> {
        vec![0x5a; self.session_key.len()]
    }

    /// Whether the TGT is still valid at `now` (seconds since the Unix epoch).
    pub fn is_valid_at(&self, now: i64) -> bool {
        now < self.end_time
    }

    /// The answer to sspi's AS-REQ (`request` is the DER AS-REQ without the TCP length prefix): as a
    /// KDC would, KDC_ERR_PREAUTH_REQUIRED to a request without PA-ENC-TIMESTAMP (sspi insists on that
    /// first leg, RFC 4120 3.1.1), then the AS-REP.
    pub fn answer_as_req(&self, request: &[u8]) -> Result<Vec<u8>, String> {
        let as_req: AsReq = picky_asn1_der::from_bytes(request)
            .map_err(|e| format!("sspi's AS-REQ does not decode: {e}"))?;
        const PA_ENC_TIMESTAMP: u8 = 2;
        let preauthenticated = as_req.0.padata.0.as_ref().is_some_and(|list| {
            list.0
                .0
                .iter()
                .any(|pa| pa.padata_type.0.as_unsigned_bytes_be() == [PA_ENC_TIMESTAMP])
        });
        if !preauthenticated {
            return Ok(krb_error(
                KerberosErrorCode::KDC_ERR_PREAUTH_REQUIRED,
                self.auth_time,
                &self.client_realm,
                &["krbtgt".to_string(), self.client_realm.clone()],
                None,
            ));
        }
        let ticket: Ticket = picky_asn1_der::from_bytes(&self.ticket)
            .map_err(|e| format!("the cached TGT is not a Kerberos ticket: {e}"))?;
        let suite = self.cipher_suite()?;
        let realm = kerberos_string(&self.client_realm)?;
        let tgs = ticket.0.sname.0.clone();
        let flags = BitStringAsn1::from(BitString::with_bytes(self.flags.to_be_bytes().to_vec()));
        let enc_part = EncAsRepPart::from(EncKdcRepPart {
            key: ExplicitContextTag0::from(EncryptionKey {
                key_type: ExplicitContextTag0::from(IntegerAsn1::from(vec![
                    u8::try_from(self.enctype).unwrap_or(18),
                ])),
                key_value: ExplicitContextTag1::from(OctetStringAsn1::from(
                    self.session_key.clone(),
                )),
            }),
            last_req: ExplicitContextTag1::from(Asn1SequenceOf::from(vec![LastReqInner {
                lr_type: ExplicitContextTag0::from(IntegerAsn1::from(vec![0])),
                lr_value: ExplicitContextTag1::from(kerberos_time(self.auth_time)),
            }])),
            // RFC 4120 3.1.5: the reply echoes the request's nonce.
            nonce: ExplicitContextTag2::from(as_req.0.req_body.0.nonce.0.clone()),
            key_expiration: Optional::from(None),
            flags: ExplicitContextTag4::from(flags),
            auth_time: ExplicitContextTag5::from(kerberos_time(self.auth_time)),
            start_time: Optional::from(Some(ExplicitContextTag6::from(kerberos_time(
                self.start_time,
            )))),
            end_time: ExplicitContextTag7::from(kerberos_time(self.end_time)),
            renew_till: Optional::from(
                (self.renew_till > 0)
                    .then(|| ExplicitContextTag8::from(kerberos_time(self.renew_till))),
            ),
            srealm: ExplicitContextTag9::from(ticket.0.realm.0.clone()),
            sname: ExplicitContextTag10::from(tgs),
            caddr: Optional::from(None),
            encrypted_pa_data: Optional::from(None),
        });
        let plain = picky_asn1_der::to_vec(&enc_part)
            .map_err(|e| format!("encoding the local AS-REP: {e}"))?;
        let cipher = suite
            .cipher()
            .encrypt(&self.carrier_key(), AS_REP_ENC, &plain)
            .map_err(|e| format!("sealing the local AS-REP: {e}"))?;
        let reply = AsRep::from(KdcRep {
            pvno: ExplicitContextTag0::from(IntegerAsn1::from(vec![5])),
            msg_type: ExplicitContextTag1::from(IntegerAsn1::from(vec![11])),
            padata: Optional::from(None),
            crealm: ExplicitContextTag3::from(realm),
            // NT-PRINCIPAL (1).
            cname: ExplicitContextTag4::from(principal(1, &self.client)?),
            ticket: ExplicitContextTag5::from(ticket),
            enc_part: ExplicitContextTag6::from(EncryptedData {
                etype: ExplicitContextTag0::from(IntegerAsn1::from(vec![
                    u8::try_from(self.enctype).unwrap_or(18),
                ])),
                kvno: Optional::from(None),
                cipher: ExplicitContextTag2::from(OctetStringAsn1::from(cipher)),
            }),
        });
        picky_asn1_der::to_vec(&reply).map_err(|e| format!("encoding the local AS-REP: {e}"))
    }
}

impl CachedTgt {
    /// The TGT of `realm` from the credential cache `name` names (`KRB5CCNAME`'s form: a path or
    /// `FILE:path`; other cache types are refused by name).
    pub fn from_cache_name(name: &str, realm: Option<&str>) -> Result<Self, String> {
        let path = crate::security::krb5::credential_cache_file(name)?;
        let bytes = std::fs::read(&path).map_err(|e| {
            format!("cannot read the credential cache {path}: {e} (run kinit first)")
        })?;
        let cache = rwmi_core::krb5::ccache::CredentialCache::decode(&bytes)
            .map_err(|e| format!("credential cache {path}: {e}"))?;
        Self::from_credential_cache(&cache, realm)
    }

    /// The TGT of `realm` (the default principal's realm when `None`) from a decoded credential cache.
    pub fn from_credential_cache(
        cache: &rwmi_core::krb5::ccache::CredentialCache,
        realm: Option<&str>,
    ) -> Result<Self, String> {
        let realm = realm.unwrap_or(&cache.default_principal.realm);
        let credential = cache.tgt(realm).ok_or_else(|| {
            let held: Vec<String> = cache.tickets().map(|c| c.server.to_string()).collect();
            format!(
                "the credential cache of {} holds no TGT for realm {realm} (it holds: {})",
                cache.default_principal,
                if held.is_empty() {
                    "nothing".to_string()
                } else {
                    held.join(", ")
                }
            )
        })?;
        Ok(CachedTgt {
            client: credential.client.components.clone(),
            client_realm: credential.client.realm.clone(),
            ticket: credential.ticket.clone(),
            enctype: i32::from(credential.key.enctype),
            session_key: credential.key.value.clone(),
            flags: credential.ticket_flags,
            auth_time: i64::from(credential.auth_time),
            start_time: i64::from(credential.start_time),
            end_time: i64::from(credential.end_time),
            renew_till: i64::from(credential.renew_till),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use picky_asn1::wrapper::ExplicitContextTag11;
    use picky_krb::data_types::{PaData, TicketInner};
    use picky_krb::messages::{KdcReq, KdcReqBody, KrbError};

    use crate::security::kdc::krb_error_code;

    fn tgt() -> CachedTgt {
        let ticket = Ticket::from(TicketInner {
            tkt_vno: ExplicitContextTag0::from(IntegerAsn1::from(vec![5])),
            realm: ExplicitContextTag1::from(kerberos_string("TEST.LOCAL").unwrap()),
            sname: ExplicitContextTag2::from(
                principal(2, &["krbtgt".into(), "TEST.LOCAL".into()]).unwrap(),
            ),
            enc_part: ExplicitContextTag3::from(EncryptedData {
                etype: ExplicitContextTag0::from(IntegerAsn1::from(vec![18])),
                kvno: Optional::from(None),
                cipher: ExplicitContextTag2::from(OctetStringAsn1::from(vec![0xee; 48])),
            }),
        });
        CachedTgt {
            client: vec!["alice".into()],
            client_realm: "TEST.LOCAL".into(),
            ticket: picky_asn1_der::to_vec(&ticket).unwrap(),
            enctype: 18,
            session_key: vec![0x42; 32],
            flags: 0x40e1_0000,
            auth_time: 1_795_478_400,
            start_time: 1_795_478_400,
            end_time: 1_795_514_400,
            renew_till: 1_796_083_200,
        }
    }

    fn as_req(preauthenticated: bool) -> Vec<u8> {
        let padata = preauthenticated.then(|| {
            ExplicitContextTag3::from(Asn1SequenceOf::from(vec![PaData {
                padata_type: ExplicitContextTag1::from(IntegerAsn1::from(vec![2])),
                padata_data: ExplicitContextTag2::from(OctetStringAsn1::from(vec![0x30, 0])),
            }]))
        });
        let request = AsReq::from(KdcReq {
            pvno: ExplicitContextTag1::from(IntegerAsn1::from(vec![5])),
            msg_type: ExplicitContextTag2::from(IntegerAsn1::from(vec![10])),
            padata: Optional::from(padata),
            req_body: ExplicitContextTag4::from(KdcReqBody {
                kdc_options: ExplicitContextTag0::from(BitStringAsn1::from(BitString::with_bytes(
                    vec![0; 4],
                ))),
                cname: Optional::from(Some(ExplicitContextTag1::from(
                    principal(1, &["alice".into()]).unwrap(),
                ))),
                realm: ExplicitContextTag2::from(kerberos_string("TEST.LOCAL").unwrap()),
                sname: Optional::from(None),
                from: Optional::from(None),
                till: ExplicitContextTag5::from(kerberos_time(1_795_514_400)),
                rtime: Optional::from(None),
                nonce: ExplicitContextTag7::from(IntegerAsn1::from(vec![0x12, 0x34, 0x56])),
                etype: ExplicitContextTag8::from(Asn1SequenceOf::from(vec![IntegerAsn1::from(
                    vec![18],
                )])),
                addresses: Optional::from(None),
                enc_authorization_data: Optional::from(None),
                additional_tickets: Optional::from(None::<ExplicitContextTag11<_>>),
            }),
        });
        picky_asn1_der::to_vec(&request).unwrap()
    }

    #[test]
    fn asks_for_preauthentication_then_hands_over_the_cached_ticket_and_key() {
        let tgt = tgt();
        let first = tgt.answer_as_req(&as_req(false)).unwrap();
        assert_eq!(
            krb_error_code(&first).map(KerberosErrorCode),
            Some(KerberosErrorCode::KDC_ERR_PREAUTH_REQUIRED)
        );
        let _: KrbError = picky_asn1_der::from_bytes(&first).unwrap();

        let reply: AsRep =
            picky_asn1_der::from_bytes(&tgt.answer_as_req(&as_req(true)).unwrap()).unwrap();
        assert_eq!(
            picky_asn1_der::to_vec(&reply.0.ticket.0).unwrap(),
            tgt.ticket,
            "the cached ticket, byte for byte"
        );
        let plain = CipherSuite::Aes256CtsHmacSha196
            .cipher()
            .decrypt(
                &tgt.carrier_key(),
                AS_REP_ENC,
                &reply.0.enc_part.0.cipher.0.0,
            )
            .unwrap();
        let part: EncAsRepPart = picky_asn1_der::from_bytes(&plain).unwrap();
        assert_eq!(part.0.key.0.key_value.0.0, tgt.session_key);
        assert_eq!(part.0.nonce.0.as_unsigned_bytes_be(), [0x12, 0x34, 0x56]);
        assert_eq!(
            super::super::unix_seconds(&part.0.end_time.0),
            Some(tgt.end_time)
        );
    }

    #[test]
    fn rc4_expired_and_garbage_are_errors() {
        let mut rc4 = tgt();
        rc4.enctype = 23;
        rc4.session_key = vec![1; 16];
        assert!(rc4.cipher_suite().unwrap_err().contains("AES only"));
        assert!(tgt().is_valid_at(1_795_500_000));
        assert!(!tgt().is_valid_at(1_795_514_400));
        assert!(tgt().answer_as_req(b"\x6a\x03\x30\x01\x00").is_err());
        let mut bad_ticket = tgt();
        bad_ticket.ticket = vec![0x61, 0x00];
        assert!(bad_ticket.answer_as_req(&as_req(true)).is_err());
        assert!(!format!("{:?}", tgt()).contains("42"), "{:?}", tgt());
    }

    #[test]
    fn the_tgt_of_the_realm_is_taken_from_a_cache() {
        use rwmi_core::krb5::principal::Principal;
        use rwmi_core::krb5::{KeyBlock, ccache::CachedCredential, ccache::CredentialCache};
        let alice = Principal::new(1, "TEST.LOCAL", &["alice"]);
        let mut cache = CredentialCache::new(alice.clone());
        let err = CachedTgt::from_credential_cache(&cache, None).unwrap_err();
        assert!(err.contains("no TGT for realm TEST.LOCAL"), "{err}");
        cache.credentials.push(CachedCredential {
            client: alice,
            server: Principal::krbtgt("TEST.LOCAL"),
            key: KeyBlock {
                enctype: 18,
                value: vec![0x42; 32],
            },
            end_time: 1_795_514_400,
            ticket: tgt().ticket,
            ..CachedCredential::default()
        });
        let found = CachedTgt::from_credential_cache(&cache, None).unwrap();
        assert_eq!(
            (found.client, found.session_key),
            (tgt().client, tgt().session_key)
        );
        assert!(CachedTgt::from_credential_cache(&cache, Some("OTHER.REALM")).is_err());
    }
}
