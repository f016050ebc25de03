//! The real terminal: raw mode, alternate screen, mouse capture and bracketed paste on
//! the way in; all of it undone on every way out (quit, error, panic, SIGTERM, SIGHUP,
//! SIGINT, SIGQUIT). Ctrl-Z (or SIGTSTP) hands the terminal back and stops the process;
//! on `fg` (SIGCONT) the screen is taken again and redrawn in full.
//!
//! Signals are caught with `signal-hook` flags (async-signal-safe: the handler only sets
//! an atomic) and acted on by the event loop, which wakes at least every 30 ms.

use std::io::{IsTerminal, Stdout};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;
use signal_hook::consts::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};

use super::app::App;

type Term = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal (idempotent; used on exit, on errors, on signals and from the
/// panic hook).
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
}

/// Takes the terminal: raw mode, alternate screen, mouse, bracketed paste.
fn enter_terminal() -> anyhow::Result<()> {
    enable_raw_mode().context("switching the terminal to raw mode")?;
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )
    .context("entering the alternate screen")
}

/// Signals the loop acts on.
struct Signals {
    /// The terminating signal received (0 = none).
    quit: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    cont: Arc<AtomicBool>,
    ids: Vec<signal_hook::SigId>,
}

impl Signals {
    fn install() -> anyhow::Result<Signals> {
        let quit = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let cont = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        for sig in [SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
            ids.push(
                signal_hook::flag::register_usize(sig, Arc::clone(&quit), sig as usize)
                    .context("installing signal handlers")?,
            );
        }
        ids.push(
            signal_hook::flag::register(SIGTSTP, Arc::clone(&stop))
                .context("installing signal handlers")?,
        );
        ids.push(
            signal_hook::flag::register(SIGCONT, Arc::clone(&cont))
                .context("installing signal handlers")?,
        );
        Ok(Signals {
            quit,
            stop,
            cont,
            ids,
        })
    }

    fn quit_signal(&self) -> Option<i32> {
        match self.quit.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s as i32),
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// Runs `app` in the terminal until it quits or a signal ends it.
pub fn run(app: &mut App) -> anyhow::Result<()> {
    let signals = Signals::install()?;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Background threads catch their panics and report them in the app; only a
        // panic on the UI thread ends it, so only then is the terminal handed back.
        if std::thread::current().name() == Some("main") {
            restore_terminal();
        }
        hook(info);
    }));
    if let Err(e) = enter_terminal() {
        restore_terminal();
        return Err(e);
    }
    let watch = HangupWatch::start();
    let result = match Terminal::new(CrosstermBackend::new(std::io::stdout())) {
        Ok(mut terminal) => event_loop(&mut terminal, app, &signals),
        Err(e) => Err(e.into()),
    };
    drop(watch);
    restore_terminal();
    match result {
        Ok(Some(sig)) => {
            // Die of the signal, as the sender expects (and the shell reports).
            drop(signals);
            let _ = signal_hook::low_level::emulate_default_handler(sig);
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Ends reel when its terminal hangs up without a SIGHUP reaching it (the session leader
/// ignores SIGHUP, as when a tmux server is killed). The event loop cannot notice: on a
/// hung-up terminal every read returns nothing at once, and crossterm's reader then
/// retries for ever inside `event::poll`. There is no screen left to restore, and the
/// profile is saved on every change, so reel dies as SIGHUP would have killed it.
struct HangupWatch {
    done: Arc<AtomicBool>,
}

impl HangupWatch {
    fn start() -> Option<HangupWatch> {
        if !std::io::stdout().is_terminal() {
            return None;
        }
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        std::thread::Builder::new()
            .name("reel-tty-watch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(250));
                    // isatty fails (EIO) on a terminal that has hung up.
                    if !std::io::stdout().is_terminal() && !flag.load(Ordering::Relaxed) {
                        let _ = signal_hook::low_level::emulate_default_handler(SIGHUP);
                        std::process::exit(128 + SIGHUP);
                    }
                }
            })
            .ok()?;
        Some(HangupWatch { done })
    }
}

impl Drop for HangupWatch {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

/// Hands the terminal back and stops until `fg`, then takes it again.
fn suspend(terminal: &mut Term, signals: &Signals) -> anyhow::Result<()> {
    restore_terminal();
    // Stops the process (the default action of SIGTSTP) until SIGCONT.
    signal_hook::low_level::emulate_default_handler(SIGTSTP).context("suspending")?;
    signals.cont.store(false, Ordering::Relaxed);
    resume(terminal)
}

/// Takes the terminal again after a stop and forces a full redraw.
fn resume(terminal: &mut Term) -> anyhow::Result<()> {
    enter_terminal()?;
    terminal.clear().context("redrawing")?;
    Ok(())
}

/// The loop: draw when something changed, read every queued event, apply, poll
/// background work, act on signals. Returns the signal that ended it, if one did.
fn event_loop(
    terminal: &mut Term,
    app: &mut App,
    signals: &Signals,
) -> anyhow::Result<Option<i32>> {
    let size = terminal.size().context("reading the terminal size")?;
    app.update(super::Action::Resize(size.width, size.height));
    while !app.quit {
        if let Some(sig) = signals.quit_signal() {
            return Ok(Some(sig));
        }
        if signals.stop.swap(false, Ordering::Relaxed) || std::mem::take(&mut app.suspend) {
            suspend(terminal, signals)?;
            app.needs_draw = true;
        }
        if signals.cont.swap(false, Ordering::Relaxed) {
            // Continued after a stop we did not make (kill -STOP): the shell may have
            // reset the terminal meanwhile.
            resume(terminal)?;
            app.needs_draw = true;
        }
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
    Ok(None)
}
