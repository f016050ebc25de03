//! Search latency on a synthetic 87k-title catalogue (the size of ml-32m's catalogue).
//! Budget: 16 ms per keystroke. Run: `cargo bench --bench search`.

use criterion::{criterion_group, criterion_main, Criterion};
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

/// 87,585 synthetic haystacks shaped like reel's: "Title / alt 1999 Genre Genre", with a
/// long-tailed popularity. Seeded, so every run matches the same strings.
pub fn synthetic(n: usize) -> SearchIndex {
    let mut rng = fastrand::Rng::with_seed(42);
    let items = (0..n)
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
            let mut hay = title.join(" ");
            if rng.u8(..) < 20 {
                hay.push_str(" / ");
                hay.push_str(WORDS[rng.usize(0..WORDS.len())]);
            }
            hay.push_str(&format!(" {}", 1900 + rng.u32(0..125)));
            for _ in 0..1 + rng.usize(0..3) {
                hay.push(' ');
                hay.push_str(GENRES[rng.usize(0..GENRES.len())]);
            }
            let popularity = (100_000.0 / (1.0 + k as f64)).round() as u32;
            (hay, popularity)
        })
        .collect();
    SearchIndex::from_strings(items)
}

fn bench(c: &mut Criterion) {
    let index = synthetic(87_585);
    let mut g = c.benchmark_group("search_87k");
    // Each prefix of a typed query is one keystroke.
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
    ] {
        g.bench_function(q, |b| b.iter(|| index.search(std::hint::black_box(q), 50)));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
