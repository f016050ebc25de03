//! One movie: facts, tags, your rating (clickable stars), both predictions, similar movies.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::{num, stars, title, Columns, Ctx, MovieTable};

pub struct DetailsView {
    pub item: u32,
    pub similar: MovieTable,
    /// Where the clickable stars were drawn (2 cells per star).
    pub stars_area: Rect,
    /// Highlight is on the movie itself (false) or in the similar list (true).
    pub in_similar: bool,
}

impl DetailsView {
    pub fn new(item: u32, similar: Vec<u32>) -> Self {
        let mut table = MovieTable::default();
        table.set_items(similar);
        DetailsView {
            item,
            similar: table,
            stars_area: Rect::default(),
            in_similar: false,
        }
    }

    /// The highlighted movie: the one shown, or the highlighted similar one.
    pub fn selected(&self) -> Option<u32> {
        if self.in_similar {
            self.similar.selected()
        } else {
            Some(self.item)
        }
    }

    /// Stars for a click at (x, y) on the star widget, if it hit.
    pub fn stars_at(&self, x: u16, y: u16) -> Option<f32> {
        let a = self.stars_area;
        if y != a.y || x < a.x || x >= a.x + 10 {
            return None;
        }
        Some((x - a.x + 1) as f32 * 0.5)
    }

    pub fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = ctx.theme;
        let e = ctx.engine;
        let m = e.dataset().catalogue.movie(self.item);
        let tags = e.top_tags(self.item, 8);
        let info_h = if tags.is_empty() { 8 } else { 9 };
        let [info_area, sim_area] =
            Layout::vertical([Constraint::Length(info_h), Constraint::Min(3)]).areas(area);
        let p = ctx.predicted(self.item);
        let mine = e.rating_of(self.item);
        let mut marks = Vec::new();
        if e.in_watchlist(self.item) {
            marks.push("on your watchlist");
        }
        if e.is_not_interested(self.item) {
            marks.push("not interested");
        }
        let mut lines = vec![
            Line::from(vec![
                Span::styled(m.title.clone(), t.title),
                Span::styled(
                    m.year.map(|y| format!("  ({y})")).unwrap_or_default(),
                    t.dim,
                ),
            ]),
            Line::from(Span::styled(
                e.dataset().catalogue.genre_list(m.genres).join(" · "),
                t.dim,
            )),
            Line::from(vec![
                Span::styled("MovieLens  ", t.dim),
                Span::styled(
                    format!(
                        "{} {}",
                        stars(e.mean_rating(self.item)),
                        num(Some(e.mean_rating(self.item)))
                    ),
                    t.star,
                ),
                Span::styled(
                    format!("  from {} ratings", e.rating_count(self.item)),
                    t.dim,
                ),
            ]),
        ];
        // Your rating: 2 cells per star so a click can pick a half star.
        let mut mine_spans = vec![Span::styled("You       ", t.dim)];
        let v = mine.unwrap_or(0.0);
        let wide_stars: String = stars(v).chars().flat_map(|c| [c, ' ']).collect();
        mine_spans.push(Span::styled(wide_stars, t.accent));
        mine_spans.push(Span::styled(
            match mine {
                Some(s) => format!("{s:.1}  (click, 1-5, +/-, 0 clears)"),
                None => "not rated  (click or 1-5)".to_string(),
            },
            t.dim,
        ));
        lines.push(Line::from(mine_spans));
        let mut pred_spans = vec![Span::styled("Predicted ", t.dim)];
        for (k, (list, v)) in e.list_ids().into_iter().zip(p).enumerate() {
            if k > 0 {
                pred_spans.push(Span::styled("   ", t.dim));
            }
            pred_spans.push(Span::styled(
                format!("{} {} {}", e.list_label(list), stars(v), num(Some(v))),
                t.predicted,
            ));
        }
        lines.push(Line::from(pred_spans));
        if !tags.is_empty() {
            let tag_text = tags
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
            lines.push(Line::from(vec![
                Span::styled("Tags      ", t.dim),
                Span::styled(tag_text, t.base),
            ]));
        }
        if !marks.is_empty() {
            lines.push(Line::from(Span::styled(marks.join(", "), t.accent)));
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if self.in_similar { t.border } else { t.accent })
            .title(title("Movie", t));
        let inner = block.inner(info_area);
        // "You" line is the 4th line of the paragraph; stars start after the 10-cell label.
        self.stars_area = Rect {
            x: inner.x + 10,
            y: inner.y + 3,
            width: 10,
            height: 1,
        };
        f.render_widget(Paragraph::new(lines).block(block), info_area);
        self.similar.draw(
            f,
            sim_area,
            ctx,
            title("Similar movies (Tab to move here, Enter opens)", t),
            self.in_similar,
            Columns::Full,
        );
    }
}
