//! popular
