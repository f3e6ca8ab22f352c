//! Status codes the services return. Values are from MS-ERREF 2.1/2.2 and MS-WMI 2.2.11.

pub const S_OK: u32 = 0;
/// MS-WMI 2.2.11: fewer objects than asked for, the enumeration ended.
pub const WBEM_S_FALSE: u32 = 0x0000_0001;
pub const E_NOINTERFACE: u32 = 0x8000_4002;
pub const E_ACCESSDENIED: u32 = 0x8007_0005;
pub const E_OUTOFMEMORY: u32 = 0x8007_000E;
pub const E_INVALIDARG: u32 = 0x8007_0057;
/// MS-DCOM 3.1.1.5.4: the IPID of an ORPC is not in the IPID table.
pub const RPC_E_DISCONNECTED: u32 = 0x8001_0108;
/// MS-DCOM 3.1.1.5.6.1.1: RemQueryInterface on an IPID the exporter does not know.
pub const RPC_E_INVALID_OBJECT: u32 = 0x8001_0114;
/// MS-DCOM 1.7 / 3.1.1.5.4: a client COM version we do not speak.
pub const RPC_E_VERSION_MISMATCH: u32 = 0x8001_0110;
/// MS-DCOM 3.1.1.5.4: ORPCTHIS.flags other than zero.
pub const RPC_E_INVALID_HEADER: u32 = 0x8001_0111;
/// MS-RPCE 3.3.1.5.2 (Win32 RPC_X_BAD_STUB_DATA): the stub did not decode.
pub const RPC_X_BAD_STUB_DATA: u32 = 0x0000_06F7;
/// C706 nca_s_op_rng_error: an opnum the interface does not have.
pub const NCA_S_OP_RNG_ERROR: u32 = 0x1C01_0002;
/// REGDB_E_CLASSNOTREG: activation of a CLSID the host does not serve.
pub const REGDB_E_CLASSNOTREG: u32 = 0x8004_0154;
/// MS-DCOM 3.1.2.5.1.1: ResolveOxid of an OXID the resolver does not know (OR_INVALID_OXID).
pub const OR_INVALID_OXID: u32 = 0x0000_0776;
/// MS-DCOM 3.1.2.5.1.2: SimplePing of a set the resolver does not know (OR_INVALID_SET).
pub const OR_INVALID_SET: u32 = 0x0000_0778;
pub const WBEM_E_FAILED: u32 = 0x8004_1001;
pub const WBEM_E_NOT_FOUND: u32 = 0x8004_1002;
pub const WBEM_E_ACCESS_DENIED: u32 = 0x8004_1003;
pub const WBEM_E_INVALID_PARAMETER: u32 = 0x8004_1008;
pub const WBEM_E_INVALID_NAMESPACE: u32 = 0x8004_100E;
pub const WBEM_E_NOT_SUPPORTED: u32 = 0x8004_100C;
/// MS-WMI 3.1.4.4.1 / 3.1.4.4.4: Reset or Clone of a forward-only enumerator.
pub const WBEM_E_INVALID_OPERATION: u32 = 0x8004_1016;
pub const WBEM_E_INVALID_QUERY_TYPE: u32 = 0x8004_1018;
pub const WBEM_E_METHOD_NOT_IMPLEMENTED: u32 = 0x8004_1055;
