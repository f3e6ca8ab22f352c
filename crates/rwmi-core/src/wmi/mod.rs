//! MS-WMI: the request and response stubs of the IWbem* calls rwmi makes, and the smart-enumeration
//! ObjectArray packet. The client encodes requests and decodes responses; the emulator decodes requests
//! and encodes responses, with the same types.
//!
//! CIM objects stay opaque here: an IWbemClassObject is an `MInterfacePointer` holding an OBJREF_CUSTOM
//! (unmarshaler [`ids::CLSID_WBEM_CLASS_OBJECT_UNMARSHALER`]) whose payload is an MS-WMIO encoding unit,
//! and an ObjectArray holds MS-WMIO units as octets; the `wmio` module decodes both.
//!
//! | interface (syntax in [`ids`])  | opnum | request                          | response                      |
//! |--------------------------------|-------|----------------------------------|-------------------------------|
//! | IWbemLevel1Login               | 3     | `login::EstablishPositionRequest`| `EstablishPositionResponse`   |
//! |                                | 4     | `login::RequestChallengeRequest` | `RequestChallengeResponse`    |
//! |                                | 5     | `login::WbemLoginRequest`        | `WbemLoginResponse`           |
//! |                                | 6     | `login::NtlmLoginRequest`        | `NtlmLoginResponse`           |
//! | IWbemServices                  | 3     | `services::OpenNamespaceRequest` | `OpenNamespaceResponse`       |
//! |                                | 4     | `CancelAsyncCallRequest`         | `CancelAsyncCallResponse`     |
//! |                                | 6     | `GetObjectRequest`               | `GetObjectResponse`           |
//! |                                | 18    | `CreateInstanceEnumRequest`      | `EnumeratorResponse`          |
//! |                                | 20    | `ExecQueryRequest`               | `EnumeratorResponse`          |
//! |                                | 22    | `ExecNotificationQueryRequest`   | `EnumeratorResponse`          |
//! |                                | 24    | `ExecMethodRequest`              | `ExecMethodResponse`          |
//! | IEnumWbemClassObject           | 3     | `enumerator::ResetRequest`       | `StatusResponse`              |
//! |                                | 4     | `NextRequest`                    | `NextResponse`                |
//! |                                | 5     | `NextAsyncRequest`               | `StatusResponse`              |
//! |                                | 6     | `CloneRequest`                   | `CloneResponse`               |
//! |                                | 7     | `SkipRequest`                    | `StatusResponse`              |
//! | IWbemCallResult                | 3–6   | `call_result::GetResultObjectRequest` … `GetCallStatusRequest` | `Get…Response` |
//! | IWbemFetchSmartEnum            | 3     | `smart_enum::GetSmartEnumRequest`| `GetSmartEnumResponse`        |
//! | IWbemWCOSmartEnum              | 3     | `smart_enum::SmartNextRequest`   | `SmartNextResponse` (its buffer is an [`ObjectArray`]) |
//!
//! Every IWbem* method is an ORPC method: a request starts with the implicit ORPCTHIS and a response with
//! the implicit ORPCTHAT (MS-DCOM 2.2.13.3, 2.2.13.4), and a response ends with the HRESULT return value.
//! Each request implements [`Call`](crate::rpc::Call) (interface, opnum, response type); every stub
//! implements [`Stub`](crate::rpc::Stub) (`to_stub`, `from_stub`). HRESULTs are plain `u32`: name them
//! with `status::WbemStatus` or `status::lookup`.

pub mod bstr;
pub mod call_result;
pub mod enumerator;
pub mod flags;
pub mod ids;
pub mod login;
pub mod object_array;
pub mod path;
pub mod services;
pub mod smart_enum;

pub use crate::dcom::{InOutInterfacePtr, InterfacePtr};
pub use bstr::Bstr;
pub use object_array::{ObjectArray, ObjectArrayLimits, ObjectKind, PacketObject, PacketType};
