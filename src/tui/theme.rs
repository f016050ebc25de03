//! Colours: dark and light themes embedded from `assets/themes`, NO_COLOR respected.

use ratatui::style::{Color, Modifier, Style};
use std::str::FromStr;

/// The styles views draw with.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub base: Style,
    pub dim: Style,
    pub accent: Style,
    pub title: Style,
    pub star: Style,
    pub predicted: Style,
    pub selected: Style,
    pub border: Style,
    pub error: Style,
}

/// The built-in theme names.
pub const THEMES: [&str; 2] = ["dark", "light"];

pub const DARK: &str = include_str!("../../assets/themes/dark.toml");
pub const LIGHT: &str = include_str!("../../assets/themes/light.toml");

#[derive(serde::Deserialize)]
struct ThemeFile {
    /// Background of the whole screen; unset keeps the terminal's own.
    #[serde(default)]
    bg: Option<String>,
    fg: String,
    dim: String,
    accent: String,
    title: String,
    star: String,
    predicted: String,
    selected_fg: String,
    selected_bg: String,
    border: String,
    error: String,
}

fn color(s: &str) -> Color {
    Color::from_str(s).unwrap_or(Color::Reset)
}

impl Theme {
    /// A named built-in theme ("dark" or "light"); anything else gives dark.
    pub fn named(name: &str, no_color: bool) -> Theme {
        if no_color {
            return Theme::monochrome();
        }
        let (name, text) = if name.eq_ignore_ascii_case("light") {
            ("light", LIGHT)
        } else {
            ("dark", DARK)
        };
        match toml::from_str::<ThemeFile>(text) {
            Ok(f) => Theme {
                name: name.to_string(),
                base: match &f.bg {
                    Some(bg) => Style::default().fg(color(&f.fg)).bg(color(bg)),
                    None => Style::default().fg(color(&f.fg)),
                },
                dim: Style::default().fg(color(&f.dim)),
                accent: Style::default()
                    .fg(color(&f.accent))
                    .add_modifier(Modifier::BOLD),
                title: Style::default()
                    .fg(color(&f.title))
                    .add_modifier(Modifier::BOLD),
                star: Style::default().fg(color(&f.star)),
                predicted: Style::default().fg(color(&f.predicted)),
                selected: Style::default()
                    .fg(color(&f.selected_fg))
                    .bg(color(&f.selected_bg)),
                border: Style::default().fg(color(&f.border)),
                error: Style::default()
                    .fg(color(&f.error))
                    .add_modifier(Modifier::BOLD),
            },
            Err(_) => Theme::monochrome(),
        }
    }

    /// No colours at all (NO_COLOR): emphasis by bold and reverse video only.
    pub fn monochrome() -> Theme {
        let plain = Style::default();
        Theme {
            name: "no-color".to_string(),
            base: plain,
            dim: plain,
            accent: plain.add_modifier(Modifier::BOLD),
            title: plain.add_modifier(Modifier::BOLD),
            star: plain,
            predicted: plain,
            selected: plain.add_modifier(Modifier::REVERSED),
            border: plain,
            error: plain.add_modifier(Modifier::BOLD),
        }
    }
}

/// True when the NO_COLOR convention asks for no colour (set and non-empty).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_themes_parse() {
        assert_eq!(Theme::named("dark", false).name, "dark");
        assert_eq!(Theme::named("light", false).name, "light");
        // Light text colours need a light background on any terminal.
        assert!(Theme::named("light", false).base.bg.is_some());
        let mono = Theme::named("light", true);
        assert_eq!(mono.star, Style::default());
    }
}
