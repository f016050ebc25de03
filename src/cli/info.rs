//! `reel info`.
