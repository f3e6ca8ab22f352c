//! DUALSTRINGARRAY (MS-DCOM 2.2.19): the string bindings (protocol + address) and security bindings
//! (authentication service + principal name) of an object resolver or object exporter.
//!
//! Both forms share one body, a run of u16 units: STRINGBINDINGs ended by an extra 0, then
//! SECURITYBINDINGs ended by an extra 0. The packet form (2.2.19.1, inside an OBJREF) is hand-marshaled
//! little-endian; the IDL form (2.2.19.2, a ResolveOxid2 or activation reply parameter) is an NDR
//! conformant structure. [`DualStringArray`] encodes to both.

use crate::codec::{DecodeError, DecodeResult, Reader, Writer, utf16le_units};
use crate::ndr::array::{read_conformance, wire_count, write_conformance};
use crate::ndr::{Ndr, NdrReader, NdrWriter};

/// The protocol sequence identifier of ncacn_ip_tcp (C706 Appendix I, MS-RPCE 2.1).
pub const TOWER_ID_NCACN_IP_TCP: u16 = 0x0007;

/// The value of SECURITYBINDING.Reserved when sent (MS-DCOM 2.2.19.4).
const SECURITY_BINDING_RESERVED: u16 = 0xffff;

/// MS-DCOM 2.2.19.3. `tower_id` must not be 0 (that value ends the list) and the address must not
/// contain U+0000; the encoder writes what it is given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StringBinding {
    pub tower_id: u16,
    /// `servername` or `servername[endpoint]`.
    pub network_addr: String,
}

impl StringBinding {
    pub fn tcp(network_addr: impl Into<String>) -> Self {
        StringBinding {
            tower_id: TOWER_ID_NCACN_IP_TCP,
            network_addr: network_addr.into(),
        }
    }

    /// For an ncacn_ip_tcp binding, the host and the port in `host[port]` (None when the binding has no
    /// endpoint, as resolver bindings have none). Returns None for other protocols and malformed ports.
    pub fn tcp_host_and_port(&self) -> Option<(&str, Option<u16>)> {
        if self.tower_id != TOWER_ID_NCACN_IP_TCP {
            return None;
        }
        let addr = self.network_addr.as_str();
        match addr.strip_suffix(']') {
            Some(body) => {
                let open = body.rfind('[')?;
                let port = body.get(open + 1..)?.parse::<u16>().ok()?;
                Some((body.get(..open)?, Some(port)))
            }
            None => Some((addr, None)),
        }
    }
}

/// MS-DCOM 2.2.19.4. `authn_svc` must not be 0 (RPC_C_AUTHN_NONE has the same units as the list end).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityBinding {
    pub authn_svc: u16,
    /// The SPN; empty means "no SPN".
    pub principal_name: String,
}

/// MS-DCOM 2.2.19.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DualStringArray {
    pub string_bindings: Vec<StringBinding>,
    pub security_bindings: Vec<SecurityBinding>,
}

impl DualStringArray {
    /// The ncacn_ip_tcp bindings as (host, port), in the server's order of preference.
    pub fn tcp_bindings(&self) -> Vec<(&str, Option<u16>)> {
        self.string_bindings
            .iter()
            .filter_map(StringBinding::tcp_host_and_port)
            .collect()
    }

    /// The body units and wSecurityOffset. An empty list is written as two zero units, which gives the
    /// smallest DUALSTRINGARRAY of MS-DCOM 2.2.19.1 (wNumEntries 4, wSecurityOffset 2, four zeros).
    fn units(&self) -> (Vec<u16>, u16) {
        let mut units = Vec::new();
        for b in &self.string_bindings {
            units.push(b.tower_id);
            units.extend(b.network_addr.encode_utf16());
            units.push(0);
        }
        if self.string_bindings.is_empty() {
            units.push(0);
        }
        units.push(0);
        let security_offset = u16::try_from(units.len()).unwrap_or(u16::MAX);
        for b in &self.security_bindings {
            units.push(b.authn_svc);
            units.push(SECURITY_BINDING_RESERVED);
            units.extend(b.principal_name.encode_utf16());
            units.push(0);
        }
        if self.security_bindings.is_empty() {
            units.push(0);
        }
        units.push(0);
        (units, security_offset)
    }

    /// Parses the body units given wSecurityOffset.
    fn from_units(
        units: &[u16],
        security_offset: u16,
        err: impl Fn(&'static str, &'static str) -> DecodeError,
    ) -> DecodeResult<Self> {
        let split = usize::from(security_offset);
        let (strings, security) = match (units.get(..split), units.get(split..)) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                return Err(err(
                    "wSecurityOffset",
                    "security offset is past the end of the string array",
                ));
            }
        };
        let mut string_bindings = Vec::new();
        let mut rest = strings;
        while let Some((&tower_id, tail)) = rest.split_first() {
            if tower_id == 0 {
                break;
            }
            let (addr, tail) = take_string(tail)
                .ok_or_else(|| err("STRINGBINDING.aNetworkAddr", "no terminating NUL"))?;
            let network_addr = String::from_utf16(addr)
                .map_err(|_| err("STRINGBINDING.aNetworkAddr", "unpaired surrogate"))?;
            string_bindings.push(StringBinding {
                tower_id,
                network_addr,
            });
            rest = tail;
        }
        if rest.is_empty() {
            return Err(err(
                "STRINGBINDING",
                "string bindings are not terminated before the security offset",
            ));
        }
        let mut security_bindings = Vec::new();
        let mut rest = security;
        while let Some((&authn_svc, tail)) = rest.split_first() {
            if authn_svc == 0 {
                break;
            }
            let (_reserved, tail) = tail
                .split_first()
                .ok_or_else(|| err("SECURITYBINDING.Reserved", "truncated"))?;
            let (name, tail) = take_string(tail)
                .ok_or_else(|| err("SECURITYBINDING.aPrincName", "no terminating NUL"))?;
            let principal_name = String::from_utf16(name)
                .map_err(|_| err("SECURITYBINDING.aPrincName", "unpaired surrogate"))?;
            security_bindings.push(SecurityBinding {
                authn_svc,
                principal_name,
            });
            rest = tail;
        }
        if rest.is_empty() {
            return Err(err(
                "SECURITYBINDING",
                "security bindings are not terminated",
            ));
        }
        Ok(DualStringArray {
            string_bindings,
            security_bindings,
        })
    }

    /// The packet version (MS-DCOM 2.2.19.1), as carried inside an OBJREF.
    pub fn encode_packet(&self, w: &mut Writer) {
        let (units, security_offset) = self.units();
        w.u16(u16::try_from(units.len()).unwrap_or(u16::MAX));
        w.u16(security_offset);
        for u in units {
            w.u16(u);
        }
    }

    /// Reads the packet version; consumes exactly `4 + 2 * wNumEntries` bytes.
    pub fn decode_packet(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let num_entries = r.u16("DUALSTRINGARRAY.wNumEntries")?;
        let security_offset = r.u16("DUALSTRINGARRAY.wSecurityOffset")?;
        let at = r.position();
        let context = r.context();
        let bytes = r.counted("DUALSTRINGARRAY.aStringArray", u64::from(num_entries) * 2)?;
        let units: Vec<u16> = utf16le_units(bytes).collect();
        Self::from_units(&units, security_offset, |field, why| {
            DecodeError::new(
                context,
                field,
                at,
                crate::codec::DecodeErrorKind::Invalid(why),
            )
        })
    }
}

/// Splits a NUL-terminated run of units into the text and what follows the NUL.
fn take_string(units: &[u16]) -> Option<(&[u16], &[u16])> {
    let nul = units.iter().position(|u| *u == 0)?;
    Some((units.get(..nul)?, units.get(nul + 1..)?))
}

/// The IDL version (MS-DCOM 2.2.19.2): `wNumEntries`, `wSecurityOffset`, then a conformant array of
/// `wNumEntries` u16 whose max_count is hoisted to the front of the structure.
impl Ndr for DualStringArray {
    const ALIGN: usize = 4;
    const MIN_WIRE_SIZE: usize = 8;
    fn encode_inline(&self, w: &mut NdrWriter) {
        let (units, security_offset) = self.units();
        write_conformance(w, wire_count(units.len()));
        w.u16(u16::try_from(units.len()).unwrap_or(u16::MAX));
        w.u16(security_offset);
        for u in units {
            w.u16(u);
        }
    }
    fn decode_inline(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        let max_count = read_conformance(r, "DUALSTRINGARRAY.aStringArray")?;
        let num_entries = r.u16("DUALSTRINGARRAY.wNumEntries")?;
        let security_offset = r.u16("DUALSTRINGARRAY.wSecurityOffset")?;
        r.expect_count(
            "DUALSTRINGARRAY.wNumEntries",
            u64::from(max_count),
            u64::from(num_entries),
        )?;
        r.reserve_elements("DUALSTRINGARRAY.aStringArray", u64::from(num_entries), 2)?;
        let at = r.position();
        let context = r.context();
        let bytes = r.bytes("DUALSTRINGARRAY.aStringArray", u64::from(num_entries) * 2)?;
        let units: Vec<u16> = utf16le_units(bytes).collect();
        Self::from_units(&units, security_offset, |field, why| {
            DecodeError::new(
                context,
                field,
                at,
                crate::codec::DecodeErrorKind::Invalid(why),
            )
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ndr::{from_stub, to_stub};
    use proptest::prelude::*;

    fn packet(dsa: &DualStringArray) -> Vec<u8> {
        let mut w = Writer::new();
        dsa.encode_packet(&mut w);
        w.into_vec()
    }

    fn units_le(units: &[u16]) -> Vec<u8> {
        units.iter().flat_map(|u| u.to_le_bytes()).collect()
    }

    #[test]
    fn smallest_array_is_the_spec_example() {
        // MS-DCOM 2.2.19.1: wNumEntries 4, wSecurityOffset 2, four zero units.
        let bytes = packet(&DualStringArray::default());
        assert_eq!(bytes, units_le(&[4, 2, 0, 0, 0, 0]));
        let decoded = DualStringArray::decode_packet(&mut Reader::new("t", &bytes)).unwrap();
        assert_eq!(decoded, DualStringArray::default());
    }

    #[test]
    fn idl_version_hoists_the_conformance() {
        let dsa = DualStringArray {
            string_bindings: vec![StringBinding::tcp("a[1]")],
            security_bindings: vec![SecurityBinding {
                authn_svc: 10,
                principal_name: String::new(),
            }],
        };
        // 7 'a' '[' '1' ']' 0 | 0 || 10 ffff 0 | 0  => 11 units, security offset 7.
        let body = [7, 0x61, 0x5b, 0x31, 0x5d, 0, 0, 10, 0xffff, 0, 0];
        let mut expected = vec![11, 0, 0, 0];
        expected.extend(units_le(&[11, 7]));
        expected.extend(units_le(&body));
        let stub = to_stub(&dsa);
        assert_eq!(stub, expected);
        assert_eq!(from_stub::<DualStringArray>("t", &stub).unwrap(), dsa);
        let mut lying = stub.clone();
        lying[0] = 12;
        assert!(from_stub::<DualStringArray>("t", &lying).is_err());
    }

    #[test]
    fn tcp_host_and_port_parses_endpoints() {
        assert_eq!(
            StringBinding::tcp("10.0.0.1[49667]").tcp_host_and_port(),
            Some(("10.0.0.1", Some(49667)))
        );
        assert_eq!(
            StringBinding::tcp("SERVER").tcp_host_and_port(),
            Some(("SERVER", None))
        );
        assert_eq!(
            StringBinding::tcp("fe80::1[135]").tcp_host_and_port(),
            Some(("fe80::1", Some(135)))
        );
        assert_eq!(StringBinding::tcp("h[99999]").tcp_host_and_port(), None);
        let np = StringBinding {
            tower_id: 0x0f,
            network_addr: "h".into(),
        };
        assert_eq!(np.tcp_host_and_port(), None);
        let dsa = DualStringArray {
            string_bindings: vec![np, StringBinding::tcp("h[5]")],
            security_bindings: vec![],
        };
        assert_eq!(dsa.tcp_bindings(), vec![("h", Some(5))]);
    }

    #[test]
    fn lying_offsets_and_counts_are_errors() {
        // Security offset past the end.
        let bytes = units_le(&[4, 9, 0, 0, 0, 0]);
        assert!(DualStringArray::decode_packet(&mut Reader::new("t", &bytes)).is_err());
        // wNumEntries larger than the data.
        let bytes = units_le(&[40, 2, 0, 0, 0, 0]);
        assert!(DualStringArray::decode_packet(&mut Reader::new("t", &bytes)).is_err());
        // A string binding running into the security offset without its NUL.
        let bytes = units_le(&[4, 2, 7, 0x61, 0, 0]);
        assert!(DualStringArray::decode_packet(&mut Reader::new("t", &bytes)).is_err());
        // Security bindings without a terminator.
        let bytes = units_le(&[5, 2, 0, 0, 10, 0xffff, 0]);
        assert!(DualStringArray::decode_packet(&mut Reader::new("t", &bytes)).is_err());
    }

    fn any_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(any::<char>().prop_filter("no NUL", |c| *c != '\0'), 0..12)
            .prop_map(|v| v.into_iter().collect())
    }

    pub(crate) fn any_dsa() -> impl Strategy<Value = DualStringArray> {
        let sb = (1u16.., any_text()).prop_map(|(tower_id, network_addr)| StringBinding {
            tower_id,
            network_addr,
        });
        let secb = (1u16.., any_text()).prop_map(|(authn_svc, principal_name)| SecurityBinding {
            authn_svc,
            principal_name,
        });
        (
            proptest::collection::vec(sb, 0..4),
            proptest::collection::vec(secb, 0..4),
        )
            .prop_map(|(string_bindings, security_bindings)| DualStringArray {
                string_bindings,
                security_bindings,
            })
    }

    proptest! {
        #[test]
        fn round_trips(dsa in any_dsa()) {
            let bytes = packet(&dsa);
            let mut r = Reader::new("t", &bytes);
            prop_assert_eq!(&DualStringArray::decode_packet(&mut r).unwrap(), &dsa);
            prop_assert!(r.is_empty());
            prop_assert_eq!(from_stub::<DualStringArray>("t", &to_stub(&dsa)).unwrap(), dsa);
        }

        #[test]
        fn hostile_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = DualStringArray::decode_packet(&mut Reader::new("t", &data));
            let _ = from_stub::<DualStringArray>("t", &data);
        }
    }
}
