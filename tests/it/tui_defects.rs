//! Regression tests for the TUI defects of issue 8, one (or more) per defect, driven
//! through key, paste, mouse and resize events on ratatui's TestBackend (fixture data,
//! temporary mean model). The real-terminal side (signals, Ctrl-Z) is in tui_terminal.

use std::sync::mpsc;

use crate::engine_support::{fixture, temp_models, temp_trainers};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use ratatui::Terminal;
use reel::engine::Engine;
use reel::profile::{ProfileStore, UserProfile};
use reel::tui::config::Config;
use reel::tui::keymap::commands;
use reel::tui::{App, LoadMsg, View};

fn engine(dir: &std::path::Path) -> Engine {
    let ds = fixture();
    let models = temp_models(&ds);
    let store = ProfileStore::new(dir, "defects").expect("store");
    Engine::new(
        models,
        Some(temp_trainers()),
        UserProfile::new("defects"),
        Some(store),
    )
}

fn app(dir: &std::path::Path) -> App {
    App::with_engine(engine(dir), &Config::default(), true)
}

fn render(app: &mut App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| app.draw(f)).expect("draw");
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(app: &mut App, c: char) {
    app.press(KeyCode::Char(c), KeyModifiers::NONE);
}

fn press(app: &mut App, code: KeyCode) {
    app.press(code, KeyModifiers::NONE);
}

/// Queues keys as a terminal delivers a burst (a fast typist, or a paste without
/// bracketed paste): all events first, then one processing pass.
fn burst(app: &mut App, text: &str) {
    for c in text.chars() {
        let code = match c {
            '\r' | '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        app.handle_event(&Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
    app.settle();
}

fn label(app: &App, item: u32) -> String {
    app.engine
        .as_ref()
        .expect("engine")
        .dataset()
        .catalogue
        .movie(item)
        .label()
}

fn rated(app: &App) -> Vec<(u32, f32)> {
    let e = app.engine.as_ref().expect("engine");
    (0..e.n_items() as u32)
        .filter_map(|i| e.rating_of(i).map(|s| (i, s)))
        .collect()
}

/// Five ratings from the start list (5, 4, 3, 4.5, 2 stars), so lists are personal.
fn rated_app(dir: &std::path::Path) -> App {
    let mut a = app(dir);
    for (k, c) in ['5', '4', '3', '5', '2'].into_iter().enumerate() {
        key(&mut a, c);
        if k == 3 {
            key(&mut a, '-');
        }
        key(&mut a, 'j');
    }
    assert_eq!(rated(&a).len(), 5);
    a
}

// Defect 1 --------------------------------------------------------------------------

#[test]
fn loading_screen_quits_on_q_and_ctrl_c_never_on_esc() {
    let (_tx, rx) = mpsc::channel();
    let mut a = App::loading(&Config::default(), Vec::new(), rx, true);
    assert!(render(&mut a, 80, 24).contains("Loading"));
    press(&mut a, KeyCode::Esc);
    assert!(!a.quit, "Esc must not quit");
    key(&mut a, 'q');
    assert!(a.quit, "q quits the loading screen");

    let (_tx, rx) = mpsc::channel();
    let mut a = App::loading(&Config::default(), Vec::new(), rx, true);
    a.press(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(a.quit, "Ctrl-C quits the loading screen");
}

#[test]
fn error_screen_shows_the_whole_message_with_next_steps_and_quits() {
    let (tx, rx) = mpsc::channel();
    let mut a = App::loading(&Config::default(), Vec::new(), rx, true);
    let why = "loading the dataset in /some/where/ml-latest-small: ratings.csv line 7: \
               field 3 (rating) is \"9x\", not a number; and then a lot more words so \
               that the message is longer than one line END-OF-MESSAGE";
    tx.send(LoadMsg::Failed(why.into())).expect("send");
    a.tick();
    let s = render(&mut a, 60, 20);
    assert!(s.contains("reel could not start"), "{s}");
    assert!(s.contains("END-OF-MESSAGE"), "the message is cut:\n{s}");
    for step in ["--lenient", "--data DIR", "reel download"] {
        assert!(s.contains(step), "no {step} on the error screen:\n{s}");
    }
    press(&mut a, KeyCode::Esc);
    assert!(!a.quit, "Esc must not quit");
    key(&mut a, 'q');
    assert!(a.quit, "q quits the error screen");
}

#[test]
fn esc_never_quits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    for _ in 0..3 {
        press(&mut a, KeyCode::Esc);
    }
    assert!(!a.quit, "Esc at the top level quit");
    key(&mut a, 'f');
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.view, View::Search, "Esc goes back");
    press(&mut a, KeyCode::Esc);
    assert!(!a.quit);
}

// Defect 3 --------------------------------------------------------------------------

#[test]
fn a_new_result_set_starts_at_row_0_scrolled_to_the_top() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    key(&mut a, '/');
    // A year prefix: the fixture's 20 movies of 1980-1999.
    a.type_text("19");
    press(&mut a, KeyCode::Enter);
    for _ in 0..14 {
        key(&mut a, 'j');
        render(&mut a, 60, 20);
    }
    assert!(
        a.search.table.state.selected() > Some(10),
        "fixture: 15+ hits"
    );
    assert!(a.search.table.state.offset() > 0);
    // Back into the box, one more letter: a new result set.
    press(&mut a, KeyCode::Tab);
    a.type_text("9");
    assert!(!a.search.table.is_empty());
    assert_eq!(a.search.table.state.selected(), Some(0));
    assert_eq!(a.search.table.state.offset(), 0);
}

#[test]
fn keys_typed_before_the_results_act_on_the_current_query() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    burst(&mut a, "/toy story\r5");
    let r = rated(&a);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(label(&a, r[0].0), "Toy Story (1981)");
    assert_eq!(r[0].1, 5.0);
    assert!(a.status.contains("Toy Story (1981)"), "{}", a.status);
}

#[test]
fn search_enter_esc_then_5_rates_no_movie_nobody_saw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    key(&mut a, '/');
    a.type_text("toy story");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Esc);
    key(&mut a, '5');
    assert!(rated(&a).is_empty(), "rated {:?}", rated(&a));
    assert!(a.status.contains("No movie highlighted"), "{}", a.status);
    // A movement key picks the first row, which the next 5 rates.
    key(&mut a, 'j');
    let first = a.search.table.items()[0];
    assert_eq!(a.selected(), Some(first));
}

#[test]
fn a_paste_goes_into_the_search_box_and_never_acts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    a.handle_event(&Event::Paste("toy story\r5\r".into()));
    a.settle();
    assert_eq!(a.search.query, "toy story");
    assert!(a.search.editing);
    assert!(rated(&a).is_empty(), "rated {:?}", rated(&a));
    assert!(a.details.is_empty(), "a pasted Enter opened a movie");
}

// Defect 4 --------------------------------------------------------------------------

#[test]
fn no_key_acts_behind_the_too_small_screen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    let before = a.search.table.state.selected();
    a.handle_event(&Event::Resize(40, 10));
    for c in ['j', 'j', '5', 'w', 'x'] {
        key(&mut a, c);
    }
    press(&mut a, KeyCode::Enter);
    assert!(render(&mut a, 40, 10).contains("Terminal too small"));
    assert!(rated(&a).is_empty(), "rated {:?}", rated(&a));
    assert!(a.details.is_empty());
    assert_eq!(a.search.table.state.selected(), before);
    assert!(a
        .engine
        .as_ref()
        .is_some_and(|e| e.profile().watchlist.is_empty()));
    key(&mut a, 'q');
    assert!(a.quit, "q quits the too-small screen");
}

// Defect 5 --------------------------------------------------------------------------

#[test]
fn plus_and_minus_on_an_unrated_movie_start_from_its_prediction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    for (k, step) in [('+', 0.5f32), ('-', -0.5)] {
        let item = a.selected().expect("highlight");
        let e = a.engine.as_ref().expect("engine");
        let p = e.predict(item);
        let start = ((p.iter().sum::<f32>() / p.len() as f32) * 2.0).round() / 2.0;
        let want = (start + step).clamp(0.5, 5.0);
        key(&mut a, k);
        let got = a.engine.as_ref().and_then(|e| e.rating_of(item));
        assert_eq!(got, Some(want), "{k} from a prediction of {p:?}");
        key(&mut a, 'j');
    }
}

#[test]
fn rating_in_for_you_keeps_the_highlight_on_the_rated_movie() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = rated_app(dir.path());
    key(&mut a, 'f');
    key(&mut a, 'j');
    let item = a.selected().expect("highlight");
    key(&mut a, '4');
    assert_eq!(a.engine.as_ref().and_then(|e| e.rating_of(item)), Some(4.0));
    assert_eq!(
        a.selected(),
        Some(item),
        "the highlight moved off the rated movie"
    );
    let s = render(&mut a, 120, 30);
    assert!(s.contains("4.0★"), "your stars are shown in place:\n{s}");
    // Leaving the view lets the rated movie go; back, the list starts at the top.
    key(&mut a, 'm');
    key(&mut a, 'f');
    assert!(!a.foryou.panes[0].table.items().contains(&item));
    assert_eq!(a.foryou.panes[0].table.state.selected(), Some(0));
}

#[test]
fn movie_page_keys_act_on_the_focused_pane_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    let movie = a.selected().expect("highlight");
    press(&mut a, KeyCode::Enter);
    key(&mut a, 'j');
    key(&mut a, '5');
    assert_eq!(rated(&a), vec![(movie, 5.0)], "j must not move the focus");
    let s = render(&mut a, 100, 30);
    assert!(s.contains("▶ Movie"), "focus not shown on the movie:\n{s}");
    press(&mut a, KeyCode::Tab);
    let similar = a.selected().expect("a similar movie");
    assert_ne!(similar, movie);
    let s = render(&mut a, 100, 30);
    assert!(s.contains("▶ Similar movies"), "focus not shown:\n{s}");
    key(&mut a, '3');
    assert_eq!(
        a.engine.as_ref().and_then(|e| e.rating_of(similar)),
        Some(3.0)
    );
    assert!(a.status.contains(&label(&a, similar)), "{}", a.status);
}

// Defect 7 --------------------------------------------------------------------------

#[test]
fn because_line_belongs_to_the_focused_pane() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = rated_app(dir.path());
    key(&mut a, 'f');
    let s = render(&mut a, 120, 30);
    assert!(s.contains("Because you rated"), "{s}");
    press(&mut a, KeyCode::Tab);
    // The SVD pane explains nothing: the item-based reason must not be shown for it.
    let s = render(&mut a, 120, 30);
    assert!(!s.contains("Because you rated"), "{s}");
}

#[test]
fn rated_movies_show_your_stars_not_a_prediction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    let item = a.selected().expect("highlight");
    key(&mut a, '4');
    let title = label(&a, item);
    let s = render(&mut a, 100, 30);
    let row = s
        .lines()
        .find(|l| l.contains(&title))
        .unwrap_or_else(|| panic!("{title} not listed:\n{s}"));
    assert!(row.contains("4.0"), "{row}");
    assert!(
        !row.contains('/'),
        "a prediction is shown for a rated movie: {row}"
    );
}

#[test]
fn clearing_an_unrated_movie_says_it_was_not_rated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    let item = a.selected().expect("highlight");
    key(&mut a, '0');
    assert!(
        a.status
            .contains(&format!("{} was not rated", label(&a, item))),
        "{}",
        a.status
    );
    key(&mut a, '3');
    key(&mut a, '0');
    assert!(a.status.starts_with("Rating of"), "{}", a.status);
    assert!(rated(&a).is_empty());
}

#[test]
fn help_scrolls_to_every_entry_at_60x20() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    a.handle_event(&Event::Resize(60, 20));
    key(&mut a, '?');
    let mut seen = render(&mut a, 60, 20);
    for _ in 0..40 {
        key(&mut a, 'j');
        seen.push_str(&render(&mut a, 60, 20));
    }
    assert!(a.help.is_some(), "j closed the help");
    for c in commands() {
        assert!(seen.contains(c.help), "help never showed {:?}", c.help);
    }
    press(&mut a, KeyCode::Esc);
    assert!(a.help.is_none());
    assert!(!a.quit);
}

#[test]
fn light_theme_paints_a_background() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        theme: Some("light".into()),
        ..Config::default()
    };
    let mut a = App::with_engine(engine(dir.path()), &config, false);
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    term.draw(|f| a.draw(f)).expect("draw");
    let buf = term.backend().buffer().clone();
    for (x, y) in [(0, 0), (79, 23), (40, 12)] {
        assert_ne!(buf[(x, y)].bg, Color::Reset, "no background at {x},{y}");
    }
}

#[test]
fn first_visit_to_for_you_highlights_row_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = rated_app(dir.path());
    key(&mut a, 'f');
    for p in &a.foryou.panes {
        assert_eq!(p.table.state.selected(), Some(0));
        assert_eq!(p.table.state.offset(), 0);
    }
}

// Defect 8 --------------------------------------------------------------------------

#[test]
fn config_problems_stay_visible_after_loading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::default();
    config
        .keys
        .insert("undo".into(), vec!["z".into(), "nosuchkey".into()]);
    let (tx, rx) = mpsc::channel();
    let mut a = App::loading(
        &config,
        vec!["config /x/config.toml ignored (defaults used): bad TOML".into()],
        rx,
        true,
    );
    tx.send(LoadMsg::Ready(Box::new(engine(dir.path())), Vec::new()))
        .expect("send");
    a.tick();
    let s = render(&mut a, 100, 30);
    assert!(s.contains("bad TOML"), "{s}");
    assert!(s.contains("nosuchkey"), "{s}");
    // A key dismisses the notes without acting on the list behind them.
    key(&mut a, '5');
    assert!(rated(&a).is_empty());
    assert!(!render(&mut a, 100, 30).contains("bad TOML"));
}

// Issue 9: usable before the lists are ------------------------------------------------

/// The first start on a big dataset trains for a while: search, the movie page and
/// rating must work from the moment the catalogue is read, with For you saying how far
/// the lists are; they appear when the loader delivers them, ratings made meanwhile
/// included.
#[test]
fn search_and_rating_work_while_the_lists_are_prepared() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ds = fixture();
    let models = temp_models(&ds);
    let catalogue = std::sync::Arc::new(models.with_lists(Vec::new()));
    let store = ProfileStore::new(dir.path(), "staged").expect("store");
    let session = Engine::new(
        catalogue,
        Some(temp_trainers()),
        UserProfile::new("staged"),
        Some(store),
    );
    let (tx, rx) = mpsc::channel();
    let mut a = App::loading(&Config::default(), Vec::new(), rx, true);
    tx.send(LoadMsg::Usable(Box::new(session), Vec::new()))
        .expect("send");
    tx.send(LoadMsg::Stage(" 40%  SVD: training (epoch 2/20)".into()))
        .expect("send");
    a.tick();
    // Search and rate at once.
    burst(&mut a, "/heat\r");
    let item = a.selected().expect("a search hit is highlighted");
    assert_eq!(label(&a, item), "Heat (1982)");
    key(&mut a, '4');
    assert_eq!(rated(&a), vec![(item, 4.0)]);
    assert!(a.status.contains("Heat (1982)"), "{}", a.status);
    // For you says how far the lists are, and has nothing to act on.
    key(&mut a, 'f');
    let s = render(&mut a, 100, 30);
    assert!(
        s.contains("being prepared") && s.contains("epoch 2/20"),
        "{s}"
    );
    assert_eq!(a.selected(), None);
    key(&mut a, 'R');
    assert!(a.status.contains("still being prepared"), "{}", a.status);
    // The lists arrive: panes appear, the rating made meanwhile is kept.
    tx.send(LoadMsg::Lists(models)).expect("send");
    a.tick();
    assert!(a.status.contains("Lists ready"), "{}", a.status);
    let s = render(&mut a, 100, 30);
    assert!(!s.contains("being prepared"), "{s}");
    assert!(s.contains("Item-based") && s.contains("SVD"), "{s}");
    assert!(a.selected().is_some());
    assert_eq!(rated(&a), vec![(item, 4.0)]);
}

// Structure -------------------------------------------------------------------------

#[test]
fn every_movie_action_names_the_movie_it_acted_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    key(&mut a, 'j');
    let item = a.selected().expect("highlight");
    let title = label(&a, item);
    for k in ['4', '+', 'w', 'x', '0'] {
        key(&mut a, k);
        assert!(a.status.contains(&title), "{k}: {}", a.status);
        assert_eq!(a.selected(), Some(item), "{k} moved the highlight");
    }
}

// Settings -------------------------------------------------------------------------

#[test]
fn theme_filters_and_sort_are_remembered_between_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("config/state.toml");
    let mut a = App::with_engine(engine(dir.path()), &Config::default(), false);
    a.use_state_file(state.clone());
    for k in ['t', 'y', 'c', 'j', ' ', 'j', 'x'] {
        key(&mut a, k);
    }
    press(&mut a, KeyCode::Enter);
    key(&mut a, 'o');
    let text = std::fs::read_to_string(&state).expect("state file written");
    let second = a
        .engine
        .as_ref()
        .expect("engine")
        .dataset()
        .catalogue
        .genre_names[1]
        .clone();
    assert!(text.contains(&format!("genres = [\"{second}\"]")), "{text}");
    drop(a);
    let mut b = App::with_engine(engine(dir.path()), &Config::default(), false);
    b.use_state_file(state);
    assert_eq!(b.theme.name, "light");
    assert_eq!(b.foryou.years, 1);
    assert_eq!(b.foryou.genres, vec![1]);
    assert_eq!(b.foryou.exclude_genres, vec![2]);
    assert_eq!(b.ratings.sort, reel::tui::views::lists::Sort::Rating);
    assert!(b.notices.is_empty(), "{:?}", b.notices);
}

#[test]
fn not_interested_movies_can_be_reviewed_and_restored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = app(dir.path());
    let item = a.selected().expect("highlight");
    key(&mut a, 'x');
    key(&mut a, 'H');
    assert_eq!(a.view, View::Hidden);
    assert_eq!(a.hidden.table.items(), vec![item]);
    assert_eq!(a.selected(), Some(item));
    assert!(render(&mut a, 80, 24).contains("Not interested: 1"));
    key(&mut a, 'x');
    assert!(a.status.contains("shown again"), "{}", a.status);
    assert!(a.hidden.table.is_empty());
    assert!(!a.engine.as_ref().expect("engine").is_not_interested(item));
}

#[test]
fn the_genre_filter_is_a_picker() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut a = rated_app(dir.path());
    key(&mut a, 'c');
    assert!(a.genre_picker.is_some());
    assert_eq!(a.view, View::ForYou);
    let s = render(&mut a, 100, 30);
    assert!(s.contains("[ ] Comedy"), "{s}");
    // Movie keys do nothing while the picker is open.
    key(&mut a, '5');
    assert_eq!(rated(&a).len(), 5);
    a.genre_picker = None;
    key(&mut a, 'c');
    key(&mut a, 'j');
    key(&mut a, ' ');
    press(&mut a, KeyCode::Enter);
    assert!(a.genre_picker.is_none());
    assert_eq!(a.foryou.genres, vec![1]);
    let e = a.engine.as_ref().expect("engine");
    let cat = &e.dataset().catalogue;
    for p in &a.foryou.panes {
        for item in p.table.items() {
            assert!(
                cat.movie(item).genres.contains(1),
                "{item} is not of genre 1"
            );
        }
    }
    assert!(a.status.contains(&cat.genre_names[1]), "{}", a.status);
}

/// Issue 8, defect 1: an empty dataset folder (an interrupted download) is reported
/// before the screen switches, with the way to get the data, not as a failed load.
#[test]
fn an_empty_data_folder_is_reported_before_the_screen_switches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = reel::data::LoadOptions {
        lenient: false,
        cache: reel::data::load::CacheMode::Off,
    };
    let err = reel::tui::run(dir.path().to_path_buf(), opts, "default", None)
        .expect_err("an empty folder is no dataset");
    let msg = format!("{err:#}");
    assert!(msg.contains("no MovieLens files"), "{msg}");
    assert!(msg.contains("reel download"), "{msg}");
}
