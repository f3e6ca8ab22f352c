//! MS-DCOM structures: ORPC arguments, object references, activation. Encoders and decoders for both sides.

pub mod orpc;

pub use orpc::{ComVersion, MInterfacePointer, OrpcExtent, OrpcExtentArray, OrpcThat, OrpcThis};
