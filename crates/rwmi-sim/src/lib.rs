pub mod mof;
pub mod wql;
pub mod host;
