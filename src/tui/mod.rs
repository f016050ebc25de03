//! The terminal app (ratatui). Component style: terminal events become [`Action`]s on a
//! channel, [`App::update`] applies them to the views and the [`Engine`](crate::engine::Engine), each view
//! draws itself. Heavy work (dataset load, training, matching, retraining) runs on
//! background threads; the UI thread only polls.
//!
//! Config: TOML at `REEL_CONFIG` or `<config dir>/config.toml` (theme, key overrides);
//! defaults are embedded from `assets/`. `NO_COLOR` turns colours off. The theme, the
//! For-you filters and the ratings sort are remembered in `state.toml` beside it.
//! Terminal setup, signals and the event loop are in [`terminal`].

pub mod action;
pub mod app;
pub mod config;
pub mod keymap;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod views;

pub use action::Action;
pub use app::{App, LoadMsg, View};
pub use terminal::restore_terminal;

use std::path::PathBuf;
use std::sync::mpsc;

use anyhow::Context;

use crate::data::LoadOptions;
use crate::engine::{OpenOptions, Stage};
use crate::profile::ProfileStore;

/// Opens the engine in two steps on the loader thread: the catalogue and profile first
/// (sent as [`LoadMsg::Usable`], so search and rating work at once), then every list's
/// model from its snapshot or by training ([`LoadMsg::Lists`]), reporting stages.
fn load_engine(
    data_dir: PathBuf,
    load: &LoadOptions,
    profile: &str,
    lists: Option<Vec<String>>,
    tx: &mpsc::Sender<LoadMsg>,
) -> anyhow::Result<()> {
    let store = ProfileStore::default_for(profile)?;
    let mut opts = OpenOptions::new(data_dir, load.clone());
    opts.lists = lists;
    let stage_tx = tx.clone();
    let models = crate::engine::open_staged(
        &opts,
        store,
        &mut |s: Stage| {
            let _ = stage_tx.send(LoadMsg::Stage(match s.overall {
                Some(f) => format!("{:>3.0}%  {}", f * 100.0, s.message),
                None => s.message,
            }));
        },
        &mut |session, warnings| {
            let _ = tx.send(LoadMsg::Usable(Box::new(session), warnings));
        },
    )?;
    let _ = tx.send(LoadMsg::Lists(models));
    Ok(())
}

/// Runs the terminal app on the dataset in `data_dir` until the user quits.
pub fn run(
    data_dir: PathBuf,
    load: LoadOptions,
    profile: &str,
    lists: Option<Vec<String>>,
) -> anyhow::Result<()> {
    if !crate::profile::valid_name(profile) {
        anyhow::bail!("invalid profile name {profile:?}: use letters, digits, '-' and '_'");
    }
    // Checked before the screen switches, so the message stays readable. A folder
    // without the files of any layout (empty, or an interrupted download) is no data.
    if crate::data::load::detect_layout(&data_dir).is_err() {
        let what = if data_dir.is_dir() {
            "no MovieLens files (an interrupted download?)"
        } else {
            "no MovieLens data"
        };
        anyhow::bail!(
            "{what} in {}.\n  Get it with:   reel download --force\n  or point to a folder:  reel --data DIR   or   REEL_DATA=DIR reel",
            data_dir.display()
        );
    }
    let (config, notes) = config::load();
    let (tx, rx) = mpsc::channel();
    let profile_name = profile.to_string();
    std::thread::Builder::new()
        .name("reel-load".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                load_engine(data_dir, &load, &profile_name, lists, &tx)
            }));
            let _ = match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(err)) => tx.send(LoadMsg::Failed(format!("{err:#}"))),
                Err(_) => tx.send(LoadMsg::Failed("loading panicked".into())),
            };
        })
        .context("starting the loader thread")?;
    let mut app = App::loading(&config, notes, rx, theme::no_color_env());
    if let Some(path) = state::state_path() {
        app.use_state_file(path);
    }
    terminal::run(&mut app)?;
    // Quitting the "could not start" screen is a failure: the message is printed again
    // once the terminal is back, so it stays readable, and the exit status says so.
    match app.fatal.take() {
        Some(why) => Err(anyhow::anyhow!("reel could not start: {why}")),
        None => Ok(()),
    }
}
