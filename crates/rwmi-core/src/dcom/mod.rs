//! MS-DCOM structures: ORPC arguments, object references, activation. Encoders and decoders for both sides.

pub mod activation;
pub mod ids;
pub mod objref;
pub mod orpc;
pub mod pickle;
pub mod scm;
pub mod string_array;

pub use objref::{DataElement, ObjRef, ObjRefBody, ObjRefCustom, StdObjRef};
pub use orpc::{
    ComVersion, InOutInterfacePtr, InterfacePtr, MInterfacePointer, OrpcExtent, OrpcExtentArray,
    OrpcThat, OrpcThis,
};
pub use string_array::{DualStringArray, SecurityBinding, StringBinding};
