pub mod host;
pub mod mof;
pub mod wql;
