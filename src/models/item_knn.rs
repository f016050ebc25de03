//! Item-based collaborative filtering (Sarwar et al. 2001; Koren 2008, §2.2).
//!
//! **Fit.** One pass of sparse co-rating accumulation computes, for every movie
//! `i`, the sums over the users who rated both `i` and `j` for every `j` reachable
//! through `i`'s raters (walk `i`'s column, then each rater's row, into a dense
//! per-thread scratch of length `n_items`; rayon over movies). Two sparse neighbour
//! lists come out of that one pass, never a dense n×n matrix:
//!
//! - the *rating* list: the `keep` most similar movies by cosine, pearson
//!   (item-mean-centred) or pearson-baseline (baseline residuals) similarity,
//!   shrunk by `(n − 1) / (n − 1 + shrinkage)`, positive similarities only;
//! - the *ranking* list: the `ranking.neighbours` strongest co-occurrences on the
//!   implicit signal (who liked what: ratings below `like_threshold` weigh
//!   `dislike_weight`, 0 by default; each rater weighted by `1/n_u`), normalised by
//!   the rated movie's weighted count and a power 0.2 of the candidate's (RP3β-like).
//!
//! Pairs with a single common rater are dropped (no evidence). On very large data
//! (Σ n_u² above `pair_budget`) heavy raters are cut to their most recent ratings
//! for the similarity pass only. Progress is reported as movies complete.
//!
//! Two ways through the pass give the same lists. The *symmetric* pass visits each
//! unordered pair once (movie `i` against every `j < i`), scores it for both movies
//! and hands `j` its share through a parallel transpose: half the co-rating work,
//! but every scored pair is held at once (16 bytes each), so it is used while the
//! bound on pairs stays small (ml-latest-small: 5 CV fits went from 1.65 s to
//! 0.48 s with it and the branch-free drain). Above that bound the *per-item* pass
//! walks each movie's full co-rating row, visiting each pair from both sides with
//! one scratch row per thread. Stored lists are in no particular order.
//!
//! **Predict** (the KNNBaseline formulation): for a target `i`, among the movies the
//! user rated, take the `k` most similar to `i` in `i`'s rating list;
//! `r̂ = b_ui + Σ s_ij (r_uj − b_uj) / Σ s_ij` (or with item means instead of
//! baselines, the KNNWithMeans formulation). Too few neighbours: the baseline.
//!
//! **Rank.** Predicted ratings make poor top-N lists: a movie with three 5-star
//! ratings beats every classic. The list instead optimises *the chance that the
//! user will watch and like the movie* (top-N hit rate / NDCG on held-out liked
//! ratings): each rated movie `j` votes for the movies in its ranking list with
//! weight `w(r_uj) · s_ji`, the votes are summed and normalised by the user's best
//! score (`rating_blend` can add the rescaled predicted rating; 0 by default, it
//! did not help on the tuning split). `predict` stays the calibrated rating shown
//! next to each entry. See [`RankingConfig`]. Measured (per-user 20% hold-out of
//! ml-latest-small, seed 42): NDCG@10 0.268, HR@10 0.736.
//!
//! A new user's profile is used directly (no retraining): the baseline user bias is
//! solved from the profile, and both neighbour lists are looked up as for anyone.

use super::baseline::{fit_biases, BaselineConfig};
use super::similarity::{
    best_k_keys, clean_profile, clip, clip_range, key_entry, top_k, weight_key, Accumulator,
    CoStats, Neighbours, SparseSide, UserRows,
};
use rayon::prelude::*;

use super::parallel::par_map_rows;
use super::{Model, Progress, UserModel, Who};
use crate::data::{RatingMatrix, RatingScale};

/// The rating similarity between two movies, over the users who rated both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Similarity {
    /// Cosine of the raw ratings.
    Cosine,
    /// Cosine of the ratings centred on each movie's mean rating (pearson).
    Pearson,
    /// Cosine of the baseline residuals `r − b_ui` (Koren's pearson-baseline).
    PearsonBaseline,
}

/// What predictions are relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Centering {
    /// `b_ui + Σ s (r_uj − b_uj) / Σ s` (Surprise's KNNBaseline).
    Baseline,
    /// `μ_i + Σ s (r_uj − μ_j) / Σ s` (Surprise's KNNWithMeans).
    Means,
}

/// How the top-N list is scored (see the module documentation).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RankingConfig {
    /// Co-occurrence neighbours kept per movie for ranking.
    pub neighbours: usize,
    /// Ratings at or above this count fully in the implicit signal.
    pub like_threshold: f32,
    /// Weight of a rating below `like_threshold` (0: ignored, 1: as a like).
    pub dislike_weight: f32,
    /// Each rater's co-occurrences are weighted by `n_u^(−user_exponent)`: a user
    /// who rated everything says less about any pair.
    pub user_exponent: f32,
    /// Vote of rated movie `i` for candidate `j`: `c_ij / (‖i‖^(2a) ‖j‖^(2b))`, with
    /// `c_ij` the weighted co-occurrence and `‖i‖²` the weighted rating count;
    /// `a = b = 0.5` is the cosine, `a = 1, b = 0` a random walk (P3), `b > 0`
    /// penalises popular candidates (RP3β).
    pub rated_exponent: f32,
    /// `b` above.
    pub candidate_exponent: f32,
    /// Weight of the predicted rating (rescaled to [0, 1]) added to the normalised score.
    pub rating_blend: f32,
}

impl Default for RankingConfig {
    /// Tuned on an inner 80/20 per-user split of the training part of a per-user
    /// holdout of ml-latest-small (never on the held-out ratings): an RP3β-like walk.
    fn default() -> Self {
        RankingConfig {
            neighbours: 100,
            like_threshold: 4.0,
            dislike_weight: 0.0,
            user_exponent: 1.0,
            rated_exponent: 1.0,
            candidate_exponent: 0.2,
            rating_blend: 0.0,
        }
    }
}

/// Settings of [`ItemKnn::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct ItemKnnConfig {
    /// Neighbours used per prediction (the user's rated movies most similar to the target).
    pub k: usize,
    /// Neighbours kept per movie in the rating list (≥ `k`). Prediction takes the `k`
    /// most similar *among the user's rated movies*, so the list must be much longer
    /// than `k`: with 40 kept, most users have rated only a few of them (RMSE 0.885
    /// against 0.858 with 1000 on an inner split of ml-latest-small).
    pub keep: usize,
    pub similarity: Similarity,
    /// Shrinkage of similarities towards 0 by support (0: none).
    pub shrinkage: f32,
    /// Minimum number of common raters for a similarity to count.
    pub min_support: u32,
    /// Fewer usable neighbours than this: predict the baseline (or the mean).
    pub min_k: usize,
    pub centering: Centering,
    pub baseline: BaselineConfig,
    pub ranking: RankingConfig,
    /// Upper bound on co-rating pair updates (Σ over users of n_u²) in the similarity
    /// pass. Above it, users with the most ratings are cut to their most recent ones
    /// (the largest common cap that fits); ml-latest-small (6·10⁷) is never cut,
    /// ml-25m (≈1.5·10¹⁰) is. `f64::INFINITY` disables it.
    pub pair_budget: f64,
    /// Clipping scale; `None` uses the range of the training ratings.
    pub scale: Option<RatingScale>,
}

impl Default for ItemKnnConfig {
    /// KNNBaseline with pearson-baseline similarity, k = 40, shrinkage 100.
    fn default() -> Self {
        ItemKnnConfig {
            k: 40,
            keep: 1000,
            similarity: Similarity::PearsonBaseline,
            shrinkage: 100.0,
            min_support: 1,
            min_k: 1,
            centering: Centering::Baseline,
            baseline: BaselineConfig::default(),
            ranking: RankingConfig::default(),
            pair_budget: 1.5e9,
            scale: None,
        }
    }
}

impl ItemKnnConfig {
    /// KNNWithMeans with (mean-centred) pearson similarity, k = 40. Shrinkage is kept
    /// (Surprise has none for pearson): without it the kept lists fill with
    /// perfect correlations on two or three common raters.
    pub fn with_means() -> Self {
        ItemKnnConfig {
            similarity: Similarity::Pearson,
            centering: Centering::Means,
            ..ItemKnnConfig::default()
        }
    }
}

/// A fitted item-kNN model.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ItemKnn {
    k: usize,
    min_k: usize,
    centering: Centering,
    ranking: RankingConfig,
    mu: f32,
    #[serde(with = "crate::models::store::pod")]
    user_bias: Vec<f32>,
    #[serde(with = "crate::models::store::pod")]
    item_bias: Vec<f32>,
    #[serde(with = "crate::models::store::pod")]
    item_mean: Vec<f32>,
    reg_users: f32,
    range: (f32, f32),
    rating_list: Neighbours,
    ranking_list: Neighbours,
    rows: UserRows,
}

impl ItemKnn {
    pub fn fit(
        train: &RatingMatrix,
        config: &ItemKnnConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Self {
        Self::fit_with(train, config, PassChoice::BySize, progress)
    }

    fn fit_with(
        train: &RatingMatrix,
        config: &ItemKnnConfig,
        choice: PassChoice,
        progress: &mut dyn FnMut(Progress),
    ) -> Self {
        let n_items = train.n_items();
        let n_users = train.n_users();
        let (mu, user_bias, item_bias) = fit_biases(train, &config.baseline, progress);
        let item_mean: Vec<f32> = (0..n_items)
            .map(|i| {
                let col = train.item(i);
                if col.is_empty() {
                    mu + item_bias[i]
                } else {
                    (col.values.iter().map(|&v| v as f64).sum::<f64>() / col.len() as f64) as f32
                }
            })
            .collect();

        // On very large data, heavy raters are cut to their most recent ratings so that
        // the pair count Σ n_u² stays within the budget (see `pair_budget`).
        let cap = user_cap(train, config.pair_budget);
        let pruned = cap.map(|cap| prune_users(train, cap));
        let sim_matrix = pruned.as_ref().unwrap_or(train);
        // Centred values and implicit weights, aligned with both views.
        let p = sim_matrix.parts();
        let centred = |u: usize, i: usize, r: f32| match config.similarity {
            Similarity::Cosine => r,
            Similarity::Pearson => r - item_mean[i],
            Similarity::PearsonBaseline => r - (mu + user_bias[u] + item_bias[i]),
        };
        let rk = &config.ranking;
        let weight = |r: f32| implicit_weight(rk, r);
        let mut x_row = vec![0f32; p.user_items.len()];
        let mut w_row = vec![0f32; p.user_items.len()];
        for u in 0..n_users {
            for k in p.user_ptr[u]..p.user_ptr[u + 1] {
                let (i, r) = (p.user_items[k] as usize, p.user_values[k]);
                x_row[k] = centred(u, i, r);
                w_row[k] = weight(r);
            }
        }
        let user_g: Vec<f32> = (0..n_users)
            .map(|u| {
                let n = sim_matrix.user_count(u).max(1) as f32;
                n.powf(-rk.user_exponent)
            })
            .collect();
        let mut x_col = vec![0f32; p.item_users.len()];
        let mut w_col = vec![0f32; p.item_users.len()];
        // Implicit norm of each movie: Σ_u g_u w_ui².
        let mut norm = vec![0f32; n_items];
        for (i, norm_i) in norm.iter_mut().enumerate() {
            for k in p.item_ptr[i]..p.item_ptr[i + 1] {
                let (u, r) = (p.item_users[k] as usize, p.item_values[k]);
                x_col[k] = centred(u, i, r);
                let w = weight(r);
                w_col[k] = w * user_g[u];
                *norm_i += user_g[u] * w * w;
            }
        }
        let rows = SparseSide {
            ptr: p.user_ptr,
            idx: p.user_items,
            x: &x_row,
            w: &w_row,
        };
        let min_support = config.min_support.max(1);
        // ‖i‖^(2α) for the rated side, ‖j‖^(2(1−α)) for the candidate side.
        let inv_norm = |e: f32| -> Vec<f32> {
            norm.iter()
                .map(|&n| if n > 0.0 { n.powf(-e) } else { 0.0 })
                .collect()
        };
        let pass = SimilarityPass {
            rows,
            item_ptr: p.item_ptr,
            item_users: p.item_users,
            x_col: &x_col,
            w_col: &w_col,
            scorer: PairScorer {
                // Pairs with a single co-rater are skipped unless the similarity is
                // unshrunk and asked to count them.
                min_pair: if config.shrinkage > 0.0 {
                    min_support.max(2)
                } else {
                    min_support
                },
                min_support,
                shrinkage: config.shrinkage,
                inv_rated: inv_norm(rk.rated_exponent),
                inv_cand: inv_norm(rk.candidate_exponent),
            },
            keep: config.keep.max(config.k),
            keep_ranking: rk.neighbours,
        };
        let pairs_bound = (0..n_users)
            .map(|u| {
                let n = sim_matrix.user_count(u) as f64;
                n * (n - 1.0) / 4.0
            })
            .sum::<f64>();
        let symmetric = match choice {
            PassChoice::BySize => pairs_bound <= SYMMETRIC_PASS_MAX_PAIRS,
            PassChoice::Symmetric => true,
            PassChoice::PerItem => false,
        };
        let (rating_list, ranking_list) = if symmetric {
            pass.symmetric(progress)
        } else {
            pass.per_item(progress)
        };

        ItemKnn {
            k: config.k,
            min_k: config.min_k,
            centering: config.centering,
            ranking: config.ranking.clone(),
            mu,
            user_bias,
            item_bias,
            item_mean,
            reg_users: config.baseline.reg_users.max(0.0),
            range: clip_range(train, config.scale),
            rating_list,
            ranking_list,
            rows: UserRows::from_matrix(train),
        }
    }

    /// The rating neighbours of `item`, most similar first (ties: lower index).
    pub fn neighbours(&self, item: u32) -> List {
        sorted(self.rating_list.of(item as usize))
    }

    /// The ranking (co-occurrence) neighbours of `item`, strongest first.
    pub fn ranking_neighbours(&self, item: u32) -> List {
        sorted(self.ranking_list.of(item as usize))
    }

    /// Bytes held by the neighbour lists (the model's main cost).
    pub fn neighbour_bytes(&self) -> usize {
        self.rating_list.heap_bytes() + self.ranking_list.heap_bytes()
    }

    fn item_bias(&self, item: u32) -> f32 {
        self.item_bias.get(item as usize).copied().unwrap_or(0.0)
    }

    fn fold_in_bias(&self, profile: &[(u32, f32)]) -> f32 {
        if profile.is_empty() {
            return 0.0;
        }
        let sum: f64 = profile
            .iter()
            .map(|&(i, r)| (r - self.mu - self.item_bias(i)) as f64)
            .sum();
        (sum / (self.reg_users as f64 + profile.len() as f64)) as f32
    }
}

/// The largest per-user cap `M` with `Σ min(n_u, M)² ≤ budget`, or `None` if the
/// uncapped sum already fits.
fn user_cap(train: &RatingMatrix, budget: f64) -> Option<usize> {
    let cost = |cap: usize| -> f64 {
        (0..train.n_users())
            .map(|u| (train.user_count(u).min(cap) as f64).powi(2))
            .sum()
    };
    let max = (0..train.n_users())
        .map(|u| train.user_count(u))
        .max()
        .unwrap_or(0);
    if cost(max) <= budget || budget.is_nan() {
        return None;
    }
    let (mut lo, mut hi) = (1usize, max);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if cost(mid) <= budget {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Some(lo)
}

/// The matrix with each user cut to their `cap` most recent ratings (ties: by item).
fn prune_users(train: &RatingMatrix, cap: usize) -> RatingMatrix {
    let mut kept = Vec::new();
    for u in 0..train.n_users() {
        let row = train.user(u);
        let mut order: Vec<usize> = (0..row.len()).collect();
        if order.len() > cap {
            order.sort_unstable_by_key(|&k| (std::cmp::Reverse(row.times[k]), row.items[k]));
            order.truncate(cap);
        }
        kept.extend(order.into_iter().map(|k| crate::data::Rating {
            user: u as u32,
            item: row.items[k],
            value: row.values[k],
            time: row.times[k],
        }));
    }
    RatingMatrix::from_ratings(train.n_users(), train.n_items(), kept).0
}

/// One movie's neighbour list: (movie, weight). Stored lists are in no particular
/// order (sorting them was a tenth of the fit, and no reader needs it).
type List = Vec<(u32, f32)>;

/// A stored list sorted best first (ties: lower index).
fn sorted(list: &[(u32, f32)]) -> List {
    let mut list = list.to_vec();
    let k = list.len();
    top_k(&mut list, k);
    list
}

/// Above this many candidate pairs (a bound: Σ n_u(n_u − 1)/4, as a pair needs two
/// common raters), the similarity pass visits each pair from both sides instead of
/// storing every scored pair (16 bytes each) to hand it to the other side.
/// ml-latest-small (≈1.5·10⁷ bound, ≈4·10⁶ real) takes the symmetric pass.
const SYMMETRIC_PASS_MAX_PAIRS: f64 = 1.6e7;

/// Which similarity pass computes the lists (the same lists either way; forcing
/// one is for the tests that check so).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))]
enum PassChoice {
    /// Symmetric up to [`SYMMETRIC_PASS_MAX_PAIRS`], per item above.
    BySize,
    Symmetric,
    PerItem,
}

/// What turns a pair's co-rating sums into list weights; 0 means "not listed".
struct PairScorer {
    min_pair: u32,
    min_support: u32,
    shrinkage: f32,
    inv_rated: Vec<f32>,
    inv_cand: Vec<f32>,
}

impl PairScorer {
    /// The rating-list weight (symmetric): the shrunk similarity if positive.
    fn rating(&self, s: &CoStats) -> f32 {
        let sim = s.similarity(self.min_support, self.shrinkage);
        if (s.n >= self.min_pair) & (sim > 0.0) & sim.is_finite() {
            sim
        } else {
            0.0
        }
    }

    /// The ranking-list weight of rated movie `rated` voting for `candidate`.
    fn vote(&self, s: &CoStats, rated: usize, candidate: usize) -> f32 {
        let v = s.c * self.inv_rated[rated] * self.inv_cand[candidate];
        if (s.n >= 2) & (v > 0.0) & v.is_finite() {
            v
        } else {
            0.0
        }
    }
}

/// The inputs of the similarity pass (see [`ItemKnn::fit`]).
struct SimilarityPass<'a> {
    rows: SparseSide<'a>,
    item_ptr: &'a [usize],
    item_users: &'a [u32],
    x_col: &'a [f32],
    w_col: &'a [f32],
    scorer: PairScorer,
    keep: usize,
    keep_ranking: usize,
}

/// A pair (i, j < i) scored once for both of its movies' lists.
#[derive(Debug, Clone, Copy, Default)]
struct ScoredPair {
    j: u32,
    sim: f32,
    /// i votes for j.
    ij: f32,
    /// j votes for i.
    ji: f32,
}

impl SimilarityPass<'_> {
    fn n_items(&self) -> usize {
        self.item_ptr.len().saturating_sub(1)
    }

    /// Accumulates movie `i` against every movie below `limit` reachable through
    /// its raters; the pairs with two or more co-raters come back.
    fn co_ratings<'s>(
        &self,
        acc: &'s mut Accumulator,
        i: usize,
        limit: u32,
    ) -> &'s [(u32, CoStats)] {
        let range = self.item_ptr[i]..self.item_ptr[i + 1];
        let target = self.item_users[range.clone()]
            .iter()
            .zip(&self.x_col[range.clone()])
            .zip(&self.w_col[range])
            .map(|((&u, &x), &w)| (u, x, w));
        acc.accumulate_below(target, &self.rows, limit);
        // A pair seen through a single rater carries no evidence: its shrunk
        // similarity is 0 and its co-occurrence is noise. A pair with neither a
        // positive correlation nor a shared like is in neither list.
        let min_n = self.scorer.min_pair.min(2);
        acc.drain_where(|s| (s.n >= min_n) & ((s.xy > 0.0) | (s.c > 0.0)))
    }

    /// Each movie's lists from its own full co-rating row: every pair is visited
    /// from both sides, memory stays at one scratch row per thread.
    fn per_item(&self, progress: &mut dyn FnMut(Progress)) -> (Neighbours, Neighbours) {
        let n_items = self.n_items();
        let lists = par_map_rows(
            n_items,
            || ListScratch::new(n_items),
            |scratch, i| {
                let pairs = self.co_ratings(&mut scratch.acc, i, u32::MAX);
                let candidates = pairs
                    .iter()
                    .filter(|p| p.0 as usize != i)
                    .map(|&(j, ref s)| {
                        (j, self.scorer.rating(s), self.scorer.vote(s, i, j as usize))
                    });
                scratch.keys.fill(pairs.len(), candidates);
                scratch.keys.top_lists(self.keep, self.keep_ranking)
            },
            "similarities",
            progress,
        );
        let (rate, rank): (Vec<List>, Vec<List>) = lists.into_iter().unzip();
        (Neighbours::from_lists(rate), Neighbours::from_lists(rank))
    }

    /// Each unordered pair visited once (half the co-rating work): movie `i`
    /// scores its pairs with every `j < i` for both lists, then the scored pairs
    /// are transposed so that `j` sees them too.
    fn symmetric(&self, progress: &mut dyn FnMut(Progress)) -> (Neighbours, Neighbours) {
        let n_items = self.n_items();
        let lower: Vec<Vec<ScoredPair>> = par_map_rows(
            n_items,
            || (Accumulator::new(n_items), Vec::new()),
            |(acc, out), i| {
                let pairs = self.co_ratings(acc, i, i as u32);
                if out.len() < pairs.len() {
                    out.resize(pairs.len(), ScoredPair::default());
                }
                // Branch-free as in `ListKeys::fill`.
                let mut n_out = 0;
                for &(j, ref s) in pairs {
                    let scored = ScoredPair {
                        j,
                        sim: self.scorer.rating(s),
                        ij: self.scorer.vote(s, i, j as usize),
                        ji: self.scorer.vote(s, j as usize, i),
                    };
                    out[n_out] = scored;
                    n_out +=
                        usize::from((scored.sim > 0.0) | (scored.ij > 0.0) | (scored.ji > 0.0));
                }
                out[..n_out].to_vec()
            },
            "similarities",
            progress,
        );
        let upper = UpperSide::transpose(&lower, n_items);
        let lists = par_map_rows(
            n_items,
            ListKeys::default,
            |keys, t| {
                let own = lower[t].iter().map(|p| (p.j, p.sim, p.ij));
                let other = upper.of(t).copied();
                keys.fill(lower[t].len() + upper.len(t), own.chain(other));
                keys.top_lists(self.keep, self.keep_ranking)
            },
            "neighbour lists",
            progress,
        );
        let (rate, rank): (Vec<List>, Vec<List>) = lists.into_iter().unzip();
        (Neighbours::from_lists(rate), Neighbours::from_lists(rank))
    }
}

/// The scored pairs seen from their lower movie: for each `j`, the pairs `(i > j, j)`
/// as `(i, similarity, j's vote for i)`, by increasing `i`. Built in parallel: each
/// fixed block of `i` is transposed on its own (a counting sort), and a movie's
/// pairs are read block after block.
struct UpperSide {
    blocks: Vec<UpperBlock>,
}

/// One block of [`UpperSide`] in CSR form.
struct UpperBlock {
    ptr: Vec<usize>,
    pairs: Vec<(u32, f32, f32)>,
}

impl UpperSide {
    /// Fixed (not the thread count) so that the order of the pairs, and with it every
    /// float sum over them, does not depend on the machine.
    const BLOCKS: usize = 16;

    fn transpose(lower: &[Vec<ScoredPair>], n_items: usize) -> Self {
        let block_len = lower.len().div_ceil(Self::BLOCKS).max(1);
        let blocks = lower
            .par_chunks(block_len)
            .enumerate()
            .map(|(b, rows)| {
                let first = b * block_len;
                let mut ptr = vec![0usize; n_items + 1];
                for pair in rows.iter().flatten() {
                    ptr[pair.j as usize + 1] += 1;
                }
                for j in 0..n_items {
                    ptr[j + 1] += ptr[j];
                }
                let mut fill = ptr.clone();
                let mut pairs = vec![(0u32, 0f32, 0f32); ptr[n_items]];
                for (offset, row) in rows.iter().enumerate() {
                    let i = (first + offset) as u32;
                    for pair in row {
                        let at = &mut fill[pair.j as usize];
                        pairs[*at] = (i, pair.sim, pair.ji);
                        *at += 1;
                    }
                }
                UpperBlock { ptr, pairs }
            })
            .collect();
        UpperSide { blocks }
    }

    fn len(&self, j: usize) -> usize {
        self.blocks.iter().map(|b| b.ptr[j + 1] - b.ptr[j]).sum()
    }

    fn of(&self, j: usize) -> impl Iterator<Item = &(u32, f32, f32)> {
        self.blocks
            .iter()
            .flat_map(move |b| &b.pairs[b.ptr[j]..b.ptr[j + 1]])
    }
}

/// One movie's candidate neighbours as packed keys (see [`weight_key`]): the first
/// `n_rating` of `rating` and `n_ranking` of `ranking`. The buffers only grow.
#[derive(Default)]
struct ListKeys {
    rating: Vec<u64>,
    ranking: Vec<u64>,
    n_rating: usize,
    n_ranking: usize,
}

impl ListKeys {
    /// Keeps the candidates `(j, rating weight, ranking weight)` with a positive
    /// weight, in each list. Branch-free: every candidate is written, and kept by
    /// advancing the count (which list a pair lands in is a coin toss to a branch
    /// predictor). `max` bounds the number of candidates.
    fn fill(&mut self, max: usize, candidates: impl Iterator<Item = (u32, f32, f32)>) {
        if self.rating.len() <= max {
            self.rating.resize(max + 1, 0);
            self.ranking.resize(max + 1, 0);
        }
        let (mut n_rating, mut n_ranking) = (0, 0);
        for (j, rating, ranking) in candidates.take(max) {
            self.rating[n_rating] = weight_key(j, rating);
            n_rating += usize::from(rating > 0.0);
            self.ranking[n_ranking] = weight_key(j, ranking);
            n_ranking += usize::from(ranking > 0.0);
        }
        self.n_rating = n_rating;
        self.n_ranking = n_ranking;
    }

    /// The `keep` best rating and `keep_ranking` best ranking neighbours.
    fn top_lists(&mut self, keep: usize, keep_ranking: usize) -> (List, List) {
        (
            best_k_keys(&mut self.rating[..self.n_rating], keep),
            best_k_keys(&mut self.ranking[..self.n_ranking], keep_ranking),
        )
    }
}

/// Per-thread scratch of the per-item similarity pass.
struct ListScratch {
    acc: Accumulator,
    keys: ListKeys,
}

impl ListScratch {
    fn new(n_items: usize) -> Self {
        ListScratch {
            acc: Accumulator::new(n_items),
            keys: ListKeys::default(),
        }
    }
}

/// The implicit weight of one rating.
fn implicit_weight(rk: &RankingConfig, r: f32) -> f32 {
    if r >= rk.like_threshold {
        1.0
    } else {
        rk.dislike_weight
    }
}

impl Model for ItemKnn {
    fn snapshot(&self) -> Option<Result<Vec<u8>, String>> {
        Some(super::store::encode(self))
    }
    fn name(&self) -> &str {
        "item-knn"
    }
    fn n_items(&self) -> usize {
        self.item_bias.len()
    }
    fn similar_items(&self, item: u32, n: usize) -> Option<Vec<(u32, f32)>> {
        if item as usize >= self.item_bias.len() {
            return Some(Vec::new());
        }
        Some(
            self.neighbours(item)
                .into_iter()
                .filter(|&(_, s)| s > 0.0)
                .take(n)
                .collect(),
        )
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        let n_items = self.item_bias.len();
        let (profile, bias) = match who {
            Who::Known(u) => (
                self.rows.profile(u),
                self.user_bias.get(u).copied().unwrap_or(0.0),
            ),
            Who::New(p) => {
                let p = clean_profile(p, n_items);
                let b = self.fold_in_bias(&p);
                (p, b)
            }
        };
        let mut ratings = vec![f32::NAN; n_items];
        let mut score = vec![0f32; n_items];
        for &(j, r) in &profile {
            ratings[j as usize] = r;
            let w = implicit_weight(&self.ranking, r);
            if w == 0.0 {
                continue;
            }
            for &(c, s) in self.ranking_list.of(j as usize) {
                score[c as usize] += w * s;
            }
        }
        let best = score.iter().copied().fold(0f32, f32::max);
        let scale = if best > 0.0 { 1.0 / best } else { 0.0 };
        for s in &mut score {
            *s *= scale;
        }
        let rated = profile.iter().map(|&(i, _)| i).collect();
        Box::new(ItemKnnUser {
            model: self,
            bias,
            ratings,
            score,
            rated,
            profile,
        })
    }
}

struct ItemKnnUser<'a> {
    model: &'a ItemKnn,
    bias: f32,
    /// The user's rating of each movie (NaN: not rated).
    ratings: Vec<f32>,
    /// Normalised ranking votes of each movie.
    score: Vec<f32>,
    rated: Vec<u32>,
    profile: Vec<(u32, f32)>,
}

impl ItemKnnUser<'_> {
    fn base(&self, item: u32) -> f32 {
        let m = self.model;
        match m.centering {
            Centering::Baseline => m.mu + self.bias + m.item_bias(item),
            Centering::Means => match m.item_mean.get(item as usize) {
                Some(&mean) => mean,
                None => m.mu + self.bias,
            },
        }
    }

    /// The unclipped estimate: the baseline plus the similarity-weighted residuals
    /// of the `k` rated movies most similar to `item`.
    fn estimate(&self, item: u32) -> f32 {
        let m = self.model;
        let base = self.base(item);
        if m.k == 0 {
            return base;
        }
        let residual = |j: u32| self.ratings[j as usize] - self.base(j);
        let (used, num, den) = NEAREST.with_borrow_mut(|rated| {
            // One pass over the (unordered) list: sums over every rated neighbour,
            // redone over the k most similar (ties: lower index) only if there are more.
            rated.clear();
            let (mut num, mut den) = (0f32, 0f32);
            for &(j, s) in m.rating_list.of(item as usize) {
                if !self.ratings[j as usize].is_nan() {
                    num += s * residual(j);
                    den += s;
                    rated.push(weight_key(j, s));
                }
            }
            if rated.len() > m.k {
                rated.select_nth_unstable(m.k - 1);
                (num, den) = rated[..m.k].iter().fold((0f32, 0f32), |(num, den), &key| {
                    let (j, s) = key_entry(key);
                    (num + s * residual(j), den + s)
                });
            }
            (rated.len(), num, den)
        });
        let used = used.min(m.k);
        if used < m.min_k.max(1) || den <= 0.0 {
            return base;
        }
        base + num / den
    }
}

thread_local! {
    /// Scratch of [`ItemKnnUser::estimate`] (one per thread: predictions run in parallel).
    static NEAREST: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl UserModel for ItemKnnUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        clip(self.estimate(item), self.model.range)
    }

    fn rank_score(&self, item: u32) -> f32 {
        let votes = self.score.get(item as usize).copied().unwrap_or(0.0);
        let blend = self.model.ranking.rating_blend;
        if blend == 0.0 {
            return votes;
        }
        let (lo, hi) = self.model.range;
        let pred = (self.predict(item) - lo) / (hi - lo).max(f32::MIN_POSITIVE);
        votes + blend * pred
    }

    /// The rated movies whose votes contributed most to `item`'s rank score; if none
    /// voted, the rated neighbours behind its predicted rating.
    fn explain(&self, item: u32, max: usize) -> Vec<(u32, f32)> {
        let m = self.model;
        let mut out: Vec<(u32, f32)> = Vec::new();
        for &(j, r) in &self.profile {
            let w = implicit_weight(&m.ranking, r);
            if let Some(&(_, s)) = m.ranking_list.of(j as usize).iter().find(|p| p.0 == item) {
                let v = w * s;
                if v > 0.0 {
                    out.push((j, v));
                }
            }
        }
        if out.is_empty() {
            for &(j, s) in m.rating_list.of(item as usize) {
                if !self.ratings.get(j as usize).is_none_or(|r| r.is_nan()) {
                    out.push((j, s));
                }
            }
        }
        top_k(&mut out, max);
        out
    }

    fn rated(&self) -> &[u32] {
        &self.rated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;

    fn matrix() -> RatingMatrix {
        // User 0 rated 4 movies (times 1..4), user 1 rated 2.
        let r = |user, item, time| Rating {
            user,
            item,
            value: 3.0,
            time,
        };
        let ratings = vec![
            r(0, 0, 4),
            r(0, 1, 3),
            r(0, 2, 2),
            r(0, 3, 1),
            r(1, 0, 1),
            r(1, 1, 2),
        ];
        RatingMatrix::from_ratings(2, 4, ratings).0
    }

    #[test]
    fn user_cap_is_the_largest_that_fits_the_budget() {
        let m = matrix();
        // Uncapped: 16 + 4 = 20.
        assert_eq!(user_cap(&m, 20.0), None);
        assert_eq!(user_cap(&m, f64::INFINITY), None);
        // Cap 3: 9 + 4 = 13; cap 2: 4 + 4 = 8.
        assert_eq!(user_cap(&m, 19.0), Some(3));
        assert_eq!(user_cap(&m, 12.0), Some(2));
    }

    #[test]
    fn symmetric_and_per_item_passes_give_the_same_lists() {
        let mut rng = fastrand::Rng::with_seed(11);
        let mut ratings = Vec::new();
        for user in 0..60u32 {
            for item in 0..45u32 {
                if rng.f32() < 0.35 {
                    ratings.push(Rating {
                        user,
                        item,
                        value: 0.5 * (1 + rng.u32(0..10)) as f32,
                        time: rng.i64(0..1000),
                    });
                }
            }
        }
        let m = RatingMatrix::from_ratings(60, 45, ratings).0;
        let config = ItemKnnConfig {
            keep: 12,
            ranking: RankingConfig {
                neighbours: 7,
                ..RankingConfig::default()
            },
            ..ItemKnnConfig::default()
        };
        let sym = ItemKnn::fit_with(&m, &config, PassChoice::Symmetric, &mut |_| {});
        let per = ItemKnn::fit_with(&m, &config, PassChoice::PerItem, &mut |_| {});
        let mut listed = 0;
        for i in 0..45 {
            assert_eq!(sym.neighbours(i), per.neighbours(i), "rating list of {i}");
            assert_eq!(
                sym.ranking_neighbours(i),
                per.ranking_neighbours(i),
                "ranking list of {i}"
            );
            listed += sym.neighbours(i).len() + sym.ranking_neighbours(i).len();
        }
        assert!(
            listed > 45 * 10,
            "the fixture should fill the lists ({listed})"
        );
    }

    #[test]
    fn pruning_keeps_each_users_most_recent_ratings() {
        let p = prune_users(&matrix(), 2);
        assert_eq!(p.user(0).items, &[0, 1]);
        assert_eq!(p.user(1).items, &[0, 1]);
        assert_eq!(p.nnz(), 4);
    }
}
