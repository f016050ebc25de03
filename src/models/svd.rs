//! svd
