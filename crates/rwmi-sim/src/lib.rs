pub mod accounts;
pub mod emulator;
pub mod host;
pub mod mof;
pub mod policy;
pub mod profile;
pub mod server;
pub mod wql;
