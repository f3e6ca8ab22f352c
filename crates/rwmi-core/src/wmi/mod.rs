//! MS-WMI: the request and response stubs of the IWbem* calls rwmi makes, and the smart-enumeration
//! ObjectArray packet. CIM objects stay opaque bytes here (an `MInterfacePointer` holding an OBJREF_CUSTOM
//! whose payload is an MS-WMIO encoding unit); the `wmio` module decodes them.

pub mod bstr;
pub mod call_result;
pub mod enumerator;
pub mod flags;
pub mod ids;
pub mod login;
pub mod object_array;
pub mod services;
pub mod smart_enum;
pub mod stub;

#[cfg(test)]
mod test_support;

pub use bstr::Bstr;
pub use stub::{InOutInterfacePtr, InterfacePtr, WmiCall, WmiStub};
