//! "For you": one pane per recommendation list the engine offers (side by side, or
//! stacked when narrow), with filters. A pane shows which of your ratings each pick
//! comes from when its model can say.
//!
//! While you rate in this view, the movies you rated stay in place (showing your stars),
//! so the highlight stays on the movie you just rated instead of jumping to the next one
//! (which the next key would then act on). They leave the lists when you leave the view.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::{movie_rows, pane_title, Columns, Component, Ctx, MovieTable, Placement};
use crate::engine::{Engine, ListId, RecFilter, MIN_PERSONAL_RATINGS};
use crate::tui::keymap::{Command, Scope};

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

/// The lists the engine offers (the configured lists), in display order. The one place
/// that asks; the panes follow whatever it returns.
pub fn offered_lists(engine: &Engine) -> Vec<ListId> {
    engine.list_ids()
}

/// What a list pane is called: its label, and whether it explains its picks.
pub fn list_title(label: &str, explains: bool, popularity: bool) -> String {
    if popularity {
        format!("{label} · popular until you rate more")
    } else if explains {
        format!("{label} (because you rated…)")
    } else {
        label.to_string()
    }
}

/// One recommendation list.
pub struct ListPane {
    pub kind: ListId,
    /// The list's label ("Item-based", "SVD", …).
    pub label: String,
    /// Whether its picks name the ratings they come from.
    pub explains: bool,
    pub table: MovieTable,
    pub popularity_based: bool,
    /// Movies rated while this view was on screen, kept in place until it is left.
    pinned: Vec<u32>,
}

pub struct ForYouView {
    pub panes: Vec<ListPane>,
    /// Index of the focused pane.
    pub focus: usize,
    /// Genres a movie may have (any of them; empty: every genre).
    pub genres: Vec<usize>,
    /// Genres a movie must not have.
    pub exclude_genres: Vec<usize>,
    pub years: usize,
    pub min_ratings: usize,
    /// Genre filter as shown (computed with the lists).
    genre_label: String,
    n_rated: usize,
    /// While the lists are loading or training: how far along (shown instead of panes).
    pub preparing: Option<String>,
}

impl Default for ForYouView {
    fn default() -> Self {
        ForYouView {
            panes: Vec::new(),
            focus: 0,
            genres: Vec::new(),
            exclude_genres: Vec::new(),
            years: 0,
            min_ratings: 1,
            genre_label: "all genres".into(),
            n_rated: 0,
            preparing: None,
        }
    }
}

impl ForYouView {
    pub fn filter(&self) -> RecFilter {
        RecFilter {
            genres: self.genres.clone(),
            exclude_genres: self.exclude_genres.clone(),
            years: YEARS[self.years % YEARS.len()].0,
            min_ratings: MIN_RATINGS[self.min_ratings % MIN_RATINGS.len()],
        }
    }

    /// Recomputes every list (after a rating, a filter change or a retrain). `visible`:
    /// the view is on screen, so highlights follow their movies and rated movies stay;
    /// otherwise each list starts over at row 0.
    pub fn refresh(&mut self, e: &Engine, visible: bool) {
        let kinds = offered_lists(e);
        // New panes (the lists arrived, or changed) start at their top row.
        let fresh = self.panes.iter().map(|p| p.kind).ne(kinds.iter().copied());
        if fresh {
            self.panes = kinds
                .into_iter()
                .map(|kind| ListPane {
                    kind,
                    label: e.list_label(kind).to_string(),
                    explains: false,
                    table: MovieTable::default(),
                    popularity_based: false,
                    pinned: Vec::new(),
                })
                .collect();
            self.focus = 0;
        }
        let f = self.filter();
        self.genre_label = super::picker::summary(
            &e.dataset().catalogue.genre_names,
            &self.genres,
            &self.exclude_genres,
        );
        self.n_rated = e.n_rated();
        for pane in &mut self.panes {
            let list = e.recommend(pane.kind, LIST_LEN, &f);
            pane.popularity_based = list.popularity_based;
            pane.explains = list.entries.iter().any(|r| !r.because.is_empty());
            let mut items: Vec<u32> = list.entries.iter().map(|r| r.item).collect();
            if visible {
                for (pos, item) in pane.table.items().into_iter().enumerate() {
                    if pane.pinned.contains(&item) && !items.contains(&item) {
                        items.insert(pos.min(items.len()), item);
                    }
                }
            } else {
                pane.pinned.clear();
            }
            let mut rows = movie_rows(e, &items);
            for row in &mut rows {
                if let Some(r) = list.entries.iter().find(|r| r.item == row.item) {
                    row.list_pred = Some(r.predicted);
                    row.because = r
                        .because
                        .iter()
                        .map(|(i, _)| e.dataset().catalogue.movie(*i).title.clone())
                        .collect::<Vec<_>>()
                        .join(", ");
                }
            }
            let how = if visible && !fresh {
                Placement::Follow
            } else {
                Placement::Top
            };
            pane.table.set_rows(rows, how);
        }
        if self.focus >= self.panes.len() {
            self.focus = 0;
        }
    }

    /// Keeps `item` in place in every pane listing it (it is about to be rated here).
    pub fn pin(&mut self, item: u32) {
        for pane in &mut self.panes {
            if pane.table.items().contains(&item) && !pane.pinned.contains(&item) {
                pane.pinned.push(item);
            }
        }
    }

    /// The view was left: rated movies may go.
    pub fn unpin_all(&mut self) {
        for pane in &mut self.panes {
            pane.pinned.clear();
        }
    }

    pub fn table(&mut self) -> Option<&mut MovieTable> {
        self.panes.get_mut(self.focus).map(|p| &mut p.table)
    }

    pub fn next_pane(&mut self) {
        if !self.panes.is_empty() {
            self.focus = (self.focus + 1) % self.panes.len();
        }
    }

    /// Focuses the pane under (x, y); true if one is there.
    pub fn focus_at(&mut self, x: u16, y: u16) -> bool {
        match self.panes.iter().position(|p| p.table.contains(x, y)) {
            Some(k) => {
                self.focus = k;
                true
            }
            None => false,
        }
    }
}

impl Component for ForYouView {
    /// The highlighted movie of the focused pane.
    fn selected(&self) -> Option<u32> {
        self.panes.get(self.focus).and_then(|p| p.table.selected())
    }

    fn handle(&mut self, cmd: Command) -> bool {
        if cmd == Command::NextPane {
            self.next_pane();
            return true;
        }
        self.table().is_some_and(|t| t.navigate(cmd))
    }

    fn scopes(&self) -> Vec<Scope> {
        vec![Scope::Panes, Scope::Recs]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = ctx.theme;
        let fl = self.filter();
        let filter_line = Line::from(vec![
            Span::styled("Filters: ", t.dim),
            Span::styled(self.genre_label.clone(), t.accent),
            Span::styled(" · ", t.dim),
            Span::styled(YEARS[self.years % YEARS.len()].1, t.accent),
            Span::styled(" · ", t.dim),
            Span::styled(format!("≥{} ratings", fl.min_ratings), t.accent),
        ]);
        let focused = self.panes.get(self.focus);
        let popularity = focused.is_some_and(|p| p.popularity_based);
        let note = if popularity {
            Line::from(Span::styled(
                format!(
                    "Popularity-based until you rate {} movies ({} so far): press / to find some.",
                    MIN_PERSONAL_RATINGS, self.n_rated
                ),
                t.error,
            ))
        } else {
            // The reason of the highlighted movie in the focused pane, nothing else.
            match focused.and_then(|p| p.table.selected_row()) {
                Some(r) if r.mine.is_some() => Line::from(Span::styled(
                    format!("You rated {} {:.1}★.", r.label(), r.mine.unwrap_or(0.0)),
                    t.dim,
                )),
                Some(r) if !r.because.is_empty() => Line::from(vec![
                    Span::styled("Because you rated ", t.dim),
                    Span::styled(r.because.clone(), t.base),
                ]),
                Some(_) => Line::from(Span::styled(
                    "From the pattern of all your ratings (no single reason).",
                    t.dim,
                )),
                None => Line::from(Span::styled(
                    "Personal recommendations from your ratings.",
                    t.dim,
                )),
            }
        };
        let [head, body] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(4)]).areas(area);
        if let Some(stage) = self.preparing.as_deref().filter(|_| self.panes.is_empty()) {
            let text = vec![
                Line::from(Span::styled("Your lists are being prepared:", t.accent)),
                Line::from(Span::styled(stage.trim().to_string(), t.base)),
                Line::from(""),
                Line::from(Span::styled(
                    "Meanwhile, search (/) and rate: your ratings count as soon as the lists are ready.",
                    t.dim,
                )),
            ];
            f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
            return;
        }
        f.render_widget(Paragraph::new(vec![filter_line, note]), head);
        let n = self.panes.len().max(1) as u32;
        let parts = vec![Constraint::Ratio(1, n); n as usize];
        // Side by side when each pane gets at least 50 columns.
        let areas = if body.width >= 50 * n as u16 {
            Layout::horizontal(parts).split(body)
        } else {
            Layout::vertical(parts).split(body)
        };
        let focus = self.focus;
        for (k, (pane, area)) in self.panes.iter_mut().zip(areas.iter()).enumerate() {
            let label = list_title(&pane.label, pane.explains, pane.popularity_based);
            pane.table.draw(
                f,
                *area,
                ctx,
                pane_title(&label, focus == k, t),
                focus == k,
                Columns::Rec,
            );
        }
    }
}
