//! Views (components). Each owns its state, its selection and its drawing; the app routes
//! commands to the focused one. [`MovieTable`] is the shared highlighted-movie list.
//!
//! Drawing is a pure function of state: everything a row shows (your stars, predictions,
//! the watchlist mark) is computed into [`MovieRow`]s when a list changes, never while
//! drawing.
//!
//! Highlight rule (one for every list): a *new* list (a new search result set, a list
//! that is not on screen, a changed filter) starts at row 0, scrolled to the top. When a
//! list on screen changes (after a rating, a retrain), the highlight stays on the same
//! movie if it is still listed, else on the nearest row (the one now at its place). A
//! list shown with nothing highlighted (the start list after Esc cleared a search) stays
//! so until a movement key picks row 0.

pub mod details;
pub mod foryou;
pub mod help;
pub mod import;
pub mod lists;
pub mod picker;
pub mod search;

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, HighlightSpacing, Row, Table, TableState};
use ratatui::Frame;

use super::keymap::{Command, Scope};
use super::theme::Theme;
use crate::engine::Engine;

/// Predicted stars for one movie from each list's model: (list label, stars), in list
/// order.
pub type Predicted = Vec<(String, f32)>;

/// What a view may read while drawing.
pub struct Ctx<'a> {
    pub theme: &'a Theme,
}

/// A view: it owns its state and selection, handles its own movement and focus keys,
/// draws itself, and says which command groups it offers (for the hint bar). The app
/// routes keys to the visible view and applies movie actions to its `selected()`.
pub trait Component {
    /// The movie keys act on here: the highlight of the focused pane, if any.
    fn selected(&self) -> Option<u32>;
    /// Applies a movement or focus command; false if the view has no use for it.
    fn handle(&mut self, cmd: Command) -> bool;
    /// Command groups this view offers besides the global ones.
    fn scopes(&self) -> Vec<Scope>;
    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &Ctx);
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

/// Display width of a string in terminal cells.
fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// `title (year)` cut to `max` cells: the title is shortened with an ellipsis so the
/// year (and the `suffix`, e.g. the watchlist mark) stays visible.
pub fn fit_label(title: &str, year: Option<u16>, suffix: &str, max: usize) -> String {
    let tail = format!(
        "{}{suffix}",
        year.map(|y| format!(" ({y})")).unwrap_or_default()
    );
    let full = format!("{title}{tail}");
    if width(&full) <= max {
        return full;
    }
    let room = max.saturating_sub(width(&tail) + 1);
    if room == 0 {
        // Not even the year fits next to one letter: cut the whole label.
        return cut(&full, max);
    }
    format!("{}…{tail}", cut_to(title.trim_end(), room))
}

/// The longest prefix of `s` that fits in `max` cells.
fn cut_to(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = width(c.encode_utf8(&mut [0; 4]));
        if used + w > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.trim_end().to_string()
}

/// `s` cut to `max` cells with an ellipsis when it does not fit.
fn cut(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    format!("{}…", cut_to(s, max - 1))
}

/// Everything one row shows, computed when the list changes.
#[derive(Debug, Clone, PartialEq)]
pub struct MovieRow {
    pub item: u32,
    pub title: String,
    pub year: Option<u16>,
    pub genres: String,
    pub mean: f32,
    pub count: u32,
    /// Your rating, shown instead of predictions when set.
    pub mine: Option<f32>,
    pub predicted: Predicted,
    /// The prediction of the list's own model (recommendation lists).
    pub list_pred: Option<f32>,
    pub watch: bool,
    /// Titles of the rated movies this recommendation comes from.
    pub because: String,
}

impl MovieRow {
    /// The label as in `Movie::label` ("Title (1995)").
    pub fn label(&self) -> String {
        fit_label(&self.title, self.year, "", usize::MAX)
    }
}

/// Rows for `items`, with one prediction fold-in per model for all of them.
pub fn movie_rows(e: &Engine, items: &[u32]) -> Vec<MovieRow> {
    let lists = e.list_ids();
    let per_list: Vec<Vec<f32>> = lists.iter().map(|&l| e.predict_many(l, items)).collect();
    let cat = &e.dataset().catalogue;
    items
        .iter()
        .enumerate()
        .map(|(k, &item)| {
            let predicted: Predicted = lists
                .iter()
                .zip(&per_list)
                .map(|(&l, p)| (e.list_label(l).to_string(), p[k]))
                .collect();
            let m = cat.movie(item);
            MovieRow {
                item,
                title: m.title.clone(),
                year: m.year,
                genres: cat.genre_list(m.genres).join("|"),
                mean: e.mean_rating(item),
                count: e.rating_count(item),
                mine: e.rating_of(item),
                predicted,
                list_pred: None,
                watch: e.in_watchlist(item),
                because: String::new(),
            }
        })
        .collect()
}

/// A list label short enough for a column header: itself when short, else its initials
/// ("Item-based" → "IB", "SVD" → "SVD").
pub fn short_label(label: &str) -> String {
    if label.chars().count() <= 4 {
        return label.to_string();
    }
    label
        .split([' ', '-'])
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The predicted rating `+`/`-` start from on an unrated movie: the mean of the finite
/// predictions, rounded to half a star (None when no model predicts it).
pub fn predicted_start(p: &[f32]) -> Option<f32> {
    let v: Vec<f32> = p.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    let mean = v.iter().sum::<f32>() / v.len() as f32;
    Some((mean * 2.0).round() / 2.0)
}

/// How a replaced list places its highlight (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Row 0, scrolled to the top.
    Top,
    /// Same movie if still listed, else the nearest row; nothing stays nothing.
    Follow,
    /// Nothing highlighted, scrolled to the top.
    Unselected,
}

/// A scrolling list of movies with a highlighted row.
#[derive(Debug, Default)]
pub struct MovieTable {
    pub rows: Vec<MovieRow>,
    pub state: TableState,
    /// Where the rows were last drawn (for mouse clicks).
    pub rows_area: Rect,
}

/// Which columns a table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// Title, genres, MovieLens average and count, your rating, predictions.
    Full,
    /// Title and the list model's prediction (your stars once rated).
    Rec,
}

impl MovieTable {
    /// The movies, in order.
    pub fn items(&self) -> Vec<u32> {
        self.rows.iter().map(|r| r.item).collect()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Replaces the rows, placing the highlight by `how`.
    pub fn set_rows(&mut self, rows: Vec<MovieRow>, how: Placement) {
        let keep = self.selected();
        let old_pos = self.state.selected();
        self.rows = rows;
        let pos = match how {
            _ if self.rows.is_empty() => None,
            Placement::Top => Some(0),
            Placement::Unselected => None,
            Placement::Follow => keep
                .and_then(|k| self.rows.iter().position(|r| r.item == k))
                .or(old_pos.map(|p| p.min(self.rows.len() - 1))),
        };
        if how != Placement::Follow {
            *self.state.offset_mut() = 0;
        }
        self.state.select(pos);
    }

    pub fn selected(&self) -> Option<u32> {
        self.state
            .selected()
            .and_then(|k| self.rows.get(k))
            .map(|r| r.item)
    }

    pub fn selected_row(&self) -> Option<&MovieRow> {
        self.state.selected().and_then(|k| self.rows.get(k))
    }

    /// Moves the highlight; with nothing highlighted any move picks row 0.
    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            self.state.select(None);
            return;
        }
        let Some(cur) = self.state.selected() else {
            self.state.select(Some(0));
            return;
        };
        let next = (cur as isize).saturating_add(delta);
        self.state
            .select(Some(next.clamp(0, self.rows.len() as isize - 1) as usize));
    }

    pub fn page(&self) -> isize {
        self.rows_area.height.max(2) as isize - 1
    }

    /// Applies a movement command; false if `cmd` is not one.
    pub fn navigate(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::Up => self.move_by(-1),
            Command::Down => self.move_by(1),
            Command::PageUp => self.move_by(-self.page()),
            Command::PageDown => self.move_by(self.page()),
            Command::Top => self.move_by(isize::MIN / 2),
            Command::Bottom => self.move_by(isize::MAX / 2),
            _ => return false,
        }
        true
    }

    /// Selects the row under (x, y); true if it hit one.
    pub fn click(&mut self, x: u16, y: u16) -> bool {
        let a = self.rows_area;
        if x < a.x || x >= a.x + a.width || y < a.y || y >= a.y + a.height {
            return false;
        }
        let row = self.state.offset() + (y - a.y) as usize;
        if row < self.rows.len() {
            self.state.select(Some(row));
            true
        } else {
            false
        }
    }

    /// True if (x, y) is on the table (its header included).
    pub fn contains(&self, x: u16, y: u16) -> bool {
        let a = self.rows_area;
        x >= a.x && x < a.x + a.width && y >= a.y.saturating_sub(1) && y < a.y + a.height
    }

    /// Draws the table in a bordered block. Only a focused table shows its highlight,
    /// so the one highlighted movie on screen is the one keys act on.
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
        let wide = inner.width >= 90;
        // "IB/SVD": which list each predicted number comes from.
        let lists = self
            .rows
            .first()
            .map(|r| {
                r.predicted
                    .iter()
                    .map(|(label, _)| short_label(label))
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default();
        let wide_pred = format!("Pred {lists}");
        let (header, fixed): (Vec<&str>, Vec<u16>) = match cols {
            Columns::Full if wide => (
                vec!["Title", "Genres", "ML avg (n)", "You", wide_pred.trim_end()],
                vec![22, 12, 5, 11],
            ),
            Columns::Full => (vec!["Title", "ML avg", "You", &lists], vec![6, 4, 7]),
            Columns::Rec => (vec!["Title", "Pred"], vec![6]),
        };
        // The title column gets what is left after the highlight symbol, the fixed
        // columns and one space between columns.
        let used: u16 = 1 + fixed.iter().sum::<u16>() + fixed.len() as u16;
        let title_w = inner.width.saturating_sub(used) as usize;
        let mut widths = vec![Constraint::Length(title_w as u16)];
        widths.extend(fixed.iter().map(|&w| Constraint::Length(w)));
        let rows: Vec<Row> = self
            .rows
            .iter()
            .map(|r| {
                let mark = if r.watch { " ⊕" } else { "" };
                let label = fit_label(&r.title, r.year, mark, title_w);
                let cells: Vec<Cell> = match cols {
                    Columns::Full => {
                        // Your stars replace the predictions once you rated a movie.
                        let pred = if r.mine.is_some() {
                            String::new()
                        } else {
                            r.predicted
                                .iter()
                                .map(|&(_, v)| num(Some(v)))
                                .collect::<Vec<_>>()
                                .join("/")
                        };
                        let mut v = vec![Cell::from(label)];
                        if wide {
                            v.push(Cell::from(cut(&r.genres, 22)).style(t.dim));
                            v.push(
                                Cell::from(format!("{} ({})", num(Some(r.mean)), r.count))
                                    .style(t.star),
                            );
                        } else {
                            v.push(Cell::from(num(Some(r.mean))).style(t.star));
                        }
                        v.push(Cell::from(num(r.mine)).style(t.accent));
                        v.push(Cell::from(pred).style(t.predicted));
                        v
                    }
                    Columns::Rec => {
                        let pred = match r.mine {
                            Some(s) => Cell::from(format!("{s:.1}★")).style(t.accent),
                            None => {
                                Cell::from(format!("{} ★", num(r.list_pred))).style(t.predicted)
                            }
                        };
                        vec![Cell::from(label), pred]
                    }
                };
                Row::new(cells).style(t.base)
            })
            .collect();
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(t.dim))
            .block(block)
            .highlight_spacing(HighlightSpacing::Always)
            .row_highlight_style(if focused {
                t.selected
            } else {
                ratatui::style::Style::default()
            })
            .highlight_symbol(if focused { "▶" } else { " " });
        f.render_stateful_widget(table, area, &mut self.state);
    }
}

/// A one-line title for a block.
pub fn title<'a>(text: &'a str, t: &Theme) -> Line<'a> {
    Line::from(Span::styled(format!(" {text} "), t.title))
}

/// The title of a pane, marked when it has the focus.
pub fn pane_title(text: &str, focused: bool, t: &Theme) -> Line<'static> {
    if focused {
        Line::from(vec![
            Span::styled(" ▶ ", t.accent),
            Span::styled(format!("{text} "), t.title),
        ])
    } else {
        Line::from(Span::styled(format!(" {text} "), t.dim))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_keep_their_year() {
        let s = fit_label(
            "The Lord of the Rings: The Return of the King",
            Some(2003),
            "",
            24,
        );
        assert_eq!(s, "The Lord of the… (2003)");
        assert!(width(&s) <= 24, "{s}");
        assert_eq!(fit_label("Up", Some(2009), "", 24), "Up (2009)");
        assert_eq!(fit_label("Heat", None, " ⊕", 5), "He… ⊕");
    }

    #[test]
    fn a_table_without_highlight_picks_row_0_on_any_move() {
        let row = |item| MovieRow {
            item,
            title: String::new(),
            year: None,
            genres: String::new(),
            mean: 0.0,
            count: 0,
            mine: None,
            predicted: Predicted::new(),
            list_pred: None,
            watch: false,
            because: String::new(),
        };
        let mut t = MovieTable::default();
        t.set_rows(vec![row(1), row(2), row(3)], Placement::Unselected);
        assert_eq!(t.selected(), None);
        t.move_by(1);
        assert_eq!(t.selected(), Some(1));
        t.move_by(1);
        t.set_rows(vec![row(1), row(3)], Placement::Follow);
        assert_eq!(t.selected(), Some(3), "nearest row when the movie left");
        t.set_rows(vec![row(3), row(1)], Placement::Follow);
        assert_eq!(t.selected(), Some(3), "same movie when still listed");
        t.set_rows(vec![row(1), row(3)], Placement::Top);
        assert_eq!(t.selected(), Some(1));
    }
}
