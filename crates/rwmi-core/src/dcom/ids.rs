//! The well-known GUIDs of MS-DCOM 1.9 and the RPC interface identifiers built from them.

use crate::guid::Guid;
use crate::rpc::bind::SyntaxId;

// Activation property CLSIDs (MS-DCOM 1.9, 2.2.22.2).
pub const CLSID_ACTIVATION_CONTEXT_INFO: Guid =
    Guid::from_literal("000001a5-0000-0000-c000-000000000046");
pub const CLSID_INSTANCE_INFO: Guid = Guid::from_literal("000001ad-0000-0000-c000-000000000046");
pub const CLSID_INSTANTIATION_INFO: Guid =
    Guid::from_literal("000001ab-0000-0000-c000-000000000046");
/// The same value as [`CLSID_ACTIVATION_PROPERTIES_OUT`]: MS-DCOM 1.9 lists both names.
pub const CLSID_PROPS_OUT_INFO: Guid = Guid::from_literal("00000339-0000-0000-c000-000000000046");
pub const CLSID_SCM_REPLY_INFO: Guid = Guid::from_literal("000001b6-0000-0000-c000-000000000046");
pub const CLSID_SCM_REQUEST_INFO: Guid = Guid::from_literal("000001aa-0000-0000-c000-000000000046");
pub const CLSID_SECURITY_INFO: Guid = Guid::from_literal("000001a6-0000-0000-c000-000000000046");
pub const CLSID_SERVER_LOCATION_INFO: Guid =
    Guid::from_literal("000001a4-0000-0000-c000-000000000046");
pub const CLSID_SPECIAL_SYSTEM_PROPERTIES: Guid =
    Guid::from_literal("000001b9-0000-0000-c000-000000000046");

// OBJREF_CUSTOM unmarshaler CLSIDs and the OBJREF iids of the activation BLOBs (MS-DCOM 1.9, 3.1.2.5.2.3).
pub const CLSID_ACTIVATION_PROPERTIES_IN: Guid =
    Guid::from_literal("00000338-0000-0000-c000-000000000046");
pub const CLSID_ACTIVATION_PROPERTIES_OUT: Guid =
    Guid::from_literal("00000339-0000-0000-c000-000000000046");
pub const IID_IACTIVATION_PROPERTIES_IN: Guid =
    Guid::from_literal("000001a2-0000-0000-c000-000000000046");
pub const IID_IACTIVATION_PROPERTIES_OUT: Guid =
    Guid::from_literal("000001a3-0000-0000-c000-000000000046");

// Other identifiers of MS-DCOM 1.9.
pub const CLSID_CONTEXT_EXTENSION: Guid =
    Guid::from_literal("00000334-0000-0000-c000-000000000046");
pub const CLSID_CONTEXT_MARSHALER: Guid =
    Guid::from_literal("0000033b-0000-0000-c000-000000000046");
pub const CLSID_ERROR_EXTENSION: Guid = Guid::from_literal("0000031c-0000-0000-c000-000000000046");
pub const CLSID_ERROR_OBJECT: Guid = Guid::from_literal("0000031b-0000-0000-c000-000000000046");
pub const IID_ICONTEXT: Guid = Guid::from_literal("000001c0-0000-0000-c000-000000000046");

// RPC interface UUIDs (MS-DCOM 1.9).
pub const IID_IACTIVATION: Guid = Guid::from_literal("4d9f4ab8-7d1c-11cf-861e-0020af6e7c57");
pub const IID_IOBJECT_EXPORTER: Guid = Guid::from_literal("99fcfec4-5260-101b-bbcb-00aa0021347a");
pub const IID_IREMOTE_SCM_ACTIVATOR: Guid =
    Guid::from_literal("000001a0-0000-0000-c000-000000000046");
pub const IID_IREM_UNKNOWN: Guid = Guid::from_literal("00000131-0000-0000-c000-000000000046");
pub const IID_IREM_UNKNOWN2: Guid = Guid::from_literal("00000143-0000-0000-c000-000000000046");
pub const IID_IUNKNOWN: Guid = Guid::from_literal("00000000-0000-0000-c000-000000000046");

/// The abstract syntaxes to bind to; every DCOM interface is version 0.0 (MS-DCOM 6, Appendix A).
pub const IOBJECT_EXPORTER_SYNTAX: SyntaxId = SyntaxId::new(IID_IOBJECT_EXPORTER, 0, 0);
pub const IREMOTE_SCM_ACTIVATOR_SYNTAX: SyntaxId = SyntaxId::new(IID_IREMOTE_SCM_ACTIVATOR, 0, 0);
pub const IACTIVATION_SYNTAX: SyntaxId = SyntaxId::new(IID_IACTIVATION, 0, 0);
pub const IREM_UNKNOWN_SYNTAX: SyntaxId = SyntaxId::new(IID_IREM_UNKNOWN, 0, 0);
pub const IREM_UNKNOWN2_SYNTAX: SyntaxId = SyntaxId::new(IID_IREM_UNKNOWN2, 0, 0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activator_syntax_is_version_zero_with_spec_uuid() {
        assert_eq!(
            IREMOTE_SCM_ACTIVATOR_SYNTAX.uuid.to_bytes_le(),
            [0xa0, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46]
        );
        assert_eq!(IREMOTE_SCM_ACTIVATOR_SYNTAX.version, 0);
        assert_eq!(CLSID_PROPS_OUT_INFO, CLSID_ACTIVATION_PROPERTIES_OUT);
    }
}
