//! Fuzzy title search over the catalogue (SkimMatcherV2), with a background worker
//! so front-ends never match on their UI thread.
//!
//! Each movie is one haystack: display title (article in front), alternative titles,
//! year and genre words. A cheap in-order character test rejects most movies before
//! the fuzzy scorer runs; matching runs in parallel chunks. Equal scores are ordered
//! by popularity (number of ratings), then by item index.

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use rayon::prelude::*;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;

use crate::data::Catalogue;

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchHit {
    pub item: u32,
    pub score: i64,
}

struct Entry {
    item: u32,
    popularity: u32,
    /// Lower-cased haystack, `lower[start..end]`, used for the fast pre-filter.
    start: u32,
    end: u32,
    /// Haystack as shown (case kept for word-boundary scoring).
    hay: String,
}

/// The searchable form of a catalogue.
pub struct SearchIndex {
    entries: Vec<Entry>,
    /// Every lower-cased haystack, back to back (one allocation: cache friendly).
    lower: String,
    /// Items by popularity, for the empty query.
    by_popularity: Vec<u32>,
}

impl SearchIndex {
    /// Builds the index; `popularity[item]` is the movie's number of ratings.
    pub fn new(catalogue: &Catalogue, popularity: &[u32]) -> Self {
        let entries: Vec<Entry> = catalogue
            .movies
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut hay = m.title.clone();
                for alt in &m.alt_titles {
                    hay.push_str(" / ");
                    hay.push_str(alt);
                }
                if let Some(y) = m.year {
                    hay.push_str(&format!(" {y}"));
                }
                for g in catalogue.genre_list(m.genres) {
                    hay.push(' ');
                    hay.push_str(g);
                }
                Entry {
                    item: i as u32,
                    popularity: popularity.get(i).copied().unwrap_or(0),
                    start: 0,
                    end: 0,
                    hay,
                }
            })
            .collect();
        Self::from_entries(entries)
    }

    /// Builds an index from raw (haystack, popularity) pairs: for benchmarks and tests.
    pub fn from_strings(items: Vec<(String, u32)>) -> Self {
        let entries = items
            .into_iter()
            .enumerate()
            .map(|(i, (hay, popularity))| Entry {
                item: i as u32,
                popularity,
                start: 0,
                end: 0,
                hay,
            })
            .collect();
        Self::from_entries(entries)
    }

    fn from_entries(mut entries: Vec<Entry>) -> Self {
        let mut lower = String::new();
        for e in &mut entries {
            e.start = lower.len() as u32;
            lower.push_str(&e.hay.to_lowercase());
            e.end = lower.len() as u32;
        }
        let mut by_popularity: Vec<u32> = entries.iter().map(|e| e.item).collect();
        by_popularity.sort_by(|&a, &b| {
            entries[b as usize]
                .popularity
                .cmp(&entries[a as usize].popularity)
                .then(a.cmp(&b))
        });
        SearchIndex {
            entries,
            lower,
            by_popularity,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The best `limit` matches of `query`, best first. An empty query lists the most
    /// popular movies (score 0).
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let query = query.trim();
        if query.is_empty() {
            return self
                .by_popularity
                .iter()
                .take(limit)
                .map(|&item| SearchHit { item, score: 0 })
                .collect();
        }
        let lower_query = query.to_lowercase();
        let words: Vec<Word> = lower_query
            .split_whitespace()
            .map(|w| Word {
                finder: memchr::memmem::Finder::new(w.as_bytes()).into_owned(),
                bytes: w.as_bytes().to_vec(),
                len: w.len() as u32,
            })
            .collect();
        // Stage 1, every movie: a cheap score (word found as a substring, at a word
        // start, …); movies where some word is not even a subsequence drop out.
        let mut cheap: Vec<(u32, u32, u32)> = self
            .entries
            .par_chunks(4096)
            .flat_map_iter(|chunk| {
                let words = &words;
                let lower = self.lower.as_bytes();
                chunk.iter().filter_map(move |e| {
                    cheap_score(&lower[e.start as usize..e.end as usize], words)
                        .map(|s| (s, e.popularity, e.item))
                })
            })
            .collect();
        // Stage 2, the best few hundred: the real fuzzy score (SkimMatcherV2).
        let keep = (limit * 2).max(RESCORE);
        let by_cheap = |a: &(u32, u32, u32), b: &(u32, u32, u32)| {
            b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2))
        };
        if cheap.len() > keep {
            cheap.select_nth_unstable_by(keep - 1, by_cheap);
            cheap.truncate(keep);
        }
        let matcher = SkimMatcherV2::default().ignore_case();
        let mut hits: Vec<(i64, u32, u32)> = cheap
            .into_iter()
            .filter_map(|(_, pop, item)| {
                matcher
                    .fuzzy_match(&self.entries[item as usize].hay, query)
                    .map(|s| (s, pop, item))
            })
            .collect();
        let order = |a: &(i64, u32, u32), b: &(i64, u32, u32)| {
            b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2))
        };
        hits.sort_unstable_by(order);
        hits.truncate(limit);
        hits.into_iter()
            .map(|(score, _, item)| SearchHit { item, score })
            .collect()
    }
}

/// How many stage-1 candidates get the full fuzzy score.
const RESCORE: usize = 64;

struct Word {
    finder: memchr::memmem::Finder<'static>,
    bytes: Vec<u8>,
    len: u32,
}

/// Stage-1 score: for each query word, 4×len if it starts the haystack, 3×len at a
/// word start, 2×len anywhere, 1 if only its letters occur in order; `None` if a word
/// does not occur at all.
fn cheap_score(bytes: &[u8], words: &[Word]) -> Option<u32> {
    let mut total = 0;
    for w in words {
        if !in_order(bytes, &w.bytes) {
            return None;
        }
        let mut best = 0;
        for pos in w.finder.find_iter(bytes) {
            let s = if pos == 0 {
                4
            } else if !bytes[pos - 1].is_ascii_alphanumeric() {
                3
            } else {
                2
            };
            best = best.max(s);
            if best == 4 {
                break;
            }
        }
        total += if best > 0 { best * w.len } else { 1 };
    }
    Some(total)
}

/// True when every pattern byte occurs in `hay` in order: a necessary condition for
/// a fuzzy match (chars in order imply their UTF-8 bytes in order), much cheaper than scoring.
fn in_order(hay: &[u8], pattern: &[u8]) -> bool {
    let mut rest = hay;
    for &b in pattern {
        match memchr::memchr(b, rest) {
            Some(p) => rest = &rest[p + 1..],
            None => return false,
        }
    }
    true
}

/// Results of one background search.
#[derive(Debug, Clone)]
pub struct SearchReply {
    /// The request number this answers (only the newest matters).
    pub generation: u64,
    pub query: String,
    pub hits: Vec<SearchHit>,
    /// Time spent matching.
    pub elapsed: std::time::Duration,
}

/// A background thread that answers search requests, skipping stale ones.
pub struct SearchWorker {
    tx: Sender<(u64, String, usize)>,
    rx: Receiver<SearchReply>,
    generation: u64,
    pending: bool,
}

impl SearchWorker {
    pub fn spawn(index: Arc<SearchIndex>) -> Self {
        let (tx, req_rx) = mpsc::channel::<(u64, String, usize)>();
        let (reply_tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("reel-search".into())
            .spawn(move || {
                while let Ok(mut req) = req_rx.recv() {
                    // Only the newest request is worth answering.
                    while let Ok(newer) = req_rx.try_recv() {
                        req = newer;
                    }
                    let start = std::time::Instant::now();
                    let hits = index.search(&req.1, req.2);
                    let reply = SearchReply {
                        generation: req.0,
                        query: req.1,
                        hits,
                        elapsed: start.elapsed(),
                    };
                    if reply_tx.send(reply).is_err() {
                        break;
                    }
                }
            })
            .ok();
        SearchWorker {
            tx,
            rx,
            generation: 0,
            pending: false,
        }
    }

    /// Asks for `query`; returns the request's generation.
    pub fn request(&mut self, query: &str, limit: usize) -> u64 {
        self.generation += 1;
        self.pending = self
            .tx
            .send((self.generation, query.to_string(), limit))
            .is_ok();
        self.generation
    }

    /// The newest reply for the newest request, if it has arrived.
    pub fn poll(&mut self) -> Option<SearchReply> {
        let mut latest = None;
        while let Ok(r) = self.rx.try_recv() {
            if r.generation == self.generation {
                self.pending = false;
                latest = Some(r);
            }
        }
        latest
    }

    /// Waits (up to `timeout`) for the reply to the newest request.
    pub fn wait(&mut self, timeout: std::time::Duration) -> Option<SearchReply> {
        let deadline = std::time::Instant::now() + timeout;
        while self.pending {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(r) if r.generation == self.generation => {
                    self.pending = false;
                    return Some(r);
                }
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// True while the newest request has no reply yet.
    pub fn is_pending(&self) -> bool {
        self.pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SearchIndex {
        SearchIndex::from_strings(vec![
            ("The Matrix 1999 Action Sci-Fi".into(), 300),
            ("The Matrix Reloaded 2003 Action Sci-Fi".into(), 100),
            ("Toy Story 1995 Animation Children".into(), 250),
            ("Toy Story 2 1999 Animation Children".into(), 90),
            ("Mad Max 1979 Action".into(), 50),
        ])
    }

    #[test]
    fn finds_and_orders() {
        let idx = index();
        let hits = idx.search("matrix", 10);
        let items: Vec<u32> = hits.iter().map(|h| h.item).collect();
        assert_eq!(items[..2], [0, 1]);
        let hits = idx.search("toy story 1999", 10);
        assert_eq!(hits[0].item, 3);
        assert!(idx.search("zzzz", 10).is_empty());
        let empty: Vec<u32> = idx.search("", 3).iter().map(|h| h.item).collect();
        assert_eq!(empty, vec![0, 2, 1]);
    }

    #[test]
    fn equal_scores_prefer_popular() {
        let idx = SearchIndex::from_strings(vec![
            ("Alpha".into(), 1),
            ("Alpha".into(), 9),
            ("Alpha".into(), 5),
        ]);
        let items: Vec<u32> = idx.search("alpha", 3).iter().map(|h| h.item).collect();
        assert_eq!(items, vec![1, 2, 0]);
    }

    #[test]
    fn worker_answers_newest() {
        let mut w = SearchWorker::spawn(Arc::new(index()));
        w.request("toy", 5);
        let g = w.request("max", 5);
        let r = w.wait(std::time::Duration::from_secs(5)).expect("reply");
        assert_eq!(r.generation, g);
        assert_eq!(r.hits[0].item, 4);
    }
}
