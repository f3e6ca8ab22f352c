pub mod decode;
pub mod demo;
pub mod explain;
pub mod remote;
