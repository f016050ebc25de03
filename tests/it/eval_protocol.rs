//! The evaluation protocols on the real ml-latest-small, with simple models defined
//! here (so the protocol is checked independently of the real models).
//!
//! Data: /work/shared/data/ml-latest-small, or the folder in env var REEL_TEST_DATA.

use reel::data::RatingMatrix;
use reel::eval::files::read_matrix;
use reel::eval::split::{user_holdout, KFold};
use reel::eval::{evaluate_ratings, evaluate_top_n, TopNConfig};
use reel::models::{Model, UserModel, Who};
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    std::env::var_os("REEL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data/ml-latest-small"))
}

fn ratings() -> RatingMatrix {
    let path = data_dir().join("ratings.csv");
    if !path.exists() {
        panic!(
            "MovieLens test data not found: {} is missing. Put ml-latest-small there or set REEL_TEST_DATA to its folder.",
            path.display()
        );
    }
    match read_matrix(&path) {
        Ok((_, m)) => m,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

/// Ranks by number of training ratings; predicts the movie mean (global mean if unrated).
struct Popular {
    train: RatingMatrix,
    counts: Vec<f32>,
    means: Vec<f32>,
}

impl Popular {
    fn fit(train: &RatingMatrix) -> Popular {
        let g = train.global_mean() as f32;
        Popular {
            train: train.clone(),
            counts: (0..train.n_items())
                .map(|i| train.item_count(i) as f32)
                .collect(),
            means: (0..train.n_items())
                .map(|i| {
                    let v = train.item(i).values;
                    if v.is_empty() {
                        g
                    } else {
                        v.iter().sum::<f32>() / v.len() as f32
                    }
                })
                .collect(),
        }
    }
}

struct PopularUser<'a> {
    model: &'a Popular,
    rated: Vec<u32>,
}

impl UserModel for PopularUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        self.model.means[item as usize]
    }
    fn rank_score(&self, item: u32) -> f32 {
        self.model.counts[item as usize]
    }
    fn rated(&self) -> &[u32] {
        &self.rated
    }
}

impl Model for Popular {
    fn name(&self) -> &str {
        "popular"
    }
    fn n_items(&self) -> usize {
        self.train.n_items()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        let rated = who
            .ratings(&self.train)
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        Box::new(PopularUser { model: self, rated })
    }
}

/// A per-user pseudo-random ranking that ignores the data: a deliberately bad model.
struct Arbitrary(Popular);

impl Model for Arbitrary {
    fn name(&self) -> &str {
        "arbitrary"
    }
    fn n_items(&self) -> usize {
        self.0.n_items()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        struct U(Vec<u32>, u32);
        impl UserModel for U {
            fn predict(&self, _item: u32) -> f32 {
                3.0
            }
            fn rank_score(&self, item: u32) -> f32 {
                // A per-user pseudo-random order unrelated to the data.
                ((item ^ self.1.wrapping_mul(0x9E37_79B9)).wrapping_mul(2_654_435_761) >> 8) as f32
            }
            fn rated(&self) -> &[u32] {
                &self.0
            }
        }
        let user = match who {
            Who::Known(u) => u as u32,
            Who::New(_) => 0,
        };
        let rated = who
            .ratings(&self.0.train)
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        Box::new(U(rated, user))
    }
}

#[test]
fn top_n_protocol_with_popularity_on_ml_latest_small() {
    let data = ratings();
    assert_eq!(data.nnz(), 100_836);
    assert_eq!(data.n_users(), 610);
    let split = user_holdout(&data, 0.2, 5, 42).expect("valid fraction");
    // Every ml-latest-small user has >= 20 ratings, so every user holds out 20%.
    assert_eq!(split.train.nnz() + split.test.len(), data.nnz());
    let model = Popular::fit(&split.train);
    let rep = evaluate_top_n(&model, &split.train, &split.test, &TopNConfig::default());
    eprintln!("popularity, top-N protocol, seed 42: {rep:#?}");
    assert_eq!(rep.test_users, 610);
    assert!(rep.users_evaluated > 550 && rep.users_evaluated <= 610);
    assert_eq!(rep.users_without_train, 0);
    // Popularity on this protocol: NDCG@10 in a plausible band around implicit's ~0.16.
    assert!(rep.ndcg > 0.08 && rep.ndcg < 0.30, "NDCG@10 {}", rep.ndcg);
    assert!(rep.precision > 0.05 && rep.precision < 0.40);
    assert!(rep.recall > 0.02 && rep.recall < 0.40);
    assert!(rep.hit_rate > 0.3 && rep.hit_rate <= 1.0);
    assert!(rep.mrr >= rep.ndcg * 0.5 && rep.mrr <= rep.hit_rate);
    // Popularity recommends nearly the same list to everyone: tiny coverage.
    assert!(rep.coverage < 0.05, "coverage {}", rep.coverage);

    // A data-blind ranking must do far worse: the protocol separates signal from noise.
    let bad = Arbitrary(Popular::fit(&split.train));
    let bad_rep = evaluate_top_n(&bad, &split.train, &split.test, &TopNConfig::default());
    eprintln!(
        "arbitrary order: ndcg {} coverage {}",
        bad_rep.ndcg, bad_rep.coverage
    );
    assert!(
        bad_rep.ndcg < rep.ndcg / 4.0,
        "{} vs {}",
        bad_rep.ndcg,
        rep.ndcg
    );
    assert!(bad_rep.coverage > rep.coverage);
}

#[test]
fn rating_protocol_with_movie_means_on_ml_latest_small() {
    let data = ratings();
    let folds = KFold::new(&data, 5, 42).expect("5 folds");
    let mut rmses = Vec::new();
    let mut fallbacks = 0;
    for split in folds.splits() {
        let model = Popular::fit(&split.train);
        let rep = evaluate_ratings(&model, &split.train, &split.test);
        assert_eq!(rep.n_test as usize, split.test.len());
        fallbacks += rep.fallback.total();
        rmses.push(rep.rmse);
    }
    let mean = rmses.iter().sum::<f64>() / rmses.len() as f64;
    eprintln!("movie-mean RMSE per fold {rmses:?}, mean {mean}, fallbacks {fallbacks}");
    // Movie means on MovieLens: RMSE around 0.98 (global mean alone is ~1.04).
    assert!(mean > 0.90 && mean < 1.05, "RMSE {mean}");
    // Some test movies are rated only once, so appear in no training fold.
    assert!(fallbacks > 0);
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let data = ratings();
    let split = user_holdout(&data, 0.2, 5, 9).expect("valid fraction");
    let model = Popular::fit(&split.train);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        pool.install(|| {
            (
                evaluate_ratings(&model, &split.train, &split.test),
                evaluate_top_n(&model, &split.train, &split.test, &TopNConfig::default()),
            )
        })
    };
    let (r1, t1) = run(1);
    let (r4, t4) = run(4);
    assert_eq!(
        (r1.rmse, r1.mae, r1.fallback),
        (r4.rmse, r4.mae, r4.fallback)
    );
    assert_eq!(
        (t1.ndcg, t1.precision, t1.recall, t1.mrr, t1.coverage),
        (t4.ndcg, t4.precision, t4.recall, t4.mrr, t4.coverage)
    );
}
