//! `reel eval`.
