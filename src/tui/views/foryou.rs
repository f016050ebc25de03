//! "For you": the item-based and SVD lists side by side (stacked when narrow), with
//! filters. The item-based list says which of your ratings each pick comes from.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{title, Columns, Ctx, MovieTable};
use crate::engine::{Engine, ListKind, RecFilter, RecList, MIN_PERSONAL_RATINGS};

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
    pub tables: [MovieTable; 2],
    pub lists: Vec<RecList>,
    pub genre: Option<usize>,
    pub years: usize,
    pub min_ratings: usize,
}

impl Default for ForYouView {
    fn default() -> Self {
        ForYouView {
            pane: 0,
            tables: [MovieTable::default(), MovieTable::default()],
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
        self.lists = ListKind::ALL
            .iter()
            .map(|&k| engine.recommend(k, LIST_LEN, &f))
            .collect();
        for (k, list) in self.lists.iter().enumerate() {
            self.tables[k].set_items(list.entries.iter().map(|r| r.item).collect());
        }
    }

    pub fn table(&mut self) -> &mut MovieTable {
        &mut self.tables[self.pane % 2]
    }

    pub fn selected(&self) -> Option<u32> {
        self.tables[self.pane % 2].selected()
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
        let areas: [Rect; 2] = if body.width >= 100 {
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body)
        } else {
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body)
        };
        for (k, kind) in ListKind::ALL.iter().enumerate() {
            let label = match kind {
                ListKind::ItemBased => "Item-based (because you rated…)",
                ListKind::Svd => "SVD (matrix factorisation)",
            };
            let label = if popularity {
                format!("{} · popular", kind.label())
            } else {
                label.to_string()
            };
            self.tables[k].draw(
                f,
                areas[k],
                ctx,
                title(&label, t),
                self.pane % 2 == k,
                Columns::Rec(*kind),
            );
        }
    }
}
