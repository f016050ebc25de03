//! The genre picker: the genre list over the For-you view, instead of cycling through
//! genres one key press at a time. Each genre is included, excluded or neither; a movie
//! passes with any included genre (every genre when none is) and no excluded one. The
//! lists behind it follow every change. Its keys are fixed (like typing in the search
//! box) and listed by [`PICKER_KEYS`] for the hint bar and the help.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState};
use ratatui::Frame;

use super::title;
use crate::tui::keymap::Command;
use crate::tui::theme::Theme;

/// What the picker's own keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickOp {
    /// Include the genre under the cursor, or stop including it.
    Include,
    /// Exclude the genre under the cursor, or stop excluding it.
    Exclude,
    /// No genre filter at all.
    Clear,
}

/// The picker's keys, as (key, what it does), for the hint bar and the help.
pub const PICKER_KEYS: &[(&str, &str)] = &[
    ("Space", "include"),
    ("x", "exclude"),
    ("c", "clear all"),
    ("j/k", "move"),
    ("Enter/Esc", "close"),
];

/// The picker's fixed key for `c`, if it is one of its own.
pub fn pick_op(c: char) -> Option<PickOp> {
    match c {
        ' ' => Some(PickOp::Include),
        'x' => Some(PickOp::Exclude),
        'c' => Some(PickOp::Clear),
        _ => None,
    }
}

/// A genre's state in the picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    None,
    Include,
    Exclude,
}

impl Mark {
    /// The row marker: readable without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::None => "[ ]",
            Mark::Include => "[+]",
            Mark::Exclude => "[−]",
        }
    }
}

pub struct GenrePicker {
    pub names: Vec<String>,
    /// Index of the genre under the cursor.
    pub cursor: usize,
    pub include: Vec<usize>,
    pub exclude: Vec<usize>,
}

impl GenrePicker {
    pub fn new(names: Vec<String>, include: &[usize], exclude: &[usize]) -> Self {
        // The cursor starts on the first genre in use, so what is set is in view.
        let cursor = include.iter().chain(exclude).copied().min().unwrap_or(0);
        GenrePicker {
            cursor: cursor.min(names.len().saturating_sub(1)),
            names,
            include: include.to_vec(),
            exclude: exclude.to_vec(),
        }
    }

    pub fn mark(&self, g: usize) -> Mark {
        if self.include.contains(&g) {
            Mark::Include
        } else if self.exclude.contains(&g) {
            Mark::Exclude
        } else {
            Mark::None
        }
    }

    /// Applies one of the picker's keys. A genre is never both included and excluded.
    pub fn apply(&mut self, op: PickOp) {
        let g = self.cursor;
        if g >= self.names.len() && op != PickOp::Clear {
            return;
        }
        let toggle = |set: &mut Vec<usize>| match set.iter().position(|&x| x == g) {
            Some(k) => {
                set.remove(k);
            }
            None => set.push(g),
        };
        match op {
            PickOp::Include => {
                self.exclude.retain(|&x| x != g);
                toggle(&mut self.include);
            }
            PickOp::Exclude => {
                self.include.retain(|&x| x != g);
                toggle(&mut self.exclude);
            }
            PickOp::Clear => {
                self.include.clear();
                self.exclude.clear();
            }
        }
        self.include.sort_unstable();
        self.exclude.sort_unstable();
    }

    /// Applies a movement command; false if `cmd` is not one.
    pub fn navigate(&mut self, cmd: Command) -> bool {
        let last = self.names.len().saturating_sub(1) as isize;
        let delta: isize = match cmd {
            Command::Up => -1,
            Command::Down => 1,
            Command::PageUp => -10,
            Command::PageDown => 10,
            Command::Top => -last - 1,
            Command::Bottom => last + 1,
            _ => return false,
        };
        self.cursor = (self.cursor as isize + delta).clamp(0, last) as usize;
        true
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let w = 34.min(area.width);
        let h = (self.names.len() as u16 + 2).min(area.height);
        let pop = Rect {
            x: area.x + area.width.saturating_sub(w) / 2,
            y: area.y,
            width: w,
            height: h,
        };
        let items: Vec<ListItem> = self
            .names
            .iter()
            .enumerate()
            .map(|(g, n)| {
                let mark = self.mark(g);
                let style = match mark {
                    Mark::None => t.base,
                    Mark::Include => t.accent,
                    Mark::Exclude => t.error,
                };
                ListItem::new(Line::from(vec![
                    Span::styled(mark.symbol(), style),
                    Span::styled(format!(" {n}"), style),
                ]))
            })
            .collect();
        let mut state = ListState::default().with_selected(Some(self.cursor));
        let heading = format!(
            "Genres: {} in, {} out",
            self.include.len(),
            self.exclude.len()
        );
        f.render_widget(Clear, pop);
        f.render_stateful_widget(
            List::new(items)
                .style(t.base)
                .highlight_style(t.selected)
                .highlight_symbol("▶")
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(t.accent)
                        .title(title(&heading, t)),
                ),
            pop,
            &mut state,
        );
    }
}

/// The genre filter in words: "Comedy or Drama, not Horror", "all genres".
pub fn summary(names: &[String], include: &[usize], exclude: &[usize]) -> String {
    let named = |set: &[usize]| -> Vec<String> {
        set.iter()
            .filter_map(|&g| names.get(g).cloned())
            .collect::<Vec<_>>()
    };
    let inc = named(include);
    let exc = named(exclude);
    let mut out = if inc.is_empty() {
        "all genres".to_string()
    } else {
        inc.join(" or ")
    };
    if !exc.is_empty() {
        out.push_str(", not ");
        out.push_str(&exc.join(" or "));
    }
    out
}
