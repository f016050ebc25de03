//! Commands and their keys. One table ([`commands`]) describes every command; the
//! hint bar, the `?` help overlay and key dispatch all read it, so they cannot drift.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;

/// Where a command applies (for the hint bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    /// Wherever a movie is highlighted.
    Movie,
    Recs,
    Ratings,
    /// Views with more than one pane (focus moves between them).
    Panes,
    /// A movie's page.
    Page,
}

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    Back,
    Help,
    Search,
    ForYou,
    MyRatings,
    WatchlistView,
    HiddenView,
    NextPane,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Rate1,
    Rate2,
    Rate3,
    Rate4,
    Rate5,
    HalfUp,
    HalfDown,
    ClearRating,
    Watchlist,
    NotInterested,
    Undo,
    Sort,
    Genre,
    Years,
    MinRatings,
    Retrain,
    Theme,
    Import,
    OpenImdb,
    OpenTmdb,
}

/// One row of the command table.
pub struct CommandInfo {
    pub command: Command,
    /// Name in the keymap file.
    pub name: &'static str,
    /// Short text for the hint bar ("" = not shown there).
    pub hint: &'static str,
    /// Longer text for the help overlay.
    pub help: &'static str,
    pub scope: Scope,
}

const fn c(
    command: Command,
    name: &'static str,
    hint: &'static str,
    help: &'static str,
    scope: Scope,
) -> CommandInfo {
    CommandInfo {
        command,
        name,
        hint,
        help,
        scope,
    }
}

/// The command table, in help order.
pub fn commands() -> &'static [CommandInfo] {
    use Command::*;
    use Scope::*;
    const TABLE: &[CommandInfo] = &[
        c(
            Search,
            "search",
            "search",
            "Search titles, years, genres",
            Everywhere,
        ),
        c(
            Command::ForYou,
            "for_you",
            "for you",
            "Recommendations: item-based and SVD",
            Everywhere,
        ),
        c(
            Command::MyRatings,
            "my_ratings",
            "ratings",
            "Your ratings",
            Everywhere,
        ),
        c(
            WatchlistView,
            "watchlist_view",
            "watchlist",
            "Your watchlist",
            Everywhere,
        ),
        c(
            HiddenView,
            "hidden_view",
            "",
            "Not-interested movies (x shows one again)",
            Everywhere,
        ),
        c(Open, "open", "open", "Open the highlighted movie", Movie),
        c(Rate1, "rate_1", "", "Rate 1 star", Movie),
        c(Rate2, "rate_2", "", "Rate 2 stars", Movie),
        c(Rate3, "rate_3", "", "Rate 3 stars", Movie),
        c(Rate4, "rate_4", "", "Rate 4 stars", Movie),
        c(Rate5, "rate_5", "rate", "Rate 5 stars", Movie),
        c(HalfUp, "half_up", "", "Half a star more", Movie),
        c(HalfDown, "half_down", "", "Half a star less", Movie),
        c(
            ClearRating,
            "clear_rating",
            "clear",
            "Remove your rating",
            Movie,
        ),
        c(
            Watchlist,
            "watchlist",
            "watch",
            "Add to / remove from the watchlist",
            Movie,
        ),
        c(
            NotInterested,
            "not_interested",
            "not interested",
            "Not interested (hide from recommendations)",
            Movie,
        ),
        c(Undo, "undo", "undo", "Undo the last change", Everywhere),
        c(
            NextPane,
            "next_pane",
            "pane",
            "Move the focus to the next pane",
            Panes,
        ),
        c(
            OpenImdb,
            "open_imdb",
            "IMDb",
            "Open the page's movie on IMDb (browser)",
            Page,
        ),
        c(
            OpenTmdb,
            "open_tmdb",
            "TMDB",
            "Open the page's movie on TMDB (browser)",
            Page,
        ),
        c(Genre, "genre", "genre", "Filter by genre (picker)", Recs),
        c(Years, "years", "years", "Filter by years (cycles)", Recs),
        c(
            MinRatings,
            "min_ratings",
            "min #",
            "Minimum number of ratings (cycles)",
            Recs,
        ),
        c(
            Retrain,
            "retrain",
            "retrain",
            "Retrain the models with your ratings (background)",
            Recs,
        ),
        c(
            Sort,
            "sort",
            "sort",
            "Sort by date / rating / title",
            Ratings,
        ),
        c(Up, "up", "", "Move up", Everywhere),
        c(Down, "down", "", "Move down", Everywhere),
        c(PageUp, "page_up", "", "Page up", Everywhere),
        c(PageDown, "page_down", "", "Page down", Everywhere),
        c(Top, "top", "", "First row", Everywhere),
        c(Bottom, "bottom", "", "Last row", Everywhere),
        c(
            Import,
            "import",
            "",
            "Import ratings from Letterboxd, IMDb, MovieLens",
            Everywhere,
        ),
        c(Theme, "theme", "", "Switch dark / light theme", Everywhere),
        c(Help, "help", "help", "This help", Everywhere),
        c(
            Back,
            "back",
            "back",
            "Close / go back (never quits)",
            Everywhere,
        ),
        c(Quit, "quit", "quit", "Quit", Everywhere),
    ];
    TABLE
}

/// A key with modifiers, as written in the keymap ("ctrl-c", "G", "enter").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Key {
        Key {
            code: match ev.code {
                // Terminals report Shift-Tab as BackTab; letters come with their case.
                KeyCode::Char(c) => KeyCode::Char(c),
                other => other,
            },
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    pub fn parse(s: &str) -> Option<Key> {
        let (ctrl, rest) = match s.strip_prefix("ctrl-") {
            Some(r) if !r.is_empty() => (true, r),
            _ => (false, s),
        };
        let code = match rest.to_ascii_lowercase().as_str() {
            "esc" => KeyCode::Esc,
            "enter" => KeyCode::Enter,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') => KeyCode::F(f[1..].parse().ok()?),
            _ => {
                let mut chars = rest.chars();
                let ch = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(ch)
            }
        };
        Some(Key { code, ctrl })
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::BackTab => "S-Tab".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::Backspace => "Bksp".to_string(),
            KeyCode::Delete => "Del".to_string(),
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            _ => "?".to_string(),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

/// Key → command, plus command → keys for display.
#[derive(Debug, Clone)]
pub struct Keymap {
    by_key: HashMap<Key, Command>,
    keys: HashMap<Command, Vec<Key>>,
}

/// The embedded default keymap.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

#[derive(serde::Deserialize)]
struct KeymapFile {
    #[serde(default)]
    keys: HashMap<String, Vec<String>>,
}

impl Keymap {
    /// The defaults, overridden by `overrides` (command name → key names). A key given
    /// to a command in the config loses its default meaning, so help and behaviour
    /// agree. Unknown commands or keys, and a key the config binds to two commands (the
    /// first in help order keeps it), are reported, not fatal.
    pub fn new(overrides: &HashMap<String, Vec<String>>) -> (Keymap, Vec<String>) {
        let mut problems = Vec::new();
        let defaults: KeymapFile = toml::from_str(DEFAULT_KEYMAP).unwrap_or(KeymapFile {
            keys: HashMap::new(),
        });
        let parse = |source: &str, name: &str, names: &[String], problems: &mut Vec<String>| {
            let mut parsed = Vec::new();
            for k in names {
                match Key::parse(k) {
                    Some(key) if !parsed.contains(&key) => parsed.push(key),
                    Some(_) => {}
                    None => problems.push(format!("{source} keymap: unknown key {k:?} for {name}")),
                }
            }
            parsed
        };
        let mut keys: HashMap<Command, Vec<Key>> = HashMap::new();
        for (name, names) in &defaults.keys {
            match commands().iter().find(|i| i.name == name) {
                Some(info) => {
                    keys.insert(info.command, parse("default", name, names, &mut problems));
                }
                None => problems.push(format!("default keymap: unknown command {name:?}")),
            }
        }
        let mut unknown: Vec<&String> = overrides
            .keys()
            .filter(|n| !commands().iter().any(|i| &i.name == n))
            .collect();
        unknown.sort();
        for name in unknown {
            problems.push(format!(
                "config keymap: unknown command {name:?} (see the help, ?, for names)"
            ));
        }
        // Config bindings in help order, so a clash is resolved the same way every time.
        let mut owner: HashMap<Key, Command> = HashMap::new();
        for info in commands() {
            let Some(names) = overrides.get(info.name) else {
                continue;
            };
            let mut mine = Vec::new();
            for key in parse("config", info.name, names, &mut problems) {
                if let Some(first) = owner.get(&key) {
                    let first_name = commands()
                        .iter()
                        .find(|i| i.command == *first)
                        .map_or("?", |i| i.name);
                    problems.push(format!(
                        "config keymap: {} is bound to both {first_name} and {}; it stays with {first_name}",
                        key.label(),
                        info.name
                    ));
                    continue;
                }
                owner.insert(key, info.command);
                mine.push(key);
            }
            keys.insert(info.command, mine);
        }
        // A key taken by the config leaves every other command's defaults.
        for (key, cmd) in &owner {
            for (other, list) in keys.iter_mut() {
                if other != cmd {
                    list.retain(|k| k != key);
                }
            }
        }
        for info in commands() {
            if keys.get(&info.command).is_none_or(|k| k.is_empty()) {
                problems.push(format!(
                    "keymap: {} has no key now (its keys were given to other commands)",
                    info.name
                ));
            }
        }
        let mut by_key = HashMap::new();
        for info in commands() {
            for k in keys.get(&info.command).into_iter().flatten() {
                by_key.entry(*k).or_insert(info.command);
            }
        }
        (Keymap { by_key, keys }, problems)
    }

    pub fn command(&self, ev: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(ev);
        // Shifted letters arrive with their case in the char; SHIFT itself is ignored.
        self.by_key.get(&key).copied()
    }

    /// Display label of a command's keys ("q/Ctrl-c").
    pub fn label(&self, cmd: Command) -> String {
        self.keys
            .get(&cmd)
            .map(|ks| ks.iter().map(Key::label).collect::<Vec<_>>().join("/"))
            .unwrap_or_default()
    }

    /// First key only, for the hint bar.
    pub fn short(&self, cmd: Command) -> String {
        self.keys
            .get(&cmd)
            .and_then(|ks| ks.first())
            .map(Key::label)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_every_command_and_parse() {
        let (km, problems) = Keymap::new(&HashMap::new());
        assert!(problems.is_empty(), "{problems:?}");
        for info in commands() {
            assert!(
                !km.label(info.command).is_empty(),
                "{} has no key",
                info.name
            );
        }
        let ev = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(km.command(&ev), Some(Command::Quit));
    }

    #[test]
    fn overrides_and_bad_names() {
        let mut o = HashMap::new();
        o.insert("quit".to_string(), vec!["Q".to_string()]);
        o.insert("nope".to_string(), vec!["z".to_string()]);
        o.insert(
            "undo".to_string(),
            vec!["ctrl-".to_string(), "f5".to_string()],
        );
        let (km, problems) = Keymap::new(&o);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(km.label(Command::Quit), "Q");
        assert_eq!(km.label(Command::Undo), "F5");
    }

    #[test]
    fn default_keys_are_bound_once() {
        let defaults: KeymapFile = toml::from_str(DEFAULT_KEYMAP).expect("embedded keymap");
        let mut seen: HashMap<Key, &str> = HashMap::new();
        for (name, keys) in &defaults.keys {
            for k in keys {
                let key = Key::parse(k).expect("default key parses");
                if let Some(other) = seen.insert(key, name) {
                    panic!("{k} is bound to {other} and {name}");
                }
            }
        }
    }

    #[test]
    fn rebinding_a_key_removes_its_old_meaning() {
        let mut o = HashMap::new();
        o.insert("undo".to_string(), vec!["x".to_string()]);
        let (km, problems) = Keymap::new(&o);
        let x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
        assert_eq!(km.command(&x), Some(Command::Undo));
        assert_eq!(km.label(Command::Undo), "x");
        assert_eq!(
            km.label(Command::NotInterested),
            "",
            "x left not_interested"
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("not_interested"), "{problems:?}");
    }

    #[test]
    fn a_key_bound_twice_in_the_config_is_reported() {
        let mut o = HashMap::new();
        o.insert("undo".to_string(), vec!["z".to_string()]);
        o.insert(
            "watchlist".to_string(),
            vec!["z".to_string(), "w".to_string()],
        );
        let (km, problems) = Keymap::new(&o);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("z is bound to both watchlist and undo")),
            "{problems:?}"
        );
        // The first in help order keeps it; help shows exactly what the key does.
        let z = KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE);
        assert_eq!(km.command(&z), Some(Command::Watchlist));
        assert_eq!(km.label(Command::Watchlist), "z/w");
    }
}
