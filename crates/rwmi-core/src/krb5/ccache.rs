//! The FILE credential cache (`KRB5CCNAME=FILE:/tmp/krb5cc_1000`): the default principal, its TGT and
//! service tickets with their session keys (MIT krb5 doc/formats/ccache_file_format).
//!
//! Layout of versions 0x0503 and 0x0504 (all integers big-endian):
//!
//! ```text
//! ccache      = 0x05 0x0N, [header], principal (the default), credential*   (to the end of the file)
//! header      = length (u16), then `length` bytes of fields (0x0504 only):
//!                 tag (u16), length (u16), value; tag 1 = KDC time offset (i32 s, i32 us)
//! principal   = name_type (u32), count (u32), realm (data), component (data) * count
//! credential  = client (principal), server (principal),
//!               keyblock: enctype (u16) [written twice in 0x0503], key (data),
//!               authtime, starttime, endtime, renew_till (u32 each), is_skey (u8),
//!               ticket_flags (u32), addresses, authdata, ticket (data), second_ticket (data)
//! addresses   = count (u32), (addrtype (u16), data) * count;  authdata alike with ad_type
//! data        = length (u32), bytes
//! ```
//!
//! Credentials whose server realm is `X-CACHECONF:` are configuration entries (a key in the server's
//! second component, a value in the ticket field); they are kept so a rewrite loses nothing, and
//! `tickets()` skips them. Versions 0x0501 and 0x0502 (native byte order, krb5 before 1.0) are refused.

use super::{
    KeyBlock, MAX_COMPONENTS, MAX_ENTRIES, Principal, at_file_offset, be_i32, be_u16, be_u32,
    check_cap, length_u32, put_i32, put_u16, put_u32, utf8_string,
};
use crate::codec::{DecodeResult, Reader, Writer};

pub const VERSION_3: u16 = 0x0503;
pub const VERSION_4: u16 = 0x0504;
/// The one header field defined: the KDC's clock minus ours, seconds and microseconds.
const TAG_KDC_TIME_OFFSET: u16 = 1;
/// The realm of configuration entries' server principals.
pub const CONFIG_REALM: &str = "X-CACHECONF:";
/// The first component of configuration entries' server principals.
pub const CONFIG_NAME: &str = "krb5_ccache_conf_data";
/// Addresses, and authorization data elements, per credential. Tickets carry a handful at most.
const MAX_ELEMENTS: usize = 256;

/// A decoded credential cache, credentials in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialCache {
    /// `VERSION_3` or `VERSION_4`; `encode` writes the header only for version 4.
    pub version: u16,
    /// KDC time minus local time (seconds, microseconds), from the version 4 header.
    pub kdc_time_offset: Option<(i32, i32)>,
    pub default_principal: Principal,
    pub credentials: Vec<CachedCredential>,
}

/// A ticket and its session key (or a configuration entry). `Debug` redacts the key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CachedCredential {
    pub client: Principal,
    pub server: Principal,
    /// The session key shared with `server`.
    pub key: KeyBlock,
    /// Seconds since 1970, as the KDC issued them.
    pub auth_time: u32,
    pub start_time: u32,
    pub end_time: u32,
    pub renew_till: u32,
    /// The ticket is encrypted in a session key (user-to-user), not the server's long-term key.
    pub is_skey: bool,
    /// RFC 4120 5.3 TicketFlags, bit 0 (reserved) the most significant.
    pub ticket_flags: u32,
    /// (addrtype, address) pairs.
    pub addresses: Vec<(u16, Vec<u8>)>,
    /// (ad_type, ad_data) pairs.
    pub auth_data: Vec<(u16, Vec<u8>)>,
    /// The DER-encoded Ticket (for a configuration entry, the value).
    pub ticket: Vec<u8>,
    pub second_ticket: Vec<u8>,
}

impl CredentialCache {
    /// A version 4 cache with no time offset and no credentials.
    pub fn new(default_principal: Principal) -> Self {
        CredentialCache {
            version: VERSION_4,
            kdc_time_offset: None,
            default_principal,
            credentials: Vec::new(),
        }
    }

    pub fn decode(bytes: &[u8]) -> DecodeResult<Self> {
        let mut r = Reader::new("ccache header", bytes);
        let version = be_u16(&mut r, "version")?;
        match version {
            VERSION_3 | VERSION_4 => {}
            0x0501 | 0x0502 => {
                return Err(r.invalid(
                    "version",
                    "ccache versions 0x0501 and 0x0502 (native byte order) are not supported",
                ));
            }
            other => return Err(r.bad_value("version", other.into())),
        }
        let kdc_time_offset = if version == VERSION_4 {
            let len = be_u16(&mut r, "header length")?;
            let base = r.position();
            let mut fields = r.sub("header", len.into())?;
            decode_header(&mut fields).map_err(|e| at_file_offset(e, base))?
        } else {
            None
        };
        r.set_context("ccache default principal");
        let default_principal = decode_principal(&mut r)?;
        r.set_context("ccache credential");
        let mut credentials = Vec::new();
        while !r.is_empty() {
            check_cap(
                &r,
                "client",
                "ccache credentials",
                credentials.len() as u64 + 1,
                MAX_ENTRIES,
            )?;
            credentials.push(CachedCredential::decode(&mut r, version)?);
        }
        Ok(CredentialCache {
            version,
            kdc_time_offset,
            default_principal,
            credentials,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        put_u16(&mut w, self.version);
        if self.version != VERSION_3 {
            match self.kdc_time_offset {
                Some((seconds, microseconds)) => {
                    put_u16(&mut w, 12);
                    put_u16(&mut w, TAG_KDC_TIME_OFFSET);
                    put_u16(&mut w, 8);
                    put_i32(&mut w, seconds);
                    put_i32(&mut w, microseconds);
                }
                None => put_u16(&mut w, 0),
            }
        }
        encode_principal(&mut w, &self.default_principal);
        for credential in &self.credentials {
            credential.encode(&mut w, self.version);
        }
        w.into_vec()
    }

    /// The credentials that are tickets, without configuration entries.
    pub fn tickets(&self) -> impl Iterator<Item = &CachedCredential> {
        self.credentials.iter().filter(|c| !c.is_config_entry())
    }

    /// The first ticket for `server`, compared as `Principal::matches` does.
    pub fn ticket_for(&self, server: &Principal) -> Option<&CachedCredential> {
        self.tickets().find(|c| c.server.matches(server))
    }

    /// The ticket-granting ticket of `realm` (`krbtgt/REALM@REALM`).
    pub fn tgt(&self, realm: &str) -> Option<&CachedCredential> {
        self.ticket_for(&Principal::krbtgt(realm))
    }
}

impl CachedCredential {
    /// A configuration entry as MIT writes one: server `krb5_ccache_conf_data/KEY[/PRINCIPAL]@X-CACHECONF:`,
    /// the value in the ticket field, every other field zero.
    pub fn config_entry(
        client: Principal,
        key: &str,
        associated: Option<&Principal>,
        value: Vec<u8>,
    ) -> Self {
        let mut components = vec![CONFIG_NAME.to_owned(), key.to_owned()];
        components.extend(associated.map(Principal::to_string));
        CachedCredential {
            client,
            server: Principal {
                name_type: super::principal::name_type::PRINCIPAL,
                realm: CONFIG_REALM.to_owned(),
                components,
            },
            ticket: value,
            ..CachedCredential::default()
        }
    }

    pub fn is_config_entry(&self) -> bool {
        self.server.realm == CONFIG_REALM
    }

    /// Whether the ticket has expired at `unix_seconds` (end time reached). Configuration entries have
    /// an end time of 0 and so always count as expired: ask `is_config_entry` first.
    pub fn is_expired_at(&self, unix_seconds: u64) -> bool {
        u64::from(self.end_time) <= unix_seconds
    }

    fn decode(r: &mut Reader<'_>, version: u16) -> DecodeResult<Self> {
        let client = decode_principal(r)?;
        let server = decode_principal(r)?;
        let enctype = be_u16(r, "enctype")?;
        if version == VERSION_3 {
            // Written twice; MIT reads the first and skips the second.
            be_u16(r, "enctype repeated")?;
        }
        let key_len = be_u32(r, "key length")?;
        let key = KeyBlock {
            enctype,
            value: r.counted("key", key_len.into())?.to_vec(),
        };
        let auth_time = be_u32(r, "authtime")?;
        let start_time = be_u32(r, "starttime")?;
        let end_time = be_u32(r, "endtime")?;
        let renew_till = be_u32(r, "renew_till")?;
        // MIT takes any non-zero byte as true.
        let is_skey = r.u8("is_skey")? != 0;
        let ticket_flags = be_u32(r, "ticket_flags")?;
        let addresses = decode_elements(r, "addresses", "address")?;
        let auth_data = decode_elements(r, "authdata", "ad_data")?;
        let ticket_len = be_u32(r, "ticket length")?;
        let ticket = r.counted("ticket", ticket_len.into())?.to_vec();
        let second_len = be_u32(r, "second_ticket length")?;
        let second_ticket = r.counted("second_ticket", second_len.into())?.to_vec();
        Ok(CachedCredential {
            client,
            server,
            key,
            auth_time,
            start_time,
            end_time,
            renew_till,
            is_skey,
            ticket_flags,
            addresses,
            auth_data,
            ticket,
            second_ticket,
        })
    }

    fn encode(&self, w: &mut Writer, version: u16) {
        encode_principal(w, &self.client);
        encode_principal(w, &self.server);
        put_u16(w, self.key.enctype);
        if version == VERSION_3 {
            put_u16(w, self.key.enctype);
        }
        encode_data(w, &self.key.value);
        for time in [
            self.auth_time,
            self.start_time,
            self.end_time,
            self.renew_till,
        ] {
            put_u32(w, time);
        }
        w.u8(u8::from(self.is_skey));
        put_u32(w, self.ticket_flags);
        for elements in [&self.addresses, &self.auth_data] {
            put_u32(w, length_u32(elements.len()));
            for (kind, data) in elements {
                put_u16(w, *kind);
                encode_data(w, data);
            }
        }
        encode_data(w, &self.ticket);
        encode_data(w, &self.second_ticket);
    }
}

/// The header's fields; unknown tags are skipped by their length. Returns the KDC time offset.
fn decode_header(r: &mut Reader<'_>) -> DecodeResult<Option<(i32, i32)>> {
    let mut offset = None;
    while !r.is_empty() {
        let tag = be_u16(r, "tag")?;
        let len = be_u16(r, "tag length")?;
        let mut value = r.sub("tag value", len.into())?;
        if tag == TAG_KDC_TIME_OFFSET {
            if len != 8 {
                return Err(r.bad_value("tag length", len.into()));
            }
            let seconds = be_i32(&mut value, "time offset seconds")?;
            let microseconds = be_i32(&mut value, "time offset microseconds")?;
            offset = Some((seconds, microseconds));
        }
    }
    Ok(offset)
}

fn decode_principal(r: &mut Reader<'_>) -> DecodeResult<Principal> {
    let name_type = be_u32(r, "name_type")?;
    let count = be_u32(r, "component count")?;
    let count = check_cap(
        r,
        "component count",
        "principal components",
        count.into(),
        MAX_COMPONENTS,
    )?;
    let realm_len = be_u32(r, "realm length")?;
    let realm = utf8_string(r, "realm", realm_len.into())?;
    let mut components = Vec::with_capacity(count);
    for _ in 0..count {
        let len = be_u32(r, "component length")?;
        components.push(utf8_string(r, "component", len.into())?);
    }
    Ok(Principal {
        name_type,
        realm,
        components,
    })
}

fn encode_principal(w: &mut Writer, p: &Principal) {
    put_u32(w, p.name_type);
    put_u32(w, length_u32(p.components.len()));
    encode_data(w, p.realm.as_bytes());
    for component in &p.components {
        encode_data(w, component.as_bytes());
    }
}

fn encode_data(w: &mut Writer, data: &[u8]) {
    put_u32(w, length_u32(data.len()));
    w.bytes(data);
}

/// Addresses or authorization data: a count, then (type, data) pairs.
fn decode_elements(
    r: &mut Reader<'_>,
    count_field: &'static str,
    data_field: &'static str,
) -> DecodeResult<Vec<(u16, Vec<u8>)>> {
    let count = be_u32(r, count_field)?;
    check_cap(
        r,
        count_field,
        "addresses or authdata",
        count.into(),
        MAX_ELEMENTS,
    )?;
    // Each element takes at least its type and its length.
    let count = r.check_count(count_field, count.into(), 6)?;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let kind = be_u16(r, data_field)?;
        let len = be_u32(r, data_field)?;
        out.push((kind, r.counted(data_field, len.into())?.to_vec()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;
    use crate::krb5::enctype;
    use crate::krb5::principal::name_type;
    use proptest::prelude::*;

    /// A version 4 cache built by hand from the MIT format document (no KDC is at hand to make one with
    /// kinit): a KDC time offset, alice's TGT, and the `pa_type` configuration entry kinit writes.
    /// `#` starts a comment.
    const HAND_BUILT: &str = "
        05 04                               # version 0x0504
        00 0c                               # header length 12
        00 01 00 08                         # tag 1 (KDC time offset), length 8
        ff ff ff fe 00 07 a1 20             # -2 s, 500000 us
        # default principal alice@TEST.LOCAL
        00 00 00 01 00 00 00 01             # name type 1 (principal), 1 component
        00 00 00 0a 54 45 53 54 2e 4c 4f 43 41 4c      # realm TEST.LOCAL
        00 00 00 05 61 6c 69 63 65                     # alice
        # credential 1: client alice@TEST.LOCAL
        00 00 00 01 00 00 00 01
        00 00 00 0a 54 45 53 54 2e 4c 4f 43 41 4c
        00 00 00 05 61 6c 69 63 65
        # server krbtgt/TEST.LOCAL@TEST.LOCAL, name type 2 (srv-inst), 2 components
        00 00 00 02 00 00 00 02
        00 00 00 0a 54 45 53 54 2e 4c 4f 43 41 4c
        00 00 00 06 6b 72 62 74 67 74
        00 00 00 0a 54 45 53 54 2e 4c 4f 43 41 4c
        # keyblock: enctype 18 (aes256-cts-hmac-sha1-96), 32 bytes
        00 12 00 00 00 20
        11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11
        11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11
        65 53 f1 00                         # authtime 1700000000
        65 53 f1 00                         # starttime
        65 54 7d a0                         # endtime 1700036000 (10 h)
        65 5d 2b 80                         # renew_till 1700604800 (7 days)
        00                                  # is_skey
        40 e1 00 00                         # forwardable renewable initial pre-authent
        00 00 00 00                         # no addresses
        00 00 00 00                         # no authdata
        00 00 00 05 61 03 02 01 05          # ticket (a stand-in, not a real Ticket)
        00 00 00 00                         # no second ticket
        # credential 2: configuration entry, client alice@TEST.LOCAL
        00 00 00 01 00 00 00 01
        00 00 00 0a 54 45 53 54 2e 4c 4f 43 41 4c
        00 00 00 05 61 6c 69 63 65
        # server krb5_ccache_conf_data/pa_type/krbtgt\\/TEST.LOCAL\\@TEST.LOCAL@X-CACHECONF:
        00 00 00 01 00 00 00 03
        00 00 00 0c 58 2d 43 41 43 48 45 43 4f 4e 46 3a
        00 00 00 15 6b 72 62 35 5f 63 63 61 63 68 65 5f 63 6f 6e 66 5f 64 61 74 61
        00 00 00 07 70 61 5f 74 79 70 65
        00 00 00 1c 6b 72 62 74 67 74 2f 54 45 53 54 2e 4c 4f 43 41 4c 40 54 45 53 54 2e 4c 4f 43 41 4c
        00 00 00 00 00 00                   # keyblock: enctype 0, no key
        00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00     # times all 0
        00 00 00 00 00                      # is_skey, flags
        00 00 00 00 00 00 00 00             # no addresses, no authdata
        00 00 00 01 32                      # value \"2\" (encrypted timestamp)
        00 00 00 00                         # no second ticket
    ";

    fn from_commented_hex(text: &str) -> Vec<u8> {
        let digits: String = text
            .lines()
            .map(|line| line.split('#').next().unwrap_or(""))
            .flat_map(|line| line.split_whitespace())
            .collect();
        (0..digits.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
            .collect()
    }

    fn alice() -> Principal {
        Principal::new(name_type::PRINCIPAL, "TEST.LOCAL", &["alice"])
    }

    #[test]
    fn decodes_the_hand_built_cache() {
        let bytes = from_commented_hex(HAND_BUILT);
        let cache = CredentialCache::decode(&bytes).unwrap();
        assert_eq!(cache.version, VERSION_4);
        assert_eq!(cache.kdc_time_offset, Some((-2, 500_000)));
        assert_eq!(cache.default_principal, alice());
        assert_eq!(cache.credentials.len(), 2);
        assert_eq!(cache.tickets().count(), 1);

        let tgt = cache.tgt("test.local").unwrap();
        assert_eq!(tgt.client, alice());
        assert_eq!(tgt.server.to_string(), "krbtgt/TEST.LOCAL@TEST.LOCAL");
        assert_eq!(tgt.server.name_type, name_type::SRV_INST);
        assert_eq!(tgt.key.enctype, enctype::AES256_CTS_HMAC_SHA1_96);
        assert_eq!(tgt.key.value, [0x11; 32]);
        assert_eq!(
            (tgt.auth_time, tgt.start_time, tgt.end_time, tgt.renew_till),
            (1_700_000_000, 1_700_000_000, 1_700_036_000, 1_700_604_800)
        );
        assert_eq!(tgt.ticket_flags, 0x40e1_0000);
        assert!(!tgt.is_skey && tgt.addresses.is_empty() && tgt.auth_data.is_empty());
        assert_eq!(tgt.ticket, [0x61, 3, 2, 1, 5]);
        assert!(!tgt.is_expired_at(1_700_035_999));
        assert!(tgt.is_expired_at(1_700_036_000));
        assert!(cache.tgt("OTHER.REALM").is_none());

        let config = &cache.credentials[1];
        assert!(config.is_config_entry());
        assert_eq!(
            config.server.components,
            [CONFIG_NAME, "pa_type", "krbtgt/TEST.LOCAL@TEST.LOCAL"]
        );
        assert_eq!(config.ticket, b"2");
        let built = CachedCredential::config_entry(
            alice(),
            "pa_type",
            Some(&Principal::krbtgt("TEST.LOCAL")),
            b"2".to_vec(),
        );
        assert_eq!(*config, built);

        assert_eq!(cache.encode(), bytes);
    }

    /// Where the hand-built cache may end and still be a cache: after the default principal and after
    /// each credential.
    fn credential_boundaries(cache: &CredentialCache) -> Vec<usize> {
        (0..=cache.credentials.len())
            .map(|n| {
                let mut prefix = cache.clone();
                prefix.credentials.truncate(n);
                prefix.encode().len()
            })
            .collect()
    }

    #[test]
    fn every_truncation_is_refused_or_a_prefix() {
        let bytes = from_commented_hex(HAND_BUILT);
        let cache = CredentialCache::decode(&bytes).unwrap();
        let boundaries = credential_boundaries(&cache);
        for len in 0..bytes.len() {
            let result = CredentialCache::decode(&bytes[..len]);
            match boundaries.iter().position(|&b| b == len) {
                Some(n) => assert_eq!(result.unwrap().credentials.len(), n, "{len}"),
                None => assert!(result.is_err(), "truncated to {len} bytes decoded"),
            }
        }
    }

    /// The fixture with the 4 bytes at `at` replaced by u32::MAX.
    fn with_max_u32_at(at: usize) -> Vec<u8> {
        let mut bytes = from_commented_hex(HAND_BUILT);
        bytes[at..at + 4].copy_from_slice(&[0xff; 4]);
        bytes
    }

    #[test]
    fn lying_lengths_are_refused() {
        // The default principal starts at 16: name type, component count, realm length.
        let e = CredentialCache::decode(&with_max_u32_at(20)).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::Limit { .. }), "{e}");
        assert_eq!(
            (e.context, e.field),
            ("ccache default principal", "component count")
        );
        let e = CredentialCache::decode(&with_max_u32_at(24)).unwrap_err();
        assert!(
            matches!(e.kind, DecodeErrorKind::LengthPastEnd { .. }),
            "{e}"
        );
        assert_eq!((e.field, e.offset), ("realm", 28));

        let cache = CredentialCache::decode(&from_commented_hex(HAND_BUILT)).unwrap();
        let first = credential_boundaries(&cache)[0];
        // The TGT's key length follows client (27 bytes), server (48) and enctype (2).
        let key_length_at = first + 27 + 48 + 2;
        let e = CredentialCache::decode(&with_max_u32_at(key_length_at)).unwrap_err();
        assert_eq!((e.context, e.field), ("ccache credential", "key"), "{e}");
        // Then key (32), four times (16), is_skey (1), flags (4): the address count.
        let e = CredentialCache::decode(&with_max_u32_at(key_length_at + 4 + 32 + 16 + 1 + 4))
            .unwrap_err();
        assert_eq!(e.field, "addresses", "{e}");
        assert!(matches!(e.kind, DecodeErrorKind::Limit { .. }), "{e}");
    }

    #[test]
    fn address_counts_are_checked_against_the_bytes_left() {
        let mut credential = CachedCredential::config_entry(alice(), "k", None, Vec::new());
        credential.addresses = vec![(2, vec![127, 0, 0, 1])];
        let mut cache = CredentialCache::new(alice());
        cache.credentials.push(credential);
        let mut bytes = cache.encode();
        let tail = bytes.len() - 4 - 4 - 4 - 4 - 6 - 4;
        assert_eq!(bytes[tail..tail + 4], [0, 0, 0, 1]);
        bytes[tail..tail + 4].copy_from_slice(&200u32.to_be_bytes());
        let e = CredentialCache::decode(&bytes).unwrap_err();
        assert!(
            matches!(e.kind, DecodeErrorKind::LengthPastEnd { .. }),
            "{e}"
        );
    }

    #[test]
    fn header_fields_with_unknown_tags_are_skipped() {
        let mut bytes = vec![5, 4, 0, 18, 0, 9, 0, 2, 0xaa, 0xbb];
        bytes.extend_from_slice(&[0, 1, 0, 8, 0, 0, 0, 3, 0, 0, 0, 4]);
        bytes.extend_from_slice(&from_commented_hex(HAND_BUILT)[16..]);
        let cache = CredentialCache::decode(&bytes).unwrap();
        assert_eq!(cache.kdc_time_offset, Some((3, 4)));
        assert_eq!(cache.credentials.len(), 2);

        let e = CredentialCache::decode(&[5, 4, 0, 8, 0, 1, 0, 4, 0, 0, 0, 0]).unwrap_err();
        assert_eq!((e.context, e.field), ("ccache header", "tag length"));
    }

    #[test]
    fn version_3_writes_the_enctype_twice_and_has_no_header() {
        let mut cache = CredentialCache::decode(&from_commented_hex(HAND_BUILT)).unwrap();
        cache.version = VERSION_3;
        cache.kdc_time_offset = None;
        let bytes = cache.encode();
        assert_eq!(bytes[..2], [5, 3]);
        assert_eq!(
            bytes.len(),
            from_commented_hex(HAND_BUILT).len() - 14 + 2 * 2
        );
        assert_eq!(CredentialCache::decode(&bytes).unwrap(), cache);
    }

    #[test]
    fn old_versions_are_refused_by_name() {
        for version in [[5, 1], [5, 2]] {
            let e = CredentialCache::decode(&version).unwrap_err();
            assert!(e.to_string().contains("0x0501 and 0x0502"), "{e}");
        }
        let e = CredentialCache::decode(&[4, 4]).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::BadValue { value: 0x0404 });
    }

    #[test]
    fn service_tickets_are_found_with_a_case_insensitive_host() {
        let mut ticket = CachedCredential {
            client: alice(),
            server: Principal::parse("host/emu.test.local@TEST.LOCAL", name_type::SRV_HST).unwrap(),
            ..CachedCredential::default()
        };
        ticket.key = KeyBlock {
            enctype: enctype::AES128_CTS_HMAC_SHA1_96,
            value: vec![0x5a; 16],
        };
        let mut cache = CredentialCache::new(alice());
        cache.credentials.push(ticket);
        let wanted = Principal::parse("host/EMU.TEST.LOCAL@test.local", 1).unwrap();
        assert!(cache.ticket_for(&wanted).is_some());
        let shown = format!("{:?}", cache.ticket_for(&wanted).unwrap());
        assert!(
            shown.contains("16 bytes redacted") && !shown.contains("90"),
            "{shown}"
        );
        assert!(cache.tgt("TEST.LOCAL").is_none());
    }

    fn principal() -> impl Strategy<Value = Principal> {
        (
            any::<u32>(),
            "[A-Z.:-]{0,12}",
            proptest::collection::vec("[a-z0-9./@]{0,10}", 0..4),
        )
            .prop_map(|(name_type, realm, components)| Principal {
                name_type,
                realm,
                components,
            })
    }

    fn elements() -> impl Strategy<Value = Vec<(u16, Vec<u8>)>> {
        proptest::collection::vec(
            (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..8)),
            0..3,
        )
    }

    fn credential() -> impl Strategy<Value = CachedCredential> {
        (
            (principal(), principal(), any::<u16>()),
            proptest::collection::vec(any::<u8>(), 0..33),
            any::<[u32; 4]>(),
            (any::<bool>(), any::<u32>()),
            (elements(), elements()),
            proptest::collection::vec(any::<u8>(), 0..20),
            proptest::collection::vec(any::<u8>(), 0..4),
        )
            .prop_map(
                |(
                    (client, server, enctype),
                    value,
                    times,
                    (is_skey, ticket_flags),
                    (addresses, auth_data),
                    ticket,
                    second_ticket,
                )| CachedCredential {
                    client,
                    server,
                    key: KeyBlock { enctype, value },
                    auth_time: times[0],
                    start_time: times[1],
                    end_time: times[2],
                    renew_till: times[3],
                    is_skey,
                    ticket_flags,
                    addresses,
                    auth_data,
                    ticket,
                    second_ticket,
                },
            )
    }

    fn cache() -> impl Strategy<Value = CredentialCache> {
        (
            prop_oneof![Just(VERSION_3), Just(VERSION_4)],
            proptest::option::of(any::<(i32, i32)>()),
            principal(),
            proptest::collection::vec(credential(), 0..4),
        )
            .prop_map(|(version, offset, default_principal, credentials)| {
                CredentialCache {
                    version,
                    // Version 3 has no header to keep an offset in.
                    kdc_time_offset: offset.filter(|_| version == VERSION_4),
                    default_principal,
                    credentials,
                }
            })
    }

    proptest! {
        #[test]
        fn round_trips(cache in cache()) {
            prop_assert_eq!(CredentialCache::decode(&cache.encode()).unwrap(), cache);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            for version in [[5u8, 3], [5, 4]] {
                let _ = CredentialCache::decode(&[&version[..], &bytes].concat());
            }
        }
    }
}
