//! Settings the app remembers between runs (theme, For-you filters, the sort of My
//! ratings), in `state.toml` beside the config file. Written atomically (temporary file
//! in the same folder, fsync, rename), so a crash never leaves half a file; a broken
//! file is reported and ignored (the defaults are used, the file is left alone).

use std::io::Write;
use std::path::{Path, PathBuf};

/// What is remembered. Every field is optional so an older or newer file still loads.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    pub theme: Option<String>,
    /// Genres the For-you lists keep (any of them), by name (indices differ between
    /// datasets).
    pub genres: Option<Vec<String>>,
    /// Genres the For-you lists leave out, by name.
    pub exclude_genres: Option<Vec<String>>,
    /// The single genre older versions remembered; read as `genres = [genre]`, never
    /// written.
    #[serde(skip_serializing)]
    pub genre: Option<String>,
    /// Index into the year presets.
    pub years: Option<usize>,
    /// Index into the minimum-ratings presets.
    pub min_ratings: Option<usize>,
    /// "date", "rating" or "title".
    pub sort: Option<String>,
}

/// Where the settings live: `state.toml` beside the config file.
pub fn state_path() -> Option<PathBuf> {
    super::config::config_path().map(|p| p.with_file_name("state.toml"))
}

/// Reads the settings; a missing file is the defaults, a broken one the defaults plus a
/// message naming the file and the problem.
pub fn load(path: &Path) -> (Settings, Option<String>) {
    match std::fs::read_to_string(path) {
        Ok(text) => match toml::from_str::<Settings>(&text) {
            Ok(mut s) => {
                if let Some(old) = s.genre.take() {
                    s.genres.get_or_insert_with(|| vec![old]);
                }
                (s, None)
            }
            Err(e) => (
                Settings::default(),
                Some(format!(
                    "settings {} ignored: {}",
                    path.display(),
                    e.to_string().trim_end()
                )),
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
        Err(e) => (
            Settings::default(),
            Some(format!("settings {} unreadable: {e}", path.display())),
        ),
    }
}

/// Writes the settings atomically.
pub fn save(path: &Path, s: &Settings) -> std::io::Result<()> {
    let text = toml::to_string(s).map_err(std::io::Error::other)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("toml.tmp-{}", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    })();
    if let Err(e) = written.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    // Make the rename durable where the platform allows.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_broken_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/state.toml");
        let s = Settings {
            theme: Some("light".into()),
            genres: Some(vec!["Comedy".into(), "Drama".into()]),
            exclude_genres: Some(vec!["Horror".into()]),
            genre: None,
            years: Some(3),
            min_ratings: None,
            sort: Some("title".into()),
        };
        save(&path, &s).expect("save");
        assert_eq!(load(&path), (s, None));
        // A file of the single-genre days still loads, as a list of one.
        std::fs::write(&path, "theme = \"dark\"\ngenre = \"Comedy\"\nyears = 2\n").expect("write");
        let (old, problem) = load(&path);
        assert_eq!(problem, None);
        assert_eq!(old.genres, Some(vec!["Comedy".to_string()]));
        assert_eq!(old.genre, None);
        assert_eq!(old.years, Some(2));
        std::fs::write(&path, "years = \"many\"\n").expect("write");
        let (got, problem) = load(&path);
        assert_eq!(got, Settings::default());
        assert!(problem.is_some_and(|p| p.contains("state.toml")));
        assert_eq!(
            load(&dir.path().join("none.toml")),
            (Settings::default(), None)
        );
    }
}
