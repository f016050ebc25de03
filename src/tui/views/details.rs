//! One movie: facts, tags, your rating (clickable stars), predictions, similar movies.
//!
//! Two panes, the movie and its similar movies; exactly one has the focus, marked by its
//! border and a ▶ in its title, and keys act on the focused pane's movie. Only the
//! focus key (Tab) or a click moves the focus: arrow keys on the movie pane do not
//! silently move it into the list.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::{
    movie_rows, num, pane_title, stars, Columns, Component, Ctx, MovieRow, MovieTable, Placement,
};
use crate::engine::Engine;
use crate::tui::keymap::{Command, Scope};

/// How many similar movies the page lists.
pub const SIMILAR: usize = 20;

/// Which pane of the page has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailsFocus {
    Movie,
    Similar,
}

/// The facts the page shows, computed when the page opens or the profile changes.
#[derive(Debug, Clone, PartialEq)]
pub struct MovieFacts {
    pub row: MovieRow,
    pub genres: String,
    pub tags: String,
    pub on_watchlist: bool,
    pub not_interested: bool,
    /// The movie's IMDb and TMDB pages (from the dataset's links), if known.
    pub imdb: Option<String>,
    pub tmdb: Option<String>,
}

pub struct DetailsView {
    pub item: u32,
    pub facts: MovieFacts,
    pub similar: MovieTable,
    /// Where the clickable stars were drawn (2 cells per star).
    pub stars_area: Rect,
    pub focus: DetailsFocus,
}

impl DetailsView {
    pub fn new(e: &Engine, item: u32) -> Self {
        let similar: Vec<u32> = e.similar(item, SIMILAR).into_iter().map(|s| s.0).collect();
        let mut table = MovieTable::default();
        table.set_rows(movie_rows(e, &similar), Placement::Top);
        DetailsView {
            item,
            facts: facts(e, item),
            similar: table,
            stars_area: Rect::default(),
            focus: DetailsFocus::Movie,
        }
    }

    /// After a profile change: fresh stars and predictions.
    pub fn refresh(&mut self, e: &Engine) {
        self.facts = facts(e, self.item);
        let items = self.similar.items();
        self.similar
            .set_rows(movie_rows(e, &items), Placement::Follow);
    }

    pub fn toggle_focus(&mut self) {
        self.focus = match self.focus {
            DetailsFocus::Movie if !self.similar.is_empty() => DetailsFocus::Similar,
            _ => DetailsFocus::Movie,
        };
    }

    /// Stars for a click at (x, y) on the star widget, if it hit: the star clicked
    /// (each star is two cells, the glyph and a space).
    pub fn stars_at(&self, x: u16, y: u16) -> Option<f32> {
        let a = self.stars_area;
        if y != a.y || x < a.x || x >= a.x + 10 {
            return None;
        }
        Some(((x - a.x) / 2 + 1) as f32)
    }
}

impl Component for DetailsView {
    /// The movie keys act on: the page's movie, or the highlighted similar one.
    fn selected(&self) -> Option<u32> {
        match self.focus {
            DetailsFocus::Movie => Some(self.item),
            DetailsFocus::Similar => self.similar.selected(),
        }
    }

    /// Movement keys move only inside the similar list when it has the focus.
    fn handle(&mut self, cmd: Command) -> bool {
        match (cmd, self.focus) {
            (Command::NextPane, _) => {
                self.toggle_focus();
                true
            }
            (_, DetailsFocus::Similar) => self.similar.navigate(cmd),
            (_, DetailsFocus::Movie) => false,
        }
    }

    fn scopes(&self) -> Vec<Scope> {
        vec![Scope::Page, Scope::Panes]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = ctx.theme;
        let fx = &self.facts;
        let r = &fx.row;
        let info_h = if fx.tags.is_empty() { 9 } else { 10 };
        let [info_area, sim_area] =
            Layout::vertical([Constraint::Length(info_h), Constraint::Min(3)]).areas(area);
        let mut marks = Vec::new();
        if fx.on_watchlist {
            marks.push("on your watchlist");
        }
        if fx.not_interested {
            marks.push("not interested");
        }
        let mut lines = vec![
            Line::from(vec![
                Span::styled(r.title.clone(), t.title),
                Span::styled(
                    r.year.map(|y| format!("  ({y})")).unwrap_or_default(),
                    t.dim,
                ),
            ]),
            Line::from(Span::styled(fx.genres.clone(), t.dim)),
            Line::from(vec![
                Span::styled("MovieLens  ", t.dim),
                Span::styled(format!("{} {}", stars(r.mean), num(Some(r.mean))), t.star),
                Span::styled(format!("  from {} ratings", r.count), t.dim),
            ]),
        ];
        // Your rating: 2 cells per star so each star is an easy click target.
        let mut mine_spans = vec![Span::styled("You       ", t.dim)];
        let wide_stars: String = stars(r.mine.unwrap_or(0.0))
            .chars()
            .flat_map(|c| [c, ' '])
            .collect();
        mine_spans.push(Span::styled(wide_stars, t.accent));
        mine_spans.push(Span::styled(
            match r.mine {
                Some(s) => format!("{s:.1}  (click a star, 1-5, +/-, 0 clears)"),
                None => "not rated  (click a star or 1-5)".to_string(),
            },
            t.dim,
        ));
        lines.push(Line::from(mine_spans));
        // Once rated, your stars are the answer; predictions would only confuse.
        lines.push(match r.mine {
            Some(_) => Line::from(Span::styled("Predicted  – (you rated it)", t.dim)),
            None => {
                let mut spans = vec![Span::styled("Predicted ", t.dim)];
                for (k, (label, v)) in r.predicted.iter().enumerate() {
                    if k > 0 {
                        spans.push(Span::styled("   ", t.dim));
                    }
                    spans.push(Span::styled(
                        format!("{label} {} {}", stars(*v), num(Some(*v))),
                        t.predicted,
                    ));
                }
                Line::from(spans)
            }
        });
        if !fx.tags.is_empty() {
            lines.push(Line::from(vec![
                Span::styled("Tags      ", t.dim),
                Span::styled(fx.tags.clone(), t.base),
            ]));
        }
        // Links: the URLs themselves (a terminal may make them clickable), b / B open.
        let mut link_spans = vec![Span::styled("Links     ", t.dim)];
        for (site, url) in [("IMDb", &fx.imdb), ("TMDB", &fx.tmdb)] {
            if let Some(url) = url {
                link_spans.push(Span::styled(format!("{site} "), t.dim));
                link_spans.push(Span::styled(format!("{url}   "), t.base));
            }
        }
        if fx.imdb.is_none() && fx.tmdb.is_none() {
            link_spans.push(Span::styled("none for this movie in the dataset", t.dim));
        }
        lines.push(Line::from(link_spans));
        if !marks.is_empty() {
            lines.push(Line::from(Span::styled(marks.join(", "), t.accent)));
        }
        let on_movie = self.focus == DetailsFocus::Movie;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if on_movie { t.accent } else { t.border })
            .title(pane_title(
                if on_movie {
                    "Movie (keys act here)"
                } else {
                    "Movie (Tab moves here)"
                },
                on_movie,
                t,
            ));
        let inner = block.inner(info_area);
        // "You" line is the 4th line of the paragraph; stars start after the 10-cell label.
        self.stars_area = Rect {
            x: inner.x + 10,
            y: inner.y + 3,
            width: 10,
            height: 1,
        };
        // Not wrapped: the stars must stay on the line the click targets were measured on.
        f.render_widget(Paragraph::new(lines).block(block), info_area);
        let sim_title = if on_movie {
            "Similar movies (Tab moves here)"
        } else {
            "Similar movies (keys act here; Tab back, Enter opens)"
        };
        self.similar.draw(
            f,
            sim_area,
            ctx,
            pane_title(sim_title, !on_movie, t),
            !on_movie,
            Columns::Full,
        );
    }
}

fn facts(e: &Engine, item: u32) -> MovieFacts {
    let cat = &e.dataset().catalogue;
    let row = movie_rows(e, &[item])
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable_row(item));
    let links = e.movie_links(item);
    let tags = e
        .top_tags(item, 8)
        .iter()
        .map(|(s, n)| {
            if *n > 1 {
                format!("{s} ×{n}")
            } else {
                s.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    MovieFacts {
        row,
        genres: cat.genre_list(cat.movie(item).genres).join(" · "),
        tags,
        on_watchlist: e.in_watchlist(item),
        not_interested: e.is_not_interested(item),
        imdb: links.imdb,
        tmdb: links.tmdb,
    }
}

/// `movie_rows` returns one row per item; this only keeps the types total.
fn unreachable_row(item: u32) -> MovieRow {
    MovieRow {
        item,
        title: String::new(),
        year: None,
        genres: String::new(),
        mean: f32::NAN,
        count: 0,
        mine: None,
        predicted: super::Predicted::new(),
        list_pred: None,
        watch: false,
        because: String::new(),
    }
}
