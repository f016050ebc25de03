//! Search: a query box and the matching movies. An empty query shows movies to rate
//! first (empty profile) or the most popular ones.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::{title, Columns, Ctx, MovieTable};
use crate::engine::{SearchReply, SearchWorker};

pub struct SearchView {
    pub query: String,
    /// Typing goes into the box.
    pub editing: bool,
    pub table: MovieTable,
    pub worker: Option<SearchWorker>,
    /// Last search time, shown in the box title.
    pub last_ms: Option<f64>,
    /// The shown list is the onboarding list.
    pub onboarding: bool,
}

pub const LIMIT: usize = 200;

impl SearchView {
    pub fn new(worker: Option<SearchWorker>) -> Self {
        SearchView {
            query: String::new(),
            editing: false,
            table: MovieTable::default(),
            worker,
            last_ms: None,
            onboarding: false,
        }
    }

    /// Sends the query to the background matcher.
    pub fn request(&mut self) {
        if let Some(w) = self.worker.as_mut() {
            w.request(&self.query, LIMIT);
        }
    }

    /// Picks up finished matches (never blocks).
    pub fn poll(&mut self) -> bool {
        match self.worker.as_mut().and_then(SearchWorker::poll) {
            Some(r) => {
                self.apply(r);
                true
            }
            None => false,
        }
    }

    pub fn apply(&mut self, r: SearchReply) {
        self.last_ms = Some(r.elapsed.as_secs_f64() * 1e3);
        self.table
            .set_items(r.hits.iter().map(|h| h.item).collect());
        self.onboarding = false;
    }

    pub fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = ctx.theme;
        let [input_area, list_area] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
        let cursor = if self.editing { "▏" } else { "" };
        let hint = if self.query.is_empty() && !self.editing {
            Span::styled("press / to search titles, years, genres", t.dim)
        } else {
            Span::styled(format!("{}{cursor}", self.query), t.base)
        };
        let box_title = match self.last_ms {
            Some(_) if !self.query.is_empty() => {
                format!("Search ({} hits)", self.table.items.len())
            }
            _ => "Search".to_string(),
        };
        let input = Paragraph::new(Line::from(vec![Span::styled("🔍 ", t.dim), hint])).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(if self.editing { t.accent } else { t.border })
                .title(title(&box_title, t)),
        );
        f.render_widget(input, input_area);
        let list_title = if !self.query.trim().is_empty() {
            "Results"
        } else if self.onboarding {
            "Rate a few of these to get started (popular, varied)"
        } else {
            "Most rated movies"
        };
        self.table.draw(
            f,
            list_area,
            ctx,
            title(list_title, t),
            !self.editing,
            Columns::Full,
        );
    }
}
