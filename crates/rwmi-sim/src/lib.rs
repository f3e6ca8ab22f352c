pub mod mof;
pub mod wql;
