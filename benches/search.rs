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

/// 87,585 synthetic movies shaped like MovieLens ones: a title of 1-5 words, sometimes
/// an alternative title, a year and 1-3 genres, with a long-tailed popularity. Seeded,
/// so every run matches the same titles.
pub fn synthetic(n: usize) -> SearchIndex {
    let mut rng = fastrand::Rng::with_seed(42);
    let mut popularity = Vec::with_capacity(n);
    let movies = (0..n)
        .map(|k| {
            let len = 1 + rng.usize(0..5);
            let mut title: Vec<String> = (0..len)
                .map(|_| WORDS[rng.usize(0..WORDS.len())].to_string())
                .collect();
            if let Some(first) = title.first_mut() {
                let mut c = first.chars();
                if let Some(f) = c.next() {
                    *first = f.to_uppercase().collect::<String>() + c.as_str();
                }
            }
            let mut alt_titles = Vec::new();
            if rng.u8(..) < 20 {
                alt_titles.push(WORDS[rng.usize(0..WORDS.len())].to_string());
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
    let index = synthetic(87_585);
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
    let mut g = c.benchmark_group("search_index_87k");
    g.sample_size(10);
    g.bench_function("build", |b| b.iter(|| synthetic(87_585)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
