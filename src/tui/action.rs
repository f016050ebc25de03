//! Actions: what key presses, mouse events and background work turn into. Events are
//! mapped to actions, actions go through the app's channel, and `App::update` applies them.

use super::keymap::Command;

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A key press, mapped when it is processed (so keys typed right after `/` go to
    /// the search box even when they arrive in the same batch).
    Key(ratatui::crossterm::event::KeyEvent),
    /// A keymap command.
    Cmd(Command),
    /// Text typed into the search box.
    Input(char),
    InputBackspace,
    /// Leave the search box for the results (Enter, ↓, Tab).
    InputDone,
    /// Esc in the search box: clear the query and leave the box.
    InputCancel,
    /// Text pasted (bracketed paste).
    Paste(String),
    /// Open a movie's details.
    OpenMovie(u32),
    Click {
        x: u16,
        y: u16,
    },
    Scroll {
        x: u16,
        y: u16,
        down: bool,
    },
    /// A key of the genre picker's own (include, exclude, clear).
    Pick(super::views::picker::PickOp),
    /// The terminal's new size.
    Resize(u16, u16),
}
