//! Reading rows: the file is read in blocks, each block split at line ends into
//! chunks that are parsed in parallel, and every row keeps its line number so an
//! error can name it. Malformed rows stop the load, or are counted under `--lenient`.

use super::error::{excerpt, DataError};
use super::SkippedRow;
use rayon::prelude::*;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// How many skipped rows are kept as examples for the report.
const EXAMPLES: usize = 5;
/// Bytes read per block (the rows of one block are parsed in parallel).
const BLOCK: usize = 32 << 20;

/// Malformed rows met while reading, under `--lenient`.
#[derive(Debug, Default, Clone)]
pub struct Skips {
    pub count: u64,
    pub examples: Vec<SkippedRow>,
}

impl Skips {
    pub fn merge(&mut self, other: Skips) {
        self.count += other.count;
        for e in other.examples {
            if self.examples.len() < EXAMPLES {
                self.examples.push(e);
            }
        }
    }
}

/// Where a row came from, for error messages.
#[derive(Clone, Copy)]
pub struct RowContext<'a> {
    pub file: &'a Path,
    pub lenient: bool,
}

impl RowContext<'_> {
    /// A malformed row: an error, or a counted skip under `--lenient`.
    pub fn malformed(
        &self,
        skips: &mut Skips,
        line: u64,
        problem: impl Into<String>,
        row: &[u8],
    ) -> Result<(), DataError> {
        let problem = problem.into();
        if self.lenient {
            skips.count += 1;
            if skips.examples.len() < EXAMPLES {
                skips.examples.push(SkippedRow {
                    file: self.file.display().to_string(),
                    line,
                    problem,
                });
            }
            Ok(())
        } else {
            Err(DataError::Malformed {
                file: self.file.to_path_buf(),
                line,
                problem,
                text: excerpt(row),
            })
        }
    }
}

/// Parses one chunk of whole lines. `first_line` is the 1-based number of its first line.
pub type ChunkParser<'p, T> =
    dyn Fn(&[u8], u64, &mut Vec<T>, &mut Skips) -> Result<(), DataError> + Sync + 'p;

/// Told (bytes read, file size) after each block of a large file.
pub type ByteProgress<'p> = &'p (dyn Fn(u64, u64) + Sync);

/// Reads `path` block by block, skipping `skip_lines` leading lines (the header,
/// returned), and parses the rest in parallel chunks with `parse`, telling `progress`
/// how far it got after each block.
pub fn read_parallel<T: Send>(
    path: &Path,
    skip_lines: usize,
    parse: &ChunkParser<'_, T>,
    progress: Option<ByteProgress<'_>>,
) -> Result<(Vec<T>, Skips, Vec<u8>), DataError> {
    let mut file = File::open(path).map_err(|e| DataError::io(path, e))?;
    // Reserve for the shortest plausible rows (~20 bytes): untouched capacity costs
    // address space, not memory, and saves regrowing a vector of 25M rows.
    let size = file.metadata().map(|m| m.len() as usize).unwrap_or(0);
    let mut out = Vec::with_capacity(size / 20);
    let mut skips = Skips::default();
    let mut header = Vec::new();
    let mut next_line: u64 = 1;
    let mut to_skip = skip_lines;
    let threads = rayon::current_num_threads().max(1);
    let read_block = |file: &mut File, mut buf: Vec<u8>| -> Result<(Vec<u8>, bool), DataError> {
        let n = file
            .take(BLOCK as u64)
            .read_to_end(&mut buf)
            .map_err(|e| DataError::io(path, e))?;
        Ok((buf, n < BLOCK))
    };
    let (mut pending, mut eof) = read_block(&mut file, Vec::new())?;
    let mut done: u64 = 0;
    loop {
        // Whole lines only; the tail waits for the next block.
        let complete = if eof {
            pending.len()
        } else {
            match memchr::memrchr(b'\n', &pending) {
                Some(pos) => pos + 1,
                None => {
                    // A single line longer than a block: read on.
                    let (buf, e) = read_block(&mut file, pending)?;
                    (pending, eof) = (buf, e);
                    continue;
                }
            }
        };
        let mut body = &pending[..complete];
        while to_skip > 0 && !body.is_empty() {
            let end = memchr::memchr(b'\n', body).map_or(body.len(), |p| p + 1);
            header.extend_from_slice(&body[..end]);
            body = &body[end..];
            next_line += 1;
            to_skip -= 1;
        }
        let chunks = split_lines(body, threads * 4);
        let mut starts = Vec::with_capacity(chunks.len());
        for c in &chunks {
            starts.push(next_line);
            next_line += memchr::memchr_iter(b'\n', c).count() as u64;
        }
        let parse_block = || -> Vec<Result<(Vec<T>, Skips), DataError>> {
            chunks
                .par_iter()
                .zip(starts.par_iter())
                .map(|(chunk, &first)| {
                    let mut rows = Vec::new();
                    let mut s = Skips::default();
                    parse(chunk, first, &mut rows, &mut s)?;
                    Ok((rows, s))
                })
                .collect()
        };
        // Read the next block while this one is parsed.
        let tail = pending[complete..].to_vec();
        let (next, parsed) = if eof {
            (None, parse_block())
        } else {
            let (next, parsed) = rayon::join(|| read_block(&mut file, tail), parse_block);
            (Some(next?), parsed)
        };
        for p in parsed {
            let (rows, s) = p?;
            out.extend(rows);
            skips.merge(s);
        }
        done += complete as u64;
        if let Some(report) = progress {
            report(done, size as u64);
        }
        match next {
            Some((buf, e)) => (pending, eof) = (buf, e),
            None => break,
        }
    }
    Ok((out, skips, header))
}

/// Splits `body` into about `parts` pieces, each ending at a line end.
fn split_lines(body: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut chunks = Vec::with_capacity(parts);
    let target = (body.len() / parts.max(1)).max(1 << 16);
    let mut rest = body;
    while !rest.is_empty() {
        if rest.len() <= target {
            chunks.push(rest);
            break;
        }
        let cut = memchr::memchr(b'\n', &rest[target..]).map_or(rest.len(), |p| target + p + 1);
        chunks.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    chunks
}

/// Iterates the lines of a chunk with their numbers, without the line end (`\n` or `\r\n`).
pub fn lines(chunk: &[u8], first_line: u64) -> impl Iterator<Item = (u64, &[u8])> {
    let mut rest = chunk;
    let mut line = first_line;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        let (text, more) = match memchr::memchr(b'\n', rest) {
            Some(pos) => (&rest[..pos], &rest[pos + 1..]),
            None => (rest, &[][..]),
        };
        rest = more;
        let number = line;
        line += 1;
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if !text.is_empty() {
            return Some((number, text));
        }
    })
}

/// Splits a line into exactly `N` fields without allocating; `Err(count)` otherwise.
pub fn split_exact<'a, const N: usize>(line: &'a [u8], sep: &[u8]) -> Result<[&'a [u8]; N], usize> {
    let mut fields: [&[u8]; N] = [&[]; N];
    let mut rest = line;
    let mut n = 0;
    let find = |hay: &[u8]| match sep {
        [one] => memchr::memchr(*one, hay),
        _ => memchr::memmem::find(hay, sep),
    };
    loop {
        let (field, more) = match find(rest) {
            Some(pos) => (&rest[..pos], Some(&rest[pos + sep.len()..])),
            None => (rest, None),
        };
        if n < N {
            fields[n] = field;
        }
        n += 1;
        match more {
            Some(r) => rest = r,
            None => break,
        }
    }
    if n == N {
        Ok(fields)
    } else {
        Err(n)
    }
}

/// Parses an ASCII number field.
pub fn num<T: std::str::FromStr>(field: &[u8]) -> Option<T> {
    std::str::from_utf8(field).ok()?.trim().parse().ok()
}

/// Decodes text that is UTF-8, or else latin-1 (ml-1m and ml-100k ship latin-1).
pub fn decode_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_lines_keeps_every_byte_and_ends_on_newlines() {
        let body: Vec<u8> = (0..50_000)
            .flat_map(|i| format!("{i},x\r\n").into_bytes())
            .collect();
        let chunks = split_lines(&body, 7);
        assert!(chunks.len() > 1);
        assert_eq!(chunks.concat(), body);
        for c in &chunks {
            assert_eq!(c.last(), Some(&b'\n'));
        }
    }

    #[test]
    fn lines_strip_crlf_and_number_from_first() {
        let got: Vec<(u64, &[u8])> = lines(b"a\r\nb\n\nc", 10).collect();
        assert_eq!(got, vec![(10, &b"a"[..]), (11, b"b"), (13, b"c")]);
    }

    #[test]
    fn latin1_fallback() {
        assert_eq!(decode_text(b"Caf\xe9"), "Café");
        assert_eq!(decode_text("Café".as_bytes()), "Café");
        assert_eq!(
            split_exact::<3>(b"1::Heat (1995)::Action", b"::"),
            Ok([&b"1"[..], b"Heat (1995)", b"Action"])
        );
        assert_eq!(split_exact::<4>(b"1,2,3", b","), Err(3));
        assert_eq!(split_exact::<2>(b"1,2,3", b","), Err(3));
    }
}
