//! The application: state, event → action mapping, updates, drawing.

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, Sender};

use super::action::Action;
use super::config::Config;
use super::keymap::{commands, Command, Keymap, Scope};
use super::theme::Theme;
use super::views::details::DetailsView;
use super::views::foryou::{ForYouView, MIN_RATINGS, YEARS};
use super::views::lists::{RatingsView, WatchlistView};
use super::views::search::SearchView;
use super::views::Predicted;
use super::views::{help, Ctx};
use crate::engine::{Engine, EngineEvent, SearchWorker};

/// Smallest usable terminal.
pub const MIN_W: u16 = 60;
pub const MIN_H: u16 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Search,
    ForYou,
    MyRatings,
    Watchlist,
}

/// Messages from the background loader.
pub enum LoadMsg {
    Stage(String),
    Ready(Box<Engine>, Vec<String>),
    Failed(String),
}

pub struct App {
    pub engine: Option<Engine>,
    loader: Option<Receiver<LoadMsg>>,
    pub loading_stage: String,
    pub fatal: Option<String>,
    pub status: String,
    pub view: View,
    pub details: Vec<DetailsView>,
    pub help: bool,
    pub quit: bool,
    pub theme: Theme,
    no_color: bool,
    pub keymap: Keymap,
    tx: Sender<Action>,
    rx: Receiver<Action>,
    pub search: SearchView,
    pub foryou: ForYouView,
    pub ratings: RatingsView,
    pub watchlist: WatchlistView,
    preds: RefCell<HashMap<u32, Predicted>>,
    /// Something changed since the last frame.
    pub needs_draw: bool,
}

impl App {
    /// An app whose engine is still loading (`loader` sends it).
    pub fn loading(
        config: &Config,
        loader: Receiver<LoadMsg>,
        no_color: bool,
    ) -> (App, Vec<String>) {
        let (keymap, problems) = Keymap::new(&config.keys);
        let theme = Theme::named(config.theme.as_deref().unwrap_or("dark"), no_color);
        let (tx, rx) = mpsc::channel();
        let app = App {
            engine: None,
            loader: Some(loader),
            loading_stage: "starting".into(),
            fatal: None,
            status: problems.first().cloned().unwrap_or_default(),
            view: View::Search,
            details: Vec::new(),
            help: false,
            quit: false,
            theme,
            no_color,
            keymap,
            tx,
            rx,
            search: SearchView::new(None),
            foryou: ForYouView::default(),
            ratings: RatingsView::default(),
            watchlist: WatchlistView::default(),
            preds: RefCell::new(HashMap::new()),
            needs_draw: true,
        };
        (app, problems)
    }

    /// An app over a ready engine (tests, embedding).
    pub fn with_engine(engine: Engine, config: &Config, no_color: bool) -> App {
        let (_tx, rx) = mpsc::channel();
        let (mut app, _) = App::loading(config, rx, no_color);
        app.loader = None;
        app.install(engine, Vec::new());
        app
    }

    fn install(&mut self, engine: Engine, warnings: Vec<String>) {
        self.needs_draw = true;
        self.search = SearchView::new(Some(SearchWorker::spawn(engine.search_index())));
        self.engine = Some(engine);
        if let Some(w) = warnings.first() {
            self.status = w.clone();
        } else if let Some(e) = &self.engine {
            let missing = e.missing_movies().len();
            self.status = if missing > 0 {
                format!(
                    "{missing} movies of your profile are not in this dataset (kept in the file)"
                )
            } else if e.n_rated() == 0 {
                "Welcome! Rate a few movies (1-5) to get personal recommendations.".into()
            } else {
                format!("{} ratings loaded.", e.n_rated())
            };
        }
        self.profile_changed();
    }

    /// Sender for actions (background producers, tests).
    pub fn sender(&self) -> Sender<Action> {
        self.tx.clone()
    }

    /// Everything that depends on the profile or the models.
    fn profile_changed(&mut self) {
        self.preds.borrow_mut().clear();
        let Some(e) = &self.engine else { return };
        self.foryou.refresh(e);
        self.ratings.refresh(e);
        self.watchlist.refresh(e);
        if self.search.query.trim().is_empty() {
            self.show_start_list();
        }
    }

    /// The list under an empty search box: movies to rate first (kept stable while you
    /// rate them, so your stars appear in place) or, with enough ratings, the most rated.
    fn show_start_list(&mut self) {
        let Some(e) = &self.engine else { return };
        if self.search.onboarding && !self.search.table.items.is_empty() {
            return;
        }
        if e.n_rated() < crate::engine::MIN_PERSONAL_RATINGS {
            let items = e.onboarding(12);
            self.search.table.set_items(items);
            self.search.onboarding = true;
        } else {
            let items = e.popular(super::views::search::LIMIT, &Default::default());
            self.search.table.set_items(items);
            self.search.onboarding = false;
        }
    }

    /// Polls background work (loader, search, retrain). Never blocks.
    pub fn tick(&mut self) {
        let mut changed = false;
        if let Some(rx) = &self.loader {
            let mut ready = None;
            while let Ok(msg) = rx.try_recv() {
                match msg {
                    LoadMsg::Stage(s) => {
                        self.loading_stage = s;
                        changed = true;
                    }
                    LoadMsg::Ready(e, w) => ready = Some((e, w)),
                    LoadMsg::Failed(why) => {
                        self.fatal = Some(why);
                        changed = true;
                    }
                }
            }
            if let Some((e, w)) = ready {
                self.loader = None;
                self.install(*e, w);
            }
        }
        changed |= self.search.poll();
        let events = self.engine.as_mut().map(Engine::poll).unwrap_or_default();
        changed |= !events.is_empty();
        for ev in events {
            match ev {
                EngineEvent::RetrainProgress { list, progress } => {
                    let label = self
                        .engine
                        .as_ref()
                        .map(|e| e.list_label(list).to_string())
                        .unwrap_or_default();
                    self.status = format!(
                        "Retraining {}: {} {}/{}",
                        label, progress.stage, progress.done, progress.total
                    );
                }
                EngineEvent::RetrainDone { seconds } => {
                    self.status = format!("Retrained with your ratings in {seconds:.1} s.");
                    self.profile_changed();
                }
                EngineEvent::RetrainFailed(why) => self.status = format!("Retrain failed: {why}"),
            }
        }
        if changed {
            self.needs_draw = true;
        }
    }

    /// Waits until the pending search (if any) has answered: for tests and scripts.
    pub fn settle(&mut self) {
        if let Some(w) = self.search.worker.as_mut() {
            if let Some(r) = w.wait(std::time::Duration::from_secs(10)) {
                self.search.apply(r);
            }
        }
        self.tick();
    }

    /// Maps a terminal event to actions on the channel.
    pub fn handle_event(&mut self, ev: &Event) {
        let action = match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => Some(Action::Key(*k)),
            Event::Mouse(m) => match m.kind {
                MouseEventKind::Down(_) => Some(Action::Click {
                    x: m.column,
                    y: m.row,
                }),
                MouseEventKind::ScrollDown => Some(Action::Scroll {
                    x: m.column,
                    y: m.row,
                    down: true,
                }),
                MouseEventKind::ScrollUp => Some(Action::Scroll {
                    x: m.column,
                    y: m.row,
                    down: false,
                }),
                _ => None,
            },
            Event::Resize(_, _) => Some(Action::Resize),
            _ => None,
        };
        if let Some(a) = action {
            let _ = self.tx.send(a);
        }
    }

    fn map_key(&self, k: &KeyEvent) -> Option<Action> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if self.search.editing && self.view == View::Search && self.details.is_empty() && !self.help
        {
            return match k.code {
                KeyCode::Char('c') if ctrl => Some(Action::Cmd(Command::Quit)),
                KeyCode::Char(c) if !ctrl => Some(Action::Input(c)),
                KeyCode::Backspace => Some(Action::InputBackspace),
                KeyCode::Esc | KeyCode::Enter | KeyCode::Down | KeyCode::Tab => {
                    Some(Action::InputDone)
                }
                _ => None,
            };
        }
        self.keymap.command(k).map(Action::Cmd)
    }

    /// Applies every queued action.
    pub fn process(&mut self) {
        while let Ok(a) = self.rx.try_recv() {
            self.update(a);
        }
    }

    /// Convenience: feed a key, process it, settle background search.
    pub fn press(&mut self, code: KeyCode, mods: KeyModifiers) {
        self.handle_event(&Event::Key(KeyEvent::new(code, mods)));
        self.process();
        self.settle();
    }

    /// Types text (each char one key).
    pub fn type_text(&mut self, s: &str) {
        for c in s.chars() {
            self.handle_event(&Event::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
        self.process();
        self.settle();
    }

    /// The highlighted movie of the visible view.
    pub fn selected(&self) -> Option<u32> {
        if let Some(d) = self.details.last() {
            return d.selected();
        }
        match self.view {
            View::Search => self.search.table.selected(),
            View::ForYou => self.foryou.selected(),
            View::MyRatings => self.ratings.table.selected(),
            View::Watchlist => self.watchlist.table.selected(),
        }
    }

    fn current_table(&mut self) -> &mut super::views::MovieTable {
        if let Some(d) = self.details.last_mut() {
            return &mut d.similar;
        }
        match self.view {
            View::Search => &mut self.search.table,
            View::ForYou => self.foryou.table(),
            View::MyRatings => &mut self.ratings.table,
            View::Watchlist => &mut self.watchlist.table,
        }
    }

    fn move_by(&mut self, delta: isize) {
        if let Some(d) = self.details.last_mut() {
            if !d.in_similar {
                d.in_similar = true;
                return;
            }
        }
        self.current_table().move_by(delta);
    }

    fn edit<T>(
        &mut self,
        f: impl FnOnce(&mut Engine, u32) -> Result<T, crate::engine::EngineError>,
        describe: impl FnOnce(&Engine, u32, T) -> String,
    ) {
        let Some(item) = self.selected() else {
            self.status = "No movie highlighted.".into();
            return;
        };
        let Some(e) = self.engine.as_mut() else {
            return;
        };
        match f(e, item) {
            Ok(v) => {
                self.status = describe(e, item, v);
                self.profile_changed();
            }
            Err(err) => self.status = format!("Error: {err}"),
        }
    }

    fn rate(&mut self, stars: f32) {
        self.edit(
            |e, i| e.rate(i, stars),
            |e, i, _| {
                format!(
                    "Rated {} {:.1}★ (saved). Lists updated.",
                    e.dataset().catalogue.movie(i).label(),
                    e.rating_of(i).unwrap_or(stars)
                )
            },
        );
    }

    pub fn update(&mut self, action: Action) {
        self.needs_draw = true;
        if self.engine.is_none() {
            // While loading only quitting works.
            if matches!(
                action,
                Action::Cmd(Command::Quit) | Action::Cmd(Command::Back)
            ) {
                self.quit = true;
            }
            return;
        }
        match action {
            Action::Key(k) => {
                if let Some(a) = self.map_key(&k) {
                    self.update(a);
                }
            }
            Action::Input(c) => {
                self.search.query.push(c);
                self.search.request();
            }
            Action::InputBackspace => {
                self.search.query.pop();
                if self.search.query.is_empty() {
                    self.search.onboarding = false;
                    self.profile_changed();
                } else {
                    self.search.request();
                }
            }
            Action::InputDone => self.search.editing = false,
            Action::OpenMovie(item) => self.open(item),
            Action::Resize => {}
            Action::Click { x, y } => self.click(x, y),
            Action::Scroll { x, y, down } => {
                if self.details.is_empty() && self.view == View::ForYou {
                    if let Some(k) = (0..self.foryou.tables.len())
                        .find(|&k| self.foryou.tables[k].contains(x, y))
                    {
                        self.foryou.pane = k;
                    }
                }
                if let Some(d) = self.details.last_mut() {
                    d.in_similar = true;
                }
                self.current_table().move_by(if down { 3 } else { -3 })
            }
            Action::Cmd(c) => self.command(c),
        }
    }

    fn open(&mut self, item: u32) {
        let Some(e) = &self.engine else { return };
        let similar = e.similar(item, 20).into_iter().map(|s| s.0).collect();
        self.details.push(DetailsView::new(item, similar));
    }

    fn click(&mut self, x: u16, y: u16) {
        if let Some(d) = self.details.last_mut() {
            if let Some(stars) = d.stars_at(x, y) {
                d.in_similar = false;
                self.rate(stars);
                return;
            }
            if d.similar.click(x, y) {
                d.in_similar = true;
            }
            return;
        }
        if self.view == View::ForYou {
            for k in 0..self.foryou.tables.len() {
                if self.foryou.tables[k].click(x, y) {
                    self.foryou.pane = k;
                }
            }
            return;
        }
        if self.view == View::Search && y < 4 {
            self.search.editing = true;
            return;
        }
        self.current_table().click(x, y);
    }

    fn command(&mut self, c: Command) {
        use Command::*;
        if self.help && !matches!(c, Quit) {
            self.help = false;
            if matches!(c, Back | Help) {
                return;
            }
        }
        match c {
            Quit => self.quit = true,
            Back => {
                if self.details.pop().is_none() {
                    if self.view != View::Search || !self.search.query.is_empty() {
                        if self.view == View::Search {
                            self.search.query.clear();
                            self.search.onboarding = false;
                            self.profile_changed();
                        }
                        self.view = View::Search;
                    } else {
                        self.quit = true;
                    }
                }
            }
            Help => self.help = true,
            Search => {
                // A fresh search each time: the box starts empty.
                self.details.clear();
                self.view = View::Search;
                self.search.editing = true;
                if !self.search.query.is_empty() {
                    self.search.query.clear();
                    self.search.onboarding = false;
                    self.profile_changed();
                }
            }
            ForYou => {
                self.details.clear();
                self.view = View::ForYou;
            }
            MyRatings => {
                self.details.clear();
                self.view = View::MyRatings;
            }
            WatchlistView => {
                self.details.clear();
                self.view = View::Watchlist;
            }
            NextPane => {
                if let Some(d) = self.details.last_mut() {
                    d.in_similar = !d.in_similar;
                } else if self.view == View::ForYou {
                    self.foryou.next_pane();
                } else if self.view == View::Search {
                    self.search.editing = true;
                }
            }
            Up => self.move_by(-1),
            Down => self.move_by(1),
            PageUp => {
                let p = self.current_table().page();
                self.current_table().move_by(-p)
            }
            PageDown => {
                let p = self.current_table().page();
                self.current_table().move_by(p)
            }
            Top => self.current_table().move_by(isize::MIN / 2),
            Bottom => self.current_table().move_by(isize::MAX / 2),
            Open => {
                if let Some(item) = self.selected() {
                    self.open(item);
                }
            }
            Rate1 => self.rate(1.0),
            Rate2 => self.rate(2.0),
            Rate3 => self.rate(3.0),
            Rate4 => self.rate(4.0),
            Rate5 => self.rate(5.0),
            HalfUp | HalfDown => {
                let step = if c == HalfUp { 0.5 } else { -0.5 };
                if let (Some(item), Some(e)) = (self.selected(), &self.engine) {
                    let s = e.dataset().scale;
                    let cur = e.rating_of(item).unwrap_or(if step > 0.0 {
                        s.min - step
                    } else {
                        s.max - step
                    });
                    self.rate(s.clamp(cur + step));
                }
            }
            ClearRating => self.edit(
                |e, i| e.unrate(i),
                |e, i, _| {
                    format!(
                        "Rating of {} removed.",
                        e.dataset().catalogue.movie(i).label()
                    )
                },
            ),
            Watchlist => self.edit(
                |e, i| e.toggle_watchlist(i),
                |e, i, on| {
                    let t = e.dataset().catalogue.movie(i).label();
                    if on {
                        format!("{t} added to the watchlist.")
                    } else {
                        format!("{t} removed from the watchlist.")
                    }
                },
            ),
            NotInterested => self.edit(
                |e, i| e.toggle_not_interested(i),
                |e, i, on| {
                    let t = e.dataset().catalogue.movie(i).label();
                    if on {
                        format!("{t}: not interested (hidden from recommendations; u undoes).")
                    } else {
                        format!("{t}: shown again.")
                    }
                },
            ),
            Undo => {
                if let Some(e) = self.engine.as_mut() {
                    match e.undo() {
                        Ok(Some(id)) => {
                            self.status = format!(
                                "Undone ({}).",
                                e.dataset()
                                    .catalogue
                                    .by_id(id)
                                    .map(|m| m.label())
                                    .unwrap_or_else(|| format!("movie {id}"))
                            );
                            self.profile_changed();
                        }
                        Ok(None) => self.status = "Nothing to undo.".into(),
                        Err(err) => self.status = format!("Error: {err}"),
                    }
                }
            }
            Sort => {
                self.ratings.sort = self.ratings.sort.next();
                self.profile_changed();
            }
            Genre => {
                let n = self
                    .engine
                    .as_ref()
                    .map(|e| e.dataset().catalogue.genre_names.len())
                    .unwrap_or(0);
                self.foryou.genre = match self.foryou.genre {
                    None if n > 0 => Some(0),
                    Some(g) if g + 1 < n => Some(g + 1),
                    _ => None,
                };
                self.view = View::ForYou;
                self.profile_changed();
            }
            Years => {
                self.foryou.years = (self.foryou.years + 1) % YEARS.len();
                self.view = View::ForYou;
                self.profile_changed();
            }
            MinRatings => {
                self.foryou.min_ratings = (self.foryou.min_ratings + 1) % MIN_RATINGS.len();
                self.view = View::ForYou;
                self.profile_changed();
            }
            Retrain => {
                if let Some(e) = self.engine.as_mut() {
                    self.status = match e.start_retrain() {
                        Ok(()) => "Retraining in the background with your ratings…".into(),
                        Err(err) => format!("Cannot retrain: {err}"),
                    };
                }
            }
            Theme => {
                let next = if self.theme.name == "dark" {
                    "light"
                } else {
                    "dark"
                };
                self.theme = super::theme::Theme::named(next, self.no_color);
            }
        }
    }

    /// Draws everything.
    pub fn draw(&mut self, f: &mut Frame) {
        let area = f.area();
        let t = self.theme.clone();
        if area.width < MIN_W || area.height < MIN_H {
            let msg = vec![
                Line::from(Span::styled("Terminal too small", t.error)),
                Line::from(format!(
                    "{}×{}; reel needs {MIN_W}×{MIN_H}.",
                    area.width, area.height
                )),
                Line::from("Enlarge the window, or press q to quit."),
            ];
            f.render_widget(
                Paragraph::new(msg).wrap(ratatui::widgets::Wrap { trim: true }),
                area,
            );
            return;
        }
        let [tabs, main, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(5),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let Some(engine) = &self.engine else {
            let text = match &self.fatal {
                Some(why) => vec![
                    Line::from(Span::styled("reel could not start", t.error)),
                    Line::from(why.clone()),
                    Line::from("Press q to quit."),
                ],
                None => vec![
                    Line::from(Span::styled("reel", t.title)),
                    Line::from(format!("Loading: {}…", self.loading_stage)),
                    Line::from(Span::styled("q quits", t.dim)),
                ],
            };
            f.render_widget(Paragraph::new(text), main);
            return;
        };
        // Tabs.
        let names = [
            (View::Search, Command::Search, "Search"),
            (View::ForYou, Command::ForYou, "For you"),
            (View::MyRatings, Command::MyRatings, "My ratings"),
            (View::Watchlist, Command::WatchlistView, "Watchlist"),
        ];
        let mut spans = vec![Span::styled(" reel ", t.title)];
        for (v, c, n) in names {
            let style = if v == self.view && self.details.is_empty() {
                t.selected
            } else {
                t.dim
            };
            spans.push(Span::styled(
                format!(" {} {n} ", self.keymap.short(c)),
                style,
            ));
        }
        spans.push(Span::styled(format!("  {} rated", engine.n_rated()), t.dim));
        if engine.retraining() {
            spans.push(Span::styled("  ⟳ retraining", t.accent));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), tabs);
        let ctx = Ctx {
            engine,
            theme: &t,
            preds: &self.preds,
        };
        if let Some(d) = self.details.last_mut() {
            d.draw(f, main, &ctx);
        } else {
            match self.view {
                View::Search => self.search.draw(f, main, &ctx),
                View::ForYou => self.foryou.draw(f, main, &ctx),
                View::MyRatings => self.ratings.draw(f, main, &ctx),
                View::Watchlist => self.watchlist.draw(f, main, &ctx),
            }
        }
        f.render_widget(
            Paragraph::new(Span::styled(self.status.clone(), t.accent)),
            status,
        );
        f.render_widget(Paragraph::new(self.hint_line(hints.width)), hints);
        if self.help {
            help::draw(f, main, &self.keymap, &t);
        }
    }

    /// The hint bar: commands of the current context, from the same table as the help.
    fn hint_line(&self, width: u16) -> Line<'static> {
        let t = &self.theme;
        let scopes: Vec<Scope> = {
            let mut s = vec![Scope::Everywhere];
            if self.selected().is_some() {
                s.push(Scope::Movie);
            }
            if self.details.is_empty() && self.view == View::ForYou {
                s.push(Scope::Recs);
            }
            if self.details.is_empty() && self.view == View::MyRatings {
                s.push(Scope::Ratings);
            }
            s
        };
        if self.search.editing && self.view == View::Search && self.details.is_empty() {
            return Line::from(Span::styled(
                "type to search · Enter/↓ results · Esc done · Ctrl-c quit",
                t.dim,
            ));
        }
        // "? help" is always shown (it lists everything); the rest fills the width,
        // context commands first, then global ones.
        let help_piece = format!("{} help", self.keymap.short(Command::Help));
        let budget = (width as usize).saturating_sub(help_piece.chars().count());
        let mut spans = Vec::new();
        let mut used = 0usize;
        let mut ordered: Vec<_> = commands()
            .iter()
            .filter(|c| {
                !c.hint.is_empty() && scopes.contains(&c.scope) && c.command != Command::Help
            })
            .collect();
        ordered.sort_by_key(|c| c.scope == Scope::Everywhere);
        for c in ordered {
            let key = if c.command == Command::Rate5 {
                "1-5".to_string()
            } else {
                self.keymap.short(c.command)
            };
            let piece = format!("{key} {}  ", c.hint);
            let len = piece.chars().count();
            if used + len > budget {
                continue;
            }
            used += len;
            spans.push(Span::styled(key, t.accent));
            spans.push(Span::styled(format!(" {}  ", c.hint), t.dim));
        }
        spans.push(Span::styled(self.keymap.short(Command::Help), t.accent));
        spans.push(Span::styled(" help", t.dim));
        Line::from(spans)
    }
}
