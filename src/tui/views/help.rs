//! The `?` overlay: every command with its keys, from the same table as the hint bar.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::title;
use crate::tui::keymap::{commands, Keymap};
use crate::tui::theme::Theme;

pub fn draw(f: &mut Frame, area: Rect, keymap: &Keymap, t: &Theme) {
    let w = area.width.saturating_sub(4).min(76);
    let h = area.height.saturating_sub(2);
    let [_, mid, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(w),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, pop, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(h),
        Constraint::Fill(1),
    ])
    .areas(mid);
    let key_w = 16usize;
    let mut lines: Vec<Line> = commands()
        .iter()
        .map(|c| {
            let keys = keymap.label(c.command);
            Line::from(vec![
                Span::styled(format!("{keys:>key_w$}  "), t.accent),
                Span::styled(c.help, t.base),
            ])
        })
        .collect();
    lines.push(Line::from(Span::styled(
        "Mouse: wheel scrolls, click selects, click the stars to rate. Esc closes.",
        t.dim,
    )));
    f.render_widget(Clear, pop);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.accent)
                .title(title("Keys", t)),
        ),
        pop,
    );
}
