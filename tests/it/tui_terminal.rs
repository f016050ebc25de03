//! End to end in a real pseudo-terminal: the real `reel` binary runs under util-linux
//! `script`, a person's keys are typed into it, and then we check what it did (the saved
//! profile) and that the terminal was restored (alternate screen left, mouse and paste
//! modes off, and `stty` afterwards finds canonical mode and echo back on), whichever
//! way it ended: q, SIGTERM, quitting from the loading or the error screen; and that
//! Ctrl-Z hands the terminal back and SIGCONT (what `fg` sends) takes it again.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// The real binary in a pseudo-terminal.
struct Pty {
    child: Child,
    keys: Option<ChildStdin>,
    typescript: PathBuf,
    pidfile: PathBuf,
    home: tempfile::TempDir,
}

impl Pty {
    /// Starts `reel --data DATA` in a 100×30 terminal, with its own XDG folders; `prepare`
    /// may put files in them first.
    fn start(data: &Path, prepare: impl FnOnce(&Path)) -> Pty {
        Pty::start_in_shell(data, prepare, "")
    }

    /// As `start`, with `shell_prefix` run first by the shell that `script` starts (the
    /// session leader of the pseudo-terminal).
    fn start_in_shell(data: &Path, prepare: impl FnOnce(&Path), shell_prefix: &str) -> Pty {
        let script = Path::new("/usr/bin/script");
        assert!(
            script.is_file(),
            "this test needs util-linux `script` at /usr/bin/script (apt-get install bsdutils)"
        );
        let home = tempfile::tempdir().expect("tempdir");
        prepare(home.path());
        let typescript = home.path().join("typescript");
        let pidfile = home.path().join("reel.pid");
        // The inner sh writes its pid and becomes reel, so the test can signal reel.
        let inner = format!(
            "{}stty cols 100 rows 30; sh -c 'echo $$ > \"{}\"; exec \"{}\" --data \"{}\"'; echo; echo STTY-AFTER; stty -a",
            shell_prefix,
            pidfile.display(),
            env!("CARGO_BIN_EXE_reel"),
            data.display()
        );
        let mut child = Command::new(script)
            .args(["-q", "-f", "-e", "-c", &inner])
            .arg(&typescript)
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("TERM", "xterm-256color")
            .env_remove("REEL_DATA")
            .env_remove("REEL_CONFIG")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start script");
        let keys = child.stdin.take();
        Pty {
            child,
            keys,
            typescript,
            pidfile,
            home,
        }
    }

    fn screen(&self) -> String {
        read_lossy(&self.typescript)
    }

    fn wait_screen(&self, what: &str, timeout: Duration) {
        wait_for(what, timeout, || self.screen().contains(what));
    }

    fn profile(&self) -> String {
        read_lossy(&self.home.path().join("data/reel/profiles/default.toml"))
    }

    fn pid(&self) -> String {
        wait_for("reel's pid", Duration::from_secs(10), || {
            !read_lossy(&self.pidfile).trim().is_empty()
        });
        read_lossy(&self.pidfile).trim().to_string()
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([sig, &self.pid()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill {sig} failed");
    }

    /// Process state letter from /proc (T = stopped).
    fn state(&self) -> char {
        let stat = read_lossy(Path::new(&format!("/proc/{}/stat", self.pid())));
        stat.rsplit(')')
            .next()
            .and_then(|rest| rest.trim().chars().next())
            .unwrap_or('?')
    }

    /// Types `text` in one write (a fast typist, or a paste).
    fn type_keys(&mut self, text: &str) {
        let keys = self.keys.as_mut().expect("stdin");
        keys.write_all(text.as_bytes()).expect("type");
        keys.flush().expect("flush");
    }

    /// Waits for the script to end (reel quit and `stty -a` ran); returns the screen.
    fn finish(mut self, what: &str) -> String {
        drop(self.keys.take());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "reel under script exited with {status}");
                break;
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = self.child.kill();
                panic!("reel did not end after {what}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.screen()
    }
}

/// The terminal is back to normal after reel ended.
fn assert_restored(screen: &str) {
    let entered = screen
        .find("\x1b[?1049h")
        .expect("entered the alternate screen");
    let left = screen
        .rfind("\x1b[?1049l")
        .expect("left the alternate screen");
    assert!(left > entered);
    let after = &screen[screen.rfind("\x1b[?1049h").unwrap_or(0)..];
    assert!(after.contains("\x1b[?1000l"), "mouse capture left on");
    assert!(after.contains("\x1b[?2004l"), "bracketed paste left on");
    assert!(
        screen[left..].contains("STTY-AFTER"),
        "nothing drawn after leaving"
    );
    let stty = &screen[screen.rfind("STTY-AFTER").unwrap_or(0)..];
    assert!(
        stty.contains(" icanon"),
        "canonical mode not restored: {stty}"
    );
    assert!(!stty.contains(" -echo "), "echo not restored: {stty}");
    assert!(!stty.contains("-icanon"), "{stty}");
    assert!(!screen.contains("panicked"), "the app panicked");
}

#[test]
fn search_rate_quit_in_a_real_terminal() {
    let mut t = Pty::start(&common::ml_latest_small(), |_| {});
    // The onboarding list appears once the models are ready.
    t.wait_screen("Rate a few", Duration::from_secs(120));
    // At human speed.
    for keys in ["/", "toy story", "\r", "4"] {
        t.type_keys(keys);
        std::thread::sleep(Duration::from_millis(400));
    }
    wait_for("the saved rating", Duration::from_secs(30), || {
        t.profile().contains("stars = 4")
    });
    t.type_keys("q");
    let profile = t.profile();
    let screen = t.finish("q");
    assert!(profile.contains("movie = 1\n"), "{profile}");
    assert!(profile.contains("Toy Story (1995)"), "{profile}");
    assert_restored(&screen);
}

/// Issue 8, defect 3: keys that arrive in one burst (typed fast, or pasted by a
/// terminal without bracketed paste) act on the results of the query they follow; a
/// bracketed paste only fills the search box.
#[test]
fn a_burst_of_keys_acts_on_its_own_query_and_a_paste_acts_on_nothing() {
    let mut t = Pty::start(&common::ml_latest_small(), |_| {});
    t.wait_screen("Rate a few", Duration::from_secs(120));
    t.type_keys("/toy story\r4");
    wait_for("the saved rating", Duration::from_secs(30), || {
        t.profile().contains("stars = 4")
    });
    let profile = t.profile();
    assert!(
        profile.contains("movie = 1\n"),
        "rated the wrong movie: {profile}"
    );
    t.type_keys("/\x1b[200~forrest gump\r5\r\x1b[201~");
    std::thread::sleep(Duration::from_millis(1500));
    // The paste left the search box open (q would be typed there); Ctrl-C quits anyway.
    t.type_keys("\x03");
    let profile = t.profile();
    let screen = t.finish("Ctrl-C");
    assert!(!profile.contains("stars = 5"), "the paste rated: {profile}");
    assert_eq!(profile.matches("[[rating]]").count(), 1, "{profile}");
    assert_restored(&screen);
}

/// Issue 8, defect 2: SIGTERM ends reel and gives the terminal back.
#[test]
fn sigterm_restores_the_terminal() {
    let t = Pty::start(&common::ml_latest_small(), |_| {});
    t.wait_screen("Rate a few", Duration::from_secs(120));
    t.signal("-TERM");
    let screen = t.finish("SIGTERM");
    assert_restored(&screen);
}

/// The terminal goes away and no signal says so (a terminal emulator or tmux server
/// killed while reel's session leader ignores SIGHUP): reel must notice the hung-up
/// terminal and end, not spin on it for ever.
#[test]
fn a_hung_up_terminal_ends_reel_even_without_sighup() {
    let mut t = Pty::start_in_shell(&common::ml_latest_small(), |_| {}, "trap '' HUP; ");
    t.wait_screen("Rate a few", Duration::from_secs(120));
    let pid = t.pid();
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let alive = |dir: &Path| {
        let stat = read_lossy(&dir.join("stat"));
        !stat.is_empty()
            && !stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim()
                .starts_with('Z')
    };
    // SIGKILL `script`: the pseudo-terminal's master side closes without a word.
    t.child.kill().expect("kill script");
    let _ = t.child.wait();
    let start = Instant::now();
    while alive(&proc_dir) && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let still_running = alive(&proc_dir);
    if still_running {
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
    }
    assert!(
        !still_running,
        "reel kept running 10 s after its terminal hung up"
    );
}

/// Issue 8, defect 2: Ctrl-Z gives the terminal back and stops reel; SIGCONT (what the
/// shell's `fg` sends) takes the screen again and redraws it; q then quits cleanly.
#[test]
fn ctrl_z_suspends_and_continue_redraws() {
    let mut t = Pty::start(&common::ml_latest_small(), |_| {});
    t.wait_screen("Rate a few", Duration::from_secs(120));
    let entered = t.screen().matches("\x1b[?1049h").count();
    t.type_keys("\x1a");
    wait_for("reel to stop", Duration::from_secs(10), || t.state() == 'T');
    let s = t.screen();
    assert!(
        s.rfind("\x1b[?1049l") > s.rfind("\x1b[?1049h"),
        "the alternate screen was not left on suspend"
    );
    t.signal("-CONT");
    wait_for("the screen to come back", Duration::from_secs(10), || {
        t.screen().matches("\x1b[?1049h").count() > entered
    });
    let s = t.screen();
    let back = s.rfind("\x1b[?1049h").unwrap_or(0);
    wait_for("a full redraw", Duration::from_secs(10), || {
        t.screen()[back..].contains("Rate a few")
    });
    t.type_keys("q");
    let screen = t.finish("q after fg");
    assert_restored(&screen);
}

/// Issue 8, defect 1: q quits while the dataset is still loading. The cache file is a
/// FIFO nobody writes, so loading blocks for as long as the test needs.
#[test]
fn q_quits_the_loading_screen() {
    let data = common::ml_latest_small();
    let t = Pty::start(&data, |home| {
        let cache = home.join("cache/reel");
        let fifo = reel::data::cache::file_for(&cache, &data);
        std::fs::create_dir_all(fifo.parent().unwrap_or(&cache)).expect("cache dir");
        let ok = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(ok.success(), "mkfifo {}", fifo.display());
    });
    t.wait_screen("Loading", Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(300));
    let mut t = t;
    t.type_keys("\x1b");
    std::thread::sleep(Duration::from_millis(300));
    assert!(t.child.try_wait().expect("wait").is_none(), "Esc quit");
    t.type_keys("q");
    let screen = t.finish("q on the loading screen");
    assert!(!screen.contains("Rate a few"), "loading was not blocked");
    assert_restored(&screen);
}

/// Issue 8, defect 1: the "could not start" screen names the way on and q quits it.
#[test]
fn q_quits_the_error_screen() {
    let bad = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        bad.path().join("ratings.csv"),
        "userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,nine,2\n",
    )
    .expect("write");
    std::fs::write(
        bad.path().join("movies.csv"),
        "movieId,title,genres\n1,Toy Story (1995),Animation\n2,Heat (1995),Action\n",
    )
    .expect("write");
    let mut t = Pty::start(bad.path(), |_| {});
    t.wait_screen("could not start", Duration::from_secs(60));
    t.wait_screen("--lenient", Duration::from_secs(5));
    t.type_keys("\x1b");
    std::thread::sleep(Duration::from_millis(300));
    assert!(t.child.try_wait().expect("wait").is_none(), "Esc quit");
    t.type_keys("q");
    let screen = t.finish("q on the error screen");
    assert_restored(&screen);
    // The reason stays readable after the screen is gone.
    let left = screen.rfind("\x1b[?1049l").unwrap_or(0);
    assert!(
        screen[left..].contains("rating is not a number"),
        "the error is not printed after quitting"
    );
}
