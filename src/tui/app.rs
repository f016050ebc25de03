//! The application: routes events to the focused view, applies movie actions, draws.
//!
//! One selection model: every movie action (rate, ±, clear, watch, hide, open) applies
//! to [`App::focused_movie`], the movie highlighted in the focused pane of the visible
//! view, and the status line names it. Only the focused pane draws a highlight, so the
//! one highlighted movie on screen is the one keys act on; where nothing is highlighted
//! (typing in the search box, help or a notice open, terminal too small) movie keys do
//! nothing.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind,
};
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::action::Action;
use super::config::Config;
use super::keymap::{commands, Command, Keymap, Scope};
use super::theme::Theme;
use super::views::details::{DetailsFocus, DetailsView};
use super::views::foryou::{ForYouView, MIN_RATINGS, YEARS};
use super::views::import::{ImportStep, ImportView};
use super::views::lists::{MarkedView, Marks, RatingsView, WatchlistView};
use super::views::picker::{self, GenrePicker, PickOp};
use super::views::search::SearchView;
use super::views::{help, predicted_start, Component, Ctx, Placement};
use crate::engine::{Engine, EngineEvent, ModelSet, SearchWorker};

/// Smallest usable terminal.
pub const MIN_W: u16 = 60;
pub const MIN_H: u16 = 20;

/// How long keys wait for a search reply before they are dropped (the worker is gone).
const SEARCH_PATIENCE: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Search,
    ForYou,
    MyRatings,
    Watchlist,
    /// Movies marked not interested.
    Hidden,
}

/// Messages from the background loader.
pub enum LoadMsg {
    Stage(String),
    /// A complete engine, lists included, with the profile's warnings.
    Ready(Box<Engine>, Vec<String>),
    /// An engine over the catalogue and profile whose lists are still being loaded or
    /// trained: search, movie pages and rating work; [`LoadMsg::Lists`] follows.
    Usable(Box<Engine>, Vec<String>),
    /// The lists for the engine sent as [`LoadMsg::Usable`].
    Lists(Arc<ModelSet>),
    Failed(String),
}

pub struct App {
    pub engine: Option<Engine>,
    loader: Option<Receiver<LoadMsg>>,
    pub loading_stage: String,
    /// While the lists are still loading or training behind a usable engine: the stage.
    pub lists_pending: Option<String>,
    pub fatal: Option<String>,
    pub status: String,
    /// Problems the user must see (config, profile): shown over everything until a key.
    pub notices: Vec<String>,
    pub view: View,
    pub details: Vec<DetailsView>,
    /// The help overlay, with its scroll offset.
    pub help: Option<usize>,
    /// The genre picker, when open.
    pub genre_picker: Option<GenrePicker>,
    /// The import screen, when open (over the view it was opened from).
    pub import: Option<ImportView>,
    /// Opens a URL in the browser (replaceable, so tests see the URL instead).
    opener: Box<Opener>,
    pub quit: bool,
    /// Ctrl-Z asked the terminal loop to suspend.
    pub suspend: bool,
    pub theme: Theme,
    no_color: bool,
    pub keymap: Keymap,
    tx: Sender<Action>,
    rx: Receiver<Action>,
    pub search: SearchView,
    pub foryou: ForYouView,
    pub ratings: RatingsView,
    pub watchlist: WatchlistView,
    pub hidden: MarkedView,
    /// Actions held back until the search reply for the current query arrives.
    deferred: VecDeque<Action>,
    /// The terminal size, when known.
    pub size: Option<(u16, u16)>,
    /// Where settings are remembered (none: not remembered).
    state_file: Option<std::path::PathBuf>,
    /// A remembered genre filter (included, excluded names), resolved once the dataset
    /// is loaded.
    pending_genres: Option<(Vec<String>, Vec<String>)>,
    /// Something changed since the last frame.
    pub needs_draw: bool,
}

/// How the app opens a link: the URL, or why it could not.
pub type Opener = dyn Fn(&str) -> Result<(), String>;

/// The system's browser, through the `opener` crate ($BROWSER, else the desktop's
/// handler).
fn system_opener(url: &str) -> Result<(), String> {
    opener::open_browser(url).map_err(|e| e.to_string())
}

fn is_ctrl(k: &KeyEvent, c: char) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char(c)
}

impl App {
    /// An app whose engine is still loading (`loader` sends it). `notes` (config
    /// problems) are shown until dismissed, together with keymap problems.
    pub fn loading(
        config: &Config,
        notes: Vec<String>,
        loader: Receiver<LoadMsg>,
        no_color: bool,
    ) -> App {
        let (keymap, problems) = Keymap::new(&config.keys);
        let theme = Theme::named(config.theme.as_deref().unwrap_or("dark"), no_color);
        let (tx, rx) = mpsc::channel();
        let mut notices = notes;
        notices.extend(problems);
        App {
            engine: None,
            loader: Some(loader),
            loading_stage: "starting".into(),
            lists_pending: None,
            fatal: None,
            status: String::new(),
            notices,
            view: View::Search,
            details: Vec::new(),
            help: None,
            genre_picker: None,
            import: None,
            opener: Box::new(system_opener),
            quit: false,
            suspend: false,
            theme,
            no_color,
            keymap,
            tx,
            rx,
            search: SearchView::new(None),
            foryou: ForYouView::default(),
            ratings: RatingsView::default(),
            watchlist: MarkedView::new(Marks::Watchlist),
            hidden: MarkedView::new(Marks::NotInterested),
            deferred: VecDeque::new(),
            size: None,
            state_file: None,
            pending_genres: None,
            needs_draw: true,
        }
    }

    /// An app over a ready engine (tests, embedding).
    pub fn with_engine(engine: Engine, config: &Config, no_color: bool) -> App {
        let (_tx, rx) = mpsc::channel();
        let mut app = App::loading(config, Vec::new(), rx, no_color);
        app.loader = None;
        app.install(engine, Vec::new());
        app
    }

    /// Replaces how links are opened (tests record the URL instead of starting a
    /// browser).
    pub fn set_opener(&mut self, opener: Box<Opener>) {
        self.opener = opener;
    }

    /// Remembers settings in `path` from now on, and applies those saved there.
    pub fn use_state_file(&mut self, path: std::path::PathBuf) {
        let (s, problem) = super::state::load(&path);
        self.notices.extend(problem);
        if let Some(name) = s.theme.as_deref() {
            if super::theme::THEMES.contains(&name) {
                self.theme = Theme::named(name, self.no_color);
            }
        }
        if let Some(sort) = s
            .sort
            .as_deref()
            .and_then(super::views::lists::Sort::from_name)
        {
            self.ratings.sort = sort;
        }
        if let Some(y) = s.years.filter(|&y| y < YEARS.len()) {
            self.foryou.years = y;
        }
        if let Some(m) = s.min_ratings.filter(|&m| m < MIN_RATINGS.len()) {
            self.foryou.min_ratings = m;
        }
        if s.genres.is_some() || s.exclude_genres.is_some() {
            self.pending_genres = Some((
                s.genres.unwrap_or_default(),
                s.exclude_genres.unwrap_or_default(),
            ));
        }
        self.state_file = Some(path);
        self.resolve_genres();
        self.profile_changed();
    }

    /// Turns the remembered genre names into this dataset's genre indices; names this
    /// dataset lacks are left out and said so.
    fn resolve_genres(&mut self) {
        let Some(e) = &self.engine else { return };
        let Some((include, exclude)) = self.pending_genres.take() else {
            return;
        };
        let names = &e.dataset().catalogue.genre_names;
        let mut missing = Vec::new();
        let mut find = |wanted: &[String]| -> Vec<usize> {
            let mut out = Vec::new();
            for name in wanted {
                match names.iter().position(|g| g.eq_ignore_ascii_case(name)) {
                    Some(g) if !out.contains(&g) => out.push(g),
                    Some(_) => {}
                    None => missing.push(format!("{name:?}")),
                }
            }
            out
        };
        self.foryou.genres = find(&include);
        self.foryou.exclude_genres = find(&exclude);
        if !missing.is_empty() {
            self.status = format!(
                "The remembered genre filter {} is not in this dataset.",
                missing.join(", ")
            );
        }
    }

    /// Saves the remembered settings (theme, filters, sort).
    fn save_settings(&mut self) {
        let Some(path) = &self.state_file else { return };
        let named = |set: &[usize]| -> Vec<String> {
            self.engine.as_ref().map_or_else(Vec::new, |e| {
                set.iter()
                    .filter_map(|&g| e.dataset().catalogue.genre_names.get(g).cloned())
                    .collect()
            })
        };
        let s = super::state::Settings {
            theme: Some(self.theme.name.clone()).filter(|n| n != "no-color"),
            genres: Some(named(&self.foryou.genres)),
            exclude_genres: Some(named(&self.foryou.exclude_genres)),
            genre: None,
            years: Some(self.foryou.years),
            min_ratings: Some(self.foryou.min_ratings),
            sort: Some(self.ratings.sort.name().to_string()),
        };
        if let Err(e) = super::state::save(path, &s) {
            self.status = format!("Could not save settings to {}: {e}", path.display());
        }
    }

    fn install(&mut self, engine: Engine, warnings: Vec<String>) {
        self.needs_draw = true;
        self.search = SearchView::new(Some(SearchWorker::spawn(engine.search_index())));
        self.search.show_start(&engine, Placement::Top);
        let missing = engine.missing_movies().len();
        self.status = if missing > 0 {
            format!("{missing} movies of your profile are not in this dataset (kept in the file)")
        } else if engine.n_rated() == 0 {
            "Welcome! Rate a few movies (1-5) for personal picks.".into()
        } else {
            format!("{} ratings loaded.", engine.n_rated())
        };
        self.engine = Some(engine);
        self.resolve_genres();
        // Profile warnings say which entries were skipped: they must be seen.
        const SHOWN: usize = 8;
        let n = warnings.len();
        self.notices.extend(warnings.into_iter().take(SHOWN));
        if n > SHOWN {
            self.notices
                .push(format!("… and {} more problems in the profile", n - SHOWN));
        }
        self.profile_changed();
    }

    /// Sender for actions (background producers, tests).
    pub fn sender(&self) -> Sender<Action> {
        self.tx.clone()
    }

    /// Everything that depends on the profile or the models, recomputed now (never
    /// while drawing).
    fn profile_changed(&mut self) {
        let Some(e) = &self.engine else { return };
        let place = |on_screen: bool| {
            if on_screen {
                Placement::Follow
            } else {
                Placement::Top
            }
        };
        self.foryou.refresh(e, self.view == View::ForYou);
        self.ratings.refresh(e, place(self.view == View::MyRatings));
        self.watchlist
            .refresh(e, place(self.view == View::Watchlist));
        self.hidden.refresh(e, place(self.view == View::Hidden));
        self.search.refresh(e);
        for d in &mut self.details {
            d.refresh(e);
        }
    }

    /// True when the terminal is below the usable size (only quitting works then).
    pub fn too_small(&self) -> bool {
        self.size.is_some_and(|(w, h)| w < MIN_W || h < MIN_H)
    }

    /// Polls background work (loader, search, retrain). Never blocks.
    pub fn tick(&mut self) {
        let mut changed = false;
        let messages: Vec<LoadMsg> = match &self.loader {
            Some(rx) => rx.try_iter().collect(),
            None => Vec::new(),
        };
        for msg in messages {
            changed = true;
            self.loaded(msg);
        }
        if let Some(e) = &self.engine {
            if self.search.poll(e) {
                changed = true;
                self.replay();
            }
        }
        changed |= self.poll_import(None);
        if self.search.waited().is_some_and(|w| w > SEARCH_PATIENCE) {
            self.search.give_up();
            let n = self.deferred.len();
            self.deferred.clear();
            self.status = format!("Search did not answer; {n} keys were dropped.");
            changed = true;
        }
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

    /// Takes the import's dry-run answer if it has arrived, waiting up to `wait`;
    /// true if it did.
    fn poll_import(&mut self, wait: Option<Duration>) -> bool {
        use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
        let Some(v) = self.import.as_mut() else {
            return false;
        };
        let Some(rx) = &v.job else { return false };
        let lost = || Err("the import stopped unexpectedly; nothing was imported".to_string());
        let answer = match wait {
            None => match rx.try_recv() {
                Ok(a) => a,
                Err(TryRecvError::Empty) => return false,
                Err(TryRecvError::Disconnected) => lost(),
            },
            Some(d) => match rx.recv_timeout(d) {
                Ok(a) => a,
                Err(RecvTimeoutError::Timeout) => return false,
                Err(RecvTimeoutError::Disconnected) => lost(),
            },
        };
        v.answered(answer);
        true
    }

    /// Starts the dry run of the import form on a background thread (a big export
    /// takes a while to read and match).
    fn start_import(&mut self) {
        let (Some(e), Some(v)) = (&self.engine, self.import.as_mut()) else {
            return;
        };
        let job = e.import_job(&v.path, v.format(), v.mode);
        let (tx, rx) = mpsc::channel();
        v.job = Some(rx);
        std::thread::spawn(move || {
            // The screen may have been left meanwhile: then nobody listens.
            let _ = tx.send(job.run().map_err(|e| e.to_string()));
        });
    }

    /// Imports what the dry run showed, in one atomic write, and says how many
    /// ratings went into which profile.
    fn apply_import(&mut self) {
        let (Some(e), Some(v)) = (self.engine.as_mut(), self.import.as_mut()) else {
            return;
        };
        let Some(preview) = v.preview.as_ref() else {
            return;
        };
        match e.import_apply(preview) {
            Ok(r) => {
                let c = &r.changes;
                self.status = format!(
                    "Imported {} ratings into profile {} ({} new, {} updated; {} added to the watchlist).",
                    c.added + c.updated,
                    r.profile,
                    c.added,
                    c.updated,
                    c.watchlist_added
                );
                self.import = None;
                self.profile_changed();
            }
            Err(err) => {
                v.answered(Err(err.to_string()));
            }
        }
    }

    /// A key on the import screen.
    fn import_key(&mut self, k: &KeyEvent) {
        let Some(v) = self.import.as_mut() else {
            return;
        };
        match v.key(k) {
            ImportStep::Stay => {}
            ImportStep::DryRun => self.start_import(),
            ImportStep::Apply => self.apply_import(),
            ImportStep::Close => {
                self.import = None;
                self.status = "Import closed; nothing was imported.".into();
            }
            ImportStep::Quit => self.quit = true,
        }
    }

    /// Applies one message of the background loader.
    fn loaded(&mut self, msg: LoadMsg) {
        match msg {
            LoadMsg::Stage(s) if self.engine.is_some() => {
                self.foryou.preparing = Some(s.clone());
                self.lists_pending = Some(s);
            }
            LoadMsg::Stage(s) => self.loading_stage = s,
            LoadMsg::Ready(e, w) => {
                self.loader = None;
                self.install(*e, w);
            }
            LoadMsg::Usable(e, w) => {
                let stage = "preparing the lists".to_string();
                self.foryou.preparing = Some(stage.clone());
                self.lists_pending = Some(stage);
                self.install(*e, w);
            }
            LoadMsg::Lists(models) => {
                self.loader = None;
                self.lists_pending = None;
                self.foryou.preparing = None;
                let Some(e) = self.engine.as_mut() else {
                    return;
                };
                match e.adopt_lists(models) {
                    Ok(()) => {
                        let names: Vec<String> = e
                            .list_ids()
                            .into_iter()
                            .map(|l| e.list_label(l).to_string())
                            .collect();
                        self.status = format!("Lists ready: {}.", names.join(", "));
                        self.profile_changed();
                    }
                    Err(err) => self.status = format!("The lists could not be used: {err}"),
                }
            }
            LoadMsg::Failed(why) if self.engine.is_some() => {
                // Search and rating keep working; only the lists are missing.
                self.loader = None;
                self.lists_pending = None;
                self.foryou.preparing = None;
                self.notices.push(format!(
                    "The recommendation lists could not be made: {why}\nSearch and rating still work; your ratings are saved."
                ));
            }
            LoadMsg::Failed(why) => self.fatal = Some(why),
        }
    }

    /// Waits until the pending search (if any) has answered and the keys held for it
    /// are applied: for tests and scripts.
    pub fn settle(&mut self) {
        self.process();
        self.poll_import(Some(Duration::from_secs(30)));
        for _ in 0..100 {
            let answered = match &self.engine {
                Some(e) => self.search.wait(e, Duration::from_secs(10)),
                None => false,
            };
            if !answered {
                break;
            }
            self.replay();
        }
        self.tick();
    }

    /// Applies the actions held for the search reply.
    fn replay(&mut self) {
        let held: Vec<Action> = self.deferred.drain(..).collect();
        for a in held {
            self.update(a);
        }
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
            Event::Paste(text) => Some(Action::Paste(text.clone())),
            Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
            _ => None,
        };
        if let Some(a) = action {
            let _ = self.tx.send(a);
        }
    }

    fn typing(&self) -> bool {
        self.search.editing
            && self.view == View::Search
            && self.details.is_empty()
            && self.help.is_none()
    }

    fn map_key(&self, k: &KeyEvent) -> Option<Action> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if let (Some(_), None, KeyCode::Char(c), false) =
            (&self.genre_picker, self.help, k.code, ctrl)
        {
            if let Some(op) = picker::pick_op(c) {
                return Some(Action::Pick(op));
            }
        }
        if self.typing() {
            return match k.code {
                KeyCode::Char(c) if !ctrl => Some(Action::Input(c)),
                KeyCode::Backspace => Some(Action::InputBackspace),
                KeyCode::Esc => Some(Action::InputCancel),
                KeyCode::Enter | KeyCode::Down | KeyCode::Tab => Some(Action::InputDone),
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
        self.settle();
    }

    /// The visible view: the top movie page, else the current tab.
    fn component(&self) -> &dyn Component {
        if let Some(v) = &self.import {
            return v;
        }
        if let Some(d) = self.details.last() {
            return d;
        }
        match self.view {
            View::Search => &self.search,
            View::ForYou => &self.foryou,
            View::MyRatings => &self.ratings,
            View::Watchlist => &self.watchlist,
            View::Hidden => &self.hidden,
        }
    }

    fn component_mut(&mut self) -> &mut dyn Component {
        if let Some(v) = &mut self.import {
            return v;
        }
        if let Some(d) = self.details.last_mut() {
            return d;
        }
        match self.view {
            View::Search => &mut self.search,
            View::ForYou => &mut self.foryou,
            View::MyRatings => &mut self.ratings,
            View::Watchlist => &mut self.watchlist,
            View::Hidden => &mut self.hidden,
        }
    }

    /// The movie actions apply to: highlighted in the focused pane of the visible view.
    pub fn focused_movie(&self) -> Option<u32> {
        if self.help.is_some()
            || self.genre_picker.is_some()
            || !self.notices.is_empty()
            || self.too_small()
        {
            return None;
        }
        self.component().selected()
    }

    /// Same as [`App::focused_movie`].
    pub fn selected(&self) -> Option<u32> {
        self.focused_movie()
    }

    fn label(&self, item: u32) -> String {
        self.engine
            .as_ref()
            .map(|e| e.dataset().catalogue.movie(item).label())
            .unwrap_or_default()
    }

    pub fn update(&mut self, action: Action) {
        self.needs_draw = true;
        if let Action::Resize(w, h) = action {
            self.size = Some((w, h));
            return;
        }
        // Always a way out, whatever the screen.
        if let Action::Key(k) = &action {
            if is_ctrl(k, 'c') {
                self.quit = true;
                return;
            }
            if is_ctrl(k, 'z') {
                self.suspend = true;
                return;
            }
        }
        // Screens with no movie on them (loading, "could not start", too small): only
        // quitting works; nothing may act on a list nobody can see.
        if self.engine.is_none() || self.too_small() {
            if let Action::Key(k) = &action {
                if self.keymap.command(k) == Some(Command::Quit) {
                    self.quit = true;
                }
            }
            return;
        }
        if !self.notices.is_empty() {
            match &action {
                Action::Key(k) if self.keymap.command(k) == Some(Command::Quit) => self.quit = true,
                Action::Key(_) | Action::Click { .. } => self.notices.clear(),
                _ => {}
            }
            return;
        }
        // The import screen takes its keys and pastes itself (it has a text field).
        if self.import.is_some() && self.deferred.is_empty() {
            match &action {
                Action::Key(k) => self.import_key(k),
                Action::Paste(text) => {
                    if let Some(v) = self.import.as_mut() {
                        v.paste(text);
                    }
                }
                _ => {}
            }
            return;
        }
        // Behind held actions, keys wait unmapped: their meaning depends on what the
        // held ones do (Enter leaves the search box, so a following 5 rates).
        if !self.deferred.is_empty() {
            self.deferred.push_back(action);
            return;
        }
        let action = match action {
            Action::Key(k) => match self.map_key(&k) {
                Some(a) => a,
                None => return,
            },
            a => a,
        };
        // Until the current query's results are in, only typing goes on; everything
        // else waits for them, so it never acts on the previous results.
        let edits_query = matches!(
            action,
            Action::Input(_) | Action::InputBackspace | Action::InputCancel | Action::Paste(_)
        );
        if self.search.pending() && !edits_query {
            self.deferred.push_back(action);
            return;
        }
        self.apply(action);
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Key(_) | Action::Resize(..) => {}
            Action::Input(c) => {
                self.search.query.push(c);
                self.search.request();
            }
            Action::InputBackspace => {
                self.search.query.pop();
                if self.search.query.trim().is_empty() {
                    self.show_start(Placement::Unselected);
                } else {
                    self.search.request();
                }
            }
            Action::InputDone => {
                self.search.editing = false;
                if self.search.table.selected().is_none() {
                    self.search.table.move_by(0);
                }
            }
            Action::InputCancel => self.clear_search(),
            Action::Paste(text) => self.paste(&text),
            Action::OpenMovie(item) => self.open(item),
            Action::Click { x, y } => self.click(x, y),
            Action::Scroll { x, y, down } => self.scroll(x, y, down),
            Action::Cmd(c) => self.command(c),
            Action::Pick(op) => self.pick(op),
        }
    }

    fn show_start(&mut self, how: Placement) {
        if let Some(e) = &self.engine {
            self.search.show_start(e, how);
        }
    }

    /// Esc on a search: the query goes, the start list comes back with nothing
    /// highlighted, so a key typed next cannot act on a movie nobody looked at.
    fn clear_search(&mut self) {
        let had = !self.search.query.trim().is_empty();
        self.search.query.clear();
        self.search.editing = false;
        self.show_start(Placement::Unselected);
        self.status = if had {
            "Search cleared. j/↓ picks a movie from the list; / searches again.".into()
        } else {
            "/ searches; j/↓ picks a movie from the list.".into()
        };
    }

    /// A paste goes into the search box as text: its first line only, since a line
    /// break in a paste must not act as Enter on whatever the list shows.
    fn paste(&mut self, text: &str) {
        if self.help.is_some() {
            return;
        }
        self.genre_picker = None;
        let mut lines = text.split(['\r', '\n']);
        let first: String = lines
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        let rest = lines.any(|l| !l.trim().is_empty());
        self.details.clear();
        self.switch(View::Search);
        self.search.editing = true;
        self.search.query.push_str(&first);
        if self.search.query.trim().is_empty() {
            self.show_start(Placement::Unselected);
        } else {
            self.search.request();
        }
        if rest {
            self.status = "Pasted the first line into the search; the rest was ignored.".into();
        }
    }

    fn open(&mut self, item: u32) {
        let Some(e) = &self.engine else { return };
        self.details.push(DetailsView::new(e, item));
    }

    fn switch(&mut self, view: View) {
        if self.view == View::ForYou && view != View::ForYou {
            // Movies rated there leave the lists now.
            self.foryou.unpin_all();
            if let Some(e) = &self.engine {
                self.foryou.refresh(e, false);
            }
        }
        self.view = view;
    }

    fn click(&mut self, x: u16, y: u16) {
        if self.help.is_some() || self.genre_picker.is_some() {
            self.help = None;
            self.genre_picker = None;
            return;
        }
        if let Some(d) = self.details.last_mut() {
            if let Some(stars) = d.stars_at(x, y) {
                d.focus = DetailsFocus::Movie;
                self.rate(stars);
                return;
            }
            if d.similar.click(x, y) {
                d.focus = DetailsFocus::Similar;
            }
            return;
        }
        match self.view {
            View::ForYou => {
                if self.foryou.focus_at(x, y) {
                    if let Some(t) = self.foryou.table() {
                        t.click(x, y);
                    }
                }
            }
            // The tab line (1) and the search box (3 rows) are above the list.
            View::Search if (1..4).contains(&y) => self.search.editing = true,
            View::Search => {
                if self.search.table.click(x, y) {
                    self.search.editing = false;
                }
            }
            View::MyRatings => {
                self.ratings.table.click(x, y);
            }
            View::Watchlist => {
                self.watchlist.table.click(x, y);
            }
            View::Hidden => {
                self.hidden.table.click(x, y);
            }
        }
    }

    /// The wheel scrolls the list under the pointer, which takes the focus.
    fn scroll(&mut self, x: u16, y: u16, down: bool) {
        let delta = if down { 3 } else { -3 };
        if let Some(h) = self.help.as_mut() {
            *h = h.saturating_add_signed(delta);
            self.clamp_help();
            return;
        }
        if let Some(p) = self.genre_picker.as_mut() {
            p.navigate(if down { Command::Down } else { Command::Up });
            return;
        }
        if let Some(d) = self.details.last_mut() {
            if d.similar.contains(x, y) && !d.similar.is_empty() {
                d.focus = DetailsFocus::Similar;
                d.similar.move_by(delta);
            }
            return;
        }
        match self.view {
            View::ForYou => {
                if self.foryou.focus_at(x, y) {
                    if let Some(t) = self.foryou.table() {
                        t.move_by(delta);
                    }
                }
            }
            View::Search => {
                if self.search.table.contains(x, y) {
                    self.search.editing = false;
                    self.search.table.move_by(delta);
                }
            }
            View::MyRatings => self.ratings.table.move_by(delta),
            View::Watchlist => self.watchlist.table.move_by(delta),
            View::Hidden => self.hidden.table.move_by(delta),
        }
    }

    fn screen_area(&self) -> Rect {
        let (w, h) = self.size.unwrap_or((80, 24));
        Rect::new(0, 0, w, h)
    }

    fn clamp_help(&mut self) {
        let max = help::max_scroll(&self.keymap, &self.theme, main_area(self.screen_area()));
        if let Some(h) = self.help.as_mut() {
            *h = (*h).min(max);
        }
    }

    /// Keys while the help is open: it scrolls, Esc or ? closes it, q quits; any other
    /// key only closes it (what it would act on is hidden).
    fn help_command(&mut self, c: Command) {
        let page = help::visible_rows(main_area(self.screen_area())).max(1);
        let Some(h) = self.help.as_mut() else { return };
        match c {
            Command::Quit => self.quit = true,
            Command::Up => *h = h.saturating_sub(1),
            Command::Down => *h += 1,
            Command::PageUp => *h = h.saturating_sub(page),
            Command::PageDown => *h += page,
            Command::Top => *h = 0,
            Command::Bottom => *h = usize::MAX / 2,
            _ => self.help = None,
        }
        self.clamp_help();
    }

    /// Keys while the genre picker is open: it moves, q quits; any other command
    /// (Enter, Esc, …) closes it. Its own keys arrive as [`Action::Pick`].
    fn picker_command(&mut self, c: Command) {
        let Some(p) = self.genre_picker.as_mut() else {
            return;
        };
        match c {
            Command::Quit => self.quit = true,
            _ if p.navigate(c) => {}
            _ => self.genre_picker = None,
        }
    }

    /// A picker key: the filter changes at once, so the lists behind the picker show it.
    fn pick(&mut self, op: PickOp) {
        let Some(p) = self.genre_picker.as_mut() else {
            return;
        };
        p.apply(op);
        self.foryou.genres = p.include.clone();
        self.foryou.exclude_genres = p.exclude.clone();
        self.status = format!(
            "Genre filter: {}.",
            picker::summary(&p.names, &p.include, &p.exclude)
        );
        // New filter, new lists: they start at the top.
        if let Some(e) = &self.engine {
            self.foryou.refresh(e, false);
        }
        self.save_settings();
    }

    fn no_movie(&mut self) {
        self.status = if self.typing() {
            "Typing goes into the search box: Enter or ↓ moves to the results.".into()
        } else {
            "No movie highlighted: j/k or ↓/↑ picks one.".into()
        };
    }

    fn command(&mut self, c: Command) {
        use Command::*;
        if self.help.is_some() {
            self.help_command(c);
            return;
        }
        if self.genre_picker.is_some() {
            self.picker_command(c);
            return;
        }
        match c {
            Quit => self.quit = true,
            Back => self.back(),
            Help => self.help = Some(0),
            Search => {
                // A fresh search each time: the box starts empty.
                self.details.clear();
                self.switch(View::Search);
                self.search.editing = true;
                if !self.search.query.is_empty() {
                    self.search.query.clear();
                    self.show_start(Placement::Unselected);
                }
            }
            ForYou | MyRatings | WatchlistView | HiddenView => {
                self.details.clear();
                self.switch(match c {
                    ForYou => View::ForYou,
                    MyRatings => View::MyRatings,
                    WatchlistView => View::Watchlist,
                    _ => View::Hidden,
                });
            }
            NextPane | Up | Down | PageUp | PageDown | Top | Bottom => {
                if !self.component_mut().handle(c) && !self.details.is_empty() {
                    self.status = "Tab moves the focus to the similar movies.".into();
                }
            }
            Open => match self.focused_movie() {
                Some(item) => self.open(item),
                None => self.no_movie(),
            },
            Rate1 => self.rate(1.0),
            Rate2 => self.rate(2.0),
            Rate3 => self.rate(3.0),
            Rate4 => self.rate(4.0),
            Rate5 => self.rate(5.0),
            HalfUp | HalfDown => self.half_step(if c == HalfUp { 0.5 } else { -0.5 }),
            ClearRating => self.clear_rating(),
            Watchlist => self.edit(
                |e, i| e.toggle_watchlist(i),
                |label, on| {
                    if on {
                        format!("{label} added to the watchlist.")
                    } else {
                        format!("{label} removed from the watchlist.")
                    }
                },
            ),
            NotInterested => self.edit(
                |e, i| e.toggle_not_interested(i),
                |label, on| {
                    if on {
                        format!("{label}: not interested (hidden from recommendations; u undoes).")
                    } else {
                        format!("{label}: shown again.")
                    }
                },
            ),
            Undo => self.undo(),
            Sort => {
                self.ratings.sort = self.ratings.sort.next();
                if let Some(e) = &self.engine {
                    self.ratings.refresh(e, Placement::Follow);
                }
                self.save_settings();
            }
            Genre => {
                let names = self
                    .engine
                    .as_ref()
                    .map(|e| e.dataset().catalogue.genre_names.clone())
                    .unwrap_or_default();
                self.details.clear();
                self.switch(View::ForYou);
                self.genre_picker = Some(GenrePicker::new(
                    names,
                    &self.foryou.genres,
                    &self.foryou.exclude_genres,
                ));
            }
            Years | MinRatings => {
                match c {
                    Years => self.foryou.years = (self.foryou.years + 1) % YEARS.len(),
                    _ => {
                        self.foryou.min_ratings = (self.foryou.min_ratings + 1) % MIN_RATINGS.len()
                    }
                }
                self.details.clear();
                self.view = View::ForYou;
                // New filter, new lists: they start at the top.
                if let Some(e) = &self.engine {
                    self.foryou.refresh(e, false);
                }
                self.save_settings();
            }
            Retrain if self.lists_pending.is_some() => {
                self.status = "The lists are still being prepared; retrain once they are.".into();
            }
            Retrain => {
                if let Some(e) = self.engine.as_mut() {
                    self.status = match e.start_retrain() {
                        Ok(()) => "Retraining in the background with your ratings…".into(),
                        Err(err) => format!("Cannot retrain: {err}"),
                    };
                }
            }
            Import => {
                let name = self
                    .engine
                    .as_ref()
                    .map(|e| e.profile().name.clone())
                    .unwrap_or_default();
                self.import = Some(ImportView::new(&name));
                self.status =
                    format!("Import into profile {name}: nothing changes before you confirm.");
            }
            OpenImdb | OpenTmdb => self.open_link(c == OpenImdb),
            Theme => {
                let next = if self.theme.name == "dark" {
                    "light"
                } else {
                    "dark"
                };
                self.theme = super::theme::Theme::named(next, self.no_color);
                self.save_settings();
            }
        }
    }

    /// `b`/`B` on a movie page: opens the page's movie on IMDb or TMDB (from the
    /// dataset's links) and names the movie and the URL.
    fn open_link(&mut self, imdb: bool) {
        let site = if imdb { "IMDb" } else { "TMDB" };
        let Some(d) = self.details.last() else {
            self.status = format!(
                "Links are on a movie's page: {} opens the highlighted movie.",
                self.keymap.short(Command::Open)
            );
            return;
        };
        let label = d.facts.row.label();
        let url = if imdb {
            d.facts.imdb.clone()
        } else {
            d.facts.tmdb.clone()
        };
        self.status = match url {
            None => format!("{label} has no {site} link in this dataset (links.csv)."),
            Some(url) => match (self.opener)(&url) {
                Ok(()) => format!("Opened {label} on {site}: {url}"),
                Err(why) => format!("Could not open {url} for {label}: {why}"),
            },
        };
    }

    /// Esc: closes the top page, else clears the search, else goes back to the search
    /// tab. It never quits.
    fn back(&mut self) {
        if self.details.pop().is_some() {
            return;
        }
        if self.view == View::Search {
            if !self.search.query.is_empty() {
                self.clear_search();
            } else {
                self.status = format!(
                    "Nothing to close here; {} quits.",
                    self.keymap.short(Command::Quit)
                );
            }
            return;
        }
        self.switch(View::Search);
    }

    fn undo(&mut self) {
        let Some(e) = self.engine.as_mut() else {
            return;
        };
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

    /// Applies `f` to the focused movie and reports it by name.
    fn edit<T>(
        &mut self,
        f: impl FnOnce(&mut Engine, u32) -> Result<T, crate::engine::EngineError>,
        describe: impl FnOnce(&str, T) -> String,
    ) {
        let Some(item) = self.focused_movie() else {
            self.no_movie();
            return;
        };
        let label = self.label(item);
        let Some(e) = self.engine.as_mut() else {
            return;
        };
        match f(e, item) {
            Ok(v) => {
                self.status = describe(&label, v);
                self.profile_changed();
            }
            Err(err) => self.status = format!("Error ({label}): {err}"),
        }
    }

    fn rate(&mut self, stars: f32) {
        let Some(item) = self.focused_movie() else {
            self.no_movie();
            return;
        };
        if self.view == View::ForYou {
            // Keep it in place so the highlight stays on what was just rated.
            self.foryou.pin(item);
        }
        self.edit(
            |e, i| {
                e.rate(i, stars)?;
                Ok(e.rating_of(i).unwrap_or(stars))
            },
            |label, saved| format!("Rated {label} {saved:.1}★ (saved). Lists updated."),
        );
    }

    /// `+`/`-`: half a star from your rating, or on an unrated movie from its predicted
    /// rating rounded to half a star (the middle of the scale if nothing predicts it).
    fn half_step(&mut self, step: f32) {
        let Some(item) = self.focused_movie() else {
            self.no_movie();
            return;
        };
        let Some(e) = &self.engine else { return };
        let s = e.dataset().scale;
        let base = e
            .rating_of(item)
            .or_else(|| predicted_start(&e.predict(item)))
            .unwrap_or(((s.min + s.max) / 2.0 * 2.0).round() / 2.0);
        self.rate(s.clamp(base + step));
    }

    fn clear_rating(&mut self) {
        let Some(item) = self.focused_movie() else {
            self.no_movie();
            return;
        };
        if self
            .engine
            .as_ref()
            .and_then(|e| e.rating_of(item))
            .is_none()
        {
            self.status = format!("{} was not rated; nothing to remove.", self.label(item));
            return;
        }
        self.edit(
            |e, i| e.unrate(i),
            |label, _| format!("Rating of {label} removed."),
        );
    }

    /// Draws everything. A pure function of the app's state: no model is asked anything
    /// here (the views hold what they show); only the mouse targets are remembered.
    pub fn draw(&mut self, f: &mut Frame) {
        let area = f.area();
        let t = self.theme.clone();
        // The theme's background under everything (the light theme needs it).
        f.render_widget(Block::default().style(t.base), area);
        let Some(engine) = &self.engine else {
            self.draw_start_screen(f, area);
            return;
        };
        if area.width < MIN_W || area.height < MIN_H {
            let msg = vec![
                Line::from(Span::styled("Terminal too small", t.error)),
                Line::from(format!(
                    "{}×{}; reel needs {MIN_W}×{MIN_H}.",
                    area.width, area.height
                )),
                Line::from("Enlarge the window, or press q to quit."),
            ];
            f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
            return;
        }
        let [tabs, main, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(5),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        // Narrow terminals get shorter tab names, so every tab stays visible.
        let compact = tabs.width < 80;
        let names = [
            (View::Search, Command::Search, "Search"),
            (View::ForYou, Command::ForYou, "For you"),
            (
                View::MyRatings,
                Command::MyRatings,
                if compact { "Ratings" } else { "My ratings" },
            ),
            (View::Watchlist, Command::WatchlistView, "Watchlist"),
            (View::Hidden, Command::HiddenView, "Hidden"),
        ];
        let mut spans = if compact {
            Vec::new()
        } else {
            vec![Span::styled(" reel ", t.title)]
        };
        for (v, c, n) in names {
            let style = if v == self.view && self.details.is_empty() && self.import.is_none() {
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
        let ctx = Ctx { theme: &t };
        self.component_mut().draw(f, main, &ctx);
        f.render_widget(
            Paragraph::new(Span::styled(self.status.clone(), t.accent)),
            status,
        );
        f.render_widget(Paragraph::new(self.hint_line(hints.width)), hints);
        if let Some(p) = &self.genre_picker {
            p.draw(f, main, &t);
        }
        if let Some(scroll) = self.help {
            help::draw(f, main, &self.keymap, &t, scroll);
        }
        if !self.notices.is_empty() {
            self.draw_notices(f, main);
        }
    }

    /// The loading and "could not start" screens: whole messages, wrapped, with a way
    /// out (these screens work at any size).
    fn draw_start_screen(&self, f: &mut Frame, area: Rect) {
        let t = &self.theme;
        let mut lines = match &self.fatal {
            Some(why) => {
                let mut l = vec![
                    Line::from(Span::styled("reel could not start", t.error)),
                    Line::from(""),
                ];
                l.extend(why.lines().map(|s| Line::from(s.to_string())));
                l.push(Line::from(""));
                l.push(Line::from(Span::styled("What you can try:", t.title)));
                for (cmd, what) in [
                    (
                        "reel --lenient",
                        "skip malformed rows in the data files and load the rest",
                    ),
                    (
                        "reel --data DIR",
                        "use another MovieLens folder (or set REEL_DATA)",
                    ),
                    (
                        "reel download",
                        "fetch ml-latest-small again (an interrupted download leaves a partial folder)",
                    ),
                ] {
                    l.push(Line::from(vec![
                        Span::styled(format!("  {cmd:<17}"), t.accent),
                        Span::styled(what, t.base),
                    ]));
                }
                l.push(Line::from(""));
                l.push(Line::from(Span::styled("Press q to quit.", t.accent)));
                l
            }
            None => vec![
                Line::from(Span::styled("reel", t.title)),
                Line::from(format!("Loading: {}…", self.loading_stage)),
                Line::from(Span::styled("q quits", t.dim)),
            ],
        };
        if !self.notices.is_empty() {
            lines.push(Line::from(""));
            for n in &self.notices {
                lines.push(Line::from(Span::styled(n.clone(), t.error)));
            }
        }
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }),
            area.inner(Margin::new(1, 0)),
        );
    }

    /// Problems the user must see, over the app until a key is pressed.
    fn draw_notices(&self, f: &mut Frame, area: Rect) {
        let t = &self.theme;
        let mut lines: Vec<Line> = self
            .notices
            .iter()
            .map(|n| Line::from(Span::styled(format!("• {n}"), t.base)))
            .collect();
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            "Press any key to continue (q quits).",
            t.dim,
        )));
        let w = area.width.saturating_sub(4).min(90);
        let pop = Rect {
            x: area.x + (area.width - w) / 2,
            y: area.y + 1,
            width: w,
            height: area.height.saturating_sub(2),
        };
        f.render_widget(Clear, pop);
        f.render_widget(
            Paragraph::new(lines)
                .style(t.base)
                .wrap(Wrap { trim: false })
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(t.error)
                        .title(super::views::title("Please note", t)),
                ),
            pop,
        );
    }

    /// The hint bar: the commands of the focused context, from the same table as the
    /// help.
    fn hint_line(&self, width: u16) -> Line<'static> {
        let t = &self.theme;
        if self.help.is_some() {
            return Line::from(Span::styled(
                "j/k scroll · Esc or ? closes · q quits",
                t.dim,
            ));
        }
        if let Some(v) = &self.import {
            let mut spans = Vec::new();
            for (key, what) in v.keys() {
                spans.push(Span::styled(*key, t.accent));
                spans.push(Span::styled(format!(" {what}  "), t.dim));
            }
            return Line::from(spans);
        }
        if self.genre_picker.is_some() {
            let mut spans = Vec::new();
            for (key, what) in picker::PICKER_KEYS {
                spans.push(Span::styled(*key, t.accent));
                spans.push(Span::styled(format!(" {what}  "), t.dim));
            }
            spans.push(Span::styled(self.keymap.short(Command::Quit), t.accent));
            spans.push(Span::styled(" quit", t.dim));
            return Line::from(spans);
        }
        if self.typing() {
            return Line::from(Span::styled(
                "type to search · Enter/↓ results · Esc clears · Ctrl-c quits",
                t.dim,
            ));
        }
        let mut scopes = vec![Scope::Everywhere];
        if self.focused_movie().is_some() {
            scopes.push(Scope::Movie);
        }
        scopes.extend(self.component().scopes());
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
            if key.is_empty() {
                continue;
            }
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

/// The main area of a screen (below the tabs, above the status and hint lines).
fn main_area(screen: Rect) -> Rect {
    Rect {
        y: screen.y + 1,
        height: screen.height.saturating_sub(3),
        ..screen
    }
}
