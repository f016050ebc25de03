//! Parsers for the three GroupLens file layouts. Each turns files into rows with
//! MovieLens ids; [`super::load`] assembles them into a [`super::Dataset`].
//!
//! - CSV (ml-latest-small, ml-latest, ml-20m, ml-25m, ml-32m): header rows, CRLF or LF,
//!   quoted fields, UTF-8.
//! - DAT (ml-1m, ml-10m): `::`-separated, no header; ml-1m is latin-1.
//! - ml-100k: `u.data` tab-separated, `u.item` and `u.genre` pipe-separated, latin-1.

use super::error::DataError;
use super::rows::{
    decode_text, lines, num, read_parallel, split_exact, ByteProgress, RowContext, Skips,
};
use csv::ByteRecord;
use std::path::Path;

/// A rating with MovieLens ids, as read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdRating {
    pub user_id: u32,
    pub movie_id: u32,
    pub value: f32,
    pub time: i64,
}

/// A catalogue row, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct RawMovie {
    pub id: u32,
    pub title: String,
    pub genres: Vec<String>,
    /// Year from a separate field (ml-100k's release date), used when the title has none.
    pub fallback_year: Option<u16>,
    /// Line number, to name a duplicate id.
    pub line: u64,
}

/// A tag row, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTag {
    pub user_id: u32,
    pub movie_id: u32,
    pub text: String,
    pub time: i64,
}

/// A links row (IMDb and TMDB ids).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawLink {
    pub movie_id: u32,
    pub imdb_id: Option<u32>,
    pub tmdb_id: Option<u32>,
}

/// Rows read from one file plus the malformed rows skipped under `--lenient`.
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub skips: Skips,
}

// ---------------------------------------------------------------- CSV layout

const RATINGS_HEADER: &[&str] = &["userId", "movieId", "rating", "timestamp"];
const MOVIES_HEADER: &[&str] = &["movieId", "title", "genres"];
const TAGS_HEADER: &[&str] = &["userId", "movieId", "tag", "timestamp"];
const LINKS_HEADER: &[&str] = &["movieId", "imdbId", "tmdbId"];

/// Runs a csv reader over one chunk of whole lines, handing each record and its line number to `row`.
fn csv_chunk(
    chunk: &[u8],
    first_line: u64,
    ctx: RowContext<'_>,
    skips: &mut Skips,
    mut row: impl FnMut(&ByteRecord, u64, &mut Skips) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(chunk);
    let mut record = ByteRecord::new();
    // Line numbers come from byte offsets: the reader may report a record as starting
    // on the previous record's line end, so skip line-end bytes first.
    let mut counted_to = 0usize;
    let mut newlines = 0u64;
    let mut line_at = |byte: u64| {
        let mut b = (byte as usize).min(chunk.len());
        while b < chunk.len() && matches!(chunk[b], b'\r' | b'\n') {
            b += 1;
        }
        if b > counted_to {
            newlines += memchr::memchr_iter(b'\n', &chunk[counted_to..b]).count() as u64;
            counted_to = b;
        }
        first_line + newlines
    };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = line_at(record.position().map_or(0, |p| p.byte()));
                row(&record, line, skips)?;
            }
            Err(e) => {
                let line = line_at(e.position().map_or(0, |p| p.byte()));
                ctx.malformed(skips, line, format!("unreadable CSV row: {e}"), b"")?;
                // The reader cannot resume reliably after a CSV syntax error.
                return Ok(());
            }
        }
    }
}

fn joined(record: &ByteRecord) -> Vec<u8> {
    let fields: Vec<&[u8]> = record.iter().collect();
    fields.join(&b","[..])
}

fn check_header(path: &Path, header: &[u8], expected: &[&str]) -> Result<(), DataError> {
    let text = String::from_utf8_lossy(header);
    let text = text.trim_start_matches('\u{feff}').trim_end();
    let found: Vec<&str> = text.split(',').map(str::trim).collect();
    if found != expected {
        return Err(DataError::BadHeader {
            file: path.to_path_buf(),
            line: 1,
            found: text.to_string(),
            expected: expected.join(","),
        });
    }
    Ok(())
}

/// `userId,movieId,rating,timestamp` (ratings.csv, or an eval train/test file).
pub fn read_ratings_csv(
    path: &Path,
    lenient: bool,
    progress: Option<ByteProgress<'_>>,
) -> Result<Parsed<IdRating>, DataError> {
    let ctx = RowContext {
        file: path,
        lenient,
    };
    let parse = |chunk: &[u8], first: u64, out: &mut Vec<IdRating>, skips: &mut Skips| {
        out.reserve(chunk.len() / 24);
        for (line, text) in lines(chunk, first) {
            if let Some(r) = plain_rating_line(text) {
                out.push(r);
                continue;
            }
            // Anything unusual (quotes, spaces, signs, errors) takes the general path.
            let parsed = if memchr::memchr(b'"', text).is_some() {
                csv_line_fields(text).and_then(|f| {
                    let f: Vec<&[u8]> = f.iter().map(Vec::as_slice).collect();
                    rating_fields(&f)
                })
            } else {
                rating_row(text, b",")
            };
            match parsed {
                Ok(r) => out.push(r),
                Err(problem) => ctx.malformed(skips, line, problem, text)?,
            }
        }
        Ok(())
    };
    let (rows, skips, header) = read_parallel(path, 1, &parse, progress)?;
    check_header(path, &header, RATINGS_HEADER)?;
    Ok(Parsed { rows, skips })
}

/// The hot path of a large load: `digits,digits,digits[.digits],digits` in one pass.
/// `None` for anything else, which the general parser then reads (or reports).
fn plain_rating_line(t: &[u8]) -> Option<IdRating> {
    /// Reads 1..=max digits at `*at`; returns the value and the digit count.
    fn digits(t: &[u8], at: &mut usize, max: usize) -> Option<(u64, usize)> {
        let start = *at;
        let mut v = 0u64;
        while let Some(&c) = t.get(*at) {
            if !c.is_ascii_digit() {
                break;
            }
            v = v * 10 + u64::from(c - b'0');
            *at += 1;
        }
        let n = *at - start;
        (n > 0 && n <= max).then_some((v, n))
    }
    fn comma(t: &[u8], at: &mut usize) -> Option<()> {
        (t.get(*at) == Some(&b',')).then(|| *at += 1)
    }
    let mut at = 0;
    let (user, _) = digits(t, &mut at, 9)?;
    comma(t, &mut at)?;
    let (movie, _) = digits(t, &mut at, 9)?;
    comma(t, &mut at)?;
    let (whole, _) = digits(t, &mut at, 6)?;
    let mut value = whole as f64;
    if t.get(at) == Some(&b'.') {
        at += 1;
        let (frac, n) = digits(t, &mut at, 3)?;
        value += frac as f64 / [1.0, 10.0, 100.0, 1000.0][n];
    }
    comma(t, &mut at)?;
    let (time, _) = digits(t, &mut at, 18)?;
    (at == t.len()).then_some(IdRating {
        user_id: user as u32,
        movie_id: movie as u32,
        value: value as f32,
        time: time as i64,
    })
}

/// Splits one CSV line with quoting rules.
fn csv_line_fields(line: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line);
    let mut record = ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => Ok(record.iter().map(<[u8]>::to_vec).collect()),
        Ok(false) => Err("empty row".into()),
        Err(e) => Err(format!("unreadable CSV row: {e}")),
    }
}

/// Parses a `user<sep>movie<sep>rating<sep>timestamp` line.
fn rating_row(line: &[u8], sep: &[u8]) -> Result<IdRating, String> {
    match split_exact::<4>(line, sep) {
        Ok(f) => rating_fields(&f),
        Err(n) => Err(format!("expected 4 fields, found {n}")),
    }
}

/// Parses user, movie, rating, timestamp fields.
fn rating_fields(fields: &[&[u8]]) -> Result<IdRating, String> {
    if fields.len() != 4 {
        return Err(format!("expected 4 fields, found {}", fields.len()));
    }
    let user_id = whole(fields[0]).ok_or("userId is not a whole number")?;
    let movie_id = whole(fields[1]).ok_or("movieId is not a whole number")?;
    let value = decimal(fields[2]).ok_or("rating is not a number")?;
    let time = whole(fields[3]).ok_or("timestamp is not a whole number")?;
    Ok(IdRating {
        user_id,
        movie_id,
        value,
        time,
    })
}

/// Parses an unsigned decimal field quickly (the hot path of a 25M-row load), falling
/// back to the general parser for anything unusual (signs, spaces).
fn whole<T: TryFrom<u64> + std::str::FromStr>(field: &[u8]) -> Option<T> {
    if !field.is_empty() && field.len() <= 18 && field.iter().all(u8::is_ascii_digit) {
        let v = field
            .iter()
            .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
        T::try_from(v).ok()
    } else {
        num(field)
    }
}

/// Parses a rating: "4", "3.5", "4.25" directly; anything else ("NaN", "1e1", " 4") by
/// the general parser.
fn decimal(field: &[u8]) -> Option<f32> {
    let (int, frac) = match memchr::memchr(b'.', field) {
        Some(dot) => (&field[..dot], &field[dot + 1..]),
        None => (field, &[][..]),
    };
    let simple = !int.is_empty()
        && int.len() <= 6
        && frac.len() <= 3
        && int.iter().chain(frac).all(u8::is_ascii_digit);
    if !simple {
        return num(field);
    }
    let digits = |d: &[u8]| d.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
    let scale = [1.0, 10.0, 100.0, 1000.0][frac.len()];
    Some((f64::from(digits(int)) + f64::from(digits(frac)) / scale) as f32)
}

fn utf8<'a>(field: &'a [u8], what: &str) -> Result<&'a str, String> {
    std::str::from_utf8(field).map_err(|_| format!("{what} is not valid UTF-8"))
}

/// Reads a CSV file with a header row: checks the header, turns each record into a
/// row with `row` (given the record and its line), and reports bad records.
fn read_csv_rows<T: Send>(
    path: &Path,
    lenient: bool,
    header: &[&str],
    row: impl Fn(&ByteRecord, u64) -> Result<T, String> + Sync,
) -> Result<Parsed<T>, DataError> {
    let ctx = RowContext {
        file: path,
        lenient,
    };
    let parse = |chunk: &[u8], first: u64, out: &mut Vec<T>, skips: &mut Skips| {
        csv_chunk(chunk, first, ctx, skips, |rec, line, skips| {
            match row(rec, line) {
                Ok(r) => out.push(r),
                Err(problem) => ctx.malformed(skips, line, problem, &joined(rec))?,
            }
            Ok(())
        })
    };
    // Quoted fields never hold line breaks in GroupLens files, so chunks split at lines.
    let (rows, skips, found) = read_parallel(path, 1, &parse, None)?;
    check_header(path, &found, header)?;
    Ok(Parsed { rows, skips })
}

/// Checks a record's field count.
fn expect_fields(rec: &ByteRecord, n: usize) -> Result<(), String> {
    if rec.len() == n {
        Ok(())
    } else {
        Err(format!("expected {n} fields, found {}", rec.len()))
    }
}

/// `movieId,title,genres` (movies.csv).
pub fn read_movies_csv(path: &Path, lenient: bool) -> Result<Parsed<RawMovie>, DataError> {
    read_csv_rows(path, lenient, MOVIES_HEADER, |rec, line| {
        expect_fields(rec, 3)?;
        Ok(RawMovie {
            id: num::<u32>(&rec[0]).ok_or("movieId is not a whole number")?,
            title: utf8(&rec[1], "title")?.to_string(),
            genres: split_genres(utf8(&rec[2], "genres")?),
            fallback_year: None,
            line,
        })
    })
}

/// `userId,movieId,tag,timestamp` (tags.csv).
pub fn read_tags_csv(path: &Path, lenient: bool) -> Result<Parsed<RawTag>, DataError> {
    read_csv_rows(path, lenient, TAGS_HEADER, |rec, _| {
        expect_fields(rec, 4)?;
        Ok(RawTag {
            user_id: num(&rec[0]).ok_or("userId is not a whole number")?,
            movie_id: num(&rec[1]).ok_or("movieId is not a whole number")?,
            text: utf8(&rec[2], "tag")?.to_string(),
            time: num(&rec[3]).ok_or("timestamp is not a whole number")?,
        })
    })
}

/// `movieId,imdbId,tmdbId` (links.csv); an empty id is allowed (not every movie has one).
pub fn read_links_csv(path: &Path, lenient: bool) -> Result<Parsed<RawLink>, DataError> {
    let optional = |f: &[u8], what: &str| -> Result<Option<u32>, String> {
        if f.iter().all(u8::is_ascii_whitespace) {
            Ok(None)
        } else {
            num(f)
                .map(Some)
                .ok_or(format!("{what} is not a whole number"))
        }
    };
    read_csv_rows(path, lenient, LINKS_HEADER, |rec, _| {
        expect_fields(rec, 3)?;
        Ok(RawLink {
            movie_id: num(&rec[0]).ok_or("movieId is not a whole number")?,
            imdb_id: optional(&rec[1], "imdbId")?,
            tmdb_id: optional(&rec[2], "tmdbId")?,
        })
    })
}

/// "Adventure|Animation" → ["Adventure", "Animation"]; "(no genres listed)" → [].
fn split_genres(field: &str) -> Vec<String> {
    field
        .split('|')
        .map(str::trim)
        .filter(|g| !g.is_empty() && *g != "(no genres listed)")
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------- DAT layout

/// `UserID::MovieID::Rating::Timestamp` (ratings.dat).
pub fn read_ratings_dat(
    path: &Path,
    lenient: bool,
    progress: Option<ByteProgress<'_>>,
) -> Result<Parsed<IdRating>, DataError> {
    read_separated_ratings(path, b"::", lenient, progress)
}

/// `user \t item \t rating \t timestamp` (ml-100k's u.data).
pub fn read_ratings_tab(
    path: &Path,
    lenient: bool,
    progress: Option<ByteProgress<'_>>,
) -> Result<Parsed<IdRating>, DataError> {
    read_separated_ratings(path, b"\t", lenient, progress)
}

fn read_separated_ratings(
    path: &Path,
    sep: &'static [u8],
    lenient: bool,
    progress: Option<ByteProgress<'_>>,
) -> Result<Parsed<IdRating>, DataError> {
    let ctx = RowContext {
        file: path,
        lenient,
    };
    let parse = |chunk: &[u8], first: u64, out: &mut Vec<IdRating>, skips: &mut Skips| {
        for (line, text) in lines(chunk, first) {
            match rating_row(text, sep) {
                Ok(r) => out.push(r),
                Err(problem) => ctx.malformed(skips, line, problem, text)?,
            }
        }
        Ok(())
    };
    let (rows, skips, _) = read_parallel(path, 0, &parse, progress)?;
    Ok(Parsed { rows, skips })
}

fn read_small(path: &Path) -> Result<String, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    Ok(decode_text(&bytes))
}

/// Numbered lines of a small text file (decoded as UTF-8 or latin-1), without line ends.
fn text_lines(text: &str) -> impl Iterator<Item = (u64, &str)> {
    text.split('\n')
        .enumerate()
        .map(|(k, l)| (k as u64 + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.is_empty())
}

/// Reads a small separated text file (UTF-8, else latin-1) with no header: splits
/// each line on `sep`, checks the field count, turns the fields into a row with `row`
/// (given the fields and the line number), and reports bad lines.
fn read_text_rows<T>(
    path: &Path,
    lenient: bool,
    sep: &str,
    fields_per_row: usize,
    mut row: impl FnMut(&[&str], u64) -> Result<T, String>,
) -> Result<Parsed<T>, DataError> {
    let ctx = RowContext {
        file: path,
        lenient,
    };
    let text = read_small(path)?;
    let mut rows = Vec::new();
    let mut skips = Skips::default();
    for (line, l) in text_lines(&text) {
        let fields: Vec<&str> = l.split(sep).collect();
        let parsed = if fields.len() == fields_per_row {
            row(&fields, line)
        } else {
            Err(format!(
                "expected {fields_per_row} fields, found {}",
                fields.len()
            ))
        };
        match parsed {
            Ok(r) => rows.push(r),
            Err(problem) => ctx.malformed(&mut skips, line, problem, l.as_bytes())?,
        }
    }
    Ok(Parsed { rows, skips })
}

/// `MovieID::Title::Genres` (movies.dat; latin-1 in ml-1m).
pub fn read_movies_dat(path: &Path, lenient: bool) -> Result<Parsed<RawMovie>, DataError> {
    read_text_rows(path, lenient, "::", 3, |f, line| {
        Ok(RawMovie {
            id: num(f[0].as_bytes()).ok_or("MovieID is not a whole number")?,
            title: f[1].to_string(),
            genres: split_genres(f[2]),
            fallback_year: None,
            line,
        })
    })
}

/// `UserID::MovieID::Tag::Timestamp` (ml-10m's tags.dat).
pub fn read_tags_dat(path: &Path, lenient: bool) -> Result<Parsed<RawTag>, DataError> {
    read_text_rows(path, lenient, "::", 4, |f, _| {
        Ok(RawTag {
            user_id: num(f[0].as_bytes()).ok_or("UserID is not a whole number")?,
            movie_id: num(f[1].as_bytes()).ok_or("MovieID is not a whole number")?,
            text: f[2].to_string(),
            time: num(f[3].as_bytes()).ok_or("Timestamp is not a whole number")?,
        })
    })
}

// ---------------------------------------------------------------- ml-100k

/// `u.genre`: `name|index` lines.
pub fn read_genres_100k(path: &Path) -> Result<Vec<String>, DataError> {
    let text = read_small(path)?;
    let mut names: Vec<(usize, String)> = Vec::new();
    for (line, l) in text_lines(&text) {
        let (name, index) = l.rsplit_once('|').ok_or_else(|| DataError::Malformed {
            file: path.to_path_buf(),
            line,
            problem: "expected name|index".into(),
            text: l.to_string(),
        })?;
        let index: usize = index.trim().parse().map_err(|_| DataError::Malformed {
            file: path.to_path_buf(),
            line,
            problem: "genre index is not a whole number".into(),
            text: l.to_string(),
        })?;
        names.push((index, name.to_string()));
    }
    names.sort();
    if names.iter().enumerate().any(|(k, (i, _))| k != *i) {
        return Err(DataError::Invalid {
            file: path.to_path_buf(),
            problem: "genre indices are not 0, 1, 2, …".into(),
        });
    }
    Ok(names.into_iter().map(|(_, n)| n).collect())
}

/// `u.item`: `id|title|release date|video release date|IMDb URL|flag × genres`.
pub fn read_items_100k(
    path: &Path,
    genre_names: &[String],
    lenient: bool,
) -> Result<Parsed<RawMovie>, DataError> {
    read_text_rows(path, lenient, "|", 5 + genre_names.len(), |f, line| {
        let id = num::<u32>(f[0].as_bytes()).ok_or("movie id is not a whole number")?;
        let mut genres = Vec::new();
        for (flag, name) in f[5..].iter().zip(genre_names) {
            match flag.trim() {
                "1" if name != "unknown" => genres.push(name.clone()),
                "0" | "1" => {}
                other => return Err(format!("genre flag {other:?} is not 0 or 1")),
            }
        }
        // Release dates look like 01-Jan-1995.
        let fallback_year = f[2]
            .rsplit('-')
            .next()
            .and_then(|y| y.trim().parse::<u16>().ok());
        Ok(RawMovie {
            id,
            title: f[1].to_string(),
            genres,
            fallback_year,
            line,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_rating_lines_parse_exactly_and_defer_the_rest() {
        let r = plain_rating_line(b"12,345,3.5,964982703").expect("plain");
        assert_eq!(
            (r.user_id, r.movie_id, r.value, r.time),
            (12, 345, 3.5, 964_982_703)
        );
        assert_eq!(plain_rating_line(b"1,2,4,5").map(|r| r.value), Some(4.0));
        assert_eq!(
            plain_rating_line(b"1,2,4.25,5").map(|r| r.value),
            Some(4.25)
        );
        for odd in [
            &b"1,2,3.5"[..],
            b"1,2,3.5,",
            b"1,2,,5",
            b"-1,2,3,5",
            b"1,2,NaN,5",
            b"1,2,3.5,5,6",
            b" 1,2,3,5",
            b"1,2,3.,5",
            b"1234567890,2,3,5",
        ] {
            assert_eq!(
                plain_rating_line(odd),
                None,
                "{}",
                String::from_utf8_lossy(odd)
            );
        }
        // The general path still reads what the fast path defers.
        assert_eq!(rating_row(b" 1,2,3,5", b",").map(|r| r.user_id), Ok(1));
        assert!(rating_row(b"1,2,NaN,5", b",").is_ok_and(|r| r.value.is_nan()));
        assert_eq!(decimal(b"3.5"), Some(3.5));
        assert_eq!(decimal(b"4"), Some(4.0));
        assert_eq!(decimal(b"x"), None);
    }
}
