//! End to end in a real pseudo-terminal: the real `reel` binary runs under util-linux
//! `script`, a person's keys are typed into it (search, open, rate, quit), and then we
//! check that the profile was saved and the terminal was restored (alternate screen left,
//! cursor shown, and `stty` afterwards finds canonical mode and echo back on).

use crate::common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
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

#[test]
fn search_rate_quit_in_a_real_terminal() {
    let script = Path::new("/usr/bin/script");
    assert!(
        script.is_file(),
        "this test needs util-linux `script` at /usr/bin/script (apt-get install bsdutils)"
    );
    let data = common::ml_latest_small();
    let home = tempfile::tempdir().expect("tempdir");
    let typescript = home.path().join("typescript");
    let profile = home.path().join("data/reel/profiles/default.toml");
    let inner = format!(
        "stty cols 100 rows 30; '{}' --data '{}'; echo; echo STTY-AFTER; stty -a",
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
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start script");
    let mut keys = child.stdin.take().expect("stdin");
    let mut typing = |text: &str| {
        keys.write_all(text.as_bytes()).expect("type");
        keys.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(400));
    };
    // The onboarding list appears once the models are ready.
    wait_for("the first screen", Duration::from_secs(120), || {
        read_lossy(&typescript).contains("Rate a few")
    });
    typing("/");
    typing("toy story");
    typing("\r");
    typing("4");
    wait_for("the saved rating", Duration::from_secs(30), || {
        read_lossy(&profile).contains("stars = 4")
    });
    typing("q");
    drop(keys);
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "reel under script exited with {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("reel did not quit on q");
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    let saved = read_lossy(&profile);
    assert!(saved.contains("movie = 1\n"), "{saved}");
    assert!(saved.contains("Toy Story (1995)"), "{saved}");
    let screen = read_lossy(&typescript);
    let entered = screen
        .find("\x1b[?1049h")
        .expect("entered the alternate screen");
    let left = screen
        .rfind("\x1b[?1049l")
        .expect("left the alternate screen");
    assert!(left > entered);
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
