//! Measurement harness for the neighbourhood models on the real ml-latest-small:
//! 5-fold CV RMSE/MAE, per-user-holdout NDCG@10/HR@10, fit and fold-in timings.
//! These are `#[ignore]`d reports, built only with the `harness` feature:
//! `cargo test --release --features harness --test it -- --ignored --nocapture models_knn_eval::NAME`;
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
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ml-latest-small")
        })
}

/// The real ml-latest-small through the project's loader, as (n_users, n_items, ratings).
fn load() -> (usize, usize, Vec<Rating>) {
    let dir = data_dir();
    let opts = reel::data::LoadOptions {
        cache: reel::data::CacheMode::Off,
        ..reel::data::LoadOptions::default()
    };
    let ds = reel::data::load(&dir, &opts).unwrap_or_else(|e| {
        panic!(
            "ml-latest-small not loadable at {} ({e}); set REEL_TEST_DATA to its folder",
            dir.display()
        )
    });
    let m = ds.ratings;
    (m.n_users(), m.n_items(), m.iter().collect())
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
        candidates: None,
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

/// Fit time of item-kNN over the 5 folds of the eval protocol (seed 42).
#[test]
#[ignore = "timing: item-kNN fits over a 5-fold CV"]
fn time_item_knn_cv() {
    let (nu, ni, ratings) = load();
    let (m, _) = RatingMatrix::from_ratings(nu, ni, ratings);
    let splits = reel::eval::k_fold(&m, 5, 42).expect("5 folds");
    let mut total = 0.0;
    for s in &splits {
        let t = Instant::now();
        let model = ItemKnn::fit(&s.train, &ItemKnnConfig::default(), &mut |_| {});
        total += t.elapsed().as_secs_f64();
        std::hint::black_box(&model);
    }
    println!("item-knn: 5 fits in {total:.3} s");
}

/// The eval branch's protocols (k-fold RMSE, per-user hold-out top-N) on every model.
#[test]
#[ignore = "report: eval protocols on ml-latest-small"]
fn report_protocol() {
    let (nu, ni, ratings) = load();
    let (m, _) = RatingMatrix::from_ratings(nu, ni, ratings);
    let splits = reel::eval::k_fold(&m, 5, 42).expect("5 folds");
    let hold = reel::eval::user_holdout(&m, 0.2, 5, 42).expect("holdout");
    for (name, fit) in models() {
        let (mut rmse, mut mae, mut secs) = (0.0, 0.0, 0.0);
        for s in &splits {
            let t = Instant::now();
            let model = fit(&s.train);
            secs += t.elapsed().as_secs_f64();
            let r = reel::eval::evaluate_ratings(model.as_ref(), &s.train, &s.test);
            rmse += r.rmse / 5.0;
            mae += r.mae / 5.0;
        }
        let model = fit(&hold.train);
        let t = reel::eval::evaluate_top_n(
            model.as_ref(),
            &hold.train,
            &hold.test,
            &reel::eval::TopNConfig::default(),
        );
        println!(
            "{name:42} RMSE {rmse:.4} MAE {mae:.4} | NDCG@10 {:.4} HR@10 {:.4} P@10 {:.4} | fit 5 folds {secs:.2} s",
            t.ndcg, t.hit_rate, t.precision
        );
    }
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
    for &rating_blend in &[0.0f32, 0.05, 0.1, 0.2] {
        for &like_threshold in &[3.5f32, 4.0] {
            for &candidate_exponent in &[0.15f32, 0.25] {
                grid.push(RankingConfig {
                    rating_blend,
                    like_threshold,
                    candidate_exponent,
                    ..RankingConfig::default()
                });
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

/// RMSE of variants on an 80/20 split of the *training* part of fold 0 of the
/// 5-fold protocol (seed 42): the test folds are never looked at.
#[test]
#[ignore = "tuning: rating-list size, similarity and baseline settings"]
fn tune_rmse() {
    use reel::models::item_knn::{Centering, Similarity};
    let (nu, ni, ratings) = load();
    let (m, _) = RatingMatrix::from_ratings(nu, ni, ratings);
    let fold0 = reel::eval::KFold::new(&m, 5, 42).expect("folds").split(0);
    let inner = reel::eval::k_fold(&fold0.train, 5, 7).expect("inner folds");
    let (train, test) = (&inner[0].train, &inner[0].test);
    let rmse = |model: &dyn Model| reel::eval::evaluate_ratings(model, train, test).rmse;
    for &(reg_items, reg_users) in &[
        (10.0, 15.0),
        (5.0, 10.0),
        (5.0, 5.0),
        (3.0, 5.0),
        (5.0, 3.0),
    ] {
        let c = BaselineConfig {
            reg_items,
            reg_users,
            ..BaselineConfig::default()
        };
        let b = Baseline::fit(train, &c, &mut |_| {});
        println!(
            "baseline reg_i {reg_items} reg_u {reg_users}: {:.5}",
            rmse(&b)
        );
    }
    for &(sim, centering, shrinkage) in &[
        (Similarity::PearsonBaseline, Centering::Baseline, 100.0f32),
        (Similarity::Pearson, Centering::Means, 100.0),
    ] {
        for &keep in &[40usize, 100, 200, 400, 1000] {
            let config = ItemKnnConfig {
                keep,
                similarity: sim,
                centering,
                shrinkage,
                ..ItemKnnConfig::default()
            };
            let model = ItemKnn::fit(train, &config, &mut |_| {});
            println!(
                "{sim:?} {centering:?} shrink {shrinkage} keep {keep}: RMSE {:.5}",
                rmse(&model)
            );
        }
    }
    for &(shrinkage, min_support) in &[(0.0f32, 1u32), (0.0, 3), (10.0, 1), (50.0, 1)] {
        let config = UserKnnConfig {
            shrinkage,
            min_support,
            ..UserKnnConfig::default()
        };
        let model = UserKnn::fit(train, &config, &mut |_| {});
        println!(
            "user-knn shrink {shrinkage} min_support {min_support}: RMSE {:.5}",
            rmse(&model)
        );
    }
}

/// Item-kNN fit on a synthetic MovieLens-25M-sized matrix (lognormal user activity,
/// Zipf movie popularity): time and peak RSS. `REEL_SYNTH_RATINGS` sets the size.
#[test]
#[ignore = "timing: item-kNN on a synthetic 25M-rating matrix (minutes, ~3 GB)"]
fn time_item_knn_synthetic_25m() {
    let target: usize = std::env::var("REEL_SYNTH_RATINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25_000_000);
    let n_items = 59_000usize;
    let mut rng = fastrand::Rng::with_seed(2024);
    // Zipf-like popularity, sampled by binary search in the cumulative weights.
    let mut cum = Vec::with_capacity(n_items);
    let mut total = 0f64;
    for i in 0..n_items {
        total += 1.0 / ((i + 30) as f64).powf(0.95);
        cum.push(total);
    }
    let mut ratings = Vec::with_capacity(target + target / 10);
    let mut user = 0u32;
    while ratings.len() < target {
        // Box-Muller normal → lognormal activity, median ~74, clamped to [20, 30000].
        let (a, b) = (rng.f64().max(1e-12), rng.f64());
        let z = (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos();
        let n = ((4.3 + 1.1 * z).exp() as usize).clamp(20, 30_000);
        let bias = rng.f32() - 0.5;
        for _ in 0..n {
            let x = rng.f64() * total;
            let item = cum.partition_point(|&c| c < x).min(n_items - 1) as u32;
            let v = ((3.5 + bias + (rng.f32() - 0.5) * 3.0) * 2.0).round() / 2.0;
            let time = rng.i64(0..1_000_000_000);
            ratings.push(Rating {
                user,
                item,
                value: v.clamp(0.5, 5.0),
                time,
            });
        }
        user += 1;
    }
    let (m, dups) = RatingMatrix::from_ratings(user as usize, n_items, ratings);
    let sum_sq: f64 = (0..m.n_users())
        .map(|u| (m.user_count(u) as f64).powi(2))
        .sum();
    println!(
        "synthetic: {} users, {} movies, {} ratings ({} duplicates merged), sum n_u^2 = {:.3e}",
        m.n_users(),
        m.n_items(),
        m.nnz(),
        dups,
        sum_sq
    );
    let t = Instant::now();
    let mut last = 0u64;
    let model = ItemKnn::fit(&m, &ItemKnnConfig::default(), &mut |p| {
        if p.stage == "similarities" && p.done * 10 / p.total.max(1) != last {
            last = p.done * 10 / p.total.max(1);
            println!(
                "  {} {}/{} at {:.1} s",
                p.stage,
                p.done,
                p.total,
                t.elapsed().as_secs_f64()
            );
        }
    });
    println!(
        "item-knn fit: {:.1} s, neighbour lists {} MB",
        t.elapsed().as_secs_f64(),
        model.neighbour_bytes() >> 20
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in status
        .lines()
        .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
    {
        println!("{line}");
    }
}
