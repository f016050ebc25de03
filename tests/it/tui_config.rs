//! The TUI config file (REEL_CONFIG): theme and key overrides; a broken file is reported
//! and the defaults are used. One test per process because it sets an env variable.

use reel::tui::config;
use reel::tui::keymap::{Command, Keymap};
use reel::tui::theme::Theme;

#[test]
fn config_file_sets_theme_and_keys_and_bad_files_fall_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "theme = \"light\"\n[keys]\nquit = [\"Q\", \"ctrl-q\"]\n",
    )
    .expect("write");
    std::env::set_var(reel::paths::CONFIG_ENV, &path);
    let (c, notes) = config::load();
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(c.theme.as_deref(), Some("light"));
    let (km, problems) = Keymap::new(&c.keys);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(km.label(Command::Quit), "Q/Ctrl-q");
    assert_eq!(
        Theme::named(c.theme.as_deref().unwrap_or("dark"), false).name,
        "light"
    );

    std::fs::write(&path, "theme = [broken\n").expect("write");
    let (c, notes) = config::load();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("ignored"), "{notes:?}");
    assert!(c.theme.is_none());

    // An unknown key or theme is named, not silently ignored (issue 8, defect 8).
    std::fs::write(&path, "theme = \"dark\"\ncolour = 3\n").expect("write");
    let (_, notes) = config::load();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("colour"), "{notes:?}");
    std::fs::write(&path, "theme = \"solarized\"\n").expect("write");
    let (c, notes) = config::load();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("unknown theme \"solarized\""),
        "{notes:?}"
    );
    assert!(c.theme.is_none());

    std::env::set_var(reel::paths::CONFIG_ENV, dir.path().join("absent.toml"));
    let (_, notes) = config::load();
    assert!(notes.is_empty());
}
