pub mod samr;
