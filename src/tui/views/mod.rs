//! Views (components). Each keeps its own state, handles the actions meant for it and
//! draws itself; [`MovieTable`] is the shared highlighted-movie list.

pub mod details;
pub mod foryou;
pub mod help;
pub mod lists;
pub mod search;

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};
use ratatui::Frame;
use std::cell::RefCell;
use std::collections::HashMap;

use super::theme::Theme;
use crate::engine::{Engine, ListId};

/// Predicted stars for one movie, one per list (in list order).
pub type Predicted = Vec<f32>;

/// What a view may read while drawing.
pub struct Ctx<'a> {
    pub engine: &'a Engine,
    pub theme: &'a Theme,
    pub preds: &'a RefCell<HashMap<u32, Predicted>>,
}

impl Ctx<'_> {
    /// Predictions (cached until the profile or models change).
    pub fn predicted(&self, item: u32) -> Predicted {
        if let Some(p) = self.preds.borrow().get(&item) {
            return p.clone();
        }
        let p = self.engine.predict(item);
        self.preds.borrow_mut().insert(item, p.clone());
        p
    }

    /// Fills the cache for many items with one fold-in per model.
    pub fn prefetch(&self, items: &[u32]) {
        let missing: Vec<u32> = {
            let cache = self.preds.borrow();
            items
                .iter()
                .copied()
                .filter(|i| !cache.contains_key(i))
                .collect()
        };
        if missing.is_empty() {
            return;
        }
        let per_list: Vec<Vec<f32>> = self
            .engine
            .list_ids()
            .into_iter()
            .map(|l| self.engine.predict_many(l, &missing))
            .collect();
        let mut cache = self.preds.borrow_mut();
        for (k, i) in missing.into_iter().enumerate() {
            cache.insert(i, per_list.iter().map(|l| l[k]).collect());
        }
    }
}

/// Five cells of stars: ★ full, ½ half, · empty.
pub fn stars(v: f32) -> String {
    let halves = (v * 2.0).round().clamp(0.0, 10.0) as u32;
    (0..5)
        .map(|k| {
            let left = halves.saturating_sub(2 * k);
            match left {
                0 => '·',
                1 => '½',
                _ => '★',
            }
        })
        .collect()
}

/// "4.5" or "–".
pub fn num(v: Option<f32>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.1}"),
        _ => "–".to_string(),
    }
}

/// A scrolling list of movies with a highlighted row.
#[derive(Debug, Default)]
pub struct MovieTable {
    pub items: Vec<u32>,
    pub state: TableState,
    /// Where the rows were last drawn (for mouse clicks).
    pub rows_area: Rect,
}

/// Which columns a table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// Title, genres, MovieLens average and count, your rating, predictions.
    Full,
    /// Title, predicted stars from one list's model.
    Rec(ListId),
}

impl MovieTable {
    pub fn set_items(&mut self, items: Vec<u32>) {
        let keep = self.selected();
        self.items = items;
        let pos = keep
            .and_then(|k| self.items.iter().position(|&i| i == k))
            .or(if self.items.is_empty() { None } else { Some(0) });
        let pos = match (pos, self.state.selected()) {
            (Some(p), _) => Some(p),
            (None, Some(old)) if !self.items.is_empty() => Some(old.min(self.items.len() - 1)),
            _ => None,
        };
        self.state.select(pos);
    }

    pub fn selected(&self) -> Option<u32> {
        self.state
            .selected()
            .and_then(|k| self.items.get(k).copied())
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.items.is_empty() {
            self.state.select(None);
            return;
        }
        let cur = self.state.selected().unwrap_or(0) as isize;
        let next = (cur + delta).clamp(0, self.items.len() as isize - 1);
        self.state.select(Some(next as usize));
    }

    pub fn page(&self) -> isize {
        self.rows_area.height.max(2) as isize - 1
    }

    /// Selects the row under (x, y); true if it hit one.
    pub fn click(&mut self, x: u16, y: u16) -> bool {
        let a = self.rows_area;
        if x < a.x || x >= a.x + a.width || y < a.y || y >= a.y + a.height {
            return false;
        }
        let row = self.state.offset() + (y - a.y) as usize;
        if row < self.items.len() {
            self.state.select(Some(row));
            true
        } else {
            false
        }
    }

    pub fn contains(&self, x: u16, y: u16) -> bool {
        let a = self.rows_area;
        x >= a.x && x < a.x + a.width && y >= a.y.saturating_sub(1) && y < a.y + a.height
    }

    /// Draws the table in a bordered block.
    pub fn draw(
        &mut self,
        f: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        title: Line,
        focused: bool,
        cols: Columns,
    ) {
        let t = ctx.theme;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if focused { t.accent } else { t.border })
            .title(title);
        let inner = block.inner(area);
        // Header takes one line.
        self.rows_area = Rect {
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
            ..inner
        };
        // Predict only what can be seen.
        let first = self.state.offset();
        let visible: Vec<u32> = self
            .items
            .iter()
            .skip(first.saturating_sub(inner.height as usize))
            .take(inner.height as usize * 3)
            .copied()
            .collect();
        ctx.prefetch(&visible);
        let e = ctx.engine;
        let wide = inner.width >= 90;
        let (header, widths): (Vec<&str>, Vec<Constraint>) = match cols {
            Columns::Full if wide => (
                vec!["Title", "Genres", "ML avg (n)", "You", "Pred IB/SVD"],
                vec![
                    Constraint::Min(20),
                    Constraint::Length(22),
                    Constraint::Length(12),
                    Constraint::Length(5),
                    Constraint::Length(11),
                ],
            ),
            Columns::Full => (
                vec!["Title", "ML avg", "You", "Pred"],
                vec![
                    Constraint::Min(16),
                    Constraint::Length(6),
                    Constraint::Length(4),
                    Constraint::Length(7),
                ],
            ),
            Columns::Rec(_) => (
                vec!["Title", "Pred"],
                vec![Constraint::Min(10), Constraint::Length(5)],
            ),
        };
        let rows: Vec<Row> = self
            .items
            .iter()
            .map(|&item| {
                let m = e.dataset().catalogue.movie(item);
                let mut title = m.label();
                if e.in_watchlist(item) {
                    title.push_str(" ⊕");
                }
                let mine = e.rating_of(item);
                let cells: Vec<Cell> = match cols {
                    Columns::Full => {
                        // Predictions only for visible rows (cache filled above); others blank.
                        let pred = ctx
                            .preds
                            .borrow()
                            .get(&item)
                            .map(|p| {
                                p.iter()
                                    .map(|&v| num(Some(v)))
                                    .collect::<Vec<_>>()
                                    .join("/")
                            })
                            .unwrap_or_default();
                        let avg = e.mean_rating(item);
                        let n = e.rating_count(item);
                        let mut v = vec![Cell::from(title)];
                        if wide {
                            v.push(
                                Cell::from(e.dataset().catalogue.genre_list(m.genres).join("|"))
                                    .style(t.dim),
                            );
                            v.push(Cell::from(format!("{} ({n})", num(Some(avg)))).style(t.star));
                        } else {
                            v.push(Cell::from(num(Some(avg))).style(t.star));
                        }
                        v.push(Cell::from(num(mine)).style(t.accent));
                        v.push(Cell::from(pred).style(t.predicted));
                        v
                    }
                    Columns::Rec(list) => {
                        let v = ctx
                            .preds
                            .borrow()
                            .get(&item)
                            .and_then(|p| p.get(list.0).copied())
                            .unwrap_or(f32::NAN);
                        vec![
                            Cell::from(title),
                            Cell::from(format!("{} ★", num(Some(v)))).style(t.predicted),
                        ]
                    }
                };
                Row::new(cells).style(t.base)
            })
            .collect();
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(t.dim))
            .block(block)
            .row_highlight_style(if focused {
                t.selected
            } else {
                Style::default().add_modifier(ratatui::style::Modifier::BOLD)
            })
            .highlight_symbol(if focused { "▶" } else { " " });
        f.render_stateful_widget(table, area, &mut self.state);
    }
}

/// A one-line title for a block.
pub fn title<'a>(text: &'a str, t: &Theme) -> Line<'a> {
    Line::from(Span::styled(format!(" {text} "), t.title))
}
