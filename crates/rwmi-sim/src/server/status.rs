//! The status codes `object_port` names, re-exported from the core's table (`rwmi_core::status`) until
//! it imports them from there itself.

pub use rwmi_core::status::hresult::{
    E_INVALIDARG, E_NOINTERFACE, RPC_E_DISCONNECTED, RPC_E_INVALID_HEADER, RPC_E_INVALID_OBJECT,
    RPC_E_VERSION_MISMATCH, S_OK,
};
pub use rwmi_core::status::nca::NCA_S_OP_RNG_ERROR;
pub use rwmi_core::status::wbem::{
    WBEM_E_ACCESS_DENIED, WBEM_E_FAILED, WBEM_E_INVALID_NAMESPACE, WBEM_E_INVALID_PARAMETER,
    WBEM_E_INVALID_QUERY_TYPE, WBEM_E_NOT_SUPPORTED, WBEM_S_FALSE,
};
pub use rwmi_core::status::win32::RPC_X_BAD_STUB_DATA;
