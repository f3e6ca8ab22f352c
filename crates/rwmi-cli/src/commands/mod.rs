pub mod decode;
pub mod demo;
pub mod doctor;
pub mod explain;
pub mod exporter;
pub mod remote;
pub mod sim;
pub mod wmic_server;
