//! The class and interface identifiers MS-WMI uses (MS-WMI 1.9 and the IDL of section 6), and the syntax
//! ids a client binds to. DCOM interfaces are always version 0.0 (MS-DCOM 1.9).

use crate::guid::Guid;
use crate::rpc::bind::SyntaxId;

/// The class a client activates to reach WMI (MS-WMI 1.9).
pub const CLSID_WBEM_LEVEL1_LOGIN: Guid =
    Guid::from_literal("8bc3f05e-d86b-11d0-a075-00c04fb68820");
/// Unmarshaler CLSID in the OBJREF_CUSTOM of every IWbemClassObject (MS-WMI 2.2.4).
pub const CLSID_WBEM_CLASS_OBJECT_UNMARSHALER: Guid =
    Guid::from_literal("4590f812-1d3a-11d0-891f-00aa004b2e24");
/// Unmarshaler CLSID in the OBJREF_CUSTOM of an IWbemContext (MS-WMI 2.2.13).
pub const CLSID_WBEM_CONTEXT_UNMARSHALER: Guid =
    Guid::from_literal("674b6698-ee92-11d0-ad71-00c04fd8fdff");

pub const IID_IWBEM_LEVEL1_LOGIN: Guid = Guid::from_literal("f309ad18-d86a-11d0-a075-00c04fb68820");
pub const IID_IWBEM_SERVICES: Guid = Guid::from_literal("9556dc99-828c-11cf-a37e-00aa003240c7");
pub const IID_IENUM_WBEM_CLASS_OBJECT: Guid =
    Guid::from_literal("027947e1-d731-11ce-a357-000000000001");
pub const IID_IWBEM_CLASS_OBJECT: Guid = Guid::from_literal("dc12a681-737f-11cf-884d-00aa004b2e24");
pub const IID_IWBEM_CALL_RESULT: Guid = Guid::from_literal("44aca675-e8fc-11d0-a07c-00c04fb68820");
pub const IID_IWBEM_FETCH_SMART_ENUM: Guid =
    Guid::from_literal("1c1c45ee-4395-11d2-b60b-00104b703efd");
pub const IID_IWBEM_WCO_SMART_ENUM: Guid =
    Guid::from_literal("423ec01e-2e35-11d2-b604-00104b703efd");
pub const IID_IWBEM_CONTEXT: Guid = Guid::from_literal("44aca674-e8fc-11d0-a07c-00c04fb68820");
pub const IID_IWBEM_OBJECT_SINK: Guid = Guid::from_literal("7c857801-7381-11cf-884d-00aa004b2e24");

pub const IWBEM_LEVEL1_LOGIN: SyntaxId = SyntaxId::new(IID_IWBEM_LEVEL1_LOGIN, 0, 0);
pub const IWBEM_SERVICES: SyntaxId = SyntaxId::new(IID_IWBEM_SERVICES, 0, 0);
pub const IENUM_WBEM_CLASS_OBJECT: SyntaxId = SyntaxId::new(IID_IENUM_WBEM_CLASS_OBJECT, 0, 0);
pub const IWBEM_CALL_RESULT: SyntaxId = SyntaxId::new(IID_IWBEM_CALL_RESULT, 0, 0);
pub const IWBEM_FETCH_SMART_ENUM: SyntaxId = SyntaxId::new(IID_IWBEM_FETCH_SMART_ENUM, 0, 0);
pub const IWBEM_WCO_SMART_ENUM: SyntaxId = SyntaxId::new(IID_IWBEM_WCO_SMART_ENUM, 0, 0);
pub const IWBEM_OBJECT_SINK: SyntaxId = SyntaxId::new(IID_IWBEM_OBJECT_SINK, 0, 0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_match_ms_wmi_text() {
        // MS-WMI 1.9 and the uuid() attributes of section 6, as printed there.
        let expected = [
            (
                CLSID_WBEM_LEVEL1_LOGIN,
                "8BC3F05E-D86B-11D0-A075-00C04FB68820",
            ),
            (
                CLSID_WBEM_CLASS_OBJECT_UNMARSHALER,
                "4590F812-1D3A-11D0-891F-00AA004B2E24",
            ),
            (
                CLSID_WBEM_CONTEXT_UNMARSHALER,
                "674B6698-EE92-11D0-AD71-00C04FD8FDFF",
            ),
            (
                IID_IWBEM_LEVEL1_LOGIN,
                "F309AD18-D86A-11d0-A075-00C04FB68820",
            ),
            (IID_IWBEM_SERVICES, "9556DC99-828C-11CF-A37E-00AA003240C7"),
            (
                IID_IENUM_WBEM_CLASS_OBJECT,
                "027947e1-d731-11ce-a357-000000000001",
            ),
            (
                IID_IWBEM_CLASS_OBJECT,
                "DC12A681-737F-11CF-884D-00AA004B2E24",
            ),
            (
                IID_IWBEM_CALL_RESULT,
                "44aca675-e8fc-11d0-a07c-00c04fb68820",
            ),
            (
                IID_IWBEM_FETCH_SMART_ENUM,
                "1C1C45EE-4395-11d2-B60B-00104B703EFD",
            ),
            (
                IID_IWBEM_WCO_SMART_ENUM,
                "423EC01E-2E35-11d2-B604-00104B703EFD",
            ),
            (IID_IWBEM_CONTEXT, "44aca674-e8fc-11d0-a07c-00c04fb68820"),
            (
                IID_IWBEM_OBJECT_SINK,
                "7c857801-7381-11cf-884d-00aa004b2e24",
            ),
        ];
        for (guid, text) in expected {
            assert_eq!(guid, Guid::parse(text).unwrap(), "{text}");
        }
    }

    #[test]
    fn login_syntax_wire_form() {
        // The 20-octet p_syntax_id_t of a bind to IWbemLevel1Login 0.0.
        let s = IWBEM_LEVEL1_LOGIN;
        assert_eq!((s.major(), s.minor()), (0, 0));
        assert_eq!(
            s.uuid.to_bytes_le(),
            [
                0x18, 0xad, 0x09, 0xf3, 0x6a, 0xd8, 0xd0, 0x11, 0xa0, 0x75, 0x00, 0xc0, 0x4f, 0xb6,
                0x88, 0x20
            ]
        );
    }
}
