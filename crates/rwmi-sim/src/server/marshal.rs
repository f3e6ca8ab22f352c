//! What the exporter hands out: string bindings (MS-DCOM 2.2.19) and OBJREFs (2.2.18) for its
//! interfaces, and custom-marshaled IWbemClassObjects (MS-WMI 2.2.4).

use rwmi::security::KerberosService;
use rwmi_core::Guid;
use rwmi_core::dcom::{
    DualStringArray, MInterfacePointer, ObjRef, ObjRefBody, ObjRefCustom, SecurityBinding,
    StdObjRef, StringBinding,
};
use rwmi_core::rpc::AuthType;
use rwmi_core::status::wbem::WBEM_E_FAILED;
use rwmi_core::wmi::ids::{CLSID_WBEM_CLASS_OBJECT_UNMARSHALER, IID_IWBEM_CLASS_OBJECT};
use rwmi_core::wmio::WmiObject;

use super::exporter::PUBLIC_REFS_PER_MARSHAL;

/// The address Windows would never answer on, for the `unreachable-binding` profile: `.invalid` is
/// reserved never to resolve (RFC 2606 section 2).
pub const UNREACHABLE_HOST: &str = "emu-unreachable.invalid";

/// The principal name Windows gives NTLM in its OXID bindings: the account the RPCSS service runs as.
pub const NT_AUTHORITY_SYSTEM: &str = "NT AUTHORITY\\SYSTEM";

// What a real Windows DC sends (crates/rwmi-core/tests/real-windows/zeek-kerberos135_auth.pcapng,
// frame 11, the RemoteCreateInstance answer for IWbemLevel1Login) and the emulator copies, in the order
// of MS-DCOM 2.2.19 (DUALSTRINGARRAY: string bindings, then SECURITYBINDINGs, 2.2.19.4):
// - OXID bindings: `NAME[port]`, `ADDRESS[port]`; WINNT (10) `NT AUTHORITY\SYSTEM`, 0x1e
//   `NT AUTHORITY\SYSTEM`, Kerberos (16) `host/NAME.DOMAIN`, Negotiate (9) `host/NAME.DOMAIN`, 0x16 and
//   0x1f `NT AUTHORITY\SYSTEM`.
// - The OBJREF's resolver bindings: `NAME`, `ADDRESS` without ports; Negotiate (9), 0x1e, Kerberos (16),
//   WINNT (10), 0x16, 0x1f, Schannel (14), all with empty principal names.
// Every binding has Reserved (AuthzSvc) 0xffff, which the codec writes. The emulator lists only the
// services its binds accept: WINNT always, Kerberos and Negotiate with a keytab (the server's acceptor
// takes them only then). 0x1e, 0x16, 0x1f and Schannel are left out, keeping Windows' order for the
// rest: a client calls with the first service in the list that it supports (MS-DCOM 3.2.4.2), and that
// must not be one the emulator's bind then refuses.

/// ncacn_ip_tcp string bindings (MS-DCOM 2.2.19.3), the computer name first as Windows lists them:
/// `host[port]` for each of `hosts`, or `host` without a port (the resolver's addresses).
fn string_bindings(hosts: &[&str], port: Option<u16>) -> Vec<StringBinding> {
    hosts
        .iter()
        .map(|host| {
            StringBinding::tcp(match port {
                Some(port) => format!("{host}[{port}]"),
                None => (*host).to_owned(),
            })
        })
        .collect()
}

fn security_binding(authn: AuthType, principal_name: &str) -> SecurityBinding {
    SecurityBinding {
        authn_svc: u16::from(authn.0),
        principal_name: principal_name.to_owned(),
    }
}

/// The security bindings of the OXID bindings in Windows' order: NTLM as `NT AUTHORITY\SYSTEM`, then,
/// with `kerberos_spn` (the host accepts Kerberos), Kerberos and Negotiate with that SPN.
pub fn exporter_security_bindings(kerberos_spn: Option<&str>) -> Vec<SecurityBinding> {
    let mut bindings = vec![security_binding(AuthType::WINNT, NT_AUTHORITY_SYSTEM)];
    if let Some(spn) = kerberos_spn {
        bindings.push(security_binding(AuthType::GSS_KERBEROS, spn));
        bindings.push(security_binding(AuthType::GSS_NEGOTIATE, spn));
    }
    bindings
}

/// The security bindings of the resolver bindings in Windows' order, all without a principal name:
/// with `kerberos`, Negotiate and Kerberos, then NTLM.
pub fn resolver_security_bindings(kerberos: bool) -> Vec<SecurityBinding> {
    let mut bindings = Vec::new();
    if kerberos {
        bindings.push(security_binding(AuthType::GSS_NEGOTIATE, ""));
        bindings.push(security_binding(AuthType::GSS_KERBEROS, ""));
    }
    bindings.push(security_binding(AuthType::WINNT, ""));
    bindings
}

/// The OXID bindings (ScmReplyInfoData.pdsaOxidBindings, ResolveOxid): `host[port]` for each of
/// `hosts`, and the exporter's security bindings.
pub fn oxid_bindings(hosts: &[&str], port: u16, kerberos_spn: Option<&str>) -> DualStringArray {
    DualStringArray {
        string_bindings: string_bindings(hosts, Some(port)),
        security_bindings: exporter_security_bindings(kerberos_spn),
    }
}

/// The object resolver's bindings (an OBJREF's saResAddr, MS-DCOM 2.2.18.4; ServerAlive2's, 3.1.2.5.1.6):
/// each of `hosts` without a port, and the resolver's security bindings.
pub fn resolver_bindings(hosts: &[&str], kerberos: bool) -> DualStringArray {
    DualStringArray {
        string_bindings: string_bindings(hosts, None),
        security_bindings: resolver_security_bindings(kerberos),
    }
}

/// The SPN the Kerberos and Negotiate security bindings name, without the realm as Windows writes it:
/// the service account's `host/...` SPN if the keytab has one, else `host/<computer_name>`.
pub fn kerberos_spn(service: &KerberosService, computer_name: &str) -> String {
    service
        .keys()
        .iter()
        .find(|key| matches!(key.components.as_slice(), [service, _] if service.eq_ignore_ascii_case("host")))
        .map_or_else(
            || format!("host/{computer_name}"),
            |key| key.components.join("/"),
        )
}

/// The STDOBJREF of an interface we export (MS-DCOM 2.2.18.2): flags 0 (pinged), the references the
/// exporter granted, OXID, OID and IPID.
pub fn std_objref(oxid: u64, oid: u64, ipid: Guid) -> StdObjRef {
    StdObjRef {
        flags: 0,
        public_refs: PUBLIC_REFS_PER_MARSHAL,
        oxid,
        oid,
        ipid,
    }
}

/// An OBJREF_STANDARD (MS-DCOM 2.2.18.4) for `iid`.
pub fn standard_pointer(
    iid: Guid,
    std: StdObjRef,
    resolver_bindings: DualStringArray,
) -> MInterfacePointer {
    ObjRef {
        iid,
        body: ObjRefBody::Standard {
            std,
            resolver_bindings,
        },
    }
    .to_interface_pointer()
}

/// An IWbemClassObject as MS-WMI 2.2.4 marshals it: OBJREF_CUSTOM with the unmarshaler CLSID and the
/// MS-WMIO EncodingUnit as object data. An object the encoder refuses is WBEM_E_FAILED.
pub fn class_object_pointer(object: &WmiObject) -> Result<MInterfacePointer, u32> {
    let unit = object.encode().map_err(|_| WBEM_E_FAILED)?;
    Ok(custom_object_pointer(unit))
}

/// An IWbemClassObject marshaled by value around an MS-WMIO EncodingUnit, whatever its octets.
pub fn custom_object_pointer(unit: Vec<u8>) -> MInterfacePointer {
    ObjRef {
        iid: IID_IWBEM_CLASS_OBJECT,
        body: ObjRefBody::Custom(ObjRefCustom::new(CLSID_WBEM_CLASS_OBJECT_UNMARSHALER, unit)),
    }
    .to_interface_pointer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services(bindings: &DualStringArray) -> Vec<(u16, &str)> {
        bindings
            .security_bindings
            .iter()
            .map(|b| (b.authn_svc, b.principal_name.as_str()))
            .collect()
    }

    #[test]
    fn bindings_and_standard_pointer_round_trip() {
        let oxid = oxid_bindings(&["EMU", "127.0.0.1"], 49667, None);
        assert_eq!(
            oxid.tcp_bindings(),
            vec![("EMU", Some(49667)), ("127.0.0.1", Some(49667))]
        );
        let resolver = resolver_bindings(&["EMU", "127.0.0.1"], false);
        assert_eq!(
            resolver.tcp_bindings(),
            vec![("EMU", None), ("127.0.0.1", None)]
        );
        let std = std_objref(1, 2, Guid::from_u128(3));
        let p = standard_pointer(Guid::from_u128(9), std, resolver.clone());
        let objref = ObjRef::from_interface_pointer(&p).unwrap();
        assert_eq!(objref.std(), Some(&std));
        assert_eq!(objref.resolver_bindings(), Some(&resolver));
    }

    #[test]
    fn security_bindings_follow_windows_order_for_the_services_accepted() {
        // NTLM only: one binding each, SYSTEM in the OXID bindings, no name in the resolver's.
        assert_eq!(
            services(&oxid_bindings(&["h"], 1, None)),
            [(10, NT_AUTHORITY_SYSTEM)]
        );
        assert_eq!(services(&resolver_bindings(&["h"], false)), [(10, "")]);
        // With Kerberos: WINNT, Kerberos, Negotiate in the OXID bindings; Negotiate, Kerberos, WINNT in
        // the resolver's (zeek-kerberos135_auth.pcapng frame 11, less 0x1e, 0x16, 0x1f and Schannel).
        let spn = "host/emu.test.local";
        assert_eq!(
            services(&oxid_bindings(&["h"], 1, Some(spn))),
            [(10, NT_AUTHORITY_SYSTEM), (16, spn), (9, spn)]
        );
        assert_eq!(
            services(&resolver_bindings(&["h"], true)),
            [(9, ""), (16, ""), (10, "")]
        );
        // On the wire: wAuthnSvc, Reserved 0xffff, the name, NUL (MS-DCOM 2.2.19.4).
        let mut w = rwmi_core::codec::Writer::new();
        oxid_bindings(&[], 1, None).encode_packet(&mut w);
        let units: Vec<u16> = w
            .into_vec()
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let mut expected = vec![0, 0, 10, 0xffff];
        expected.extend(NT_AUTHORITY_SYSTEM.encode_utf16());
        expected.extend([0, 0]);
        assert_eq!(units.get(2..), Some(expected.as_slice()));
    }

    #[test]
    fn the_kerberos_spn_is_the_keytabs_host_spn_without_the_realm() {
        let key = |components: &[&str]| rwmi::security::ServiceKey {
            components: components.iter().map(|c| (*c).to_owned()).collect(),
            realm: "TEST.LOCAL".into(),
            kvno: 1,
            enctype: 18,
            key: vec![0; 32],
        };
        let service = KerberosService::new(vec![
            key(&["emu"]),
            key(&["RPCSS", "emu.test.local"]),
            key(&["HOST", "emu.test.local"]),
        ]);
        assert_eq!(kerberos_spn(&service, "EMU"), "HOST/emu.test.local");
        let account_only = KerberosService::new(vec![key(&["emu"])]);
        assert_eq!(kerberos_spn(&account_only, "EMU"), "host/EMU");
    }
}
