//! All integration tests, as modules of one test binary: each extra binary costs a link
//! on every build, which dominates a fresh `cargo test` on a small machine.
//!
//! The measurement and tuning harnesses (`*_eval`, `*_tune`, `*_large`) are `#[ignore]`d
//! reports that build only with `--features harness`; each module's header gives its command.

mod common;
mod engine_support;

mod cli_commands;
mod cli_info;
mod data_layouts;
mod data_real;
mod download;
mod engine_live;
mod engine_real;
mod engine_store;
mod eval_cli;
mod eval_props;
mod eval_protocol;
mod import;
mod models_knn;
mod models_knn_real;
mod models_knn_support;
// Ignored measurement harnesses, small enough to build with every test run (no
// `harness` feature: switching features rebuilds the library).
mod models_mf;
mod models_mf_real;
mod profile_store;
mod search_quality;
mod server_api;
mod server_browser;
mod server_process;
mod server_store;
mod server_support;
mod server_sync;
mod tui_config;
mod tui_defects;
mod tui_flow;
mod tui_terminal;
mod tui_views;

// NeuMF, built with the `ncf` feature only (`cargo test --features ncf --test it ncf`).
#[cfg(feature = "ncf")]
mod models_ncf;

#[cfg(feature = "harness")]
mod models_ease_large;
#[cfg(feature = "harness")]
mod models_ease_tune;
#[cfg(feature = "harness")]
mod models_knn_eval;
#[cfg(feature = "harness")]
mod models_mf_large;
#[cfg(feature = "harness")]
mod models_mf_support;
#[cfg(feature = "harness")]
mod models_mf_tune;
