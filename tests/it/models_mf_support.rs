//! Shared helpers of the matrix-factorisation tests: reading ml-latest-small in
//! place, seeded splits, RMSE and the top-N protocol.
#![allow(dead_code)]

use std::path::PathBuf;

use reel::data::{Rating, RatingMatrix};
use reel::models::{top_n, Model, TopNFilter, Who};

/// The ml-latest-small folder (env `REEL_TEST_DATA` overrides).
pub fn data_dir() -> PathBuf {
    std::env::var_os("REEL_TEST_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/data/ml-latest-small"))
}

/// All ratings of ml-latest-small with dense indices (users and movies by
/// increasing id), plus the matrix sizes. Panics with a clear message when the
/// data is missing: these tests must not pass silently without it.
pub fn load_ratings() -> (usize, usize, Vec<Rating>) {
    let path = data_dir().join("ratings.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "MovieLens test data not found at {} ({e}); set REEL_TEST_DATA to an ml-latest-small folder",
            path.display()
        )
    });
    let mut raw: Vec<(u32, u32, f32, i64)> = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let parse = || -> Option<(u32, u32, f32, i64)> {
            Some((
                f.first()?.parse().ok()?,
                f.get(1)?.parse().ok()?,
                f.get(2)?.parse().ok()?,
                f.get(3)?.parse().ok()?,
            ))
        };
        raw.push(
            parse().unwrap_or_else(|| panic!("{}:{}: bad row {line:?}", path.display(), n + 1)),
        );
    }
    let mut users: Vec<u32> = raw.iter().map(|r| r.0).collect();
    let mut items: Vec<u32> = raw.iter().map(|r| r.1).collect();
    users.sort_unstable();
    users.dedup();
    items.sort_unstable();
    items.dedup();
    let ratings = raw
        .iter()
        .map(|&(u, i, v, t)| Rating {
            user: users.binary_search(&u).unwrap_or(0) as u32,
            item: items.binary_search(&i).unwrap_or(0) as u32,
            value: v,
            time: t,
        })
        .collect();
    (users.len(), items.len(), ratings)
}

/// Shuffled k-fold split: (train, test) for each fold.
pub fn k_fold(
    n_users: usize,
    n_items: usize,
    ratings: &[Rating],
    k: usize,
    seed: u64,
) -> Vec<(RatingMatrix, Vec<Rating>)> {
    let mut order: Vec<usize> = (0..ratings.len()).collect();
    fastrand::Rng::with_seed(seed).shuffle(&mut order);
    (0..k)
        .map(|f| {
            let mut train = Vec::new();
            let mut test = Vec::new();
            for (pos, &idx) in order.iter().enumerate() {
                if pos % k == f {
                    test.push(ratings[idx]);
                } else {
                    train.push(ratings[idx]);
                }
            }
            (RatingMatrix::from_ratings(n_users, n_items, train).0, test)
        })
        .collect()
}

/// A seeded random fraction `test_frac` of all ratings held out.
pub fn random_split(
    n_users: usize,
    n_items: usize,
    ratings: &[Rating],
    test_frac: f64,
    seed: u64,
) -> (RatingMatrix, Vec<Rating>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for &r in ratings {
        if rng.f64() < test_frac {
            test.push(r);
        } else {
            train.push(r);
        }
    }
    (RatingMatrix::from_ratings(n_users, n_items, train).0, test)
}

/// Per-user holdout: for each user with ≥ 5 ratings, a seeded 20% (rounded,
/// at least one) of their ratings go to test.
pub fn per_user_holdout(
    n_users: usize,
    n_items: usize,
    ratings: &[Rating],
    seed: u64,
) -> (RatingMatrix, Vec<Rating>) {
    let mut by_user: Vec<Vec<Rating>> = vec![Vec::new(); n_users];
    for &r in ratings {
        by_user[r.user as usize].push(r);
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for mut rs in by_user {
        rs.sort_by_key(|r| r.item);
        if rs.len() >= 5 {
            rng.shuffle(&mut rs);
            let n_test = ((rs.len() as f64 * 0.2).round() as usize).max(1);
            test.extend_from_slice(&rs[..n_test]);
            train.extend_from_slice(&rs[n_test..]);
        } else {
            train.extend(rs);
        }
    }
    (RatingMatrix::from_ratings(n_users, n_items, train).0, test)
}

/// (RMSE, MAE) of a model's predictions on `test` (known users).
pub fn rmse_mae(model: &dyn Model, test: &[Rating]) -> (f64, f64) {
    let mut by_user: Vec<Vec<&Rating>> = Vec::new();
    for r in test {
        let u = r.user as usize;
        if by_user.len() <= u {
            by_user.resize(u + 1, Vec::new());
        }
        by_user[u].push(r);
    }
    let (mut se, mut ae) = (0.0f64, 0.0f64);
    for (u, rs) in by_user.iter().enumerate() {
        if rs.is_empty() {
            continue;
        }
        let view = model.for_user(Who::Known(u));
        for r in rs {
            let e = (view.predict(r.item) - r.value) as f64;
            se += e * e;
            ae += e.abs();
        }
    }
    let n = test.len().max(1) as f64;
    ((se / n).sqrt(), ae / n)
}

/// (NDCG@k, HR@k, users evaluated) under the top-N protocol: candidates are
/// the movies with a training rating minus the user's own; relevant = held-out
/// ratings ≥ 4.0; users without a relevant held-out movie are skipped.
pub fn ndcg_hr(
    model: &dyn Model,
    train: &RatingMatrix,
    test: &[Rating],
    k: usize,
) -> (f64, f64, usize) {
    let mut relevant: Vec<Vec<u32>> = vec![Vec::new(); train.n_users()];
    for r in test {
        if r.value >= 4.0 {
            relevant[r.user as usize].push(r.item);
        }
    }
    let in_train: Vec<bool> = (0..train.n_items())
        .map(|i| train.item_count(i) > 0)
        .collect();
    let allow = |i: u32| in_train[i as usize];
    let filter = TopNFilter {
        allow: Some(&allow),
        exclude: &[],
        candidates: None,
    };
    let (mut ndcg, mut hits, mut users) = (0.0f64, 0.0f64, 0usize);
    for (u, rel) in relevant.iter().enumerate() {
        if rel.is_empty() {
            continue;
        }
        let view = model.for_user(Who::Known(u));
        let list = top_n(view.as_ref(), train.n_items(), k, &filter, 0);
        let mut dcg = 0.0;
        let mut hit = false;
        for (rank, rec) in list.iter().enumerate() {
            if rel.contains(&rec.item) {
                dcg += 1.0 / ((rank + 2) as f64).log2();
                hit = true;
            }
        }
        let idcg: f64 = (0..rel.len().min(k))
            .map(|r| 1.0 / ((r + 2) as f64).log2())
            .sum();
        ndcg += dcg / idcg;
        hits += f64::from(u8::from(hit));
        users += 1;
    }
    let n = users.max(1) as f64;
    (ndcg / n, hits / n, users)
}

/// CPU seconds used by this process so far (user + system, from
/// /proc/self/stat; 0 where unavailable). On a shared machine this is a
/// fairer cost figure than wall time.
pub fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1.to_string();
            let f: Vec<&str> = after.split_whitespace().collect();
            let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}
