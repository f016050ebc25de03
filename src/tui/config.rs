//! The TUI config file: TOML at `REEL_CONFIG` or `<config dir>/config.toml`.
//!
//! ```toml
//! theme = "dark"          # or "light"
//! lists = ["ease", "svd-ease"]   # the recommendation lists, registry models in order
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
    /// The recommendation lists (registry model names, in display order); `None`: the
    /// defaults. Every front-end reads it (`--lists` overrides it).
    #[serde(default)]
    pub lists: Option<Vec<String>>,
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
            Ok(mut c) => {
                let mut notes = Vec::new();
                if let Some(name) = &c.theme {
                    if !super::theme::THEMES.contains(&name.to_ascii_lowercase().as_str()) {
                        notes.push(format!(
                            "config {}: unknown theme {name:?} (use {}); using dark",
                            path.display(),
                            super::theme::THEMES.join(" or ")
                        ));
                        c.theme = None;
                    }
                }
                (c, notes)
            }
            // The whole message: TOML errors name the line and column and show it.
            Err(e) => (
                Config::default(),
                vec![format!(
                    "config {} ignored (defaults used): {}",
                    path.display(),
                    e.to_string().trim_end()
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
