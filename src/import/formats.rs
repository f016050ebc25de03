//! Reading exports: Letterboxd (ratings.csv, watchlist.csv, diary.csv, or the whole
//! export .zip), IMDb (ratings.csv, or a list/watchlist .csv), MovieLens.org
//! (movielens-ratings.csv, movielens-wishlist.csv) and reel's own TOML, JSON and CSV.
//! Every row is checked here: one malformed row is an error naming the file and line,
//! and nothing is imported.

use std::io::Read;

use super::{Format, ImportError, List, MovieRef, Parsed, Row, Skipped};
use crate::profile::UserProfile;

/// Headers that tell a format, checked on the first line of a CSV file.
fn detect_csv(header: &[String]) -> Option<Format> {
    let has = |name: &str| header.iter().any(|h| h == name);
    if has("Letterboxd URI") || (has("Name") && has("Year") && has("Date")) {
        Some(Format::Letterboxd)
    } else if has("Const") {
        Some(Format::Imdb)
    } else if has("movie_id") {
        Some(Format::Movielens)
    } else if has("movieId") && has("list") {
        Some(Format::Reel)
    } else {
        None
    }
}

/// The first line of a text read as CSV fields (a header, if the file is CSV).
fn first_line_fields(text: &str) -> Vec<String> {
    let first = text.lines().next().unwrap_or("");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(first.as_bytes());
    match reader.records().next() {
        Some(Ok(rec)) => rec.iter().map(|h| h.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Whether a file starts like a zip archive (a local file header, or the end record of
/// an empty archive).
fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Detects the format of one file from its content (the header line of a CSV file, a
/// zip's entries, or TOML/JSON).
pub fn detect(bytes: &[u8]) -> Option<Format> {
    if is_zip(bytes) {
        return Some(Format::Letterboxd);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.trim_start_matches('\u{feff}');
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return Some(Format::Reel);
    }
    if let Some(f) = detect_csv(&first_line_fields(text)) {
        return Some(f);
    }
    if toml_edit::ImDocument::parse(text).is_ok_and(|d| d.as_table().contains_key("format")) {
        return Some(Format::Reel);
    }
    None
}

/// Reads an export. `name` is the file's name as shown in messages (its file stem also
/// tells a Letterboxd watchlist.csv from a ratings.csv).
pub fn read(name: &str, bytes: &[u8], format: Format) -> Result<Parsed, ImportError> {
    let format = match format {
        Format::Auto => detect(bytes).ok_or_else(|| ImportError::Unreadable {
            file: name.to_string(),
            problem: "cannot tell its format from the first line: expected a Letterboxd, \
                      IMDb or MovieLens.org export, or a reel profile (pass --format to say \
                      which)"
                .into(),
        })?,
        f => f,
    };
    let mut parsed = Parsed {
        format,
        rows: Vec::new(),
        skipped: Vec::new(),
        files: Vec::new(),
        has_not_interested: false,
    };
    if is_zip(bytes) {
        if format != Format::Letterboxd {
            return Err(unreadable(
                name,
                "a zip file is only read as a Letterboxd export",
            ));
        }
        read_letterboxd_zip(name, bytes, &mut parsed)?;
        return Ok(parsed);
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| unreadable(name, &format!("not UTF-8 text: {e}")))?
        .trim_start_matches('\u{feff}');
    parsed.files.push(name.to_string());
    match format {
        Format::Letterboxd => {
            let list = letterboxd_list(name);
            read_csv(name, text, &mut parsed, |c, p| letterboxd_row(c, p, list))?;
        }
        Format::Imdb => read_csv(name, text, &mut parsed, imdb_row)?,
        Format::Movielens => read_csv(name, text, &mut parsed, movielens_row)?,
        Format::Reel => read_reel(name, text, &mut parsed)?,
        Format::Auto => unreachable!("resolved above"),
    }
    Ok(parsed)
}

fn unreadable(file: &str, problem: &str) -> ImportError {
    ImportError::Unreadable {
        file: file.to_string(),
        problem: problem.to_string(),
    }
}

/// The Letterboxd list a file holds, from its name: "watchlist.csv" is the watchlist.
fn letterboxd_list(name: &str) -> Option<List> {
    let stem = std::path::Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_lowercase();
    stem.contains("watchlist").then_some(List::Watchlist)
}

/// The ratings.csv and watchlist.csv of a Letterboxd export zip (at its top level, or
/// in one folder when the export was unpacked and zipped again).
fn read_letterboxd_zip(name: &str, bytes: &[u8], parsed: &mut Parsed) -> Result<(), ImportError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| unreadable(name, &format!("not a readable zip file: {e}")))?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let mut found = 0;
    for wanted in ["ratings.csv", "watchlist.csv"] {
        let entry = names.iter().find(|n| {
            let n = n.trim_start_matches("./");
            n == wanted || (n.ends_with(&format!("/{wanted}")) && n.matches('/').count() == 1)
        });
        let Some(entry) = entry else { continue };
        let label = format!("{name}:{entry}");
        let mut text = String::new();
        zip.by_name(entry)
            .map_err(|e| unreadable(&label, &e.to_string()))?
            .read_to_string(&mut text)
            .map_err(|e| unreadable(&label, &format!("cannot read it: {e}")))?;
        let text = text.trim_start_matches('\u{feff}');
        let list = (wanted == "watchlist.csv").then_some(List::Watchlist);
        parsed.files.push(label.clone());
        read_csv(&label, text, parsed, |c, p| letterboxd_row(c, p, list))?;
        found += 1;
    }
    if found == 0 {
        return Err(unreadable(
            name,
            "no ratings.csv or watchlist.csv in this zip: is it a Letterboxd export?",
        ));
    }
    Ok(())
}

/// One CSV record with its header, for reading fields by name.
struct Csv<'a> {
    file: &'a str,
    line: u64,
    header: &'a [String],
    record: &'a csv::StringRecord,
}

impl Csv<'_> {
    /// The field `name` (trimmed), or `None` when the file has no such column.
    fn get(&self, name: &str) -> Option<&str> {
        let k = self.header.iter().position(|h| h == name)?;
        self.record.get(k).map(str::trim)
    }

    /// A field that must be present (the column was checked with the header).
    fn field(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    fn malformed(&self, problem: String) -> ImportError {
        ImportError::Malformed {
            file: self.file.to_string(),
            line: self.line,
            problem,
        }
    }

    fn row(&self, list: List, movie: MovieRef, title: &str, year: Option<u16>) -> Row {
        Row {
            file: self.file.to_string(),
            line: self.line,
            list,
            movie,
            title: title.to_string(),
            year,
            stars: None,
            time: None,
        }
    }

    fn skip(&self, title: &str, reason: String) -> Skipped {
        Skipped {
            file: self.file.to_string(),
            line: self.line,
            title: title.to_string(),
            reason,
        }
    }

    fn year(&self, name: &str) -> Result<Option<u16>, ImportError> {
        let s = self.get(name).unwrap_or("");
        if s.is_empty() {
            return Ok(None);
        }
        match s.parse::<u16>() {
            Ok(y) if (1800..=2200).contains(&y) => Ok(Some(y)),
            _ => Err(self.malformed(format!("{name} {s:?} is not a year"))),
        }
    }

    fn date(&self, name: &str) -> Result<Option<i64>, ImportError> {
        let s = self.get(name).unwrap_or("");
        if s.is_empty() {
            return Ok(None);
        }
        parse_date(s)
            .map(Some)
            .ok_or_else(|| self.malformed(format!("{name} {s:?} is not a date (YYYY-MM-DD)")))
    }
}

/// What one CSV row became.
enum RowResult {
    Row(Row),
    Skip(Skipped),
}

/// Reads a CSV file with a header; `row` turns each record into a row or a skip.
fn read_csv(
    file: &str,
    text: &str,
    parsed: &mut Parsed,
    row: impl Fn(&Csv<'_>, &mut Parsed) -> Result<Option<RowResult>, ImportError>,
) -> Result<(), ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| unreadable(file, &format!("no CSV header line: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    check_columns(file, &header, parsed.format)?;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
                    continue; // a blank line
                }
                let c = Csv {
                    file,
                    line,
                    header: &header,
                    record: &record,
                };
                if record.len() != header.len() {
                    return Err(c.malformed(format!(
                        "expected {} fields as in the header, found {}",
                        header.len(),
                        record.len()
                    )));
                }
                match row(&c, parsed)? {
                    Some(RowResult::Row(r)) => parsed.rows.push(r),
                    Some(RowResult::Skip(s)) => parsed.skipped.push(s),
                    None => {}
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(ImportError::Malformed {
                    file: file.to_string(),
                    line,
                    problem: format!("unreadable CSV row: {e}"),
                });
            }
        }
    }
}

/// The columns each format needs.
fn check_columns(file: &str, header: &[String], format: Format) -> Result<(), ImportError> {
    let needed: &[&str] = match format {
        Format::Letterboxd => &["Name", "Year"],
        Format::Imdb => &["Const", "Title"],
        Format::Movielens => &["movie_id"],
        Format::Reel => &["list", "movieId"],
        Format::Auto => &[],
    };
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|n| !header.iter().any(|h| h == n))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ImportError::Malformed {
            file: file.to_string(),
            line: 1,
            problem: format!(
                "the header has no {} column (found: {})",
                missing.join(", "),
                header.join(",")
            ),
        })
    }
}

/// Half stars from 0.5 to 5.
fn half_stars(s: &str) -> Option<f32> {
    let v: f32 = s.parse().ok()?;
    let doubled = v * 2.0;
    (v.is_finite() && (0.5..=5.0).contains(&v) && (doubled - doubled.round()).abs() < 1e-6)
        .then_some(v)
}

/// `Date,Name,Year,Letterboxd URI,Rating` (ratings.csv; diary.csv adds Rewatch, Tags,
/// Watched Date) or `Date,Name,Year,Letterboxd URI` (watchlist.csv).
fn letterboxd_row(
    c: &Csv<'_>,
    _: &mut Parsed,
    list: Option<List>,
) -> Result<Option<RowResult>, ImportError> {
    let title = c.field("Name");
    if title.is_empty() {
        return Err(c.malformed("no Name (title)".into()));
    }
    let year = c.year("Year")?;
    let time = c.date("Date")?;
    let list = match (list, c.get("Rating")) {
        (Some(l), _) => l,
        (None, Some(_)) => List::Ratings,
        (None, None) => {
            return Err(c.malformed(
                "no Rating column: this looks like Letterboxd's watched.csv; import \
                 ratings.csv, watchlist.csv (named so) or the whole export .zip"
                    .into(),
            ))
        }
    };
    let mut row = c.row(list, MovieRef::Title, title, year);
    row.time = time;
    if list == List::Ratings {
        let r = c.field("Rating");
        if r.is_empty() {
            return Ok(Some(RowResult::Skip(
                c.skip(&label(title, year), "no rating".into()),
            )));
        }
        row.stars = Some(half_stars(r).ok_or_else(|| {
            c.malformed(format!("Rating {r:?} is not 0.5 to 5 stars in half stars"))
        })?);
    }
    Ok(Some(RowResult::Row(row)))
}

/// "Title (Year)".
pub(super) fn label(title: &str, year: Option<u16>) -> String {
    match year {
        Some(y) => format!("{title} ({y})"),
        None => title.to_string(),
    }
}

/// IMDb title types that are not films (a series, its episodes, games, podcasts).
fn imdb_not_a_film(kind: &str) -> bool {
    let k: String = kind
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    matches!(
        k.as_str(),
        "tvseries"
            | "tvminiseries"
            | "tvepisode"
            | "videogame"
            | "podcastseries"
            | "podcastepisode"
    )
}

/// IMDb ratings.csv: `Const,Your Rating,Date Rated,Title,…,Title Type,…,Year,…`; an IMDb
/// list or watchlist export has `Position,Const,Created,…,Title,…` (→ the watchlist).
fn imdb_row(c: &Csv<'_>, _: &mut Parsed) -> Result<Option<RowResult>, ImportError> {
    let title = c.field("Title");
    let year = c.year("Year")?;
    let konst = c.field("Const");
    let imdb = konst
        .strip_prefix("tt")
        .and_then(|d| d.parse::<u32>().ok())
        .ok_or_else(|| c.malformed(format!("Const {konst:?} is not an IMDb id (tt1234567)")))?;
    let kind = c.get("Title Type").unwrap_or("");
    if imdb_not_a_film(kind) {
        return Ok(Some(RowResult::Skip(
            c.skip(&label(title, year), format!("not a film ({kind})")),
        )));
    }
    // A list or watchlist export numbers its rows (Position) and may carry your rating
    // of each item too: it fills the watchlist.
    let is_list = c.get("Position").is_some();
    let (list, stars, time) = match c.get("Your Rating") {
        Some(r) if !is_list => {
            if r.is_empty() {
                return Ok(Some(RowResult::Skip(
                    c.skip(&label(title, year), "no rating".into()),
                )));
            }
            let tens: u8 = r
                .parse()
                .ok()
                .filter(|v| (1..=10).contains(v))
                .ok_or_else(|| c.malformed(format!("Your Rating {r:?} is not 1 to 10")))?;
            (
                List::Ratings,
                Some(f32::from(tens) / 2.0),
                c.date("Date Rated")?,
            )
        }
        _ => (List::Watchlist, None, c.date("Created")?),
    };
    let mut row = c.row(list, MovieRef::Imdb(imdb), title, year);
    row.stars = stars;
    row.time = time;
    Ok(Some(RowResult::Row(row)))
}

/// MovieLens.org movielens-ratings.csv: `movie_id,imdb_id,tmdb_id,rating,average_rating,
/// title`; the wishlist export has no rating column.
fn movielens_row(c: &Csv<'_>, _: &mut Parsed) -> Result<Option<RowResult>, ImportError> {
    let id_text = c.field("movie_id");
    let id: u32 = id_text
        .parse()
        .map_err(|_| c.malformed(format!("movie_id {id_text:?} is not a whole number")))?;
    let title = c.get("title").unwrap_or("");
    let (list, stars) = match c.get("rating") {
        Some(r) => (
            List::Ratings,
            Some(half_stars(r).ok_or_else(|| {
                c.malformed(format!("rating {r:?} is not 0.5 to 5 stars in half stars"))
            })?),
        ),
        None => (List::Watchlist, None),
    };
    let mut row = c.row(list, MovieRef::Id(id), title, None);
    row.stars = stars;
    Ok(Some(RowResult::Row(row)))
}

/// reel's CSV (`reel profile export --format csv`):
/// `list,movieId,imdbId,tmdbId,title,year,stars,time`.
fn reel_csv_row(c: &Csv<'_>, _: &mut Parsed) -> Result<Option<RowResult>, ImportError> {
    let id_text = c.field("movieId");
    let id: u32 = id_text
        .parse()
        .map_err(|_| c.malformed(format!("movieId {id_text:?} is not a whole number")))?;
    let list = match c.field("list") {
        "rating" => List::Ratings,
        "watchlist" => List::Watchlist,
        "not_interested" => List::NotInterested,
        other => {
            return Err(c.malformed(format!(
                "list {other:?} is not rating, watchlist or not_interested"
            )))
        }
    };
    let year = c.year("year")?;
    let mut row = c.row(list, MovieRef::Id(id), c.get("title").unwrap_or(""), year);
    if list == List::Ratings {
        let s = c.get("stars").unwrap_or("");
        row.stars = Some(
            s.parse::<f32>()
                .ok()
                .filter(|v| v.is_finite() && (0.5..=5.0).contains(v))
                .ok_or_else(|| c.malformed(format!("stars {s:?} is not 0.5 to 5")))?,
        );
    }
    let t = c.get("time").unwrap_or("");
    if !t.is_empty() {
        row.time = Some(
            t.parse()
                .map_err(|_| c.malformed(format!("time {t:?} is not Unix seconds")))?,
        );
    }
    Ok(Some(RowResult::Row(row)))
}

/// reel's TOML profile, the JSON of `reel profile show --json`, or reel's CSV.
fn read_reel(name: &str, text: &str, parsed: &mut Parsed) -> Result<(), ImportError> {
    let trimmed = text.trim_start();
    parsed.has_not_interested = true;
    let profile = if trimmed.starts_with('{') {
        from_json(name, text)?
    } else if detect_csv(&first_line_fields(text)) == Some(Format::Reel) {
        return read_csv(name, text, parsed, reel_csv_row);
    } else {
        UserProfile::from_toml(text).map_err(|e| {
            // from_toml says "line N: …" when it knows the line.
            let (line, problem) = split_line(&e);
            match line {
                Some(line) => ImportError::Malformed {
                    file: name.to_string(),
                    line,
                    problem: format!("not a valid reel profile: {problem}"),
                },
                None => unreadable(name, &format!("not a valid reel profile: {problem}")),
            }
        })?
    };
    let lists = [
        (
            List::Ratings,
            profile
                .ratings
                .iter()
                .map(|(id, e)| (*id, Some(e.stars), e.time, e.title.clone()))
                .collect::<Vec<_>>(),
        ),
        (
            List::Watchlist,
            profile
                .watchlist
                .iter()
                .map(|(id, m)| (*id, None, m.time, m.title.clone()))
                .collect(),
        ),
        (
            List::NotInterested,
            profile
                .not_interested
                .iter()
                .map(|(id, m)| (*id, None, m.time, m.title.clone()))
                .collect(),
        ),
    ];
    for (list, entries) in lists {
        for (id, stars, time, title) in entries {
            parsed.rows.push(Row {
                file: name.to_string(),
                line: 0,
                list,
                movie: MovieRef::Id(id),
                title,
                year: None,
                stars,
                time: Some(time),
            });
        }
    }
    Ok(())
}

/// "line 4: problem" → (Some(4), "problem").
fn split_line(e: &str) -> (Option<u64>, String) {
    if let Some(rest) = e.strip_prefix("line ") {
        if let Some((n, problem)) = rest.split_once(": ") {
            if let Ok(n) = n.parse() {
                return (Some(n), problem.to_string());
            }
        }
    }
    (None, e.to_string())
}

/// The JSON of `reel profile show --json`: `{"ratings": [{"movieId", "stars", "time",
/// "title"}], "watchlist": [...], "not_interested": [...]}`.
fn from_json(name: &str, text: &str) -> Result<UserProfile, ImportError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| ImportError::Malformed {
        file: name.to_string(),
        line: e.line() as u64,
        problem: format!("not valid JSON: {e}"),
    })?;
    let bad = |what: String| unreadable(name, &format!("not a reel profile: {what}"));
    let mut p = UserProfile::new("");
    for section in ["ratings", "watchlist", "not_interested"] {
        let Some(entries) = v.get(section) else {
            continue;
        };
        let entries = entries
            .as_array()
            .ok_or_else(|| bad(format!("\"{section}\" is not a list")))?;
        for (k, e) in entries.iter().enumerate() {
            let at = format!("{section}[{k}]");
            let id = e
                .get("movieId")
                .and_then(serde_json::Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| bad(format!("{at}: no movieId (a whole number)")))?;
            let time = e
                .get("time")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0);
            let title = e
                .get("title")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .to_string();
            if section == "ratings" {
                let stars = e
                    .get("stars")
                    .and_then(serde_json::Value::as_f64)
                    .filter(|s| (0.5..=5.0).contains(s))
                    .ok_or_else(|| bad(format!("{at}: stars must be 0.5 to 5")))?;
                p.ratings.insert(
                    id,
                    crate::profile::RatingEntry {
                        stars: stars as f32,
                        time,
                        title,
                    },
                );
            } else {
                let m = crate::profile::Mark { time, title };
                if section == "watchlist" {
                    p.watchlist.insert(id, m);
                } else {
                    p.not_interested.insert(id, m);
                }
            }
        }
    }
    Ok(p)
}

/// "2024-03-01" → Unix seconds at midnight UTC.
pub fn parse_date(s: &str) -> Option<i64> {
    let date = s.get(..10)?;
    let mut it = date.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || date.len() != 10 {
        return None;
    }
    // Days from civil (H. Hinnant), the inverse of cli::iso_date.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_with_iso_date() {
        for t in [0i64, 951_782_400, 1_537_747_200, 1_709_251_200] {
            let s = crate::cli::iso_date(t);
            assert_eq!(parse_date(&s), Some(t), "{s}");
        }
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn formats_are_told_by_their_header() {
        assert_eq!(
            detect(b"Date,Name,Year,Letterboxd URI,Rating\n"),
            Some(Format::Letterboxd)
        );
        assert_eq!(
            detect(b"\xef\xbb\xbfConst,Your Rating,Date Rated,Title,URL,Title Type\n"),
            Some(Format::Imdb)
        );
        assert_eq!(
            detect(b"movie_id,imdb_id,tmdb_id,rating,average_rating,title\n"),
            Some(Format::Movielens)
        );
        assert_eq!(detect(b"format = 1\n"), Some(Format::Reel));
        assert_eq!(detect(b"{\"ratings\": []}"), Some(Format::Reel));
        assert_eq!(
            detect(b"list,movieId,imdbId,tmdbId,title,year,stars,time\n"),
            Some(Format::Reel)
        );
        assert_eq!(detect(b"hello,world\n"), None);
    }
}
