//! Measurement harness for the neighbourhood models on the real ml-latest-small:
//! 5-fold CV RMSE/MAE, per-user-holdout NDCG@10/HR@10, fit and fold-in timings.
//! These are `#[ignore]`d reports (run with `--ignored --nocapture`), not checks;
//! the checks live in `models_knn_real.rs`.

use std::path::PathBuf;
use std::time::Instant;

use reel::data::{Rating, RatingMatrix};
use reel::models::baseline::{Baseline, BaselineConfig};
use reel::models::item_knn::{ItemKnn, ItemKnnConfig, RankingConfig};
use reel::models::popular::{Popular, PopularConfig};
use reel::models::user_knn::{UserKnn, UserKnnConfig};
use reel::models::{top_n, Model, TopNFilter, Who};

fn data_dir() -> PathBuf {
    std::env::var_os("REEL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data/ml-latest-small"))
}

/// ratings.csv → dense ratings (users and movies in order of first appearance
/// after sorting ids). A minimal reader so this harness does not depend on the loader.
fn load() -> (usize, usize, Vec<Rating>) {
    let path = data_dir().join("ratings.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "ml-latest-small not found at {} ({e}); set REEL_TEST_DATA to its folder",
            path.display()
        )
    });
    let mut raw = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.trim_end_matches('\r').split(',').collect();
        if f.len() < 4 {
            continue;
        }
        let u: u32 = f[0].parse().expect("user id");
        let m: u32 = f[1].parse().expect("movie id");
        let r: f32 = f[2].parse().expect("rating");
        let t: i64 = f[3].parse().expect("time");
        raw.push((u, m, r, t));
    }
    let mut users: Vec<u32> = raw.iter().map(|x| x.0).collect();
    users.sort_unstable();
    users.dedup();
    let mut movies: Vec<u32> = raw.iter().map(|x| x.1).collect();
    movies.sort_unstable();
    movies.dedup();
    let ratings = raw
        .iter()
        .map(|&(u, m, r, t)| Rating {
            user: users.binary_search(&u).unwrap() as u32,
            item: movies.binary_search(&m).unwrap() as u32,
            value: r,
            time: t,
        })
        .collect();
    (users.len(), movies.len(), ratings)
}

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    rng.shuffle(v);
}

/// Per-user holdout: `frac` of each user's ratings (users with ≥ 5) go to test.
fn holdout(
    nu: usize,
    ni: usize,
    ratings: &[Rating],
    frac: f64,
    seed: u64,
) -> (RatingMatrix, Vec<Rating>) {
    let mut by_user: Vec<Vec<Rating>> = vec![Vec::new(); nu];
    for r in ratings {
        by_user[r.user as usize].push(*r);
    }
    let mut train = Vec::new();
    let mut test = Vec::new();
    for (u, mut rs) in by_user.into_iter().enumerate() {
        rs.sort_by_key(|r| r.item);
        shuffle(
            &mut rs,
            seed ^ (u as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let n_test = if rs.len() >= 5 {
            (rs.len() as f64 * frac).round() as usize
        } else {
            0
        };
        test.extend_from_slice(&rs[..n_test]);
        train.extend_from_slice(&rs[n_test..]);
    }
    (RatingMatrix::from_ratings(nu, ni, train).0, test)
}

fn rmse_mae(model: &dyn Model, test: &[Rating]) -> (f64, f64) {
    let mut by_user: Vec<&Rating> = test.iter().collect();
    by_user.sort_by_key(|r| (r.user, r.item));
    let mut se = 0.0;
    let mut ae = 0.0;
    let mut k = 0;
    while k < by_user.len() {
        let u = by_user[k].user;
        let um = model.for_user(Who::Known(u as usize));
        while k < by_user.len() && by_user[k].user == u {
            let e = (um.predict(by_user[k].item) - by_user[k].value) as f64;
            se += e * e;
            ae += e.abs();
            k += 1;
        }
    }
    let n = test.len() as f64;
    ((se / n).sqrt(), ae / n)
}

/// NDCG@10 and HR@10 (relevant: test rating ≥ 4; candidates: movies with a
/// training rating, minus the user's own), averaged over users with a relevant item.
fn ndcg_hr(model: &dyn Model, train: &RatingMatrix, test: &[Rating]) -> (f64, f64) {
    let mut rel: Vec<Vec<u32>> = vec![Vec::new(); train.n_users()];
    for r in test {
        if r.value >= 4.0 {
            rel[r.user as usize].push(r.item);
        }
    }
    let in_train = |i: u32| train.item_count(i as usize) > 0;
    let filter = TopNFilter {
        allow: Some(&in_train),
        exclude: &[],
    };
    let (mut ndcg, mut hr, mut n) = (0.0, 0.0, 0);
    for (u, rel) in rel.iter().enumerate() {
        if rel.is_empty() {
            continue;
        }
        let um = model.for_user(Who::Known(u));
        let list = top_n(um.as_ref(), train.n_items(), 10, &filter, 0);
        let mut dcg = 0.0;
        let mut hit = false;
        for (rank, rec) in list.iter().enumerate() {
            if rel.contains(&rec.item) {
                dcg += 1.0 / ((rank + 2) as f64).log2();
                hit = true;
            }
        }
        let idcg: f64 = (0..rel.len().min(10))
            .map(|r| 1.0 / ((r + 2) as f64).log2())
            .sum();
        ndcg += dcg / idcg;
        hr += hit as u8 as f64;
        n += 1;
    }
    (ndcg / n as f64, hr / n as f64)
}

type Fit = Box<dyn Fn(&RatingMatrix) -> Box<dyn Model>>;

fn models() -> Vec<(&'static str, Fit)> {
    vec![
        (
            "popular",
            Box::new(|m: &RatingMatrix| -> Box<dyn Model> {
                Box::new(Popular::fit(m, &PopularConfig::default(), &mut |_| {}))
            }) as Fit,
        ),
        (
            "baseline",
            Box::new(|m: &RatingMatrix| -> Box<dyn Model> {
                Box::new(Baseline::fit(m, &BaselineConfig::default(), &mut |_| {}))
            }),
        ),
        (
            "item-knn (KNNBaseline, pearson-baseline)",
            Box::new(|m: &RatingMatrix| -> Box<dyn Model> {
                Box::new(ItemKnn::fit(m, &ItemKnnConfig::default(), &mut |_| {}))
            }),
        ),
        (
            "item-knn (KNNWithMeans, pearson)",
            Box::new(|m: &RatingMatrix| -> Box<dyn Model> {
                Box::new(ItemKnn::fit(m, &ItemKnnConfig::with_means(), &mut |_| {}))
            }),
        ),
        (
            "user-knn (KNNWithMeans, pearson)",
            Box::new(|m: &RatingMatrix| -> Box<dyn Model> {
                Box::new(UserKnn::fit(m, &UserKnnConfig::default(), &mut |_| {}))
            }),
        ),
    ]
}

#[test]
#[ignore = "report: 5-fold CV RMSE/MAE and fit times on ml-latest-small"]
fn report_cv() {
    let (nu, ni, mut ratings) = load();
    shuffle(&mut ratings, 42);
    let folds = 5;
    for (name, fit) in models() {
        let (mut rmse, mut mae, mut secs) = (0.0, 0.0, 0.0);
        for f in 0..folds {
            let (lo, hi) = (ratings.len() * f / folds, ratings.len() * (f + 1) / folds);
            let test = &ratings[lo..hi];
            let train: Vec<Rating> = ratings[..lo]
                .iter()
                .chain(&ratings[hi..])
                .copied()
                .collect();
            let (m, _) = RatingMatrix::from_ratings(nu, ni, train);
            let t = Instant::now();
            let model = fit(&m);
            secs += t.elapsed().as_secs_f64();
            let (r, a) = rmse_mae(model.as_ref(), test);
            rmse += r;
            mae += a;
        }
        println!(
            "{name:45} RMSE {:.4}  MAE {:.4}  fit total {:.3} s (5 folds)",
            rmse / folds as f64,
            mae / folds as f64,
            secs
        );
    }
}

#[test]
#[ignore = "report: per-user 20% holdout NDCG@10 / HR@10 on ml-latest-small"]
fn report_topn() {
    let (nu, ni, ratings) = load();
    let (train, test) = holdout(nu, ni, &ratings, 0.2, 7);
    for (name, fit) in models() {
        let model = fit(&train);
        let (ndcg, hr) = ndcg_hr(model.as_ref(), &train, &test);
        println!("{name:45} NDCG@10 {ndcg:.4}  HR@10 {hr:.4}");
    }
}

/// Tuning of the ranking on a split of the *training* data only (inner holdout).
#[test]
#[ignore = "tuning: ranking parameters on an inner split of the training data"]
fn tune_ranking() {
    let (nu, ni, ratings) = load();
    let (outer_train, _) = holdout(nu, ni, &ratings, 0.2, 7);
    let train_ratings: Vec<Rating> = outer_train.iter().collect();
    let (inner_train, inner_test) = holdout(nu, ni, &train_ratings, 0.2, 1234);
    let mut grid: Vec<RankingConfig> = Vec::new();
    for &neighbours in &[100usize, 200] {
        for &dislike_weight in &[0.0f32, 0.25] {
            for &user_exponent in &[0.5f32, 1.0] {
                for &(rated_exponent, candidate_exponent) in &[
                    (0.5f32, 0.5f32),
                    (0.5, 0.3),
                    (0.5, 0.15),
                    (1.0, 0.0),
                    (1.0, 0.2),
                    (1.0, 0.4),
                ] {
                    grid.push(RankingConfig {
                        neighbours,
                        dislike_weight,
                        user_exponent,
                        rated_exponent,
                        candidate_exponent,
                        ..RankingConfig::default()
                    });
                }
            }
        }
    }
    let pop = Popular::fit(&inner_train, &PopularConfig::default(), &mut |_| {});
    println!(
        "popular NDCG@10 {:.4}",
        ndcg_hr(&pop, &inner_train, &inner_test).0
    );
    for rk in grid {
        let config = ItemKnnConfig {
            ranking: rk.clone(),
            ..ItemKnnConfig::default()
        };
        let model = ItemKnn::fit(&inner_train, &config, &mut |_| {});
        let (ndcg, hr) = ndcg_hr(&model, &inner_train, &inner_test);
        println!("{rk:?} NDCG@10 {ndcg:.4} HR@10 {hr:.4}");
    }
}

/// RMSE of item-kNN variants on an 80/20 split of the first 80% (no test fold involved).
#[test]
#[ignore = "tuning: rating-list size and similarity settings"]
fn tune_rmse() {
    use reel::models::item_knn::{Centering, Similarity};
    let (nu, ni, mut ratings) = load();
    shuffle(&mut ratings, 99);
    let cut = ratings.len() * 4 / 5;
    let (m, _) = RatingMatrix::from_ratings(nu, ni, ratings[..cut].to_vec());
    let test = &ratings[cut..];
    let b = Baseline::fit(&m, &BaselineConfig::default(), &mut |_| {});
    println!("baseline {:.4}", rmse_mae(&b, test).0);
    for &(reg_items, reg_users, epochs) in &[
        (10.0, 15.0, 10),
        (10.0, 15.0, 30),
        (5.0, 10.0, 10),
        (15.0, 10.0, 10),
        (10.0, 5.0, 10),
        (5.0, 5.0, 10),
        (20.0, 10.0, 10),
    ] {
        let c = BaselineConfig {
            reg_items,
            reg_users,
            epochs,
            scale: None,
        };
        let b = Baseline::fit(&m, &c, &mut |_| {});
        println!(
            "baseline {reg_items} {reg_users} {epochs}: {:.5}",
            rmse_mae(&b, test).0
        );
    }
    for &(sim, centering, shrinkage) in &[
        (Similarity::PearsonBaseline, Centering::Baseline, 100.0f32),
        (Similarity::Pearson, Centering::Means, 0.0),
        (Similarity::Pearson, Centering::Means, 100.0),
    ] {
        for &keep in &[40usize, 100, 200, 400, 1000, 10000] {
            for &min_support in &[1u32, 3] {
                let config = ItemKnnConfig {
                    keep,
                    similarity: sim,
                    centering,
                    shrinkage,
                    min_support,
                    ..ItemKnnConfig::default()
                };
                let t = Instant::now();
                let model = ItemKnn::fit(&m, &config, &mut |_| {});
                let secs = t.elapsed().as_secs_f64();
                println!("{sim:?} {centering:?} shrink {shrinkage} keep {keep} min_support {min_support}: RMSE {:.4} ({secs:.2} s)", rmse_mae(&model, test).0);
            }
        }
    }
}
