//! `reel download`.

use anyhow::{bail, Result};

#[derive(clap::Args, Debug)]
pub struct DownloadArgs {}

pub fn run(_args: &DownloadArgs) -> Result<()> {
    bail!("download is not wired yet")
}
