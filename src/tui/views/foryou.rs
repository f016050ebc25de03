//! "For you": the item-based and SVD lists side by side (stacked when narrow), with
//! filters. The item-based list says which of your ratings each pick comes from.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{title, Columns, Ctx, MovieTable};
use crate::engine::{Engine, RecFilter, RecList, MIN_PERSONAL_RATINGS};

/// Year-range presets the `years` command cycles through.
pub const YEARS: [(Option<(u16, u16)>, &str); 6] = [
    (None, "any year"),
    (Some((0, 1969)), "before 1970"),
    (Some((1970, 1989)), "1970-1989"),
    (Some((1990, 1999)), "1990s"),
    (Some((2000, 2009)), "2000s"),
    (Some((2010, 9999)), "2010 on"),
];
/// Minimum-ratings presets.
pub const MIN_RATINGS: [u32; 4] = [0, 10, 50, 200];

pub const LIST_LEN: usize = 50;

pub struct ForYouView {
    pub pane: usize,
    /// One table per list the engine is configured with, in list order.
    pub tables: Vec<MovieTable>,
    pub lists: Vec<RecList>,
    pub genre: Option<usize>,
    pub years: usize,
    pub min_ratings: usize,
}

impl Default for ForYouView {
    fn default() -> Self {
        ForYouView {
            pane: 0,
            tables: Vec::new(),
            lists: Vec::new(),
            genre: None,
            years: 0,
            min_ratings: 1,
        }
    }
}

impl ForYouView {
    pub fn filter(&self) -> RecFilter {
        RecFilter {
            genre: self.genre,
            years: YEARS[self.years % YEARS.len()].0,
            min_ratings: MIN_RATINGS[self.min_ratings % MIN_RATINGS.len()],
        }
    }

    /// Recomputes both lists (after a rating, a filter change or a retrain).
    pub fn refresh(&mut self, engine: &Engine) {
        let f = self.filter();
        self.lists = engine
            .list_ids()
            .into_iter()
            .map(|k| engine.recommend(k, LIST_LEN, &f))
            .collect();
        self.tables
            .resize_with(self.lists.len(), MovieTable::default);
        for (k, list) in self.lists.iter().enumerate() {
            self.tables[k].set_items(list.entries.iter().map(|r| r.item).collect());
        }
    }

    /// The focused pane's table (there is always at least one list).
    pub fn table(&mut self) -> &mut MovieTable {
        if self.tables.is_empty() {
            self.tables.push(MovieTable::default());
        }
        let k = self.pane % self.tables.len();
        &mut self.tables[k]
    }

    pub fn selected(&self) -> Option<u32> {
        self.tables
            .get(self.pane % self.tables.len().max(1))
            .and_then(MovieTable::selected)
    }

    /// Moves focus to the next list pane.
    pub fn next_pane(&mut self) {
        self.pane = (self.pane + 1) % self.tables.len().max(1);
    }

    pub fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = ctx.theme;
        let e = ctx.engine;
        let genre = self
            .genre
            .and_then(|g| e.dataset().catalogue.genre_names.get(g).cloned())
            .unwrap_or_else(|| "all genres".to_string());
        let fl = self.filter();
        let filter_line = Line::from(vec![
            Span::styled("Filters: ", t.dim),
            Span::styled(genre, t.accent),
            Span::styled(" · ", t.dim),
            Span::styled(YEARS[self.years % YEARS.len()].1, t.accent),
            Span::styled(" · ", t.dim),
            Span::styled(format!("≥{} ratings", fl.min_ratings), t.accent),
        ]);
        let popularity = self.lists.first().is_some_and(|l| l.popularity_based);
        let note = if popularity {
            Line::from(Span::styled(
                format!(
                    "Popularity-based until you rate {} movies ({} so far): press / to find some.",
                    MIN_PERSONAL_RATINGS,
                    e.n_rated()
                ),
                t.error,
            ))
        } else {
            let why = self
                .lists
                .first()
                .and_then(|l| {
                    let sel = self.tables[0].selected()?;
                    l.entries.iter().find(|r| r.item == sel)
                })
                .map(|r| {
                    r.because
                        .iter()
                        .map(|(i, _)| e.dataset().catalogue.movie(*i).title.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            if why.is_empty() {
                Line::from(Span::styled(
                    "Personal recommendations from your ratings.",
                    t.dim,
                ))
            } else {
                Line::from(vec![
                    Span::styled("Because you rated ", t.dim),
                    Span::styled(why, t.base),
                ])
            }
        };
        let [head, body] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(4)]).areas(area);
        f.render_widget(Paragraph::new(vec![filter_line, note]), head);
        let n = self.tables.len().max(1) as u32;
        let split = vec![Constraint::Ratio(1, n); n as usize];
        // Side by side when each pane gets at least 50 columns, else stacked.
        let areas = if body.width as u32 >= 50 * n {
            Layout::horizontal(split).split(body)
        } else {
            Layout::vertical(split).split(body)
        };
        let focused = self.pane % n as usize;
        for (k, list) in self.lists.iter().enumerate() {
            let Some(table) = self.tables.get_mut(k) else {
                continue;
            };
            let name = e.list_label(list.list);
            let label = if popularity {
                format!("{name} · popular")
            } else if list.entries.iter().any(|r| !r.because.is_empty()) {
                format!("{name} (because you rated…)")
            } else {
                name.to_string()
            };
            table.draw(
                f,
                areas[k],
                ctx,
                title(&label, t),
                focused == k,
                Columns::Rec(list.list),
            );
        }
    }
}
