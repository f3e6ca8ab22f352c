//! The server side of DCE-style Kerberos (MS-KILE 3.4.5.1), for the emulator: a service keyed from a keytab
//! accepts the AP-REQ of a bind, answers with an AP-REP, and takes the client's AP-REP from rpc_auth_3.
//!
//! The checks RFC 4120 3.2.3 asks of an application server are made here first, so that every refusal
//! has its proper KRB-ERROR code (the bind_ack carries it back, as MS-KILE 3.4.5.1 lets an acceptor do):
//! which key (KRB_AP_ERR_NOT_US, KRB_AP_ERR_BADKEYVER, KRB_AP_ERR_MODIFIED), whose ticket
//! (KRB_AP_ERR_BADMATCH), and when (KRB_AP_ERR_SKEW with the server's time and a KERB-ERROR-DATA of type
//! KERB_AP_ERR_TYPE_SKEW_RECOVERY, MS-KILE 2.2.2 and 3.4.5; KRB_AP_ERR_TKT_EXPIRED, KRB_AP_ERR_TKT_NYV).
//! sspi then does the rest (replay cache, acceptor subkey, AP-REP) with the key that decrypted the ticket.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use picky_asn1::date::GeneralizedTime;
use picky_asn1::restricted_string::IA5String;
use picky_asn1::wrapper::{
    Asn1SequenceOf, ExplicitContextTag0, ExplicitContextTag1, ExplicitContextTag4,
    ExplicitContextTag5, ExplicitContextTag6, ExplicitContextTag9, ExplicitContextTag10,
    ExplicitContextTag12, GeneralizedTimeAsn1, IntegerAsn1, OctetStringAsn1, Optional,
};
use picky_krb::constants::key_usages::{AP_REQ_AUTHENTICATOR, TICKET_REP};
use picky_krb::crypto::CipherSuite;
use picky_krb::data_types::{
    Authenticator, EncTicketPart, KerberosStringAsn1, KerberosTime, PrincipalName,
};
use picky_krb::messages::{ApReq, KrbError, KrbErrorInner};
use sspi::kerberos::ServerProperties;
use sspi::{
    BufferType, DataRepresentation, Kerberos, KerberosConfig, SecurityBuffer, ServerRequestFlags,
    Sspi, SspiImpl,
};

use super::{KerberosSession, sspi_error};
use crate::security::{
    AuthLevel, AuthenticatedUser, KerberosErrorCode, SecurityError, output_token, quietly,
};

/// RFC 4120 and Windows' default: five minutes between the clocks of client and server.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(300);

/// One long-term key of the service, as a keytab holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceKey {
    /// The principal's name components (`host`, `emu.test.local`) and realm.
    pub components: Vec<String>,
    pub realm: String,
    pub kvno: u32,
    /// The Kerberos encryption type (18 aes256-cts-hmac-sha1-96, 17 aes128-cts-hmac-sha1-96).
    pub enctype: i32,
    pub key: Vec<u8>,
}

impl std::fmt::Debug for ServiceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceKey")
            .field(
                "principal",
                &format!("{}@{}", self.components.join("/"), self.realm),
            )
            .field("kvno", &self.kvno)
            .field("enctype", &self.enctype)
            .finish_non_exhaustive()
    }
}

impl ServiceKey {
    /// Service principal names compare without regard to case (AD keeps servicePrincipalName values
    /// case-insensitive), and so do realms.
    fn names(&self, sname: &[String], realm: &str) -> bool {
        self.realm.eq_ignore_ascii_case(realm)
            && self.components.len() == sname.len()
            && self
                .components
                .iter()
                .zip(sname)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    }
}

/// What a Kerberos service accepts: its keys, and its clock.
#[derive(Debug, Clone)]
pub struct KerberosService {
    keys: Vec<ServiceKey>,
    /// The largest accepted difference between the authenticator's time and ours.
    pub max_skew: Duration,
    /// Seconds added to the system clock to get this service's time; non-zero only to show what a
    /// server with a wrong clock does (the emulator's `clock-skew` profile).
    pub clock_offset_secs: i64,
}

impl KerberosService {
    pub fn new(keys: Vec<ServiceKey>) -> Self {
        Self {
            keys,
            max_skew: DEFAULT_MAX_SKEW,
            clock_offset_secs: 0,
        }
    }

    pub fn keys(&self) -> &[ServiceKey] {
        &self.keys
    }

    /// The service principals with at least one key, as `host/emu.test.local@TEST.LOCAL`.
    pub fn principals(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for key in &self.keys {
            let name = format!("{}@{}", key.components.join("/"), key.realm);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    fn now(&self) -> i64 {
        unix_now().saturating_add(self.clock_offset_secs)
    }
}

/// This machine's clock, in seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A refused AP-REQ: the KRB-ERROR to send back, and what it means, for the log.
#[derive(Debug, Clone)]
pub struct ApRefusal {
    pub krb_error: Vec<u8>,
    pub error: SecurityError,
}

/// The acceptor's state between the bind and rpc_auth_3.
pub struct KerberosAcceptor {
    service: Arc<KerberosService>,
    level: AuthLevel,
    handshake: Option<(Kerberos, AuthenticatedUser)>,
}

fn requirements() -> ServerRequestFlags {
    ServerRequestFlags::ALLOCATE_MEMORY
        | ServerRequestFlags::USE_DCE_STYLE
        | ServerRequestFlags::MUTUAL_AUTH
        | ServerRequestFlags::INTEGRITY
        | ServerRequestFlags::SEQUENCE_DETECT
        | ServerRequestFlags::REPLAY_DETECT
}

/// What the checks established about an AP-REQ that may go on to sspi.
struct CheckedApReq {
    key: Vec<u8>,
    components: Vec<String>,
    client: AuthenticatedUser,
}

impl KerberosAcceptor {
    pub fn new(service: Arc<KerberosService>, level: AuthLevel) -> Self {
        Self {
            service,
            level,
            handshake: None,
        }
    }

    /// Checks the bind's AP-REQ and gives the AP-REP for the bind_ack, or the KRB-ERROR to send instead.
    pub fn accept(&mut self, ap_req: &[u8]) -> Result<Vec<u8>, ApRefusal> {
        let now = self.service.now();
        let request = picky_asn1_der::from_bytes::<ApReq>(ap_req).map_err(|e| {
            refusal(
                KerberosErrorCode::KRB_AP_ERR_MSG_TYPE,
                now,
                None,
                format!("the bind's token is not an AP-REQ: {e}"),
            )
        })?;
        let checked = check(&self.service, &request, now)?;
        let mut properties = ServerProperties::new(
            &checked
                .components
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            None,
            self.service.max_skew,
            Some(checked.key.clone().into()),
        )
        .map_err(|e| internal(now, &request, sspi_error("Kerberos acceptor", e)))?;
        properties.max_time_skew = self.service.max_skew;
        // sspi needs a configuration, but an application server never talks to a KDC.
        let config = KerberosConfig::new_with_kdc_url("tcp://127.0.0.1:88", "rwmi-sim".into());
        let mut kerberos = Kerberos::new_server_from_config(config, properties)
            .map_err(|e| internal(now, &request, sspi_error("Kerberos acceptor", e)))?;
        let ap_rep = step(&mut kerberos, ap_req)
            .map_err(|e| internal(now, &request, sspi_error("Kerberos acceptor", e)))?;
        self.handshake = Some((kerberos, checked.client));
        Ok(ap_rep)
    }

    /// Verifies the client's AP-REP from rpc_auth_3 and gives the caller and the established session.
    pub fn complete(
        self,
        ap_rep: &[u8],
        header_signing: bool,
    ) -> Result<(AuthenticatedUser, KerberosSession), SecurityError> {
        let (mut kerberos, client) = self.handshake.ok_or_else(|| {
            SecurityError::BadToken("rpc_auth_3 before an accepted AP-REQ".into())
        })?;
        step(&mut kerberos, ap_rep).map_err(|e| sspi_error("the client's AP-REP", e))?;
        let session = KerberosSession::established(kerberos, self.level, header_signing)?;
        Ok((client, session))
    }
}

fn step(kerberos: &mut Kerberos, token: &[u8]) -> sspi::Result<Vec<u8>> {
    let mut input = vec![SecurityBuffer::new(token.to_vec(), BufferType::Token)];
    let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
    let mut handle = None;
    let builder = kerberos
        .accept_security_context()
        .with_credentials_handle(&mut handle)
        .with_context_requirements(requirements())
        .with_target_data_representation(DataRepresentation::Native)
        .with_input(&mut input)
        .with_output(&mut output);
    quietly(|| {
        kerberos
            .accept_security_context_impl(builder)
            .and_then(|mut g| g.resolve_to_result())
    })?;
    Ok(output_token(&mut output))
}

fn names_of(principal: &PrincipalName) -> Vec<String> {
    principal
        .name_string
        .0
        .0
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn integer(value: &IntegerAsn1) -> Option<i64> {
    let bytes = value.as_signed_bytes_be();
    if bytes.is_empty() || bytes.len() > 8 {
        return None;
    }
    let fill = if bytes.first()? & 0x80 != 0 { 0xff } else { 0 };
    let mut full = [fill; 8];
    // Right-aligned: the value's octets take the low end, the sign fills the rest.
    for (slot, byte) in full.iter_mut().rev().zip(bytes.iter().rev()) {
        *slot = *byte;
    }
    Some(i64::from_be_bytes(full))
}

/// RFC 4120 3.2.3, in the order a server meets the fields.
fn check(service: &KerberosService, request: &ApReq, now: i64) -> Result<CheckedApReq, ApRefusal> {
    let ticket = &request.0.ticket.0.0;
    let sname = names_of(&ticket.sname.0);
    let realm = ticket.realm.0.to_string();
    let enc_part = &ticket.enc_part.0;
    let etype = integer(&enc_part.etype.0).unwrap_or(-1);
    let kvno = enc_part.kvno.0.as_ref().and_then(|k| integer(&k.0));
    let refuse = |code, message: String| refusal(code, now, Some(request), message);

    // Like a Windows server, which decrypts tickets for every SPN of its account with the account's
    // key, any key of the realm may decrypt the ticket; keys filed under the ticket's own name, and of
    // the ticket's key version, are tried first (MS-KILE 3.4.5: then older keys).
    let ours: Vec<&ServiceKey> = service
        .keys
        .iter()
        .filter(|k| k.realm.eq_ignore_ascii_case(&realm))
        .collect();
    if ours.is_empty() {
        return Err(refuse(
            KerberosErrorCode::KRB_AP_ERR_NOT_US,
            format!(
                "the ticket is for {}@{realm}; this server has keys for {}",
                sname.join("/"),
                service.principals().join(", ")
            ),
        ));
    }
    let mut candidates: Vec<&ServiceKey> = ours
        .iter()
        .copied()
        .filter(|k| i64::from(k.enctype) == etype)
        .collect();
    candidates.sort_by_key(|k| (!k.names(&sname, &realm), Some(i64::from(k.kvno)) != kvno));
    if candidates.is_empty() {
        return Err(refuse(
            KerberosErrorCode::KRB_AP_ERR_NOKEY,
            format!(
                "the ticket is encrypted with type {etype} ({}), for which this server has no key",
                rwmi_core::krb5::enctype::name(u16::try_from(etype).unwrap_or(0))
            ),
        ));
    }
    let cipher = CipherSuite::try_from(etype.max(0) as usize)
        .map_err(|_| {
            refuse(
                KerberosErrorCode::KRB_AP_ERR_BADKEYVER,
                format!("encryption type {etype} is not supported"),
            )
        })?
        .cipher();
    let decrypted = candidates.iter().find_map(|k| {
        cipher
            .decrypt(&k.key, TICKET_REP, &enc_part.cipher.0.0)
            .ok()
            .map(|plain| (k, plain))
    });
    let Some((key, plain)) = decrypted else {
        let kvno_known = candidates.iter().any(|k| Some(i64::from(k.kvno)) == kvno);
        return Err(if kvno_known {
            refuse(
                KerberosErrorCode::KRB_AP_ERR_MODIFIED,
                "the ticket does not decrypt with this server's key".into(),
            )
        } else {
            refuse(
                KerberosErrorCode::KRB_AP_ERR_BADKEYVER,
                format!(
                    "the ticket is for key version {}, this server has {}",
                    kvno.map_or("(none)".into(), |v| v.to_string()),
                    candidates
                        .iter()
                        .map(|k| k.kvno.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        });
    };
    let ticket_part: EncTicketPart = picky_asn1_der::from_bytes(&plain).map_err(|e| {
        refuse(
            KerberosErrorCode::KRB_AP_ERR_MODIFIED,
            format!("the ticket's encrypted part does not decode: {e}"),
        )
    })?;
    let ticket_part = ticket_part.0;
    let session_key = &ticket_part.key.0.key_value.0.0;

    let sealed = &request.0.authenticator.0;
    let authenticator_etype = integer(&sealed.etype.0).unwrap_or(-1);
    let authenticator = CipherSuite::try_from(authenticator_etype.max(0) as usize)
        .ok()
        .and_then(|suite| {
            suite
                .cipher()
                .decrypt(session_key, AP_REQ_AUTHENTICATOR, &sealed.cipher.0.0)
                .ok()
        })
        .and_then(|plain| picky_asn1_der::from_bytes::<Authenticator>(&plain).ok())
        .ok_or_else(|| {
            refuse(
                KerberosErrorCode::KRB_AP_ERR_MODIFIED,
                "the authenticator does not decrypt with the ticket's session key".into(),
            )
        })?
        .0;

    let client_name = names_of(&ticket_part.cname.0);
    let client_realm = ticket_part.crealm.0.to_string();
    if names_of(&authenticator.cname.0) != client_name
        || authenticator.crealm.0.to_string() != client_realm
    {
        return Err(refuse(
            KerberosErrorCode::KRB_AP_ERR_BADMATCH,
            "the authenticator names another client than the ticket".into(),
        ));
    }

    let skew = i64::try_from(service.max_skew.as_secs()).unwrap_or(i64::MAX);
    let client_time = unix_seconds(&authenticator.ctime.0).ok_or_else(|| {
        refuse(
            KerberosErrorCode::KRB_AP_ERR_MODIFIED,
            "the authenticator's time is not a date".into(),
        )
    })?;
    let difference = client_time.saturating_sub(now);
    if difference.saturating_abs() > skew {
        return Err(refuse(
            KerberosErrorCode::KRB_AP_ERR_SKEW,
            format!(
                "the client's clock is {} s {} this server's (at most {skew} s allowed)",
                difference.saturating_abs(),
                if difference > 0 { "ahead of" } else { "behind" }
            ),
        ));
    }
    let start = ticket_part
        .starttime
        .0
        .as_ref()
        .map_or(&ticket_part.auth_time.0, |t| &t.0);
    if unix_seconds(start).is_some_and(|start| start > now.saturating_add(skew)) {
        return Err(refuse(
            KerberosErrorCode::KRB_AP_ERR_TKT_NYV,
            "the ticket is not valid yet".into(),
        ));
    }
    if unix_seconds(&ticket_part.endtime.0).is_none_or(|end| now > end.saturating_add(skew)) {
        return Err(refuse(
            KerberosErrorCode::KRB_AP_ERR_TKT_EXPIRED,
            "the ticket has expired".into(),
        ));
    }

    Ok(CheckedApReq {
        key: key.key.clone(),
        components: sname,
        client: AuthenticatedUser {
            user: client_name.join("/"),
            domain: client_realm,
            workstation: String::new(),
        },
    })
}

fn internal(now: i64, request: &ApReq, error: SecurityError) -> ApRefusal {
    let mut refused = refusal(
        KerberosErrorCode::KRB_ERR_GENERIC,
        now,
        Some(request),
        String::new(),
    );
    refused.error = error;
    refused
}

fn refusal(
    code: KerberosErrorCode,
    now: i64,
    request: Option<&ApReq>,
    message: String,
) -> ApRefusal {
    let ticket = request.map(|r| &r.0.ticket.0.0);
    let realm = ticket.map_or_else(String::new, |t| t.realm.0.to_string());
    let sname = ticket.map_or_else(Vec::new, |t| names_of(&t.sname.0));
    // MS-KILE 2.2.2: KERB-ERROR-DATA { data-type [1] 2 (KERB_AP_ERR_TYPE_SKEW_RECOVERY) }, no value.
    let e_data = (code == KerberosErrorCode::KRB_AP_ERR_SKEW)
        .then(|| vec![0x30, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x02]);
    ApRefusal {
        krb_error: krb_error(code, now, &realm, &sname, e_data),
        error: SecurityError::Kerberos {
            code,
            message: format!("refused the AP-REQ: {message}"),
        },
    }
}

/// A KRB-ERROR from an application server (RFC 4120 5.9.1) with `stime` = `now`.
pub fn krb_error(
    code: KerberosErrorCode,
    now: i64,
    realm: &str,
    sname: &[String],
    e_data: Option<Vec<u8>>,
) -> Vec<u8> {
    let text = |s: &str| {
        KerberosStringAsn1::from(
            IA5String::from_string(s.chars().filter(char::is_ascii).collect()).unwrap_or_default(),
        )
    };
    let error = KrbError::from(KrbErrorInner {
        pvno: ExplicitContextTag0::from(IntegerAsn1::from(vec![5])),
        msg_type: ExplicitContextTag1::from(IntegerAsn1::from(vec![30])),
        ctime: Optional::from(None),
        cusec: Optional::from(None),
        stime: ExplicitContextTag4::from(kerberos_time(now)),
        susec: ExplicitContextTag5::from(IntegerAsn1::from(vec![0])),
        error_code: ExplicitContextTag6::from(code.0),
        crealm: Optional::from(None),
        cname: Optional::from(None),
        realm: ExplicitContextTag9::from(text(realm)),
        sname: ExplicitContextTag10::from(PrincipalName {
            name_type: ExplicitContextTag0::from(IntegerAsn1::from(vec![2])),
            name_string: ExplicitContextTag1::from(Asn1SequenceOf::from(
                sname.iter().map(|s| text(s)).collect::<Vec<_>>(),
            )),
        }),
        e_text: Optional::from(None),
        e_data: Optional::from(
            e_data.map(|d| ExplicitContextTag12::from(OctetStringAsn1::from(d))),
        ),
    });
    // Every field is built here from valid values: the encoder has nothing to refuse.
    picky_asn1_der::to_vec(&error).unwrap_or_default()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A KerberosTime as seconds since the Unix epoch.
pub fn unix_seconds(time: &KerberosTime) -> Option<i64> {
    let t = &time.0;
    let (month, day) = (i64::from(t.month()), i64::from(t.day()));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(i64::from(t.year()), month, day);
    Some(
        days * 86_400
            + i64::from(t.hour()) * 3600
            + i64::from(t.minute()) * 60
            + i64::from(t.second()),
    )
}

/// Seconds since the Unix epoch as a KerberosTime (clamped to years 1970..=9999).
pub fn kerberos_time(seconds: i64) -> KerberosTime {
    let seconds = seconds.clamp(0, 253_402_300_799);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let rest = seconds.rem_euclid(86_400);
    let date = GeneralizedTime::new(
        u16::try_from(year).unwrap_or(1970),
        u8::try_from(month).unwrap_or(1),
        u8::try_from(day).unwrap_or(1),
        u8::try_from(rest / 3600).unwrap_or(0),
        u8::try_from(rest % 3600 / 60).unwrap_or(0),
        u8::try_from(rest % 60).unwrap_or(0),
    )
    .or_else(|| GeneralizedTime::new(1970, 1, 1, 0, 0, 0));
    // The clamp keeps every field in range, and the fallback is a valid date in any case.
    #[allow(clippy::expect_used)]
    let date = date.expect("1970-01-01T00:00:00 is a valid date");
    GeneralizedTimeAsn1::from(date)
}

impl KerberosService {
    /// Every AES key of a keytab (the other types cannot make a context rwmi serves).
    pub fn from_keytab(keytab: &rwmi_core::krb5::keytab::Keytab) -> Result<Self, String> {
        let keys: Vec<ServiceKey> = keytab
            .entries
            .iter()
            .filter(|e| e.key.is_aes_sha1())
            .map(|e| ServiceKey {
                components: e.principal.components.clone(),
                realm: e.principal.realm.clone(),
                kvno: e.kvno,
                enctype: i32::from(e.key.enctype),
                key: e.key.value.clone(),
            })
            .collect();
        if keys.is_empty() {
            return Err(format!(
                "the keytab has no AES key (it has {} entries: {}); export it with AES keys \
                 (samba-tool domain exportkeytab --principal=ACCOUNT, or ktpass -crypto AES256-SHA1)",
                keytab.entries.len(),
                keytab
                    .entries
                    .iter()
                    .map(|e| format!(
                        "{} {}",
                        e.principal,
                        rwmi_core::krb5::enctype::name(e.key.enctype)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(KerberosService::new(keys))
    }

    /// The realms of the keys.
    pub fn realms(&self) -> Vec<String> {
        let mut realms: Vec<String> = Vec::new();
        for key in &self.keys {
            if !realms.iter().any(|r| r.eq_ignore_ascii_case(&key.realm)) {
                realms.push(key.realm.clone());
            }
        }
        realms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use picky_asn1::bit_string::BitString;
    use picky_asn1::wrapper::{
        BitStringAsn1, ExplicitContextTag2, ExplicitContextTag3, ExplicitContextTag7,
        ExplicitContextTag8, ExplicitContextTag10 as Tag10,
    };
    use picky_krb::data_types::{
        AuthenticatorInner, EncTicketPartInner, EncryptedData, EncryptionKey, Ticket, TicketInner,
        TransitedEncoding,
    };
    use picky_krb::messages::ApReqInner;

    use crate::security::kdc::{krb_error_code, krb_error_server_time};

    const SERVICE_KEY: [u8; 32] = [7; 32];
    const SESSION_KEY: [u8; 32] = [9; 32];

    fn now() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn name(components: &[&str]) -> PrincipalName {
        PrincipalName {
            name_type: ExplicitContextTag0::from(IntegerAsn1::from(vec![1])),
            name_string: ExplicitContextTag1::from(Asn1SequenceOf::from(
                components
                    .iter()
                    .map(|c| {
                        KerberosStringAsn1::from(IA5String::from_string(c.to_string()).unwrap())
                    })
                    .collect::<Vec<_>>(),
            )),
        }
    }

    fn realm(text: &str) -> KerberosStringAsn1 {
        KerberosStringAsn1::from(IA5String::from_string(text.into()).unwrap())
    }

    fn sealed(etype: u8, kvno: Option<u8>, cipher: Vec<u8>) -> EncryptedData {
        EncryptedData {
            etype: ExplicitContextTag0::from(IntegerAsn1::from(vec![etype])),
            kvno: Optional::from(
                kvno.map(|v| ExplicitContextTag1::from(IntegerAsn1::from(vec![v]))),
            ),
            cipher: ExplicitContextTag2::from(OctetStringAsn1::from(cipher)),
        }
    }

    /// What an AP-REQ from a KDC-issued ticket looks like, with knobs for each check.
    struct Knobs {
        service_key: [u8; 32],
        kvno: u8,
        ticket_realm: &'static str,
        ctime: i64,
        end_time: i64,
        authenticator_client: &'static str,
    }

    impl Default for Knobs {
        fn default() -> Self {
            Knobs {
                service_key: SERVICE_KEY,
                kvno: 2,
                ticket_realm: "TEST.LOCAL",
                ctime: now(),
                end_time: now() + 3600,
                authenticator_client: "alice",
            }
        }
    }

    fn ap_req(k: Knobs) -> Vec<u8> {
        let aes = CipherSuite::Aes256CtsHmacSha196.cipher();
        let ticket_part = EncTicketPart::from(EncTicketPartInner {
            flags: ExplicitContextTag0::from(BitStringAsn1::from(BitString::with_bytes(vec![
                0;
                4
            ]))),
            key: ExplicitContextTag1::from(EncryptionKey {
                key_type: ExplicitContextTag0::from(IntegerAsn1::from(vec![18])),
                key_value: ExplicitContextTag1::from(OctetStringAsn1::from(SESSION_KEY.to_vec())),
            }),
            crealm: ExplicitContextTag2::from(realm("TEST.LOCAL")),
            cname: ExplicitContextTag3::from(name(&["alice"])),
            transited: ExplicitContextTag4::from(TransitedEncoding {
                tr_type: ExplicitContextTag0::from(IntegerAsn1::from(vec![1])),
                contents: ExplicitContextTag1::from(OctetStringAsn1::from(Vec::new())),
            }),
            auth_time: ExplicitContextTag5::from(kerberos_time(now() - 60)),
            starttime: Optional::from(None),
            endtime: ExplicitContextTag7::from(kerberos_time(k.end_time)),
            renew_till: Optional::from(None::<ExplicitContextTag8<KerberosTime>>),
            caddr: Optional::from(None),
            authorization_data: Optional::from(None::<Tag10<_>>),
        });
        let ticket = Ticket::from(TicketInner {
            tkt_vno: ExplicitContextTag0::from(IntegerAsn1::from(vec![5])),
            realm: ExplicitContextTag1::from(realm(k.ticket_realm)),
            sname: ExplicitContextTag2::from(name(&["host", "emu.test.local"])),
            enc_part: ExplicitContextTag3::from(sealed(
                18,
                Some(k.kvno),
                aes.encrypt(
                    &k.service_key,
                    TICKET_REP,
                    &picky_asn1_der::to_vec(&ticket_part).unwrap(),
                )
                .unwrap(),
            )),
        });
        let authenticator = Authenticator::from(AuthenticatorInner {
            authenticator_vno: ExplicitContextTag0::from(IntegerAsn1::from(vec![5])),
            crealm: ExplicitContextTag1::from(realm("TEST.LOCAL")),
            cname: ExplicitContextTag2::from(name(&[k.authenticator_client])),
            cksum: Optional::from(None),
            cusec: ExplicitContextTag4::from(IntegerAsn1::from(vec![0])),
            ctime: ExplicitContextTag5::from(kerberos_time(k.ctime)),
            subkey: Optional::from(None),
            seq_number: Optional::from(Some(ExplicitContextTag7::from(IntegerAsn1::from(vec![1])))),
            authorization_data: Optional::from(None),
        });
        let request = ApReq::from(ApReqInner {
            pvno: ExplicitContextTag0::from(IntegerAsn1::from(vec![5])),
            msg_type: ExplicitContextTag1::from(IntegerAsn1::from(vec![14])),
            // MUTUAL-REQUIRED (bit 2).
            ap_options: ExplicitContextTag2::from(BitStringAsn1::from(BitString::with_bytes(
                vec![0x20, 0, 0, 0],
            ))),
            ticket: ExplicitContextTag3::from(ticket),
            authenticator: ExplicitContextTag4::from(sealed(
                18,
                None,
                aes.encrypt(
                    &SESSION_KEY,
                    AP_REQ_AUTHENTICATOR,
                    &picky_asn1_der::to_vec(&authenticator).unwrap(),
                )
                .unwrap(),
            )),
        });
        picky_asn1_der::to_vec(&request).unwrap()
    }

    fn service() -> KerberosService {
        KerberosService::new(vec![ServiceKey {
            components: vec!["emu".into()],
            realm: "TEST.LOCAL".into(),
            kvno: 2,
            enctype: 18,
            key: SERVICE_KEY.to_vec(),
        }])
    }

    fn refused(service: KerberosService, request: &[u8]) -> (KerberosErrorCode, String) {
        let mut acceptor = KerberosAcceptor::new(Arc::new(service), AuthLevel::Privacy);
        let refusal = acceptor.accept(request).expect_err("the AP-REQ is refused");
        let code = krb_error_code(&refusal.krb_error).expect("a KRB-ERROR to send back");
        assert_eq!(refusal.error.kerberos_code(), Some(KerberosErrorCode(code)));
        (KerberosErrorCode(code), refusal.error.to_string())
    }

    #[test]
    fn a_good_ap_req_gets_an_ap_rep_from_the_accounts_key_whatever_the_spn() {
        let mut acceptor = KerberosAcceptor::new(Arc::new(service()), AuthLevel::Privacy);
        let ap_rep = acceptor.accept(&ap_req(Knobs::default())).unwrap();
        // [APPLICATION 15] AP-REP.
        assert_eq!(ap_rep.first(), Some(&0x6f));
        let (_, client) = acceptor.handshake.as_ref().unwrap();
        assert_eq!(
            (client.user.as_str(), client.domain.as_str()),
            ("alice", "TEST.LOCAL")
        );
    }

    #[test]
    fn each_check_refuses_with_its_own_code() {
        let cases = [
            (
                Knobs {
                    ticket_realm: "OTHER.REALM",
                    ..Knobs::default()
                },
                KerberosErrorCode::KRB_AP_ERR_NOT_US,
            ),
            (
                Knobs {
                    service_key: [1; 32],
                    ..Knobs::default()
                },
                KerberosErrorCode::KRB_AP_ERR_MODIFIED,
            ),
            (
                Knobs {
                    service_key: [1; 32],
                    kvno: 3,
                    ..Knobs::default()
                },
                KerberosErrorCode::KRB_AP_ERR_BADKEYVER,
            ),
            (
                Knobs {
                    authenticator_client: "mallory",
                    ..Knobs::default()
                },
                KerberosErrorCode::KRB_AP_ERR_BADMATCH,
            ),
            (
                Knobs {
                    ctime: now() - 3600,
                    ..Knobs::default()
                },
                KerberosErrorCode::KRB_AP_ERR_SKEW,
            ),
            (
                Knobs {
                    end_time: now() - 3600,
                    ..Knobs::default()
                },
                KerberosErrorCode::KRB_AP_ERR_TKT_EXPIRED,
            ),
        ];
        for (knobs, expected) in cases {
            let (code, text) = refused(service(), &ap_req(knobs));
            assert_eq!(code, expected, "{text}");
        }
    }

    #[test]
    fn an_older_key_of_the_account_still_opens_the_ticket() {
        let mut service = service();
        service.keys.insert(
            0,
            ServiceKey {
                kvno: 3,
                key: vec![1; 32],
                ..service.keys[0].clone()
            },
        );
        let mut acceptor = KerberosAcceptor::new(Arc::new(service), AuthLevel::Privacy);
        assert!(acceptor.accept(&ap_req(Knobs::default())).is_ok());
    }

    #[test]
    fn an_rc4_only_or_foreign_type_ticket_is_no_key() {
        let mut service = service();
        service.keys[0].enctype = 17;
        service.keys[0].key = vec![7; 16];
        let (code, text) = refused(service, &ap_req(Knobs::default()));
        assert_eq!(code, KerberosErrorCode::KRB_AP_ERR_NOKEY, "{text}");
        assert!(text.contains("aes256"), "{text}");
    }

    #[test]
    fn a_skewed_server_sends_its_time_and_the_recovery_hint() {
        let mut service = service();
        service.clock_offset_secs = 600;
        let mut acceptor = KerberosAcceptor::new(Arc::new(service), AuthLevel::Privacy);
        let refusal = acceptor.accept(&ap_req(Knobs::default())).unwrap_err();
        let stime = krb_error_server_time(&refusal.krb_error).unwrap();
        assert!((stime - now() - 600).abs() <= 5, "stime {stime}");
        let error: KrbError = picky_asn1_der::from_bytes(&refusal.krb_error).unwrap();
        let e_data = error.0.e_data.0.expect("KERB-ERROR-DATA").0.0;
        assert_eq!(e_data, [0x30, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x02]);
    }

    #[test]
    fn garbage_and_every_truncation_are_refused_without_panic() {
        let (code, _) = refused(service(), b"not kerberos");
        assert_eq!(code, KerberosErrorCode::KRB_AP_ERR_MSG_TYPE);
        let good = ap_req(Knobs::default());
        for cut in 0..good.len() {
            let mut acceptor = KerberosAcceptor::new(Arc::new(service()), AuthLevel::Privacy);
            assert!(acceptor.accept(&good[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn complete_before_accept_is_an_error() {
        let acceptor = KerberosAcceptor::new(Arc::new(service()), AuthLevel::Privacy);
        assert!(acceptor.complete(&[0x6f, 0], true).is_err());
    }

    #[test]
    fn kerberos_times_convert_both_ways() {
        for (seconds, text) in [
            (0, (1970, 1, 1, 0, 0, 0)),
            (951_827_696, (2000, 2, 29, 12, 34, 56)),
            (1_795_478_400, (2026, 11, 24, 0, 0, 0)),
        ] {
            let time = kerberos_time(seconds);
            let t = &time.0;
            assert_eq!(
                (
                    t.year(),
                    t.month(),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                ),
                text
            );
            assert_eq!(unix_seconds(&time), Some(seconds));
        }
        // Out-of-range values clamp instead of failing.
        assert_eq!(unix_seconds(&kerberos_time(-5)), Some(0));
        assert_eq!(kerberos_time(i64::MAX).0.year(), 9999);
    }

    #[test]
    fn keys_never_show_and_only_aes_keys_are_taken_from_a_keytab() {
        let key = &service().keys[0];
        assert!(!format!("{key:?}").contains('7'), "{key:?}");
        use rwmi_core::krb5::{KeyBlock, keytab::KeytabEntry, principal::Principal};
        let entry = |enctype: u16, len: usize| KeytabEntry {
            principal: Principal::new(1, "TEST.LOCAL", &["emu"]),
            timestamp: 0,
            kvno: 2,
            key: KeyBlock {
                enctype,
                value: vec![1; len],
            },
        };
        let rc4_only = rwmi_core::krb5::keytab::Keytab {
            entries: vec![entry(23, 16)],
        };
        let err = KerberosService::from_keytab(&rc4_only).unwrap_err();
        assert!(err.contains("no AES key"), "{err}");
        let mixed = rwmi_core::krb5::keytab::Keytab {
            entries: vec![entry(23, 16), entry(18, 32), entry(17, 16)],
        };
        let service = KerberosService::from_keytab(&mixed).unwrap();
        assert_eq!(service.keys().len(), 2);
        assert_eq!(service.principals(), ["emu@TEST.LOCAL"]);
        assert_eq!(service.realms(), ["TEST.LOCAL"]);
    }
}
