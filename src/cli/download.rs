//! `reel download`.
