//! Where reel keeps its files: the platform's standard data, cache and config
//! directories (XDG on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows).

use directories::ProjectDirs;
use std::path::PathBuf;

/// Environment variable naming the dataset folder (after `--data`).
pub const DATA_ENV: &str = "REEL_DATA";
/// Environment variable naming the config file.
pub const CONFIG_ENV: &str = "REEL_CONFIG";
/// Dataset used when nothing else is named.
pub const DEFAULT_DATASET: &str = "ml-latest-small";

fn project() -> Option<ProjectDirs> {
    ProjectDirs::from("org", "reel", "reel")
}

/// Platform data directory (profiles, downloaded datasets), if the platform has one.
pub fn data_dir() -> Option<PathBuf> {
    project().map(|p| p.data_dir().to_path_buf())
}

/// Folder holding downloaded datasets: `<data dir>/datasets`.
pub fn datasets_dir() -> Option<PathBuf> {
    data_dir().map(|d| d.join("datasets"))
}

/// Platform cache directory (binary dataset snapshots, trained models).
pub fn cache_dir() -> Option<PathBuf> {
    project().map(|p| p.cache_dir().to_path_buf())
}

/// Platform config directory.
pub fn config_dir() -> Option<PathBuf> {
    project().map(|p| p.config_dir().to_path_buf())
}

/// Folder of profiles: `<data dir>/profiles`.
pub fn profiles_dir() -> Option<PathBuf> {
    data_dir().map(|d| d.join("profiles"))
}
