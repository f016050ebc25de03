//! The command-line front-end.

pub mod download;
pub mod eval;
pub mod info;
pub mod recommend;

use std::process::ExitCode;

pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
