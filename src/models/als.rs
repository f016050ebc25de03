//! als
