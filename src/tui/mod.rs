//! The terminal app (ratatui). Component style: terminal events become [`Action`]s on a
//! channel, [`App::update`] applies them to the views and the [`Engine`], each view
//! draws itself. Heavy work (dataset load, training, matching, retraining) runs on
//! background threads; the UI thread only polls.
//!
//! Config: TOML at `REEL_CONFIG` or `<config dir>/config.toml` (theme, key overrides);
//! defaults are embedded from `assets/`. `NO_COLOR` turns colours off.

pub mod action;
pub mod app;
pub mod config;
pub mod keymap;
pub mod theme;
pub mod views;

pub use action::Action;
pub use app::{App, LoadMsg, View};

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};

use crate::data::LoadOptions;
use crate::engine::{Engine, OpenOptions, Stage};
use crate::profile::ProfileStore;

/// Opens the engine (dataset, the lists' models from their snapshots or by training,
/// the profile), reporting stages.
pub fn load_engine(
    data_dir: PathBuf,
    load: &LoadOptions,
    profile: &str,
    stage: &mut dyn FnMut(String),
) -> anyhow::Result<(Engine, Vec<String>)> {
    let store = ProfileStore::default_for(profile)?;
    let opts = OpenOptions::new(data_dir, load.clone());
    crate::engine::open(&opts, store, &mut |s: Stage| {
        stage(match s.overall {
            Some(f) => format!("{:>3.0}%  {}", f * 100.0, s.message),
            None => s.message,
        })
    })
}

/// Restores the terminal (idempotent; used on exit, on errors and from the panic hook).
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(std::io::stdout(), LeaveAlternateScreen, DisableMouseCapture);
}

/// Runs the terminal app on the dataset in `data_dir` until the user quits.
pub fn run(data_dir: PathBuf, load: LoadOptions, profile: &str) -> anyhow::Result<()> {
    if !crate::profile::valid_name(profile) {
        anyhow::bail!("invalid profile name {profile:?}: use letters, digits, '-' and '_'");
    }
    // Checked before the screen switches, so the message stays readable.
    if !data_dir.is_dir() {
        anyhow::bail!(
            "no MovieLens data in {}.\n  Get it with:   reel download\n  or point to a folder:  reel --data DIR   or   REEL_DATA=DIR reel",
            data_dir.display()
        );
    }
    let (config, mut notes) = config::load();
    let (tx, rx) = mpsc::channel();
    let profile_name = profile.to_string();
    std::thread::Builder::new()
        .name("reel-load".into())
        .spawn(move || {
            let stage_tx = tx.clone();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                load_engine(data_dir, &load, &profile_name, &mut |s| {
                    let _ = stage_tx.send(LoadMsg::Stage(s));
                })
            }));
            let _ = match result {
                Ok(Ok((e, w))) => tx.send(LoadMsg::Ready(Box::new(e), w)),
                Ok(Err(err)) => tx.send(LoadMsg::Failed(format!("{err:#}"))),
                Err(_) => tx.send(LoadMsg::Failed("loading panicked".into())),
            };
        })
        .context("starting the loader thread")?;
    let (mut app, problems) = App::loading(&config, rx, theme::no_color_env());
    notes.extend(problems);
    if let Some(n) = notes.first() {
        app.status = n.clone();
    }

    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Background threads catch their panics and report them in the app; only a
        // panic on the UI thread ends it, so only then is the terminal handed back.
        if std::thread::current().name() == Some("main") {
            restore_terminal();
        }
        hook(info);
    }));
    enable_raw_mode().context("switching the terminal to raw mode")?;
    if let Err(e) = execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture) {
        restore_terminal();
        return Err(e).context("entering the alternate screen");
    }
    let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
    let result = match ratatui::Terminal::new(backend) {
        Ok(mut terminal) => event_loop(&mut terminal, &mut app),
        Err(e) => Err(e.into()),
    };
    restore_terminal();
    result
}

fn event_loop<B: ratatui::backend::Backend>(
    terminal: &mut ratatui::Terminal<B>,
    app: &mut App,
) -> anyhow::Result<()> {
    while !app.quit {
        // Draw only when something changed: an idle app costs no CPU.
        if app.needs_draw {
            app.needs_draw = false;
            terminal.draw(|f| app.draw(f)).context("drawing")?;
        }
        if event::poll(Duration::from_millis(30)).context("reading the terminal")? {
            // Drain everything queued so fast typing costs one frame.
            loop {
                let ev = event::read().context("reading the terminal")?;
                app.handle_event(&ev);
                if !event::poll(Duration::ZERO).unwrap_or(false) {
                    break;
                }
            }
        }
        app.process();
        app.tick();
    }
    Ok(())
}
