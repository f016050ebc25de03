//! Driving the app with key events on real data (ml-latest-small read in place;
//! REEL_TEST_DATA overrides): search → open → rate → both lists change, the profile file
//! holds the ratings; a restart brings the profile back. The genre picker on the same
//! data with quick stand-in models.

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use reel::data::load::{CacheMode, LoadOptions};
use reel::engine::{Engine, Trainers};
use reel::profile::ProfileStore;
use reel::tui::config::Config;
use reel::tui::{App, View};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn data_dir() -> PathBuf {
    let dir = std::env::var_os("REEL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data/ml-latest-small"));
    assert!(
        dir.join("ratings.csv").exists(),
        "ml-latest-small not found at {} (set REEL_TEST_DATA to its folder)",
        dir.display()
    );
    dir
}

fn start(profiles: &Path, ds: Arc<reel::data::Dataset>, models_from: &Trainers) -> App {
    let store = ProfileStore::new(profiles, "flow").expect("store");
    let loaded = store.load().expect("load profile");
    let e = Engine::train(
        ds,
        models_from.clone(),
        loaded.profile,
        Some(store),
        &mut |_, _| {},
    )
    .expect("train");
    App::with_engine(e, &Config::default(), true)
}

fn press(app: &mut App, code: KeyCode) {
    app.press(code, KeyModifiers::NONE);
}

fn screen(app: &mut App) -> String {
    screen_at(app, 100, 30)
}

fn screen_at(app: &mut App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| app.draw(f)).expect("draw");
    let buf = term.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn search_open_rate_updates_lists_and_profile_then_restart() {
    let ds = Arc::new(
        reel::data::load(
            &data_dir(),
            &LoadOptions {
                lenient: false,
                cache: CacheMode::Off,
            },
        )
        .expect("load"),
    );
    let trainers = Trainers::standard();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = start(dir.path(), Arc::clone(&ds), &trainers);
    let before: Vec<Vec<u32>> = app.foryou.panes.iter().map(|p| p.table.items()).collect();

    let picks = [
        ("toy story 1995", 1u32, '5'),
        ("finding nemo", 6377, '5'),
        ("monsters inc", 4886, '4'),
        ("shrek 2001", 4306, '4'),
        ("the incredibles 2004", 8961, '5'),
    ];
    for (query, id, stars) in picks {
        press(&mut app, KeyCode::Char('/'));
        assert!(app.search.editing);
        app.type_text(query);
        press(&mut app, KeyCode::Enter); // leave the box
        let top = app.search.table.selected().expect("a result");
        assert_eq!(ds.catalogue.movie(top).id, id, "query {query:?}");
        press(&mut app, KeyCode::Enter); // open details
        assert_eq!(app.details.last().map(|d| d.item), Some(top));
        let s = screen(&mut app);
        assert!(s.contains("Similar movies"), "{s}");
        press(&mut app, KeyCode::Char(stars));
        assert_eq!(
            app.engine.as_ref().and_then(|e| e.rating_of(top)),
            Some(stars.to_digit(10).expect("digit") as f32)
        );
        press(&mut app, KeyCode::Esc); // back to search
        press(&mut app, KeyCode::Esc); // clear the query
    }
    // Half a star off the last one, from the details view.
    press(&mut app, KeyCode::Char('/'));
    app.type_text("the incredibles 2004");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('-'));
    let inc = app.search.table.selected().expect("selected");
    assert_eq!(
        app.engine.as_ref().and_then(|e| e.rating_of(inc)),
        Some(4.5)
    );

    press(&mut app, KeyCode::Esc); // clear the query

    // The box counts hits truly, beyond the 200 the list shows (issue 8, defect 7:
    // "(200 hits)" was the display limit).
    press(&mut app, KeyCode::Char('/'));
    app.type_text("the");
    let total = app
        .engine
        .as_ref()
        .map(|e| e.models().search_counted("the", 1).total)
        .expect("engine");
    assert!(total > 200, "{total}");
    let s = screen(&mut app);
    assert!(s.contains(&format!("Search ({total} hits)")), "{s}");
    press(&mut app, KeyCode::Esc);
    // A long title is cut with an ellipsis and keeps its year (defect 7).
    press(&mut app, KeyCode::Char('/'));
    app.type_text("strangelove");
    press(&mut app, KeyCode::Enter);
    let s = screen_at(&mut app, 60, 20);
    let row = s
        .lines()
        .find(|l| l.contains("Dr. Strangelove"))
        .unwrap_or_else(|| panic!("no Strangelove row:\n{s}"));
    assert!(row.contains("… (1964)"), "{row}");
    press(&mut app, KeyCode::Esc);

    press(&mut app, KeyCode::Char('f'));
    assert_eq!(app.view, View::ForYou);
    let after: Vec<Vec<u32>> = app.foryou.panes.iter().map(|p| p.table.items()).collect();
    assert_ne!(before[0], after[0], "item-based list changed");
    assert_ne!(before[1], after[1], "SVD list changed");
    assert!(app.foryou.panes.iter().all(|p| !p.popularity_based));
    let s = screen(&mut app);
    assert!(s.contains("Because you rated"), "{s}");

    let text = std::fs::read_to_string(dir.path().join("flow.toml")).expect("profile file");
    for (_, id, _) in picks {
        assert!(
            text.contains(&format!("movie = {id}\n")),
            "{id} missing from\n{text}"
        );
    }
    assert!(text.contains("stars = 4.5"), "{text}");

    // Restart: the profile is back.
    drop(app);
    let mut again = start(dir.path(), Arc::clone(&ds), &trainers);
    press(&mut again, KeyCode::Char('m'));
    assert_eq!(again.ratings.table.len(), 5);
    let s = screen(&mut again);
    assert!(s.contains("Toy Story (1995)"), "{s}");
    // Undo in the new session has nothing to undo; quitting works.
    press(&mut again, KeyCode::Char('q'));
    assert!(again.quit);
}

/// ml-latest-small, loaded once for the tests below.
fn real_data() -> Arc<reel::data::Dataset> {
    static DS: std::sync::OnceLock<Arc<reel::data::Dataset>> = std::sync::OnceLock::new();
    Arc::clone(DS.get_or_init(|| {
        Arc::new(
            reel::data::load(
                &data_dir(),
                &LoadOptions {
                    lenient: false,
                    cache: CacheMode::Off,
                },
            )
            .expect("load"),
        )
    }))
}

/// An app on the real catalogue with quick stand-in models and an empty profile.
fn quick_app(profiles: &Path) -> App {
    start(
        profiles,
        real_data(),
        &crate::engine_support::temp_trainers(),
    )
}

fn key(app: &mut App, c: char) {
    press(app, KeyCode::Char(c));
}

/// Moves the picker's cursor to the genre `name`.
fn picker_to(app: &mut App, name: &str) {
    let g = app
        .genre_picker
        .as_ref()
        .and_then(|p| p.names.iter().position(|n| n == name))
        .expect("genre listed");
    press(app, KeyCode::Home);
    for _ in 0..g {
        key(app, 'j');
    }
}

/// Issue 8: the genre picker includes several genres and excludes others; the list
/// shows each genre's state, and the For-you lists and their title follow.
#[test]
fn genre_picker_includes_two_genres_and_excludes_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = quick_app(dir.path());
    app.use_state_file(dir.path().join("state.toml"));
    key(&mut app, 'c');
    assert!(app.genre_picker.is_some());
    picker_to(&mut app, "Comedy");
    key(&mut app, ' ');
    picker_to(&mut app, "Drama");
    key(&mut app, ' ');
    picker_to(&mut app, "Romance");
    key(&mut app, 'x');
    // x toggles exclusion, it does not hide a movie while the picker is open.
    assert!(app.engine.as_ref().is_some_and(|e| e.n_rated() == 0));
    let s = screen_at(&mut app, 100, 40);
    assert!(s.contains("[+] Comedy"), "{s}");
    assert!(s.contains("[+] Drama"), "{s}");
    assert!(s.contains("[−] Romance"), "{s}");
    assert!(s.contains("[ ] Action"), "{s}");
    assert!(s.contains("Genres: 2 in, 1 out"), "{s}");
    assert!(s.contains("Space include"), "hint bar: {s}");
    press(&mut app, KeyCode::Enter);
    assert!(app.genre_picker.is_none());
    let s = screen(&mut app);
    assert!(s.contains("Filters: Comedy or Drama, not Romance"), "{s}");
    let e = app.engine.as_ref().expect("engine");
    let cat = &e.dataset().catalogue;
    let g = |n: &str| cat.genre_index(n).expect("genre");
    let (comedy, drama, romance) = (g("Comedy"), g("Drama"), g("Romance"));
    assert_eq!(
        app.foryou.genres,
        vec![comedy.min(drama), comedy.max(drama)]
    );
    assert_eq!(app.foryou.exclude_genres, vec![romance]);
    let mut kinds = (false, false);
    for pane in &app.foryou.panes {
        assert!(!pane.table.is_empty());
        // A new filter is a new list: it starts at its top row.
        assert_eq!(pane.table.state.selected(), Some(0));
        for item in pane.table.items() {
            let m = cat.movie(item);
            assert!(
                m.genres.contains(comedy) || m.genres.contains(drama),
                "{}",
                m.title
            );
            assert!(!m.genres.contains(romance), "{}", m.title);
            kinds.0 |= m.genres.contains(comedy);
            kinds.1 |= m.genres.contains(drama);
        }
    }
    assert_eq!(kinds, (true, true), "any of the included genres, not all");
    // Remembered by name; c in the picker clears everything.
    let text = std::fs::read_to_string(dir.path().join("state.toml")).expect("state");
    assert!(text.contains("exclude_genres = [\"Romance\"]"), "{text}");
    key(&mut app, 'c');
    key(&mut app, 'c');
    press(&mut app, KeyCode::Esc);
    assert!(app.foryou.genres.is_empty() && app.foryou.exclude_genres.is_empty());
    assert!(screen(&mut app).contains("Filters: all genres"));
}

/// Issue 8: a state file from the single-genre picker (`genre = "…"`) still loads, as
/// a filter of that one genre.
#[test]
fn an_old_single_genre_state_file_still_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.toml");
    std::fs::write(&state, "theme = \"dark\"\ngenre = \"Horror\"\nyears = 3\n").expect("write");
    let mut app = quick_app(dir.path());
    app.use_state_file(state.clone());
    assert!(app.notices.is_empty(), "{:?}", app.notices);
    let horror = app
        .engine
        .as_ref()
        .and_then(|e| e.dataset().catalogue.genre_index("Horror"))
        .expect("Horror");
    assert_eq!(app.foryou.genres, vec![horror]);
    assert_eq!(app.foryou.years, 3);
    key(&mut app, 'f');
    assert!(screen(&mut app).contains("Filters: Horror · 1990s"));
    // The next save writes the new keys only.
    key(&mut app, 'y');
    let text = std::fs::read_to_string(&state).expect("state");
    assert!(text.contains("genres = [\"Horror\"]"), "{text}");
    assert!(!text.contains("genre = "), "{text}");
}
