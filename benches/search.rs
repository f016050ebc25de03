//! Search latency on a synthetic 87k-title catalogue (the size of ml-32m's catalogue).
//! Budget: 16 ms per keystroke. Run: `cargo bench --bench search`.
//! (The `search_index_87k/build` group times building the index, once per start.)

use criterion::{criterion_group, criterion_main, Criterion};
use reel::data::{Catalogue, GenreSet, Movie};
use reel::engine::SearchIndex;

const WORDS: &[&str] = &[
    "the",
    "love",
    "night",
    "man",
    "story",
    "dark",
    "return",
    "last",
    "city",
    "blood",
    "dead",
    "star",
    "war",
    "house",
    "girl",
    "king",
    "day",
    "time",
    "life",
    "world",
    "secret",
    "lost",
    "black",
    "white",
    "red",
    "summer",
    "winter",
    "road",
    "river",
    "dream",
    "ghost",
    "shadow",
    "matrix",
    "toy",
    "godfather",
    "alien",
    "terminator",
    "heat",
    "fargo",
    "brazil",
    "vertigo",
    "amélie",
    "léon",
    "zombie",
    "island",
    "mountain",
    "queen",
    "prince",
    "wolf",
    "dragon",
];
/// The MovieLens genre names, shared with the synthetic dataset generator.
const GENRES: &[&str] = reel::synth::GENRES;

/// `n` invented words of 2-4 syllables ("kalomir"), for a dictionary as large as a
/// real catalogue's (the common words alone make a tiny one).
fn vocabulary(n: usize) -> Vec<String> {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mir", "ten", "va", "ro", "shi", "den", "bel", "tor", "an", "qui", "zel",
        "pha", "nu", "gor", "es", "li", "da", "won", "sek", "ur", "by", "mo",
    ];
    let mut rng = fastrand::Rng::with_seed(7);
    let mut words: Vec<String> = (0..n * 2)
        .map(|_| {
            (0..2 + rng.usize(0..3))
                .map(|_| SYLLABLES[rng.usize(0..SYLLABLES.len())])
                .collect()
        })
        .collect();
    words.sort_unstable();
    words.dedup();
    rng.shuffle(&mut words);
    words.truncate(n);
    words
}

/// A title word: a common one, or (half the time, when given) an invented one.
fn word(rng: &mut fastrand::Rng, vocabulary: &[String]) -> String {
    if !vocabulary.is_empty() && rng.bool() {
        vocabulary[rng.usize(0..vocabulary.len())].clone()
    } else {
        WORDS[rng.usize(0..WORDS.len())].to_string()
    }
}

/// 87,585 synthetic movies shaped like MovieLens ones: a title of 1-5 words, sometimes
/// an alternative title, a year and 1-3 genres, with a long-tailed popularity. Seeded,
/// so every run matches the same titles.
pub fn synthetic(n: usize, vocabulary: &[String]) -> SearchIndex {
    let mut rng = fastrand::Rng::with_seed(42);
    let mut popularity = Vec::with_capacity(n);
    let movies = (0..n)
        .map(|k| {
            let len = 1 + rng.usize(0..5);
            let mut title: Vec<String> = (0..len).map(|_| word(&mut rng, vocabulary)).collect();
            if let Some(first) = title.first_mut() {
                let mut c = first.chars();
                if let Some(f) = c.next() {
                    *first = f.to_uppercase().collect::<String>() + c.as_str();
                }
            }
            let mut alt_titles = Vec::new();
            if rng.u8(..) < 20 {
                alt_titles.push(word(&mut rng, vocabulary));
            }
            let mut genres = GenreSet::default();
            for _ in 0..1 + rng.usize(0..3) {
                genres.insert(rng.usize(0..GENRES.len()));
            }
            popularity.push((100_000.0 / (1.0 + k as f64)).round() as u32);
            Movie {
                id: k as u32 + 1,
                title: title.join(" "),
                alt_titles,
                year: Some(1900 + rng.u16(0..125)),
                genres,
                imdb_id: None,
                tmdb_id: None,
                placeholder: false,
            }
        })
        .collect();
    let genre_names = GENRES.iter().map(|g| g.to_string()).collect();
    SearchIndex::new(&Catalogue::new(movies, genre_names), &popularity)
}

fn bench(c: &mut Criterion) {
    let index = synthetic(87_585, &[]);
    let mut g = c.benchmark_group("search_87k");
    // Each prefix of a typed query is one keystroke; then typos, genre and year words,
    // numerals, accents, a long query, and one no word matches (subsequence fallback).
    for q in [
        "t",
        "te",
        "ter",
        "term",
        "termi",
        "terminator",
        "the godfather",
        "star war 1977",
        "zzz",
        "terminatro",
        "godfahter mountain",
        "comedy 1994",
        "drama",
        "dragon 2",
        "amelie",
        "secret dark river ghost summer",
        "trmntr",
    ] {
        g.bench_function(q, |b| b.iter(|| index.search(std::hint::black_box(q), 50)));
    }
    g.finish();
    // Half the title words from 40,000 invented ones: a real-sized dictionary for the
    // typo automata to walk.
    let vocab = vocabulary(40_000);
    let index = synthetic(87_585, &vocab);
    let mut g = c.benchmark_group("search_87k_vocabulary");
    let target = &vocab[123];
    let mut swapped: Vec<char> = target.chars().collect();
    swapped.swap(1, 2);
    let swapped: String = swapped.into_iter().collect();
    let typed: String = target.chars().take(4).collect();
    for q in [
        target.clone(),
        typed,
        swapped,
        format!("{target} dragon 1994"),
        format!("{} {target}", vocab[7]),
    ] {
        g.bench_function(&q, |b| {
            b.iter(|| index.search(std::hint::black_box(&q), 50))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("search_index_87k");
    g.sample_size(10);
    g.bench_function("build", |b| b.iter(|| synthetic(87_585, &vocab)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
