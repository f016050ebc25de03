//! The `?` overlay: every command with its keys, from the same table as the hint bar.
//! It scrolls (j/k, arrows, PgUp/PgDn) so every entry can be read on a small terminal.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::title;
use crate::tui::keymap::{commands, Keymap};
use crate::tui::theme::Theme;

/// The overlay's lines for an inner width of `width` cells. An entry too long for one
/// line puts its text under its keys, so nothing is cut and the line count (which the
/// scrolling relies on) is exact.
pub fn lines(keymap: &Keymap, t: &Theme, width: usize) -> Vec<Line<'static>> {
    let key_w = 16usize;
    let mut lines: Vec<Line> = Vec::new();
    for c in commands() {
        let keys = keymap.label(c.command);
        let keys = if keys.is_empty() {
            "(no key)".to_string()
        } else {
            keys
        };
        if key_w + 2 + c.help.chars().count() <= width {
            lines.push(Line::from(vec![
                Span::styled(format!("{keys:>key_w$}  "), t.accent),
                Span::styled(c.help, t.base),
            ]));
        } else {
            lines.push(Line::from(Span::styled(format!("  {keys}"), t.accent)));
            lines.push(Line::from(Span::styled(format!("    {}", c.help), t.base)));
        }
    }
    // The genre picker's own keys (fixed, like typing in the search box).
    lines.push(Line::from(Span::styled("In the genre picker:", t.dim)));
    for (keys, what) in super::picker::PICKER_KEYS {
        lines.push(Line::from(vec![
            Span::styled(format!("{keys:>key_w$}  "), t.accent),
            Span::styled(*what, t.base),
        ]));
    }
    for extra in [
        "Ctrl-c quits and Ctrl-z suspends, on every screen.",
        "Mouse: wheel scrolls, click selects, click a star rates.",
    ] {
        lines.push(Line::from(Span::styled(extra, t.dim)));
    }
    lines
}

/// Where the overlay goes inside `area`.
fn popup(area: Rect) -> Rect {
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
    pop
}

/// Lines that fit in the overlay drawn in `area` (inside its border).
pub fn visible_rows(area: Rect) -> usize {
    popup(area).height.saturating_sub(2) as usize
}

/// Inner width of the overlay drawn in `area`.
fn inner_width(area: Rect) -> usize {
    popup(area).width.saturating_sub(2) as usize
}

/// The largest useful scroll offset of the overlay drawn in `area`.
pub fn max_scroll(keymap: &Keymap, t: &Theme, area: Rect) -> usize {
    let total = lines(keymap, t, inner_width(area)).len();
    total.saturating_sub(visible_rows(area).max(1))
}

pub fn draw(f: &mut Frame, area: Rect, keymap: &Keymap, t: &Theme, scroll: usize) {
    let pop = popup(area);
    let all = lines(keymap, t, inner_width(area));
    let total = all.len();
    let scroll = scroll.min(max_scroll(keymap, t, area));
    let rows = visible_rows(area);
    let last = (scroll + rows).min(total);
    let heading = if rows >= total {
        "Keys (Esc closes)".to_string()
    } else {
        format!(
            "Keys {}-{last} of {total} (j/k scroll, Esc closes)",
            scroll + 1
        )
    };
    f.render_widget(Clear, pop);
    f.render_widget(
        Paragraph::new(all)
            .scroll((scroll as u16, 0))
            .style(t.base)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(t.accent)
                    .title(title(&heading, t)),
            ),
        pop,
    );
}
