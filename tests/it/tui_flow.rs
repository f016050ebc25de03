//! Driving the app with key events on real data (ml-latest-small read in place;
//! REEL_TEST_DATA overrides): search → open → rate → both lists change, the profile file
//! holds the ratings; a restart brings the profile back.

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
    let mut term = Terminal::new(TestBackend::new(100, 30)).expect("terminal");
    term.draw(|f| app.draw(f)).expect("draw");
    let buf = term.backend().buffer().clone();
    (0..30)
        .map(|y| {
            (0..100)
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
    let before: Vec<Vec<u32>> = app.foryou.tables.iter().map(|t| t.items.clone()).collect();

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

    press(&mut app, KeyCode::Char('f'));
    assert_eq!(app.view, View::ForYou);
    let after: Vec<Vec<u32>> = app.foryou.tables.iter().map(|t| t.items.clone()).collect();
    assert_ne!(before[0], after[0], "item-based list changed");
    assert_ne!(before[1], after[1], "SVD list changed");
    assert!(app.foryou.lists.iter().all(|l| !l.popularity_based));
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
    assert_eq!(again.ratings.table.items.len(), 5);
    let s = screen(&mut again);
    assert!(s.contains("Toy Story (1995)"), "{s}");
    // Undo in the new session has nothing to undo; quitting works.
    press(&mut again, KeyCode::Char('q'));
    assert!(again.quit);
}
