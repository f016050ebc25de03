//! Tuning and measurement harness for the factor models (ignored by default;
//! run with `cargo test --release --features harness --test it -- --ignored --nocapture models_mf_tune::<name>`).
//!
//! Settings override the defaults through environment variables holding
//! `key=value` lists, e.g. `REEL_SVD="factors=32,epochs=40"`,
//! `REEL_RANK="alpha=8,reg=2,weight=0.1"`, `REEL_ALS="factors=16,reg=0.1"`.
//! A list in a value (`factors=16|32|64`) runs every combination.
//!
//! Tuning never looks at the test part of the reported evaluations:
//! - `tune_rating`: 3-fold CV inside the 80% training part of a seeded split;
//! - `tune_topn`: a per-user 20% holdout inside the training part of the
//!   outer per-user holdout.
//!
//! Reported figures: `cv5` (5-fold CV, RMSE/MAE, fit times) and `topn`
//! (per-user 20% holdout, NDCG@10 / HR@10).

use std::time::Instant;

use crate::models_mf_support::*;
use reel::data::Rating;
use reel::models::als::{AlsConfig, AlsModel};
use reel::models::implicit::ImplicitConfig;
use reel::models::svd::{RankingConfig, SvdConfig, SvdModel};
use reel::models::Model;

/// Every combination of the `key=v1|v2|…` lists in env var `var`.
fn grid(var: &str) -> Vec<Vec<(String, f64)>> {
    let spec = std::env::var(var).unwrap_or_default();
    let mut combos: Vec<Vec<(String, f64)>> = vec![Vec::new()];
    for kv in spec.split(',').filter(|s| !s.trim().is_empty()) {
        let (k, vs) = kv
            .split_once('=')
            .unwrap_or_else(|| panic!("{var}: bad item {kv:?}"));
        let vals: Vec<f64> = vs
            .split('|')
            .map(|v| {
                v.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("{var}: bad number {v:?}"))
            })
            .collect();
        combos = combos
            .into_iter()
            .flat_map(|c| {
                vals.iter().map(move |&v| {
                    let mut c = c.clone();
                    c.push((k.trim().to_string(), v));
                    c
                })
            })
            .collect();
    }
    combos
}

fn svd_config(svd: &[(String, f64)], rank: &[(String, f64)]) -> SvdConfig {
    let mut c = SvdConfig::default();
    for (k, v) in svd {
        let v32 = *v as f32;
        match k.as_str() {
            "factors" => c.factors = *v as usize,
            "epochs" => c.epochs = *v as usize,
            "lr" => c.lr = v32,
            "decay" => c.lr_decay = v32,
            "reg" => c.reg = v32,
            "regb" => c.reg_bias = v32,
            "init" => c.init_std = v32,
            "blocks" => c.blocks = *v as usize,
            "seed" => c.seed = *v as u64,
            "freg" => c.fold_in_reg = v32,
            "fregb" => c.fold_in_reg_bias = v32,
            "norank" => c.ranking = None,
            other => panic!("unknown svd key {other}"),
        }
    }
    if let Some(r) = c.ranking.as_mut() {
        apply_rank(r, rank);
    }
    c
}

fn apply_rank(r: &mut RankingConfig, rank: &[(String, f64)]) {
    let i: &mut ImplicitConfig = &mut r.implicit;
    for (k, v) in rank {
        let v32 = *v as f32;
        match k.as_str() {
            "factors" => i.factors = *v as usize,
            "iters" => i.iterations = *v as usize,
            "reg" => i.reg = v32,
            "alpha" => i.alpha = v32,
            "slope" => i.rating_slope = v32,
            "min" => i.min_rating = v32,
            "cg" => i.cg_steps = *v as usize,
            "weight" => r.rating_weight = v32,
            other => panic!("unknown rank key {other}"),
        }
    }
}

fn als_config(als: &[(String, f64)], rank: &[(String, f64)]) -> AlsConfig {
    let mut c = AlsConfig::default();
    for (k, v) in als {
        let v32 = *v as f32;
        match k.as_str() {
            "factors" => c.factors = *v as usize,
            "iters" => c.iterations = *v as usize,
            "reg" => c.reg = v32,
            "regb" => c.reg_bias = v32,
            "seed" => c.seed = *v as u64,
            "norank" => c.ranking = None,
            other => panic!("unknown als key {other}"),
        }
    }
    if let Some(r) = c.ranking.as_mut() {
        apply_rank(r, rank);
    }
    c
}

fn algo() -> String {
    std::env::var("REEL_ALGO").unwrap_or_else(|_| "svd".into())
}

fn fit(
    train: &reel::data::RatingMatrix,
    m: &[(String, f64)],
    rank: &[(String, f64)],
) -> Box<dyn Model> {
    if algo() == "als" {
        Box::new(AlsModel::fit(train, &als_config(m, rank), &mut |_| {}))
    } else {
        Box::new(SvdModel::fit(train, &svd_config(m, rank), &mut |_| {}))
    }
}

fn model_var() -> &'static str {
    if algo() == "als" {
        "REEL_ALS"
    } else {
        "REEL_SVD"
    }
}

fn label(c: &[(String, f64)]) -> String {
    c.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
#[ignore]
fn tune_rating() {
    let (nu, ni, all) = load_ratings();
    let (outer_train, _) = random_split(nu, ni, &all, 0.2, 1);
    let inner: Vec<Rating> = outer_train.iter().collect();
    let folds = k_fold(nu, ni, &inner, 3, 2);
    let no_rank = [("norank".to_string(), 1.0)];
    for m in grid(model_var()) {
        let mut cfg = m.clone();
        cfg.extend(no_rank.iter().cloned());
        let t = Instant::now();
        let mut sum = 0.0;
        for (train, test) in &folds {
            let model = fit(train, &cfg, &[]);
            sum += rmse_mae(model.as_ref(), test).0;
        }
        println!(
            "{} [{}] inner-cv3 rmse {:.4}  ({:.2}s)",
            algo(),
            label(&m),
            sum / folds.len() as f64,
            t.elapsed().as_secs_f64()
        );
    }
}

#[test]
#[ignore]
fn tune_topn() {
    let (nu, ni, all) = load_ratings();
    let (outer_train, _) = per_user_holdout(nu, ni, &all, 1);
    let inner: Vec<Rating> = outer_train.iter().collect();
    let (train, test) = per_user_holdout(nu, ni, &inner, 2);
    for m in grid(model_var()) {
        for r in grid("REEL_RANK") {
            let t = Instant::now();
            let model = fit(&train, &m, &r);
            let (ndcg, hr, n) = ndcg_hr(model.as_ref(), &train, &test, 10);
            println!(
                "{} [{}] [{}] inner ndcg@10 {:.4} hr@10 {:.4} users {} ({:.2}s)",
                algo(),
                label(&m),
                label(&r),
                ndcg,
                hr,
                n,
                t.elapsed().as_secs_f64()
            );
        }
    }
}

#[test]
#[ignore]
fn cv5() {
    let (nu, ni, all) = load_ratings();
    let folds = k_fold(nu, ni, &all, 5, 2024);
    let m = grid(model_var()).remove(0);
    let mut cfg = m.clone();
    cfg.push(("norank".to_string(), 1.0));
    let (mut rmse, mut mae, mut fit_s, mut fit_cpu) = (0.0, 0.0, 0.0, 0.0);
    for (train, test) in &folds {
        let t = Instant::now();
        let c = cpu_seconds();
        let model = fit(train, &cfg, &[]);
        fit_s += t.elapsed().as_secs_f64();
        fit_cpu += cpu_seconds() - c;
        let (r, a) = rmse_mae(model.as_ref(), test);
        rmse += r;
        mae += a;
    }
    println!(
        "{} [{}] 5-fold rmse {:.4} mae {:.4}; 5 fits {:.3}s wall, {:.2}s cpu, {} threads",
        algo(),
        label(&m),
        rmse / 5.0,
        mae / 5.0,
        fit_s,
        fit_cpu,
        rayon::current_num_threads()
    );
}

#[test]
#[ignore]
fn topn() {
    let (nu, ni, all) = load_ratings();
    let (train, test) = per_user_holdout(nu, ni, &all, 1);
    let m = grid(model_var()).remove(0);
    let r = grid("REEL_RANK").remove(0);
    let t = Instant::now();
    let model = fit(&train, &m, &r);
    let fit_s = t.elapsed().as_secs_f64();
    let (ndcg, hr, n) = ndcg_hr(model.as_ref(), &train, &test, 10);
    let (rmse, _) = rmse_mae(model.as_ref(), &test);
    println!(
        "{} [{}] [{}] holdout ndcg@10 {:.4} hr@10 {:.4} users {} rmse {:.4} (fit {:.2}s)",
        algo(),
        label(&m),
        label(&r),
        ndcg,
        hr,
        n,
        rmse,
        fit_s
    );
}

/// Reference: movies ranked by number of training ratings (same for everyone).
struct Popular {
    counts: Vec<f32>,
    rated: reel::models::factors::RatedLists,
}
struct PopularUser<'a> {
    counts: &'a [f32],
    rated: &'a [u32],
}
impl reel::models::UserModel for PopularUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        self.counts[item as usize]
    }
    fn rated(&self) -> &[u32] {
        self.rated
    }
}
impl Model for Popular {
    fn name(&self) -> &str {
        "popular"
    }
    fn n_items(&self) -> usize {
        self.counts.len()
    }
    fn for_user<'a>(&'a self, who: reel::models::Who<'a>) -> Box<dyn reel::models::UserModel + 'a> {
        let rated = match who {
            reel::models::Who::Known(u) => self.rated.user(u),
            reel::models::Who::New(_) => &[],
        };
        Box::new(PopularUser {
            counts: &self.counts,
            rated,
        })
    }
}

#[test]
#[ignore]
fn popular_reference() {
    let (nu, ni, all) = load_ratings();
    let (outer_train, outer_test) = per_user_holdout(nu, ni, &all, 1);
    let inner: Vec<Rating> = outer_train.iter().collect();
    let (train, test) = per_user_holdout(nu, ni, &inner, 2);
    for (name, tr, te) in [
        ("inner", &train, &test),
        ("outer", &outer_train, &outer_test),
    ] {
        let model = Popular {
            counts: (0..tr.n_items()).map(|i| tr.item_count(i) as f32).collect(),
            rated: reel::models::factors::RatedLists::from_matrix(tr),
        };
        let (ndcg, hr, n) = ndcg_hr(&model, tr, te, 10);
        println!("popular {name} ndcg@10 {ndcg:.4} hr@10 {hr:.4} users {n}");
    }
}

/// The project's own protocols (src/eval) on ml-latest-small loaded by the
/// real loader: 5-fold CV (seed 42) and the per-user 20% holdout top-N
/// (seed 42), for the algorithms in `REEL_ALGOS` (default "svd,als").
#[test]
#[ignore]
fn official() {
    use reel::data::{load, CacheMode, LoadOptions};
    use reel::eval::run::{rating_cross_validation, top_n_on_split};
    use reel::eval::split::user_holdout;
    use reel::eval::TopNConfig;
    let dir = data_dir();
    let opts = LoadOptions {
        lenient: false,
        cache: CacheMode::Off,
    };
    let ds = load(&dir, &opts)
        .unwrap_or_else(|e| panic!("cannot load {} ({e}); set REEL_TEST_DATA", dir.display()));
    let algos: Vec<String> = std::env::var("REEL_ALGOS")
        .unwrap_or_else(|_| "svd,als".into())
        .split(',')
        .map(str::to_string)
        .collect();
    let mut quiet = |_: &str, _: reel::models::Progress| {};
    let cv = rating_cross_validation(&ds.ratings, &algos, 5, 42, &mut quiet)
        .unwrap_or_else(|e| panic!("{e}"));
    for r in &cv {
        println!(
            "{} 5-fold rmse {:.4} (±{:.4}) mae {:.4} fit {:.2}s (mean per fold, incl. ranking model)",
            r.algo, r.rmse, r.rmse_std, r.mae, r.fit_seconds
        );
    }
    let split = user_holdout(&ds.ratings, 0.2, 5, 42).unwrap_or_else(|e| panic!("{e}"));
    let top = top_n_on_split(
        &split.train,
        &split.test,
        &algos,
        &TopNConfig::default(),
        42,
        &mut quiet,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for t in &top {
        println!(
            "{} top-N ndcg@10 {:.4} hr@10 {:.4} precision {:.4} recall {:.4} users {} fit {:.2}s",
            t.algo,
            t.report.ndcg,
            t.report.hit_rate,
            t.report.precision,
            t.report.recall,
            t.report.users_evaluated,
            t.fit_seconds
        );
    }
}

/// Information for a later blend (not a model here): 5-fold RMSE of the mean
/// of the SVD and ALS predictions, next to each alone.
#[test]
#[ignore]
fn blend_probe() {
    use reel::models::UserModel;
    let (nu, ni, all) = load_ratings();
    let folds = k_fold(nu, ni, &all, 5, 2024);
    let (mut s, mut a, mut b, mut n) = (0.0f64, 0.0f64, 0.0f64, 0usize);
    for (train, test) in &folds {
        let svd = SvdModel::fit(
            train,
            &SvdConfig {
                ranking: None,
                ..SvdConfig::default()
            },
            &mut |_| {},
        );
        let als = AlsModel::fit(
            train,
            &AlsConfig {
                ranking: None,
                ..AlsConfig::default()
            },
            &mut |_| {},
        );
        for r in test {
            let who = reel::models::Who::Known(r.user as usize);
            let (ps, pa) = (svd.user(who).predict(r.item), als.user(who).predict(r.item));
            s += ((ps - r.value) as f64).powi(2);
            a += ((pa - r.value) as f64).powi(2);
            b += (((ps + pa) / 2.0 - r.value) as f64).powi(2);
            n += 1;
        }
    }
    let f = |x: f64| (x / n as f64).sqrt();
    println!(
        "5-fold rmse: svd {:.4}, als {:.4}, mean of both {:.4}",
        f(s),
        f(a),
        f(b)
    );
}
