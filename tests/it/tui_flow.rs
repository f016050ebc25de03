//! Driving the app with key events on real data (ml-latest-small read in place;
//! REEL_TEST_DATA overrides): search → open → rate → both lists change, the profile file
//! holds the ratings; a restart brings the profile back. The genre picker, the import
//! screen and the movie page's links, on the same data with quick stand-in models.

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
    let ds = real_data();
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

/// ml-latest-small, loaded once for the tests of this module.
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

// Import screen (issue 12) --------------------------------------------------------

/// A small Letterboxd ratings export written for these tests: four films of the
/// catalogue (one under its article-less title) and one that is not in it.
const LETTERBOXD: &str = "Date,Name,Year,Letterboxd URI,Rating
2021-03-01,Toy Story,1995,https://boxd.it/a1,4.5
2021-03-02,The Matrix,1999,https://boxd.it/a2,5
2021-03-03,Heat,1995,https://boxd.it/a3,4
2021-03-04,Fargo,1996,https://boxd.it/a4,3.5
2021-03-05,Zzyzx Moonwalk Serenade,2011,https://boxd.it/a5,3
";

fn paste(app: &mut App, text: &str) {
    app.handle_event(&ratatui::crossterm::event::Event::Paste(text.to_string()));
    app.settle();
}

fn profile_bytes(dir: &Path) -> Option<Vec<u8>> {
    std::fs::read(dir.join("flow.toml")).ok()
}

fn n_rated(app: &App) -> usize {
    app.engine.as_ref().map_or(0, |e| e.n_rated())
}

#[test]
fn import_screen_dry_run_lists_unmatched_titles_then_confirm_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ratings.csv");
    std::fs::write(&file, LETTERBOXD).expect("fixture");
    let mut app = quick_app(dir.path());
    key(&mut app, 'I');
    assert!(app.import.is_some());
    let s = screen(&mut app);
    assert!(
        s.contains("Import ratings") && s.contains("Profile flow"),
        "{s}"
    );
    assert!(s.contains("Enter dry run"), "hint bar: {s}");
    // A pasted path (the terminal's bracketed paste) goes into the path field.
    paste(&mut app, &format!("{}\n", file.display()));
    press(&mut app, KeyCode::Enter);
    let s = screen_at(&mut app, 120, 40);
    assert!(s.contains("Dry run"), "{s}");
    assert!(s.contains("letterboxd"), "{s}");
    assert!(s.contains("4 new"), "{s}");
    assert!(s.contains("Not matched 1"), "{s}");
    assert!(s.contains("Zzyzx Moonwalk Serenade (2011)"), "{s}");
    assert!(s.contains("Enter/y imports"), "{s}");
    // A dry run writes nothing.
    assert_eq!(n_rated(&app), 0);
    assert_eq!(profile_bytes(dir.path()), None);
    key(&mut app, 'y');
    assert!(app.import.is_none());
    assert!(
        app.status.contains("Imported 4 ratings into profile flow"),
        "{}",
        app.status
    );
    assert_eq!(n_rated(&app), 4);
    let text =
        String::from_utf8(profile_bytes(dir.path()).expect("profile written")).expect("UTF-8");
    assert!(
        text.contains("Toy Story") && text.contains("Fargo"),
        "{text}"
    );
    let e = app.engine.as_ref().expect("engine");
    let item = e.dataset().catalogue.index_of(2571).expect("The Matrix");
    assert_eq!(e.rating_of(item), Some(5.0));
    // The lists follow: My ratings shows the imported ratings.
    key(&mut app, 'm');
    assert_eq!(app.ratings.table.len(), 4);
    assert!(screen(&mut app).contains("4 rated"));
}

#[test]
fn import_screen_esc_goes_back_and_leaves_the_profile_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ratings.csv");
    std::fs::write(&file, LETTERBOXD).expect("fixture");
    let mut app = quick_app(dir.path());
    // One rating of our own first, so there is a profile to keep.
    press(&mut app, KeyCode::Char('j'));
    key(&mut app, '3');
    let before = profile_bytes(dir.path()).expect("profile");
    key(&mut app, 'I');
    app.type_text(&file.display().to_string());
    // Tab to "Into", → switches merge to replace: the report says so.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    assert!(screen(&mut app).contains("replace:"));
    press(&mut app, KeyCode::Enter);
    assert!(screen_at(&mut app, 120, 40).contains("Dry run"));
    // Esc: back to the form (the path kept), Esc again: the screen closes.
    press(&mut app, KeyCode::Esc);
    assert!(app.import.as_ref().is_some_and(|v| v.report.is_empty()));
    assert!(screen(&mut app).contains("ratings.csv"));
    press(&mut app, KeyCode::Esc);
    assert!(app.import.is_none());
    assert!(!app.quit);
    assert_eq!(profile_bytes(dir.path()), Some(before));
    assert_eq!(n_rated(&app), 1);
}

#[test]
fn import_screen_shows_a_malformed_row_with_its_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ratings.csv");
    std::fs::write(
        &file,
        "Date,Name,Year,Letterboxd URI,Rating\n2021-03-01,Toy Story,1995,u,4\n2021-03-02,Heat,1995,u,9\n",
    )
    .expect("fixture");
    let mut app = quick_app(dir.path());
    key(&mut app, 'I');
    app.type_text(&file.display().to_string());
    press(&mut app, KeyCode::Enter);
    let s = screen_at(&mut app, 120, 30);
    assert!(s.contains("Nothing was imported"), "{s}");
    assert!(
        s.contains(&format!("{}, line 3", file.display())),
        "file and line: {s}"
    );
    assert_eq!(n_rated(&app), 0);
    assert_eq!(profile_bytes(dir.path()), None);
    // A missing file is said so, on the screen too; q types into the path field.
    press(&mut app, KeyCode::Backspace);
    app.type_text("q");
    assert!(!app.quit);
    press(&mut app, KeyCode::Enter);
    let s = screen_at(&mut app, 120, 30);
    assert!(
        s.contains("cannot read") && s.contains("ratings.csq"),
        "{s}"
    );
    // Esc always goes back; Ctrl-C quits from here too.
    press(&mut app, KeyCode::Esc);
    assert!(app.import.is_none());
    key(&mut app, 'I');
    app.press(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(app.quit);
}

// Links out from the movie page (issue 12) -----------------------------------------

#[test]
fn the_movie_page_shows_its_links_and_b_opens_imdb() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = quick_app(dir.path());
    let opened = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = Arc::clone(&opened);
    app.set_opener(Box::new(move |url| {
        log.lock().map_err(|e| e.to_string())?.push(url.to_string());
        Ok(())
    }));
    // b away from a movie page opens nothing.
    key(&mut app, 'b');
    assert!(opened.lock().expect("log").is_empty());
    assert!(app.status.contains("movie's page"), "{}", app.status);
    key(&mut app, '/');
    app.type_text("toy story 1995");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    let s = screen_at(&mut app, 120, 30);
    assert!(s.contains("https://www.imdb.com/title/tt0114709/"), "{s}");
    assert!(s.contains("https://www.themoviedb.org/movie/862"), "{s}");
    assert!(s.contains("b IMDb"), "hint bar: {s}");
    key(&mut app, 'b');
    key(&mut app, 'B');
    assert_eq!(
        *opened.lock().expect("log"),
        vec![
            "https://www.imdb.com/title/tt0114709/".to_string(),
            "https://www.themoviedb.org/movie/862".to_string()
        ]
    );
    assert!(
        app.status
            .contains("Opened Toy Story (1995) on TMDB: https://www.themoviedb.org/movie/862"),
        "{}",
        app.status
    );
    // The similar pane focused: the page's movie is still the one opened.
    press(&mut app, KeyCode::Tab);
    key(&mut app, 'b');
    assert_eq!(
        opened.lock().expect("log").last().map(String::as_str),
        Some("https://www.imdb.com/title/tt0114709/")
    );
}

#[test]
fn a_movie_without_links_says_so_and_opens_nothing() {
    // The fixture dataset has no links.csv.
    let dir = tempfile::tempdir().expect("tempdir");
    let ds = crate::engine_support::fixture();
    let store = ProfileStore::new(dir.path(), "nolinks").expect("store");
    let e = Engine::new(
        crate::engine_support::temp_models(&ds),
        None,
        reel::profile::UserProfile::new("nolinks"),
        Some(store),
    );
    let mut app = App::with_engine(e, &Config::default(), true);
    let opened = Arc::new(std::sync::Mutex::new(0usize));
    let count = Arc::clone(&opened);
    app.set_opener(Box::new(move |_| {
        *count.lock().map_err(|e| e.to_string())? += 1;
        Ok(())
    }));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    let item = app.details.last().map(|d| d.item).expect("a movie page");
    let title = ds.catalogue.movie(item).label();
    assert!(screen(&mut app).contains("Links     none"));
    key(&mut app, 'b');
    assert_eq!(*opened.lock().expect("count"), 0);
    assert!(
        app.status
            .contains(&format!("{title} has no IMDb link in this dataset")),
        "{}",
        app.status
    );
}
