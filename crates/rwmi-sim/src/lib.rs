<<<<<<< HEAD
pub mod host;
pub mod mof;
=======
>>>>>>> simserver
pub mod accounts;
pub mod config;
pub mod emulator;
pub mod policy;
pub mod profile;
pub mod query;
pub mod repository;
pub mod server;
pub mod wql;
pub mod launch;
