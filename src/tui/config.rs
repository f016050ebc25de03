//! The TUI config file: TOML at `REEL_CONFIG` or `<config dir>/config.toml`.
//!
//! ```toml
//! theme = "dark"          # or "light"
//! [keys]                  # overrides of assets/keymap.toml, by command name
//! quit = ["q", "ctrl-c"]
//! ```

use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub keys: HashMap<String, Vec<String>>,
}

/// Where the config file is looked for.
pub fn config_path() -> Option<PathBuf> {
    match std::env::var_os(crate::paths::CONFIG_ENV) {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => crate::paths::config_dir().map(|d| d.join("config.toml")),
    }
}

/// Reads the config; a missing file is the defaults, a broken one is the defaults plus
/// a message (the TUI shows it rather than refusing to start).
pub fn load() -> (Config, Vec<String>) {
    let Some(path) = config_path() else {
        return (Config::default(), Vec::new());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => match toml::from_str::<Config>(&text) {
            Ok(c) => (c, Vec::new()),
            Err(e) => (
                Config::default(),
                vec![format!(
                    "config {} ignored: {}",
                    path.display(),
                    e.to_string().lines().next().unwrap_or("")
                )],
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), Vec::new()),
        Err(e) => (
            Config::default(),
            vec![format!("config {} unreadable: {e}", path.display())],
        ),
    }
}
