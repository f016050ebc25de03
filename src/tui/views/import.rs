//! The import screen: a file path (typed or pasted; `~` is the home folder), the format
//! (detected from the file, or chosen) and merge or replace; then a dry run on a
//! background thread, whose report (imported, merged, skipped and why, unmatched titles
//! with their closest candidates) scrolls; then Enter or `y` imports, Esc goes back.
//!
//! The screen handles its own keys ([`ImportView::key`]): typing goes into the path
//! field, so only Ctrl-C quits there; elsewhere on the screen `q` quits too. Esc always
//! goes back one step (report → form → the app).

use std::sync::mpsc::Receiver;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::{title, Component, Ctx};
use crate::engine::import::{ImportFormat, ImportMode, ImportPreview};
use crate::tui::keymap::{Command, Scope};

/// The formats the format field cycles through.
pub const FORMATS: [(ImportFormat, &str); 5] = [
    (ImportFormat::Auto, "auto (told from the file)"),
    (
        ImportFormat::Letterboxd,
        "Letterboxd (ratings.csv, watchlist.csv or the .zip)",
    ),
    (ImportFormat::Imdb, "IMDb (ratings.csv)"),
    (ImportFormat::Movielens, "MovieLens.org (ratings CSV)"),
    (ImportFormat::Reel, "reel (profile TOML, JSON or CSV)"),
];

/// The form's fields, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Path,
    Format,
    Mode,
}

/// Where the screen is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Filling in the form (an error of the last try shows under it).
    Form,
    /// The dry run is running.
    Reading,
    /// The dry run's report, waiting for a yes.
    Report,
}

/// What a key asks the app to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStep {
    /// Nothing beyond the screen's own change.
    Stay,
    /// Start the dry run of the form.
    DryRun,
    /// Import what the report shows.
    Apply,
    /// Leave the screen.
    Close,
    Quit,
}

pub struct ImportView {
    pub path: String,
    pub field: Field,
    /// Index into [`FORMATS`].
    pub format: usize,
    pub mode: ImportMode,
    pub stage: Stage,
    /// The profile imported into.
    pub profile: String,
    /// Why the last try failed (missing file, malformed row with file and line, …).
    pub error: Option<String>,
    pub preview: Option<ImportPreview>,
    /// The report's lines, made when it arrives (drawing computes nothing).
    pub report: Vec<String>,
    pub scroll: usize,
    /// Lines of the report on screen, as last drawn (for paging and the scroll limit).
    pub report_rows: usize,
    /// The running dry run's answer.
    pub job: Option<Receiver<Result<ImportPreview, String>>>,
}

impl ImportView {
    pub fn new(profile: &str) -> Self {
        ImportView {
            path: String::new(),
            field: Field::Path,
            format: 0,
            mode: ImportMode::Merge,
            stage: Stage::Form,
            profile: profile.to_string(),
            error: None,
            preview: None,
            report: Vec::new(),
            scroll: 0,
            report_rows: 10,
            job: None,
        }
    }

    pub fn format(&self) -> ImportFormat {
        FORMATS[self.format % FORMATS.len()].0
    }

    /// The screen's keys for the hint bar and the help, as (key, what it does).
    pub fn keys(&self) -> &'static [(&'static str, &'static str)] {
        match self.stage {
            Stage::Form if self.field == Field::Path => &[
                ("type/paste", "file path"),
                ("Enter", "dry run"),
                ("Tab", "next field"),
                ("Esc", "back"),
                ("Ctrl-c", "quit"),
            ],
            Stage::Form => &[
                ("←/→", "change"),
                ("Enter", "dry run"),
                ("Tab", "next field"),
                ("Esc", "back"),
                ("q", "quit"),
            ],
            Stage::Reading => &[("Esc", "cancel"), ("q", "quit")],
            Stage::Report => &[
                ("Enter/y", "import"),
                ("j/k", "scroll"),
                ("Esc", "back to the form"),
                ("q", "quit"),
            ],
        }
    }

    /// A paste goes into the path field (its first line).
    pub fn paste(&mut self, text: &str) {
        if self.stage != Stage::Form {
            return;
        }
        let first: String = text
            .split(['\r', '\n'])
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        self.field = Field::Path;
        self.path.push_str(&first);
    }

    /// The dry run's answer arrived.
    pub fn answered(&mut self, answer: Result<ImportPreview, String>) {
        self.job = None;
        match answer {
            Ok(p) => {
                self.report = p.report.to_text().lines().map(str::to_string).collect();
                self.preview = Some(p);
                self.scroll = 0;
                self.error = None;
                self.stage = Stage::Report;
            }
            Err(why) => {
                self.error = Some(why);
                self.stage = Stage::Form;
            }
        }
    }

    /// Back to the form (keeping what was typed); the running dry run is dropped.
    fn back_to_form(&mut self) {
        self.job = None;
        self.preview = None;
        self.report.clear();
        self.stage = Stage::Form;
    }

    fn max_scroll(&self) -> usize {
        self.report.len().saturating_sub(self.report_rows.max(1))
    }

    /// Applies a key; says what the app must do next.
    pub fn key(&mut self, k: &KeyEvent) -> ImportStep {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match self.stage {
            Stage::Form => self.form_key(k.code, ctrl),
            Stage::Reading => match k.code {
                KeyCode::Esc => {
                    self.back_to_form();
                    ImportStep::Stay
                }
                KeyCode::Char('q') => ImportStep::Quit,
                _ => ImportStep::Stay,
            },
            Stage::Report => {
                let page = self.report_rows.max(2) - 1;
                match k.code {
                    KeyCode::Esc => self.back_to_form(),
                    KeyCode::Enter | KeyCode::Char('y') => return ImportStep::Apply,
                    KeyCode::Char('q') => return ImportStep::Quit,
                    KeyCode::Down | KeyCode::Char('j') => self.scroll += 1,
                    KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
                    KeyCode::PageDown | KeyCode::Char(' ') => self.scroll += page,
                    KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(page),
                    KeyCode::Home | KeyCode::Char('g') => self.scroll = 0,
                    KeyCode::End | KeyCode::Char('G') => self.scroll = usize::MAX,
                    _ => {}
                }
                self.scroll = self.scroll.min(self.max_scroll());
                ImportStep::Stay
            }
        }
    }

    fn form_key(&mut self, code: KeyCode, ctrl: bool) -> ImportStep {
        let fields = [Field::Path, Field::Format, Field::Mode];
        let at = fields.iter().position(|f| *f == self.field).unwrap_or(0);
        match code {
            KeyCode::Esc => return ImportStep::Close,
            KeyCode::Enter if self.path.trim().is_empty() => {
                self.error = Some("Type or paste the path of an export file first.".into());
                self.field = Field::Path;
            }
            KeyCode::Enter => {
                self.error = None;
                self.stage = Stage::Reading;
                return ImportStep::DryRun;
            }
            KeyCode::Tab | KeyCode::Down => self.field = fields[(at + 1) % fields.len()],
            KeyCode::BackTab | KeyCode::Up => {
                self.field = fields[(at + fields.len() - 1) % fields.len()]
            }
            KeyCode::Char('u') if ctrl && self.field == Field::Path => self.path.clear(),
            KeyCode::Char(c) if !ctrl && self.field == Field::Path => self.path.push(c),
            KeyCode::Backspace if self.field == Field::Path => {
                self.path.pop();
            }
            KeyCode::Char('q') if !ctrl => return ImportStep::Quit,
            KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') => {
                let back = code == KeyCode::Left;
                match self.field {
                    Field::Format => {
                        let n = FORMATS.len();
                        self.format = if back {
                            (self.format + n - 1) % n
                        } else {
                            (self.format + 1) % n
                        };
                    }
                    Field::Mode => {
                        self.mode = match self.mode {
                            ImportMode::Merge => ImportMode::Replace,
                            _ => ImportMode::Merge,
                        }
                    }
                    Field::Path => {}
                }
            }
            _ => {}
        }
        ImportStep::Stay
    }

    fn draw_form(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = ctx.theme;
        let mark = |field: Field| if self.field == field { "▶ " } else { "  " };
        let style = |field: Field| {
            if self.field == field {
                t.selected
            } else {
                t.base
            }
        };
        let cursor = if self.field == Field::Path { "▏" } else { "" };
        let mode = match self.mode {
            ImportMode::Merge => "merge: add to your ratings; where both have one, the newer wins",
            _ => "replace: the import replaces your ratings and watchlist",
        };
        let mut lines = vec![
            Line::from(vec![
                Span::styled(format!("{}File    ", mark(Field::Path)), t.dim),
                Span::styled(format!("{}{cursor}", self.path), style(Field::Path)),
            ]),
            Line::from(vec![
                Span::styled(format!("{}Format  ", mark(Field::Format)), t.dim),
                Span::styled(
                    format!("‹ {} ›", FORMATS[self.format % FORMATS.len()].1),
                    style(Field::Format),
                ),
            ]),
            Line::from(vec![
                Span::styled(format!("{}Into    ", mark(Field::Mode)), t.dim),
                Span::styled(format!("‹ {mode} ›"), style(Field::Mode)),
            ]),
            Line::from(vec![
                Span::styled("  Profile ", t.dim),
                Span::styled(self.profile.clone(), t.accent),
            ]),
            Line::from(""),
        ];
        match (self.stage, &self.error) {
            (Stage::Reading, _) => lines.push(Line::from(Span::styled(
                "Reading and matching the file… (Esc cancels)",
                t.accent,
            ))),
            (_, Some(e)) => {
                lines.push(Line::from(Span::styled("Nothing was imported:", t.error)));
                lines.extend(
                    e.lines()
                        .map(|l| Line::from(Span::styled(l.to_string(), t.error))),
                );
            }
            (_, None) => lines.push(Line::from(Span::styled(
                "Enter makes a dry run: you see what would change before anything is written.",
                t.dim,
            ))),
        }
        lines.push(Line::from(""));
        for help in [
            "Letterboxd: Settings → Data → Export your data (the .zip, or ratings.csv in it).",
            "IMDb: Your Ratings → ⋯ → Export (ratings.csv).",
            "MovieLens.org: Profile → Settings → Import/Export → export ratings.",
        ] {
            lines.push(Line::from(Span::styled(help, t.dim)));
        }
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(t.accent)
                    .title(title("Import ratings", t)),
            ),
            area,
        );
    }

    fn draw_report(&mut self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = ctx.theme;
        let [body, ask] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
        self.report_rows = body.height.saturating_sub(2) as usize;
        self.scroll = self.scroll.min(self.max_scroll());
        let total = self.report.len();
        let last = (self.scroll + self.report_rows).min(total);
        let heading = if total > self.report_rows {
            format!(
                "Dry run: lines {}-{last} of {total} (j/k scroll)",
                self.scroll + 1
            )
        } else {
            "Dry run".to_string()
        };
        let lines: Vec<Line> = self
            .report
            .iter()
            .map(|l| Line::from(Span::styled(l.clone(), t.base)))
            .collect();
        f.render_widget(
            Paragraph::new(lines).scroll((self.scroll as u16, 0)).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(t.accent)
                    .title(title(&heading, t)),
            ),
            body,
        );
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!("Import into profile {}? ", self.profile), t.accent),
                Span::styled("Enter/y imports · Esc goes back", t.dim),
            ])),
            ask,
        );
    }
}

impl Component for ImportView {
    /// No movie on this screen: movie keys do nothing.
    fn selected(&self) -> Option<u32> {
        None
    }

    /// The screen takes its keys raw ([`ImportView::key`]), not as commands.
    fn handle(&mut self, _cmd: Command) -> bool {
        false
    }

    fn scopes(&self) -> Vec<Scope> {
        Vec::new()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        match self.stage {
            Stage::Report => self.draw_report(f, area, ctx),
            Stage::Form | Stage::Reading => self.draw_form(f, area, ctx),
        }
    }
}
