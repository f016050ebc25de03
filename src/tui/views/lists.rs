//! Your ratings (sortable, editable, removable) and your watchlist.

use ratatui::layout::Rect;
use ratatui::Frame;

use super::{movie_rows, title, Columns, Component, Ctx, MovieTable, Placement};
use crate::engine::Engine;
use crate::tui::keymap::{Command, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Date,
    Rating,
    Title,
}

impl Sort {
    pub fn next(self) -> Sort {
        match self {
            Sort::Date => Sort::Rating,
            Sort::Rating => Sort::Title,
            Sort::Title => Sort::Date,
        }
    }
    /// Name in the settings file.
    pub fn name(self) -> &'static str {
        match self {
            Sort::Date => "date",
            Sort::Rating => "rating",
            Sort::Title => "title",
        }
    }
    pub fn from_name(name: &str) -> Option<Sort> {
        [Sort::Date, Sort::Rating, Sort::Title]
            .into_iter()
            .find(|s| s.name() == name)
    }
    pub fn label(self) -> &'static str {
        match self {
            Sort::Date => "newest first",
            Sort::Rating => "highest first",
            Sort::Title => "by title",
        }
    }
}

#[derive(Default)]
pub struct RatingsView {
    pub sort: Sort,
    pub table: MovieTable,
    /// Rated movies not in this dataset (kept in the profile file).
    missing: usize,
}

impl RatingsView {
    /// Rebuilds the list; `how` places the highlight (see the views module).
    pub fn refresh(&mut self, e: &Engine, how: Placement) {
        let cat = &e.dataset().catalogue;
        let mut rows: Vec<(u32, f32, i64, String)> = e
            .profile()
            .ratings
            .iter()
            .filter_map(|(&id, r)| {
                cat.index_of(id)
                    .map(|i| (i, r.stars, r.time, cat.movie(i).title.to_lowercase()))
            })
            .collect();
        match self.sort {
            Sort::Date => rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0))),
            Sort::Rating => rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.3.cmp(&b.3))),
            Sort::Title => rows.sort_by(|a, b| a.3.cmp(&b.3).then(a.0.cmp(&b.0))),
        }
        let items: Vec<u32> = rows.into_iter().map(|r| r.0).collect();
        self.missing = e.missing_movies().len();
        self.table.set_rows(movie_rows(e, &items), how);
    }
}

impl Component for RatingsView {
    fn selected(&self) -> Option<u32> {
        self.table.selected()
    }

    fn handle(&mut self, cmd: Command) -> bool {
        self.table.navigate(cmd)
    }

    fn scopes(&self) -> Vec<Scope> {
        vec![Scope::Ratings]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let n = self.table.len();
        let missing = self.missing;
        let mut label = format!("My ratings: {n}, {}", self.sort.label());
        if missing > 0 {
            label.push_str(&format!(" ({missing} movies not in this dataset)"));
        }
        self.table
            .draw(f, area, ctx, title(&label, ctx.theme), true, Columns::Full);
    }
}

/// Which marked list a [`MarkedView`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marks {
    Watchlist,
    /// Movies marked "not interested": reviewed here, and shown again with `x`.
    NotInterested,
}

/// A list of marked movies, newest first: the watchlist, or the not-interested movies.
pub struct MarkedView {
    pub marks: Marks,
    pub table: MovieTable,
}

/// The watchlist view.
pub type WatchlistView = MarkedView;

impl MarkedView {
    pub fn new(marks: Marks) -> Self {
        MarkedView {
            marks,
            table: MovieTable::default(),
        }
    }

    /// Rebuilds the list; `how` places the highlight (see the views module).
    pub fn refresh(&mut self, e: &Engine, how: Placement) {
        let cat = &e.dataset().catalogue;
        let p = e.profile();
        let map = match self.marks {
            Marks::Watchlist => &p.watchlist,
            Marks::NotInterested => &p.not_interested,
        };
        let mut rows: Vec<(i64, u32)> = map
            .iter()
            .filter_map(|(&id, m)| cat.index_of(id).map(|i| (m.time, i)))
            .collect();
        rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let items: Vec<u32> = rows.into_iter().map(|r| r.1).collect();
        self.table.set_rows(movie_rows(e, &items), how);
    }
}

impl Component for MarkedView {
    fn selected(&self) -> Option<u32> {
        self.table.selected()
    }

    fn handle(&mut self, cmd: Command) -> bool {
        self.table.navigate(cmd)
    }

    fn scopes(&self) -> Vec<Scope> {
        Vec::new()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let label = match self.marks {
            Marks::Watchlist => format!("Watchlist: {} (w adds / removes)", self.table.len()),
            Marks::NotInterested => format!(
                "Not interested: {} (hidden from recommendations; x shows one again)",
                self.table.len()
            ),
        };
        self.table
            .draw(f, area, ctx, title(&label, ctx.theme), true, Columns::Full);
    }
}
