//! reel: a terminal movie recommender over MovieLens.
//!
//! Data flows one way:
//! [`data`] (MovieLens files → catalogue + rating matrix) →
//! [`models`] (baseline, kNN, SVD, ALS; fit, predict, fold in, rank) →
//! [`engine`] (dataset + models + the live profile) →
//! front-ends ([`cli`], later the TUI), which talk only to the engine.
//! [`eval`] measures models directly.

pub mod cli;
pub mod data;
pub mod engine;
pub mod eval;
pub mod import;
pub mod models;
pub mod paths;
pub mod profile;
pub mod server;
pub mod synth;
pub mod tui;
