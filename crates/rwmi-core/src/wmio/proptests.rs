//! Round trips of generated classes and instances.
