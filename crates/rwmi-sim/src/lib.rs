pub mod accounts;
pub mod mof;
pub mod policy;
pub mod profile;
pub mod wql;
pub mod host;
