//! Synthetic MovieLens-format data for benchmarks at scale (the real ml-25m cannot be
//! fetched everywhere, and must never be committed).
//!
//! The shape follows ml-25m: Zipf-like movie popularity, long-tailed user activity with
//! at least `min_per_user` ratings, half-star ratings from a low-rank model with user and
//! movie biases plus noise, increasing timestamps, quoted titles with commas and articles,
//! genres, tags and links. Deterministic for a seed.

use rayon::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthSpec {
    pub users: usize,
    pub movies: usize,
    /// Target number of ratings (the result is within a fraction of a percent).
    pub ratings: usize,
    pub min_per_user: usize,
    pub tags: usize,
    pub seed: u64,
}

impl SynthSpec {
    /// Shaped like ml-25m: 162,541 users, 62,423 movies, 25,000,095 ratings.
    pub fn ml25m_like() -> Self {
        SynthSpec {
            users: 162_541,
            movies: 62_423,
            ratings: 25_000_095,
            min_per_user: 20,
            tags: 1_093_360,
            seed: 25,
        }
    }
    /// A small set for quick checks.
    pub fn small() -> Self {
        SynthSpec {
            users: 600,
            movies: 9_000,
            ratings: 100_000,
            min_per_user: 20,
            tags: 3_000,
            seed: 1,
        }
    }
}

/// The MovieLens genre names.
pub const GENRES: &[&str] = &[
    "Action",
    "Adventure",
    "Animation",
    "Children",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "IMAX",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];
const WORDS: &[&str] = &[
    "Night", "Return", "Dark", "Love", "City", "Last", "Secret", "River", "Star", "Ghost",
    "Summer", "King", "Island", "Road", "Dream", "Fire", "Winter", "Game", "House", "Story",
];
const FACTORS: usize = 8;

/// Writes `ratings.csv`, `movies.csv`, `links.csv` and `tags.csv` into `dir` (CRLF, as GroupLens).
/// Returns the number of ratings written.
pub fn generate(spec: &SynthSpec, dir: &Path) -> std::io::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let mut rng = fastrand::Rng::with_seed(spec.seed);
    // Movie popularity: Zipf-like weights over a random permutation of ids.
    let weights: Vec<f64> = (0..spec.movies)
        .map(|r| 1.0 / (r as f64 + 10.0).powf(1.1))
        .collect();
    let mut order: Vec<u32> = (0..spec.movies as u32).collect();
    rng.shuffle(&mut order);
    let mut cdf = vec![0f64; spec.movies];
    let mut acc = 0.0;
    for (rank, &m) in order.iter().enumerate() {
        acc += weights[rank];
        cdf[m as usize] = weights[rank];
    }
    let mut run = 0.0;
    for c in cdf.iter_mut() {
        run += *c / acc;
        *c = run;
    }
    let movie_factors: Vec<[f32; FACTORS]> = (0..spec.movies)
        .map(|_| std::array::from_fn(|_| normal(&mut rng) * 0.35))
        .collect();
    let movie_bias: Vec<f32> = (0..spec.movies).map(|_| normal(&mut rng) * 0.45).collect();
    // User activity: long-tailed counts scaled to the target total.
    let raw: Vec<f64> = (0..spec.users)
        .map(|_| (normal(&mut rng) as f64 * 1.1).exp())
        .collect();
    let raw_sum: f64 = raw.iter().sum();
    let spare = spec.ratings.saturating_sub(spec.users * spec.min_per_user) as f64;
    let counts: Vec<usize> = raw
        .iter()
        .map(|w| (spec.min_per_user + (w / raw_sum * spare).round() as usize).min(spec.movies / 4))
        .collect();

    write_movies(spec, dir, &mut rng)?;
    // Ratings, generated in parallel per user block, written in user order.
    let file = File::create(dir.join("ratings.csv"))?;
    let mut out = BufWriter::with_capacity(8 << 20, file);
    out.write_all(b"userId,movieId,rating,timestamp\r\n")?;
    let mut written = 0u64;
    let block = 4096;
    for start in (0..spec.users).step_by(block) {
        let end = (start + block).min(spec.users);
        let texts: Vec<Vec<u8>> = (start..end)
            .into_par_iter()
            .map(|u| {
                let mut rng = fastrand::Rng::with_seed(
                    spec.seed ^ (u as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                );
                user_ratings(u, counts[u], &cdf, &movie_factors, &movie_bias, &mut rng)
            })
            .collect();
        for t in texts {
            written += memchr::memchr_iter(b'\n', &t).count() as u64;
            out.write_all(&t)?;
        }
    }
    out.flush()?;
    write_tags(spec, dir, &cdf, &mut rng)?;
    Ok(written)
}

fn user_ratings(
    u: usize,
    count: usize,
    cdf: &[f64],
    factors: &[[f32; FACTORS]],
    bias: &[f32],
    rng: &mut fastrand::Rng,
) -> Vec<u8> {
    let p: [f32; FACTORS] = std::array::from_fn(|_| normal(rng) * 0.35);
    let b_u = normal(rng) * 0.4;
    let count = count.min(cdf.len());
    let mut items: Vec<u32> = Vec::with_capacity(count + count / 4);
    let mut rounds = 0;
    while items.len() < count {
        let need = count - items.len();
        rounds += 1;
        for _ in 0..need + need / 4 + 1 {
            // Popularity-weighted at first; uniform once the popular head is exhausted.
            let i = if rounds <= 8 {
                let x = rng.f64();
                cdf.partition_point(|&c| c < x).min(cdf.len() - 1)
            } else {
                rng.usize(..cdf.len())
            };
            items.push(i as u32);
        }
        items.sort_unstable();
        items.dedup();
    }
    rng.shuffle(&mut items);
    items.truncate(count);
    items.sort_unstable();
    let mut t = 1_000_000_000i64 + rng.i64(0..500_000_000);
    let mut text = Vec::with_capacity(count * 28);
    for &i in &items {
        let dot: f32 = p.iter().zip(&factors[i as usize]).map(|(a, b)| a * b).sum();
        let r = 3.5 + b_u + bias[i as usize] + dot * 2.0 + normal(rng) * 0.8;
        let stars = ((r.clamp(0.5, 5.0) * 2.0).round() / 2.0).clamp(0.5, 5.0);
        t += rng.i64(1..5_000);
        let _ = write!(text, "{},{},{:.1},{}\r\n", u + 1, i + 1, stars, t);
    }
    text
}

fn write_movies(spec: &SynthSpec, dir: &Path, rng: &mut fastrand::Rng) -> std::io::Result<()> {
    let mut movies = BufWriter::new(File::create(dir.join("movies.csv"))?);
    let mut links = BufWriter::new(File::create(dir.join("links.csv"))?);
    movies.write_all(b"movieId,title,genres\r\n")?;
    links.write_all(b"movieId,imdbId,tmdbId\r\n")?;
    for m in 0..spec.movies {
        let id = m + 1;
        let a = WORDS[rng.usize(..WORDS.len())];
        let b = WORDS[rng.usize(..WORDS.len())];
        let year = 1920 + rng.u32(0..100);
        let title = match m % 7 {
            0 => format!("\"{a} of the {b}, The ({year})\""),
            1 => format!("\"{a}, {b} and Me ({year})\""),
            2 => format!("\"\"\"{a}\"\" {b} {id} ({year})\""),
            _ => format!("{a} {b} {id} ({year})"),
        };
        let n = rng.usize(0..4);
        let genres: Vec<&str> = (0..n).map(|_| GENRES[rng.usize(..GENRES.len())]).collect();
        let genres = if genres.is_empty() {
            "(no genres listed)".to_string()
        } else {
            genres.join("|")
        };
        write!(movies, "{id},{title},{genres}\r\n")?;
        write!(links, "{id},{:07},{}\r\n", 100_000 + id, 10_000 + id)?;
    }
    movies.flush()?;
    links.flush()
}

fn write_tags(
    spec: &SynthSpec,
    dir: &Path,
    cdf: &[f64],
    rng: &mut fastrand::Rng,
) -> std::io::Result<()> {
    let mut tags = BufWriter::new(File::create(dir.join("tags.csv"))?);
    tags.write_all(b"userId,movieId,tag,timestamp\r\n")?;
    for _ in 0..spec.tags {
        let u = rng.usize(..spec.users) + 1;
        let x = rng.f64();
        let i = cdf.partition_point(|&c| c < x).min(cdf.len() - 1) + 1;
        let w = WORDS[rng.usize(..WORDS.len())].to_lowercase();
        let tag = if rng.bool() {
            format!("\"{w}, again\"")
        } else {
            w
        };
        write!(
            tags,
            "{u},{i},{tag},{}\r\n",
            1_500_000_000 + rng.u32(..) as i64 / 16
        )?;
    }
    tags.flush()
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut fastrand::Rng) -> f32 {
    let u1 = rng.f64().max(1e-12);
    let u2 = rng.f64();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}
