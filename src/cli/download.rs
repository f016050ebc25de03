//! `reel download`: fetch an official GroupLens MovieLens release into the datasets folder.

use crate::data::download::{
    download, find_known, known_datasets, DownloadError, DownloadOptions, DEFAULT_BASE_URL,
};
use crate::paths;
use anyhow::{anyhow, Context};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Download a MovieLens release from GroupLens, verify its checksum and unpack it.
#[derive(clap::Args, Debug, Clone, PartialEq, Eq)]
pub struct DownloadArgs {
    /// Release to fetch (see --list): ml-latest-small, ml-100k, ml-1m, ml-10m, ml-20m,
    /// ml-25m, ml-32m or ml-latest.
    #[arg(value_name = "NAME", default_value = paths::DEFAULT_DATASET)]
    pub name: String,

    /// Where the zips are served from (`<URL>/<NAME>.zip` and `<URL>/<NAME>.zip.md5`).
    /// With anything but the official host, the pinned checksums are not used and the
    /// `.md5` served beside the zip must match instead.
    #[arg(long, value_name = "URL", default_value = DEFAULT_BASE_URL)]
    pub base_url: String,

    /// Folder holding datasets [default: the platform data folder's `datasets/`].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Download again over an existing dataset (replaced only once the new one is verified).
    #[arg(long)]
    pub force: bool,

    /// Print the known releases with their sizes, and exit.
    #[arg(long)]
    pub list: bool,
}

pub fn run(args: &DownloadArgs) -> anyhow::Result<()> {
    if args.list {
        print!("{}", list_text()?);
        return Ok(());
    }
    let default_dir = paths::datasets_dir();
    let datasets_dir = args
        .dir
        .clone()
        .or_else(|| default_dir.clone())
        .ok_or_else(|| {
            anyhow!("this platform has no standard data folder; pass --dir DIR to choose one")
        })?;
    let opts = DownloadOptions {
        name: args.name.clone(),
        base_url: args.base_url.clone(),
        datasets_dir,
        force: args.force,
    };
    let is_default_place =
        args.name == paths::DEFAULT_DATASET && default_dir.as_deref() == Some(&*opts.datasets_dir);
    find_known(&args.name)?;
    let dest = opts.destination();
    if !args.force && dest.exists() {
        print_already_there(&args.name, &dest, is_default_place);
        return Ok(());
    }

    eprintln!("Downloading {} from {}", args.name, opts.zip_url());
    // Drawn on stderr, and only when it is a terminal (hidden when piped or logged).
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::no_length();
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    bar.set_message(args.name.clone());
    let mut length_set = false;
    let result = download(&opts, &mut |so_far, total| {
        if !length_set {
            if let Some(total) = total {
                bar.set_length(total);
                length_set = true;
            }
        }
        bar.set_position(so_far);
    });
    bar.finish_and_clear();

    match result {
        Ok(path) => {
            println!("{} is ready in {}", args.name, path.display());
            println!("{}", next_step(&path, is_default_place));
            println!(
                "Use of the data is subject to the GroupLens terms in {}.",
                readme_hint(&path)
            );
            Ok(())
        }
        Err(DownloadError::AlreadyExists { path }) => {
            print_already_there(&args.name, &path, is_default_place);
            Ok(())
        }
        Err(e) => Err(e).with_context(|| format!("reel download {} failed", args.name)),
    }
}

fn print_already_there(name: &str, path: &Path, is_default_place: bool) {
    println!(
        "{name} is already in {} (pass --force to download it again)",
        path.display()
    );
    println!("{}", next_step(path, is_default_place));
}

/// The `--list` table.
fn list_text() -> anyhow::Result<String> {
    let known = known_datasets()?;
    let width = known.iter().map(|d| d.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for d in &known {
        let size = match d.size {
            Some(bytes) => format!("{:>8.1} MB", bytes as f64 / 1e6),
            None => format!("{:>11}", "size varies"),
        };
        let check = if d.md5.is_some() || d.sha256.is_some() {
            "pinned checksum"
        } else {
            "published .md5"
        };
        out.push_str(&format!(
            "{:<width$}  {size}  {check:<15}  {}\n",
            d.name, d.title
        ));
    }
    out.push_str(&format!(
        "Default: {}. Source: {DEFAULT_BASE_URL}/<NAME>.zip\n",
        paths::DEFAULT_DATASET
    ));
    Ok(out)
}

fn next_step(path: &Path, is_default_place: bool) -> String {
    if is_default_place {
        "Next: reel info".to_string()
    } else {
        format!("Next: reel info --data {}", shell_quote(path))
    }
}

fn readme_hint(path: &Path) -> String {
    for name in ["README.txt", "README.html", "README"] {
        let candidate = path.join(name);
        if candidate.is_file() {
            return candidate.display().to_string();
        }
    }
    path.display().to_string()
}

/// Quote a path for a POSIX shell when it needs it.
fn shell_quote(path: &Path) -> String {
    let s = path.display().to_string();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%,=".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        args: DownloadArgs,
    }

    #[test]
    fn defaults() {
        let cli = Cli::try_parse_from(["reel"]).expect("parse");
        assert_eq!(cli.args.name, "ml-latest-small");
        assert_eq!(cli.args.base_url, DEFAULT_BASE_URL);
        assert_eq!(
            (cli.args.dir, cli.args.force, cli.args.list),
            (None, false, false)
        );
    }

    #[test]
    fn options() {
        let cli = Cli::try_parse_from([
            "reel",
            "ml-1m",
            "--base-url",
            "http://127.0.0.1:1/x",
            "--dir",
            "/tmp/ds",
            "--force",
        ])
        .expect("parse");
        assert_eq!(cli.args.name, "ml-1m");
        assert_eq!(cli.args.base_url, "http://127.0.0.1:1/x");
        assert_eq!(cli.args.dir, Some(PathBuf::from("/tmp/ds")));
        assert!(cli.args.force);
    }

    #[test]
    fn list_names_every_release_with_a_size() {
        let text = list_text().expect("list");
        for name in [
            "ml-latest-small",
            "ml-100k",
            "ml-1m",
            "ml-10m",
            "ml-20m",
            "ml-25m",
            "ml-32m",
            "ml-latest",
        ] {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{name} "))),
                "{name} missing:\n{text}"
            );
        }
        let small = text
            .lines()
            .find(|l| l.starts_with("ml-latest-small "))
            .unwrap_or_default();
        assert!(small.contains("1.0 MB"), "{small}");
        let latest = text
            .lines()
            .find(|l| l.starts_with("ml-latest "))
            .unwrap_or_default();
        assert!(latest.contains("size varies"), "{latest}");
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote(Path::new("/a/b-c")), "/a/b-c");
        assert_eq!(shell_quote(Path::new("/a b/it's")), r"'/a b/it'\''s'");
    }
}
