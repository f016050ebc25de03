//! Title search that forgives the way people type, over the whole catalogue, with a
//! background worker so front-ends never match on their UI thread.
//!
//! Every title and alternative title is split into folded words (`fold`: no case, no
//! accents, punctuation-insensitive, numerals as digits). All distinct words form one
//! `fst` dictionary; each query word is looked up in it with a Levenshtein automaton
//! (`words`): 0 typos up to 4 letters, 1 up to 8, 2 beyond, and the last word (still
//! being typed) as a prefix. Adjacent query words are also tried joined ("spider man"
//! finds "Spiderman"). A query word that names a genre or a year ("comedy", "sci-fi",
//! "1994", "1990s") is also a filter on the movie's genres or year, so "comedy 1994"
//! lists the comedies of 1994, in any word order.
//!
//! Results are the movies matching every query word; when none does, those matching
//! the most words; when no word matches at all, subsequence matching (`fuzzy`,
//! fuzzy-matcher) as the last resort. The order is relevance first, as Meilisearch
//! ranks: more words matched, fewer typos, the whole title matched, a match at the
//! title's start, whole words before prefixes, words satisfied as genre or year
//! filters; the number of ratings only breaks ties.

mod fold;
mod fuzzy;
mod words;

use rayon::prelude::*;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;

use crate::data::{Catalogue, Dataset};
use fold::WordKind;
use words::{typo_budget, Quality, Typos, WordSet};

/// One search result. `score` is the relevance class (higher is more relevant); equal
/// scores are ordered by popularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchHit {
    pub item: u32,
    pub score: i64,
}

/// The best hits of a query and how many movies matched in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub total: usize,
}

/// Names of a movie (title and alternative titles) whose coverage is tracked; words of
/// further names still match, they only cannot make a whole-title match.
const MAX_NAMES: usize = 4;
const NO_NAME: u8 = u8::MAX;
/// Query words beyond this are ignored (a title is rarely longer).
const MAX_QUERY_WORDS: usize = 12;
/// Query words are cut to this many letters: a Levenshtein automaton grows with the
/// word, and no title word is longer (a pasted paragraph must not cost gigabytes).
const MAX_WORD_LEN: usize = 40;

/// One word occurrence in a movie's names.
#[derive(Debug, Clone, Copy)]
struct Occurrence {
    word: u32,
    /// Index into the movie's names (0 = title), or `NO_NAME`.
    name: u8,
    pos: u8,
    span: u8,
    /// The word starts the name (after a leading article).
    start: bool,
}

struct Indexed {
    popularity: u32,
    year: u16,
    genres: u64,
    occurrences: std::ops::Range<u32>,
    /// Positions of each name's words that a whole-title match must cover (a leading
    /// article is optional).
    full: [u32; MAX_NAMES],
}

/// A movie's words while the index is built: (word, name index, starts the name) and
/// each name's positions a whole-title match must cover.
type MovieWords = (Vec<(fold::Word, u8, bool)>, [u32; MAX_NAMES]);

/// The searchable form of a catalogue.
pub struct SearchIndex {
    movies: Vec<Indexed>,
    occurrences: Vec<Occurrence>,
    words: WordSet,
    genres: WordSet,
    popularity: Vec<u32>,
    /// Items by popularity, for the empty query.
    by_popularity: Vec<u32>,
    subsequences: fuzzy::Subsequences,
    typos: Typos,
}

/// Number of ratings per movie (the search's tie-breaker), in catalogue order.
pub fn rating_counts(dataset: &Dataset) -> Vec<u32> {
    let m = &dataset.ratings;
    (0..dataset.catalogue.len())
        .map(|i| {
            if i < m.n_items() {
                m.item(i).len() as u32
            } else {
                0
            }
        })
        .collect()
}

/// Extra genre words, for the MovieLens genre names (folded).
const GENRE_ALIASES: &[(&str, &[&str])] = &[
    ("scifi", &["sf"]),
    ("filmnoir", &["noir"]),
    ("children", &["kids", "family", "childrens"]),
    ("animation", &["animated", "cartoon", "cartoons", "anime"]),
    ("romance", &["romantic"]),
    ("comedy", &["comedies"]),
    ("documentary", &["documentaries"]),
    ("mystery", &["mysteries"]),
    ("fantasy", &["fantasies"]),
];

impl SearchIndex {
    /// The index the engine and `reel search` use: the dataset's catalogue, ties broken
    /// by each movie's number of ratings.
    pub fn for_dataset(dataset: &Dataset) -> Self {
        Self::new(&dataset.catalogue, &rating_counts(dataset))
    }

    /// Builds the index; `popularity[item]` is the movie's number of ratings.
    pub fn new(catalogue: &Catalogue, popularity: &[u32]) -> Self {
        let n = catalogue.len();
        let popularity: Vec<u32> = (0..n)
            .map(|i| popularity.get(i).copied().unwrap_or(0))
            .collect();
        // Words per movie, as text first; word ids once the dictionary is sorted.
        let per_movie: Vec<MovieWords> = catalogue
            .movies
            .par_iter()
            .map(|m| {
                let mut out = Vec::new();
                let mut full = [0u32; MAX_NAMES];
                let names = std::iter::once(&m.title).chain(&m.alt_titles);
                for (k, name) in names.enumerate() {
                    let name_index = if k < MAX_NAMES { k as u8 } else { NO_NAME };
                    let words = fold::words(name);
                    let first = words
                        .iter()
                        .find(|w| w.kind == WordKind::Plain && !fold::is_article(&w.text))
                        .map_or(0, |w| w.pos);
                    for w in words {
                        if k < MAX_NAMES && w.kind == WordKind::Plain && w.pos >= first {
                            full[k] |= span_mask(w.pos, 1);
                        }
                        let start = w.pos <= first && first < w.pos + w.span;
                        out.push((w, name_index, start));
                    }
                }
                (out, full)
            })
            .collect();
        let mut dictionary: Vec<&str> = per_movie
            .iter()
            .flat_map(|(ws, _)| ws.iter().map(|(w, _, _)| w.text.as_str()))
            .collect();
        dictionary.par_sort_unstable();
        dictionary.dedup();
        let words = WordSet::new(dictionary.iter().copied().zip(0u64..));
        let mut occurrences = Vec::new();
        let mut movies = Vec::with_capacity(n);
        for (i, (ws, full)) in per_movie.iter().enumerate() {
            let begin = occurrences.len() as u32;
            for (w, name, start) in ws {
                let Ok(id) = dictionary.binary_search(&w.text.as_str()) else {
                    continue;
                };
                occurrences.push(Occurrence {
                    word: id as u32,
                    name: *name,
                    pos: w.pos.min(u8::MAX as usize) as u8,
                    span: w.span.min(u8::MAX as usize) as u8,
                    start: *start,
                });
            }
            let m = &catalogue.movies[i];
            movies.push(Indexed {
                popularity: popularity[i],
                year: m.year.unwrap_or(0),
                genres: m.genres.0,
                occurrences: begin..occurrences.len() as u32,
                full: *full,
            });
        }
        let subsequences = fuzzy::Subsequences::new(catalogue.movies.iter().map(|m| {
            let mut hay = fold::fold(&m.title);
            for alt in &m.alt_titles {
                hay.push_str(" / ");
                hay.push_str(&fold::fold(alt));
            }
            hay
        }));
        let mut by_popularity: Vec<u32> = (0..n as u32).collect();
        by_popularity.sort_by(|&a, &b| {
            popularity[b as usize]
                .cmp(&popularity[a as usize])
                .then(a.cmp(&b))
        });
        SearchIndex {
            movies,
            occurrences,
            words,
            genres: genre_words(catalogue),
            popularity,
            by_popularity,
            subsequences,
            typos: Typos::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.movies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.movies.is_empty()
    }

    /// The best `limit` matches of `query`, best first. An empty query lists the most
    /// popular movies (score 0).
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        self.search_counted(query, limit).hits
    }

    /// The best `limit` matches of `query` and the number of movies matching in all
    /// (what [`search`](Self::search) would return without a limit).
    pub fn search_counted(&self, query: &str, limit: usize) -> SearchResults {
        if query.trim().is_empty() {
            return SearchResults {
                hits: self
                    .by_popularity
                    .iter()
                    .take(limit)
                    .map(|&item| SearchHit { item, score: 0 })
                    .collect(),
                total: self.movies.len(),
            };
        }
        let plan = self.plan(query);
        if plan.n_words > 0 {
            let results = self.match_words(&plan, limit);
            if results.total > 0 {
                return results;
            }
        }
        let (hits, total) = self
            .subsequences
            .search(&fold::fold(query), &self.popularity, limit);
        SearchResults {
            hits: hits
                .into_iter()
                .map(|(score, item)| SearchHit { item, score })
                .collect(),
            total,
        }
    }

    /// The movie a typed title names when the search has one clear winner: it matches
    /// every query word (typos within the search's budget, the last word complete, not
    /// a prefix) and ranks strictly above the next hit on relevance, not merely on
    /// popularity. `None` when nothing matches every word or the best hits tie.
    pub fn clear_winner(&self, query: &str) -> Option<u32> {
        // A trailing space: the query is finished, so its last word is not a prefix.
        let plan = self.plan(&format!("{} ", query.trim()));
        if plan.n_words == 0 {
            return None;
        }
        let hits = self.match_words(&plan, 2).hits;
        let best = hits.first()?;
        let all_words = words_of(u32::try_from(best.score).ok()?) as usize >= plan.n_words;
        let ahead = hits.get(1).is_none_or(|next| next.score < best.score);
        (all_words && ahead).then_some(best.item)
    }

    /// The query's words, the dictionary words each matches, and its filters.
    fn plan(&self, query: &str) -> Plan {
        let in_progress = !query.ends_with(char::is_whitespace);
        let words: Vec<fold::Word> = fold::words(query)
            .into_iter()
            .filter(|w| w.pos + w.span <= MAX_QUERY_WORDS)
            .map(|mut w| {
                w.text.truncate(MAX_WORD_LEN); // ASCII after folding
                w
            })
            .collect();
        let n_words = words.iter().map(|w| w.pos + 1).max().unwrap_or(0);
        let last = n_words.saturating_sub(1);
        let mut terms: Vec<(String, u32, bool)> = Vec::new();
        let mut add = |text: String, mask: u32, exact_only: bool| {
            if !terms.iter().any(|(t, m, _)| *t == text && *m == mask) {
                terms.push((text, mask, exact_only));
            }
        };
        let plain: Vec<&fold::Word> = words.iter().filter(|w| w.kind == WordKind::Plain).collect();
        for w in &words {
            let mask = span_mask(w.pos, w.span);
            add(w.text.clone(), mask, w.kind == WordKind::Number);
        }
        // Adjacent words joined: "spider man" also looks for "spiderman".
        for pair in plain.windows(2) {
            if pair[1].pos == pair[0].pos + 1 {
                add(
                    format!("{}{}", pair[0].text, pair[1].text),
                    span_mask(pair[0].pos, 2),
                    false,
                );
            }
        }
        let mut plan = Plan {
            n_words,
            matches: Vec::new(),
            filters: Vec::new(),
            positional: [true; MAX_QUERY_WORDS],
        };
        let mut is_filter = [false; MAX_QUERY_WORDS];
        let mut found = Vec::new();
        for (text, mask, exact_only) in terms {
            let typing = in_progress && mask & (1 << last) != 0;
            // Joined words take no typos: "rocky2" is one typo from "rocky", which
            // would count "2" as matched.
            let budget = if exact_only || mask.count_ones() > 1 {
                0
            } else {
                typo_budget(&text)
            };
            let prefix = typing && !exact_only;
            found.clear();
            self.words
                .matches(&text, budget, prefix, &self.typos, &mut found);
            plan.matches
                .extend(found.iter().map(|&(id, q)| (id as u32, mask, q)));
            let mut filter = Filter {
                mask,
                years: None,
                genres: Vec::new(),
            };
            if mask.count_ones() == 1 {
                filter.years = year_filter(&text, typing);
            }
            found.clear();
            self.genres.matches(
                &text,
                budget,
                prefix && text.len() >= 3,
                &self.typos,
                &mut found,
            );
            filter.genres = std::mem::take(&mut found);
            let exact_filter = filter.years.is_some_and(|y| y.2 == Quality::EXACT)
                || filter.genres.iter().any(|g| g.1.typos() == 0);
            if exact_filter {
                for w in bits(mask) {
                    is_filter[w] = true;
                }
            }
            if filter.years.is_some() || !filter.genres.is_empty() {
                plan.filters.push(filter);
            }
        }
        // Only genre and year words: where they occur in a title does not matter
        // ("comedy" lists comedies by popularity, not "Comedy of Errors" first).
        if is_filter[..n_words].iter().all(|&f| f) {
            plan.positional = [false; MAX_QUERY_WORDS];
        }
        plan
    }

    fn match_words(&self, plan: &Plan, limit: usize) -> SearchResults {
        if plan.matches.is_empty() && plan.filters.is_empty() {
            return SearchResults::default(); // no movie can match: skip the scan
        }
        let nw = plan.n_words;
        // Per dictionary word: the best quality it gives each query word.
        let n_dict = self.words.count();
        let mut by_word = vec![Quality::NONE; n_dict * nw];
        let mut hit = vec![false; n_dict];
        for &(id, mask, q) in &plan.matches {
            hit[id as usize] = true;
            for w in bits(mask) {
                let slot = &mut by_word[id as usize * nw + w];
                *slot = (*slot).max(q);
            }
        }
        let found: Vec<(u32, u32, u32)> = self
            .movies
            .par_iter()
            .with_min_len(2048)
            .enumerate()
            .filter_map(|(i, m)| {
                self.rank(m, plan, &by_word, &hit)
                    .map(|rel| (rel, m.popularity, i as u32))
            })
            .collect();
        // Every word if any movie has them all; else as many as any movie has.
        let most = found.iter().map(|f| words_of(f.0)).max().unwrap_or(0);
        let mut tier: Vec<(u32, u32, u32)> = found
            .into_iter()
            .filter(|f| words_of(f.0) == most)
            .collect();
        let total = tier.len();
        let order = |a: &(u32, u32, u32), b: &(u32, u32, u32)| {
            b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2))
        };
        if limit == 0 {
            tier.clear();
        } else if tier.len() > limit {
            tier.select_nth_unstable_by(limit - 1, order);
            tier.truncate(limit);
        }
        tier.sort_unstable_by(order);
        SearchResults {
            hits: tier
                .into_iter()
                .map(|(rel, _, item)| SearchHit {
                    item,
                    score: i64::from(rel),
                })
                .collect(),
            total,
        }
    }

    /// A movie's relevance to the query, packed so that a larger number ranks first;
    /// `None` when no query word matches.
    fn rank(&self, m: &Indexed, plan: &Plan, by_word: &[Quality], hit: &[bool]) -> Option<u32> {
        let nw = plan.n_words;
        let mut text = [Quality::NONE; MAX_QUERY_WORDS];
        let mut covered = [0u32; MAX_NAMES];
        let mut start = 0u32;
        let occurrences =
            &self.occurrences[m.occurrences.start as usize..m.occurrences.end as usize];
        for o in occurrences {
            if !hit[o.word as usize] {
                continue;
            }
            let row = &by_word[o.word as usize * nw..][..nw];
            for (w, &q) in row.iter().enumerate() {
                if !q.is_some() {
                    continue;
                }
                text[w] = text[w].max(q);
                if !plan.positional[w] {
                    continue;
                }
                if o.start {
                    start = start.max(if o.name == 0 { 2 } else { 1 });
                }
                if !q.is_prefix() && (o.name as usize) < MAX_NAMES {
                    covered[o.name as usize] |= span_mask(o.pos as usize, o.span as usize);
                }
            }
        }
        let mut filtered = [Quality::NONE; MAX_QUERY_WORDS];
        for f in &plan.filters {
            let q = f.quality(m);
            if q.is_some() {
                for w in bits(f.mask) {
                    filtered[w] = filtered[w].max(q);
                }
            }
        }
        let (mut words, mut typos, mut prefixes, mut filters) = (0u32, 0u32, 0u32, 0u32);
        for (&by_text, &by_filter) in text[..nw].iter().zip(&filtered[..nw]) {
            let best = by_text.max(by_filter);
            if !best.is_some() {
                continue;
            }
            words += 1;
            typos += u32::from(best.typos());
            prefixes += u32::from(best.is_prefix());
            filters += u32::from(by_filter.is_some() && by_filter >= by_text);
        }
        if words == 0 {
            return None;
        }
        let whole_title = m
            .full
            .iter()
            .zip(&covered)
            .any(|(&full, &cov)| full != 0 && cov & full == full);
        Some(
            words << 22
                | (31 - typos.min(31)) << 17
                | u32::from(whole_title) << 16
                | start << 14
                | (15 - prefixes.min(15)) << 10
                | filters.min(15) << 6,
        )
    }
}

/// The number of matched query words in a packed relevance.
fn words_of(rel: u32) -> u32 {
    rel >> 22
}

/// A parsed query.
struct Plan {
    n_words: usize,
    /// (dictionary word, query words it stands for, quality).
    matches: Vec<(u32, u32, Quality)>,
    filters: Vec<Filter>,
    /// Per query word: whether where it occurs in a title counts.
    positional: [bool; MAX_QUERY_WORDS],
}

/// A query word read as a year or genre filter.
struct Filter {
    /// The query words it stands for.
    mask: u32,
    /// Years from, to, and the quality of a match.
    years: Option<(u16, u16, Quality)>,
    /// Genre bits and the quality of a match.
    genres: Vec<(u64, Quality)>,
}

impl Filter {
    fn quality(&self, m: &Indexed) -> Quality {
        let mut q = Quality::NONE;
        if let Some((from, to, yq)) = self.years {
            if (from..=to).contains(&m.year) {
                q = q.max(yq);
            }
        }
        for &(bits, gq) in &self.genres {
            if m.genres & bits != 0 {
                q = q.max(gq);
            }
        }
        q
    }
}

/// "1994" → 1994; "1990s" or "90s" → the decade; while typing, "199" → the 1990s.
fn year_filter(word: &str, typing: bool) -> Option<(u16, u16, Quality)> {
    let digits = word.trim_end_matches('s');
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: u16 = digits.parse().ok()?;
    let plausible = |y: u16| (1870..=2100).contains(&y);
    if digits.len() == word.len() {
        return match digits.len() {
            4 if plausible(value) => Some((value, value, Quality::EXACT)),
            2 | 3 if typing && matches!(digits.as_bytes()[0], b'1' | b'2') => {
                let scale = if digits.len() == 2 { 100 } else { 10 };
                let from = value * scale;
                plausible(from).then_some((from, from + scale - 1, Quality::PREFIX))
            }
            _ => None,
        };
    }
    // A decade: "1990s", "90s" (20s and later are this century's).
    let from = match digits.len() {
        4 if value % 10 == 0 => value,
        2 if value % 10 == 0 => value + if value < 30 { 2000 } else { 1900 },
        _ => return None,
    };
    plausible(from).then_some((from, from + 9, Quality::EXACT))
}

/// Genre words: each catalogue genre's name folded and joined ("sci-fi" → "scifi"), its
/// plural, and a few common synonyms, each with the genre's bit.
fn genre_words(catalogue: &Catalogue) -> WordSet {
    let mut keys: Vec<(String, u64)> = Vec::new();
    for (g, name) in catalogue.genre_names.iter().enumerate() {
        if g >= 64 || name.starts_with('(') {
            continue; // "(no genres listed)"
        }
        let joined: String = fold::words(name)
            .into_iter()
            .filter(|w| w.kind == WordKind::Plain)
            .map(|w| w.text)
            .collect();
        if joined.is_empty() {
            continue;
        }
        let bit = 1u64 << g;
        keys.push((format!("{joined}s"), bit));
        if let Some((_, aliases)) = GENRE_ALIASES.iter().find(|(k, _)| *k == joined) {
            keys.extend(aliases.iter().map(|a| (a.to_string(), bit)));
        }
        keys.push((joined, bit));
    }
    keys.sort_unstable();
    let mut merged: Vec<(String, u64)> = Vec::new();
    for (k, bit) in keys {
        match merged.last_mut() {
            Some(last) if last.0 == k => last.1 |= bit,
            _ => merged.push((k, bit)),
        }
    }
    WordSet::new(merged.iter().map(|(k, b)| (k.as_str(), *b)))
}

/// Bits `pos..pos + span` (positions past 31 have none).
fn span_mask(pos: usize, span: usize) -> u32 {
    (pos..pos + span.max(1))
        .filter(|&p| p < 32)
        .fold(0, |m, p| m | 1 << p)
}

/// The set bits of a mask.
fn bits(mask: u32) -> impl Iterator<Item = usize> {
    (0..32).filter(move |&b| mask & (1 << b) != 0)
}

/// Results of one background search.
#[derive(Debug, Clone)]
pub struct SearchReply {
    /// The request number this answers (only the newest matters).
    pub generation: u64,
    pub query: String,
    pub hits: Vec<SearchHit>,
    /// How many movies match in all (`hits` stops at the requested limit).
    pub total: usize,
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
                    let results = index.search_counted(&req.1, req.2);
                    let reply = SearchReply {
                        generation: req.0,
                        query: req.1,
                        hits: results.hits,
                        total: results.total,
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
    use crate::data::{GenreSet, Movie};

    /// (raw MovieLens-style title, genres, ratings).
    fn catalogue(rows: &[(&str, &[&str], u32)]) -> (Catalogue, Vec<u32>) {
        let mut genre_names = Vec::new();
        let mut movies = Vec::new();
        let mut counts = Vec::new();
        for (k, &(raw, genres, count)) in rows.iter().enumerate() {
            let t = crate::data::title::parse_title(raw);
            let mut set = GenreSet::default();
            for g in genres {
                let bit = Catalogue::intern_genre(&mut genre_names, g).expect("few genres");
                set.insert(bit);
            }
            movies.push(Movie {
                id: k as u32 + 1,
                title: t.title,
                alt_titles: t.alt_titles,
                year: t.year,
                genres: set,
                imdb_id: None,
                tmdb_id: None,
                placeholder: false,
            });
            counts.push(count);
        }
        (Catalogue::new(movies, genre_names), counts)
    }

    fn fixture() -> SearchIndex {
        let (cat, counts) = catalogue(&[
            ("Matrix, The (1999)", &["Action", "Sci-Fi"], 300),
            ("Matrix Reloaded, The (2003)", &["Action", "Sci-Fi"], 100),
            ("Toy Story (1995)", &["Animation", "Comedy"], 250),
            ("Toy Story 2 (1999)", &["Animation", "Comedy"], 90),
            ("Rocky (1976)", &["Drama"], 80),
            ("Rocky II (1979)", &["Drama"], 40),
            ("Spider-Man (2002)", &["Action"], 120),
            ("Pokémon: The First Movie (1998)", &["Animation"], 10),
            ("Ocean's Eleven (2001)", &["Crime"], 150),
            ("Seven (a.k.a. Se7en) (1995)", &["Thriller"], 200),
            ("Clerks (1994)", &["Comedy"], 60),
            ("Comedy of Power (2006)", &["Drama"], 500),
            ("Star Wars (1977)", &["Action", "Sci-Fi"], 330),
            ("Lone Star (1996)", &["War"], 30),
        ]);
        SearchIndex::new(&cat, &counts)
    }

    fn first(idx: &SearchIndex, q: &str) -> Option<u32> {
        idx.search(q, 1).first().map(|h| h.item)
    }

    fn items(idx: &SearchIndex, q: &str, n: usize) -> Vec<u32> {
        idx.search(q, n).iter().map(|h| h.item).collect()
    }

    #[test]
    fn typos_prefixes_and_order() {
        let idx = fixture();
        assert_eq!(first(&idx, "matirx"), Some(0));
        assert_eq!(first(&idx, "matrix reloded"), Some(1));
        assert_eq!(first(&idx, "reloaded matrix"), Some(1));
        assert_eq!(first(&idx, "mat"), Some(0));
        assert_eq!(first(&idx, "toy story 1999"), Some(3));
        assert!(idx.search("zzzz", 10).is_empty());
        assert_eq!(items(&idx, "", 3), vec![11, 12, 0]);
    }

    #[test]
    fn numerals_accents_punctuation_and_alternative_titles() {
        let idx = fixture();
        assert_eq!(first(&idx, "rocky 2"), Some(5));
        assert_eq!(first(&idx, "rocky ii"), Some(5));
        assert_eq!(first(&idx, "spiderman"), Some(6));
        assert_eq!(first(&idx, "spider man"), Some(6));
        assert_eq!(first(&idx, "pokemon"), Some(7));
        assert_eq!(first(&idx, "POKÉMON"), Some(7));
        assert_eq!(first(&idx, "oceans 11"), Some(8));
        assert_eq!(first(&idx, "ocean's eleven"), Some(8));
        assert_eq!(first(&idx, "se7en"), Some(9));
    }

    #[test]
    fn genre_and_year_words_filter() {
        let idx = fixture();
        // Comedies of 1994 … and of any year for a bare genre, by popularity; the
        // drama called "Comedy of Power" comes after the comedies.
        assert_eq!(items(&idx, "comedy 1994", 5), vec![10]);
        assert_eq!(items(&idx, "1994 comedy", 5), vec![10]);
        assert_eq!(items(&idx, "comedy", 5), vec![2, 3, 10, 11]);
        assert_eq!(items(&idx, "1995", 5), vec![2, 9]);
        assert_eq!(items(&idx, "1990s", 9), vec![0, 2, 9, 3, 10, 13, 7]);
        // "war" typed on the way to "star wars" keeps Star Wars first.
        assert_eq!(first(&idx, "star war"), Some(12));
        assert_eq!(first(&idx, "scifi 2003"), Some(1));
        assert_eq!(first(&idx, "sci-fi 2003"), Some(1));
    }

    #[test]
    fn counts_every_hit() {
        let idx = fixture();
        let r = idx.search_counted("comedy", 2);
        assert_eq!(r.hits.len(), 2);
        assert_eq!(r.total, 4);
        assert_eq!(idx.search_counted("", 2).total, 14);
        assert_eq!(idx.search_counted("zzzz", 2).total, 0);
    }

    #[test]
    fn huge_queries_are_cut_not_fatal() {
        let idx = fixture();
        let long_word = "matrix".repeat(2_000);
        assert!(idx.search(&long_word, 5).len() <= 5);
        let many_words = "toy story ".repeat(500);
        assert_eq!(first(&idx, &many_words), Some(2));
        assert!(idx.search("!!! ... ---", 5).len() <= 5);
    }

    #[test]
    fn subsequences_when_no_word_matches() {
        let idx = fixture();
        assert_eq!(first(&idx, "tystry"), Some(2));
    }

    #[test]
    fn year_words() {
        assert_eq!(
            year_filter("1994", false),
            Some((1994, 1994, Quality::EXACT))
        );
        assert_eq!(
            year_filter("1990s", false),
            Some((1990, 1999, Quality::EXACT))
        );
        assert_eq!(
            year_filter("80s", false),
            Some((1980, 1989, Quality::EXACT))
        );
        assert_eq!(
            year_filter("199", true),
            Some((1990, 1999, Quality::PREFIX))
        );
        assert_eq!(year_filter("199", false), None);
        assert_eq!(year_filter("11", true), None);
        assert_eq!(year_filter("3000", false), None);
        assert_eq!(year_filter("s", false), None);
    }

    #[test]
    fn equal_relevance_prefers_popular() {
        let (cat, counts) = catalogue(&[
            ("Alpha (2000)", &[], 1),
            ("Alpha (2001)", &[], 9),
            ("Alpha (2002)", &[], 5),
        ]);
        let idx = SearchIndex::new(&cat, &counts);
        assert_eq!(items(&idx, "alpha", 3), vec![1, 2, 0]);
    }

    #[test]
    fn worker_answers_newest() {
        let mut w = SearchWorker::spawn(Arc::new(fixture()));
        w.request("toy", 5);
        let g = w.request("rocky", 1);
        let r = w.wait(std::time::Duration::from_secs(5)).expect("reply");
        assert_eq!(r.generation, g);
        assert_eq!(r.hits.len(), 1);
        assert_eq!(r.hits[0].item, 4);
        assert_eq!(r.total, 2);
    }
}
