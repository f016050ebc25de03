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

/// `name` with everything but ASCII letters, digits and '-' replaced by '_': safe as part
/// of a file name on every platform (cache files are named after datasets and models).
pub fn file_stem_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
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

/// Folder of trained-model snapshots: `<cache dir>/models`.
pub fn model_cache_dir() -> Option<PathBuf> {
    cache_dir().map(|d| d.join("models"))
}

/// Platform config directory.
pub fn config_dir() -> Option<PathBuf> {
    project().map(|p| p.config_dir().to_path_buf())
}

/// Folder of profiles: `<data dir>/profiles`.
pub fn profiles_dir() -> Option<PathBuf> {
    data_dir().map(|d| d.join("profiles"))
}

/// The dataset folder to use: `explicit` (`--data`), else `$REEL_DATA` (when set and
/// not empty), else `<datasets dir>/ml-latest-small`. Whether it exists is the caller's
/// question. `None` only when nothing names a folder and the platform has no data dir.
pub fn dataset_dir(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .or_else(|| {
            std::env::var_os(DATA_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| datasets_dir().map(|d| d.join(DEFAULT_DATASET)))
}

/// True when `--data` or `$REEL_DATA` names the dataset folder (not the default).
pub fn dataset_dir_named(explicit: Option<&PathBuf>) -> bool {
    explicit.is_some() || std::env::var_os(DATA_ENV).is_some_and(|v| !v.is_empty())
}
