//! The genre picker: a list of genres over the For-you view, instead of cycling through
//! them one key press at a time. j/k move, Enter picks, Esc closes.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState};
use ratatui::Frame;

use super::title;
use crate::tui::keymap::Command;
use crate::tui::theme::Theme;

pub struct GenrePicker {
    pub names: Vec<String>,
    /// 0 is "all genres", k > 0 is genre k - 1.
    pub cursor: usize,
}

impl GenrePicker {
    pub fn new(names: Vec<String>, current: Option<usize>) -> Self {
        let cursor = current.map_or(0, |g| (g + 1).min(names.len()));
        GenrePicker { names, cursor }
    }

    /// The genre under the cursor (None: all genres).
    pub fn choice(&self) -> Option<usize> {
        self.cursor.checked_sub(1)
    }

    /// The name of the choice under the cursor.
    pub fn choice_label(&self) -> String {
        match self.choice() {
            Some(g) => self.names.get(g).cloned().unwrap_or_default(),
            None => "all genres".to_string(),
        }
    }

    /// Applies a movement command; false if `cmd` is not one.
    pub fn navigate(&mut self, cmd: Command) -> bool {
        let last = self.names.len() as isize;
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
        let w = 32.min(area.width);
        let h = (self.names.len() as u16 + 3).min(area.height);
        let pop = Rect {
            x: area.x + area.width.saturating_sub(w) / 2,
            y: area.y,
            width: w,
            height: h,
        };
        let items: Vec<ListItem> = std::iter::once("all genres".to_string())
            .chain(self.names.iter().cloned())
            .map(|n| ListItem::new(Line::from(n)))
            .collect();
        let mut state = ListState::default().with_selected(Some(self.cursor));
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
                        .title(title("Genre (Enter picks, Esc closes)", t)),
                ),
            pop,
            &mut state,
        );
    }
}
