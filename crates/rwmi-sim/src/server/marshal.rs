//! What the exporter hands out: string bindings (MS-DCOM 2.2.19) and OBJREFs (2.2.18) for its
//! interfaces, and custom-marshaled IWbemClassObjects (MS-WMI 2.2.4).

use rwmi_core::Guid;
use rwmi_core::dcom::string_array::TOWER_ID_NCACN_IP_TCP;
use rwmi_core::dcom::{
    DualStringArray, MInterfacePointer, ObjRef, ObjRefBody, ObjRefCustom, SecurityBinding,
    StdObjRef, StringBinding,
};
use rwmi_core::status::wbem::WBEM_E_FAILED;
use rwmi_core::wmi::ids::{CLSID_WBEM_CLASS_OBJECT_UNMARSHALER, IID_IWBEM_CLASS_OBJECT};
use rwmi_core::wmio::WmiObject;

use super::exporter::PUBLIC_REFS_PER_MARSHAL;

/// RPC_C_AUTHN_WINNT (MS-RPCE 2.2.1.1.7): the one security package the emulator accepts.
pub const RPC_C_AUTHN_WINNT: u16 = 10;

/// The address Windows would never answer on, for the `unreachable-binding` profile: `.invalid` is
/// reserved never to resolve (RFC 2606 section 2).
pub const UNREACHABLE_HOST: &str = "emu-unreachable.invalid";

/// A DUALSTRINGARRAY with one ncacn_ip_tcp binding `host[port]` for each of `hosts` (or just `host`
/// without a port, as ServerAlive2 reports the resolver's addresses, MS-DCOM 3.1.2.5.1.6) and one NTLM
/// security binding with an empty principal name.
pub fn bindings(hosts: &[&str], port: Option<u16>) -> DualStringArray {
    DualStringArray {
        string_bindings: hosts
            .iter()
            .map(|host| StringBinding {
                tower_id: TOWER_ID_NCACN_IP_TCP,
                network_addr: match port {
                    Some(port) => format!("{host}[{port}]"),
                    None => (*host).to_owned(),
                },
            })
            .collect(),
        security_bindings: vec![SecurityBinding {
            authn_svc: RPC_C_AUTHN_WINNT,
            principal_name: String::new(),
        }],
    }
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

    #[test]
    fn bindings_and_standard_pointer_round_trip() {
        let b = bindings(&["127.0.0.1"], Some(49667));
        assert_eq!(b.tcp_bindings(), vec![("127.0.0.1", Some(49667))]);
        let std = std_objref(1, 2, Guid::from_u128(3));
        let p = standard_pointer(Guid::from_u128(9), std, b.clone());
        let objref = ObjRef::from_interface_pointer(&p).unwrap();
        assert_eq!(objref.std(), Some(&std));
        assert_eq!(objref.resolver_bindings(), Some(&b));
        assert_eq!(bindings(&["h"], None).tcp_bindings(), vec![("h", None)]);
    }
}
