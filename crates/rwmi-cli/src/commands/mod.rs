pub mod decode;
pub mod explain;
