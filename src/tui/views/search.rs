//! Search: a query box and the matching movies. An empty query shows the start list:
//! movies to rate first (few ratings) or the most rated ones.
//!
//! Focus is either the box (typing goes there, no movie is highlighted) or the list.
//! Matching runs on a [`SearchWorker`] thread; the view remembers which request the list
//! waits for, so a late reply for an older query is never shown, and the app holds back
//! keys that act on results until the reply for the current query is in.

use std::time::{Duration, Instant};

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::{movie_rows, pane_title, title, Columns, Component, Ctx, MovieTable, Placement};
use crate::engine::{Engine, SearchReply, SearchWorker, MIN_PERSONAL_RATINGS};
use crate::tui::keymap::{Command, Scope};

/// How many hits a search asks for (and shows).
pub const LIMIT: usize = 200;

/// What the list under the box holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Movies to rate first (popular, varied).
    Onboarding,
    /// The most rated movies.
    Popular,
    /// Results of the query: how many movies match in all (the list shows at most
    /// [`LIMIT`]).
    Results { total: usize },
}

pub struct SearchView {
    pub query: String,
    /// Typing goes into the box.
    pub editing: bool,
    pub table: MovieTable,
    worker: Option<SearchWorker>,
    /// The request the list waits for, and when it was sent.
    awaiting: Option<(u64, Instant)>,
    /// Last search time, shown in the box title.
    pub last_ms: Option<f64>,
    pub listing: Listing,
}

impl SearchView {
    pub fn new(worker: Option<SearchWorker>) -> Self {
        SearchView {
            query: String::new(),
            editing: false,
            table: MovieTable::default(),
            worker,
            awaiting: None,
            last_ms: None,
            listing: Listing::Onboarding,
        }
    }

    /// True while the list does not yet show the results of the current query.
    pub fn pending(&self) -> bool {
        self.awaiting.is_some()
    }

    /// How long the current request has been waiting.
    pub fn waited(&self) -> Option<Duration> {
        self.awaiting.map(|(_, t)| t.elapsed())
    }

    /// Stops waiting (the worker did not answer).
    pub fn give_up(&mut self) {
        self.awaiting = None;
    }

    /// Sends the query to the background matcher (an empty query needs none).
    pub fn request(&mut self) {
        self.awaiting = None;
        if self.query.trim().is_empty() {
            return;
        }
        if let Some(w) = self.worker.as_mut() {
            let generation = w.request(&self.query, LIMIT);
            self.awaiting = Some((generation, Instant::now()));
        }
    }

    /// Picks up the reply to the current query if it has arrived (never blocks).
    pub fn poll(&mut self, e: &Engine) -> bool {
        match self.worker.as_mut().and_then(SearchWorker::poll) {
            Some(r) => self.apply(r, e),
            None => false,
        }
    }

    /// Waits up to `timeout` for the reply to the current query (tests, scripts).
    pub fn wait(&mut self, e: &Engine, timeout: Duration) -> bool {
        if !self.pending() {
            return false;
        }
        match self.worker.as_mut().and_then(|w| w.wait(timeout)) {
            Some(r) => self.apply(r, e),
            None => false,
        }
    }

    /// Shows a reply if it answers the request the list waits for: a new result set,
    /// highlighted at row 0 and scrolled to the top.
    fn apply(&mut self, r: SearchReply, e: &Engine) -> bool {
        if self.awaiting.map(|a| a.0) != Some(r.generation) {
            return false;
        }
        self.awaiting = None;
        self.last_ms = Some(r.elapsed.as_secs_f64() * 1e3);
        let items: Vec<u32> = r.hits.iter().map(|h| h.item).collect();
        self.listing = Listing::Results { total: r.total };
        self.table.set_rows(movie_rows(e, &items), Placement::Top);
        true
    }

    /// Shows the start list (after the query was cleared, or at start).
    pub fn show_start(&mut self, e: &Engine, how: Placement) {
        self.awaiting = None;
        let (items, listing) = if e.n_rated() < MIN_PERSONAL_RATINGS {
            (e.onboarding(12), Listing::Onboarding)
        } else {
            (e.popular(LIMIT, &Default::default()), Listing::Popular)
        };
        self.listing = listing;
        self.table.set_rows(movie_rows(e, &items), how);
    }

    /// After a profile change: the same movies, with fresh stars and predictions. The
    /// start list keeps its movies while on screen so your stars appear in place.
    pub fn refresh(&mut self, e: &Engine) {
        let items = self.table.items();
        self.table
            .set_rows(movie_rows(e, &items), Placement::Follow);
    }

    /// The box title with the true hit count (the list itself stops at [`LIMIT`]).
    pub fn box_title(&self) -> String {
        match self.listing {
            Listing::Results { total } if !self.query.trim().is_empty() => {
                let n = total.to_string();
                let s = if total == 1 { "" } else { "s" };
                let waiting = if self.pending() { ", searching…" } else { "" };
                format!("Search ({n} hit{s}{waiting})")
            }
            _ if self.pending() => "Search (searching…)".to_string(),
            _ => "Search".to_string(),
        }
    }
}

impl Component for SearchView {
    /// The movie keys act on: none while typing.
    fn selected(&self) -> Option<u32> {
        if self.editing {
            None
        } else {
            self.table.selected()
        }
    }

    fn handle(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::NextPane => {
                self.editing = true;
                true
            }
            _ if self.editing => false,
            _ => self.table.navigate(cmd),
        }
    }

    fn scopes(&self) -> Vec<Scope> {
        Vec::new()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = ctx.theme;
        let [input_area, list_area] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
        let cursor = if self.editing { "▏" } else { "" };
        let hint = if self.query.is_empty() && !self.editing {
            Span::styled("press / to search titles, years, genres", t.dim)
        } else {
            Span::styled(format!("{}{cursor}", self.query), t.base)
        };
        let box_title = self.box_title();
        let input = Paragraph::new(Line::from(vec![Span::styled("🔍 ", t.dim), hint])).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(if self.editing { t.accent } else { t.border })
                .title(title(&box_title, t)),
        );
        f.render_widget(input, input_area);
        let list_title = match self.listing {
            _ if !self.query.trim().is_empty() => "Results",
            Listing::Onboarding => "Rate a few of these to get started (popular, varied)",
            _ => "Most rated movies",
        };
        let focused = !self.editing;
        self.table.draw(
            f,
            list_area,
            ctx,
            pane_title(list_title, focused, t),
            focused,
            Columns::Full,
        );
    }
}
