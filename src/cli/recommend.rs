//! `reel recommend`.
