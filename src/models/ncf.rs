//! `ncf`: Neural Collaborative Filtering, NeuMF (He et al. 2017, "Neural Collaborative
//! Filtering"), built with candle (`candle-core`/`candle-nn`); compiled with the `ncf`
//! cargo feature only (candle is a heavy build).
//!
//! **Model.** Two towers over learned user and movie embeddings: GMF, the element-wise
//! product `p_u ⊙ q_i` of one pair of embeddings, and an MLP over the concatenation
//! `[p'_u; q'_i]` of another pair (ReLU layers). The two outputs are concatenated and a
//! last linear layer gives the logit of "this user rates this movie":
//! `ŷ = σ(hᵀ[p_u ⊙ q_i; MLP(p'_u, q'_i)] + b)`.
//!
//! **Training.** Implicit feedback, as in the paper: every training rating is a positive;
//! each positive gets [`NcfConfig::negatives`] movies the user has not rated, drawn
//! uniformly from the movies with a training rating, fresh every epoch. Binary
//! cross-entropy on the logits, mini-batches, Adam (candle-nn's `AdamW`; weight decay 0
//! is plain Adam). Gradients come from candle's autograd. Initialisation and sampling
//! are seeded (fastrand), and candle's CPU kernels split work across threads by output
//! block (no reduction is split), so two fits with one seed are bit-identical.
//!
//! **Ranking and predicted rating.** Lists are ordered by the NeuMF logit. NeuMF scores
//! are not ratings: [`UserModel::predict`] delegates to an item-kNN model fitted beside
//! it (as `ease` does), so `reel eval --protocol rating --algo ncf` measures that
//! item-kNN, and the stars shown next to an entry are item-kNN's.
//!
//! **Fold-in of a live profile.** A new user gets fresh user embeddings (both towers),
//! started at the mean of the training users' embeddings and trained for
//! [`NcfConfig::fold_in_steps`] full-batch Adam steps on the profile's movies (positives)
//! and sampled negatives, with every movie embedding and layer frozen. Seeded by the
//! profile, so the same profile always gets the same list. With an empty profile the
//! mean user is used as is.
//!
//! **Reasons.** An entry's "because you rated" are the user's rated movies (those rated
//! at least [`LIKED`], or all if none is) nearest to it in the GMF movie-embedding space
//! (cosine), with the cosine as weight.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};
use serde::{Deserialize, Serialize};

use super::item_knn::{ItemKnn, ItemKnnConfig};
use super::similarity::{clean_profile, top_k, UserRows};
use super::{Model, Progress, UserModel, Who};
use crate::data::RatingMatrix;

/// Where the tensors live: the CPU, or the first CUDA device when built with the
/// `ncf-cuda` feature and one is present (not built or measured here: no GPU; candle's
/// CUDA kernels make no bit-for-bit promise).
fn device() -> Device {
    #[cfg(feature = "ncf-cuda")]
    if let Ok(d) = Device::cuda_if_available(0) {
        return d;
    }
    Device::Cpu
}

/// Rated movies at or above this rating are the ones named as reasons.
pub const LIKED: f32 = 4.0;

/// Settings of [`Ncf::fit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NcfConfig {
    /// Size of the GMF embeddings.
    pub gmf_factors: usize,
    /// Size of the MLP embeddings (per side; the first layer sees twice this).
    pub mlp_factors: usize,
    /// Widths of the MLP's hidden layers (ReLU), in order.
    pub layers: Vec<usize>,
    /// Sampled unrated movies per positive.
    pub negatives: usize,
    pub epochs: usize,
    /// Samples per mini-batch.
    pub batch: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Decoupled weight decay (AdamW); 0 is plain Adam.
    pub weight_decay: f64,
    /// Standard deviation of the initial embeddings.
    pub init_std: f32,
    pub seed: u64,
    /// Adam steps of a new user's fold-in.
    pub fold_in_steps: usize,
    /// Learning rate of the fold-in.
    pub fold_in_lr: f64,
}

impl Default for NcfConfig {
    /// Chosen on an inner per-user 80/20 hold-out (seed 7) of the training part of the
    /// top-N split of ml-latest-small (see `tests/it/models_ncf.rs`, `tune`), never on
    /// its test part. Inner NDCG@10: 4 epochs with weight decay 0.5 scored 0.126; 2 and
    /// 4 epochs without decay 0.111 and 0.112; 2 epochs with decay 0.5 0.109; 6 epochs
    /// with decay 0.5 / 1 0.125 / 0.109; 10 epochs without decay (batch 4096, lr 0.005 /
    /// 0.01) 0.104 / 0.099 (training loss falls, held-out NDCG falls: overfitting).
    fn default() -> Self {
        NcfConfig {
            gmf_factors: 16,
            mlp_factors: 32,
            layers: vec![32, 16],
            negatives: 4,
            epochs: 4,
            batch: 1024,
            lr: 0.002,
            weight_decay: 0.5,
            init_std: 0.01,
            seed: 42,
            fold_in_steps: 40,
            fold_in_lr: 0.05,
        }
    }
}

/// Why a fit or a load failed (candle's message).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("ncf: {0}")]
pub struct NcfError(pub String);

impl From<candle_core::Error> for NcfError {
    fn from(e: candle_core::Error) -> Self {
        NcfError(e.to_string())
    }
}

/// One dense layer, `y = W x + b`, `W` row-major `out × in`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Dense {
    n_in: usize,
    n_out: usize,
    #[serde(with = "crate::models::store::pod")]
    w: Vec<f32>,
    #[serde(with = "crate::models::store::pod")]
    b: Vec<f32>,
}

/// Every learned number, as plain arrays (what is saved).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Params {
    n_users: usize,
    n_items: usize,
    kg: usize,
    km: usize,
    #[serde(with = "crate::models::store::pod")]
    user_gmf: Vec<f32>,
    #[serde(with = "crate::models::store::pod")]
    item_gmf: Vec<f32>,
    #[serde(with = "crate::models::store::pod")]
    user_mlp: Vec<f32>,
    #[serde(with = "crate::models::store::pod")]
    item_mlp: Vec<f32>,
    layers: Vec<Dense>,
    /// Output layer over `[gmf; last hidden]`.
    #[serde(with = "crate::models::store::pod")]
    out_w: Vec<f32>,
    out_b: f32,
}

/// The network's tensors: either trainable [`Var`]s or frozen copies.
struct Net {
    user_gmf: Tensor,
    item_gmf: Tensor,
    user_mlp: Tensor,
    item_mlp: Tensor,
    /// (W `out × in`, b `out`).
    layers: Vec<(Tensor, Tensor)>,
    /// `(kg + last) × 1`.
    out_w: Tensor,
    /// `1`.
    out_b: Tensor,
}

impl Net {
    fn from_params(p: &Params, dev: &Device) -> Result<Self, NcfError> {
        Ok(Net {
            user_gmf: Tensor::from_slice(&p.user_gmf, (p.n_users, p.kg), dev)?,
            item_gmf: Tensor::from_slice(&p.item_gmf, (p.n_items, p.kg), dev)?,
            user_mlp: Tensor::from_slice(&p.user_mlp, (p.n_users, p.km), dev)?,
            item_mlp: Tensor::from_slice(&p.item_mlp, (p.n_items, p.km), dev)?,
            layers: p
                .layers
                .iter()
                .map(|l| {
                    Ok((
                        Tensor::from_slice(&l.w, (l.n_out, l.n_in), dev)?,
                        Tensor::from_slice(&l.b, l.n_out, dev)?,
                    ))
                })
                .collect::<Result<_, NcfError>>()?,
            out_w: Tensor::from_slice(&p.out_w, (p.out_w.len(), 1), dev)?,
            out_b: Tensor::from_slice(&[p.out_b], 1, dev)?,
        })
    }

    /// Logits of the pairs (`ug`, `ig`: `B × kg`; `um`, `im`: `B × km`), length `B`.
    fn logits(
        &self,
        ug: &Tensor,
        ig: &Tensor,
        um: &Tensor,
        im: &Tensor,
    ) -> candle_core::Result<Tensor> {
        let gmf = (ug * ig)?;
        let mut h = Tensor::cat(&[um, im], 1)?;
        for (w, b) in &self.layers {
            h = h.matmul(&w.t()?)?.broadcast_add(b)?.relu()?;
        }
        let z = Tensor::cat(&[&gmf, &h], 1)?;
        z.matmul(&self.out_w)?
            .squeeze(1)?
            .broadcast_add(&self.out_b)
    }

    /// Logits of (user, item) index pairs.
    fn logits_of(&self, users: &Tensor, items: &Tensor) -> candle_core::Result<Tensor> {
        self.logits(
            &self.user_gmf.index_select(users, 0)?,
            &self.item_gmf.index_select(items, 0)?,
            &self.user_mlp.index_select(users, 0)?,
            &self.item_mlp.index_select(items, 0)?,
        )
    }

    /// Logits of every movie for one user given by their embeddings (`1 × kg`, `1 × km`).
    fn all_items(&self, ug: &Tensor, um: &Tensor) -> candle_core::Result<Tensor> {
        let n = self.item_gmf.dim(0)?;
        let ug = ug.broadcast_as((n, ug.dim(1)?))?;
        let um = um.broadcast_as((n, um.dim(1)?))?.contiguous()?;
        self.logits(&ug, &self.item_gmf, &um, &self.item_mlp)
    }
}

/// Mean binary cross-entropy of `logits` against 0/1 `labels`, in the stable form
/// `max(x, 0) − x·t + log(1 + e^−|x|)`.
fn bce_with_logits(logits: &Tensor, labels: &Tensor) -> candle_core::Result<Tensor> {
    let soft = (logits.relu()? + logits.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?)?;
    (soft - (logits * labels)?)?.mean_all()
}

/// `n` values uniform in `±std·√3` (standard deviation `std`).
fn uniform(n: usize, std: f32, rng: &mut fastrand::Rng) -> Vec<f32> {
    let a = std * 3f32.sqrt();
    (0..n).map(|_| (rng.f32() * 2.0 - 1.0) * a).collect()
}

/// Draws up to `n` movies from `pool` that are not in `rated` (sorted); gives up on a
/// draw after a few rated hits (a user who rated nearly everything gets fewer).
fn sample_negatives(
    pool: &[u32],
    rated: &[u32],
    n: usize,
    rng: &mut fastrand::Rng,
    out: &mut Vec<u32>,
) {
    if pool.is_empty() {
        return;
    }
    for _ in 0..n {
        for _ in 0..32 {
            let j = pool[rng.usize(..pool.len())];
            if rated.binary_search(&j).is_err() {
                out.push(j);
                break;
            }
        }
    }
}

/// A fitted NeuMF model with the item-kNN model that predicts its ratings.
pub struct Ncf {
    config: NcfConfig,
    params: Params,
    net: Net,
    rating: ItemKnn,
    rows: UserRows,
    /// Movies with a training rating (the negatives' pool).
    pool: Vec<u32>,
    /// Whether each training user had a rating (others are scored as the mean user).
    trained_user: Vec<bool>,
    /// Mean user embeddings (GMF, MLP): the fold-in's start and the empty profile's.
    mean_gmf: Vec<f32>,
    mean_mlp: Vec<f32>,
    /// GMF movie embeddings scaled to unit length, for reasons.
    unit_gmf: Vec<f32>,
    /// Mean training loss of each epoch.
    epoch_losses: Vec<f32>,
}

/// What a snapshot holds; the rest is derived on load.
#[derive(Serialize, Deserialize)]
struct Saved {
    config: NcfConfig,
    params: Params,
    rating: ItemKnn,
    rows: UserRows,
    epoch_losses: Vec<f32>,
}

impl Ncf {
    /// Fits NeuMF (progress: stage "ncf epoch"), then the item-kNN rating model.
    pub fn fit(
        train: &RatingMatrix,
        config: &NcfConfig,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Self, NcfError> {
        let (params, epoch_losses) = train_neumf(train, config, progress)?;
        let rating = ItemKnn::fit(train, &ItemKnnConfig::default(), progress);
        Self::assemble(
            config.clone(),
            params,
            rating,
            UserRows::from_matrix(train),
            epoch_losses,
        )
    }

    /// Reads back what [`Model::snapshot`] wrote.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Self, String> {
        let s: Saved = super::store::decode(bytes)?;
        Self::assemble(s.config, s.params, s.rating, s.rows, s.epoch_losses)
            .map_err(|e| e.to_string())
    }

    fn assemble(
        config: NcfConfig,
        params: Params,
        rating: ItemKnn,
        rows: UserRows,
        epoch_losses: Vec<f32>,
    ) -> Result<Self, NcfError> {
        let p = &params;
        let sizes_ok = p.user_gmf.len() == p.n_users * p.kg
            && p.item_gmf.len() == p.n_items * p.kg
            && p.user_mlp.len() == p.n_users * p.km
            && p.item_mlp.len() == p.n_items * p.km
            && rows.n_users() == p.n_users
            && p.layers
                .iter()
                .all(|l| l.w.len() == l.n_in * l.n_out && l.b.len() == l.n_out);
        if !sizes_ok {
            return Err(NcfError("parameter sizes do not match".into()));
        }
        let net = Net::from_params(p, &device())?;
        let trained_user: Vec<bool> = (0..p.n_users).map(|u| !rows.row(u).0.is_empty()).collect();
        let mut counted = vec![false; p.n_items];
        for u in 0..p.n_users {
            for &i in rows.row(u).0 {
                if let Some(c) = counted.get_mut(i as usize) {
                    *c = true;
                }
            }
        }
        let pool: Vec<u32> = (0..p.n_items as u32)
            .filter(|&i| counted[i as usize])
            .collect();
        let mean = |table: &[f32], k: usize| -> Vec<f32> {
            let mut m = vec![0f64; k];
            let n = trained_user.iter().filter(|&&t| t).count().max(1) as f64;
            for (u, row) in table.chunks_exact(k.max(1)).enumerate() {
                if trained_user[u] {
                    for (a, &v) in m.iter_mut().zip(row) {
                        *a += v as f64;
                    }
                }
            }
            m.into_iter().map(|v| (v / n) as f32).collect()
        };
        let mean_gmf = mean(&p.user_gmf, p.kg);
        let mean_mlp = mean(&p.user_mlp, p.km);
        let mut unit_gmf = p.item_gmf.clone();
        for row in unit_gmf.chunks_exact_mut(p.kg.max(1)) {
            let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|v| *v /= norm);
            }
        }
        Ok(Ncf {
            config,
            params,
            net,
            rating,
            rows,
            pool,
            trained_user,
            mean_gmf,
            mean_mlp,
            unit_gmf,
            epoch_losses,
        })
    }

    pub fn config(&self) -> &NcfConfig {
        &self.config
    }

    /// Mean training loss (binary cross-entropy) of each epoch, in order.
    pub fn epoch_losses(&self) -> &[f32] {
        &self.epoch_losses
    }

    /// The user embeddings (GMF, MLP) of `who`: a trained row, the mean user, or a
    /// fold-in.
    fn user_vectors(
        &self,
        who: Who<'_>,
        profile: &[(u32, f32)],
    ) -> Result<(Vec<f32>, Vec<f32>), NcfError> {
        let (kg, km) = (self.params.kg, self.params.km);
        match who {
            Who::Known(u) if self.trained_user.get(u).copied().unwrap_or(false) => Ok((
                self.params.user_gmf[u * kg..(u + 1) * kg].to_vec(),
                self.params.user_mlp[u * km..(u + 1) * km].to_vec(),
            )),
            _ if profile.is_empty() => Ok((self.mean_gmf.clone(), self.mean_mlp.clone())),
            _ => self.fold_in(profile),
        }
    }

    /// Fresh user embeddings trained on `profile` with everything else frozen.
    fn fold_in(&self, profile: &[(u32, f32)]) -> Result<(Vec<f32>, Vec<f32>), NcfError> {
        let (kg, km) = (self.params.kg, self.params.km);
        let dev = device();
        let positives: Vec<u32> = profile.iter().map(|p| p.0).collect();
        let mut h = crc32fast::Hasher::new();
        h.update(bytemuck::cast_slice(&positives));
        let mut rng = fastrand::Rng::with_seed(self.config.seed ^ u64::from(h.finalize()));
        let ug = Var::from_slice(&self.mean_gmf, (1, kg), &dev)?;
        let um = Var::from_slice(&self.mean_mlp, (1, km), &dev)?;
        let mut opt = AdamW::new(
            vec![ug.clone(), um.clone()],
            ParamsAdamW {
                lr: self.config.fold_in_lr,
                weight_decay: 0.0,
                ..ParamsAdamW::default()
            },
        )?;
        let mut items: Vec<u32> = Vec::new();
        let mut labels: Vec<f32> = Vec::new();
        for _ in 0..self.config.fold_in_steps {
            items.clear();
            labels.clear();
            items.extend_from_slice(&positives);
            labels.resize(positives.len(), 1.0);
            sample_negatives(
                &self.pool,
                &positives,
                positives.len() * self.config.negatives,
                &mut rng,
                &mut items,
            );
            labels.resize(items.len(), 0.0);
            let n = items.len();
            let ids = Tensor::from_slice(&items, n, &dev)?;
            let y = Tensor::from_slice(&labels, n, &dev)?;
            let logits = self.net.logits(
                &ug.as_tensor().broadcast_as((n, kg))?,
                &self.net.item_gmf.index_select(&ids, 0)?,
                &um.as_tensor().broadcast_as((n, km))?.contiguous()?,
                &self.net.item_mlp.index_select(&ids, 0)?,
            )?;
            opt.backward_step(&bce_with_logits(&logits, &y)?)?;
        }
        Ok((
            ug.as_tensor().flatten_all()?.to_vec1()?,
            um.as_tensor().flatten_all()?.to_vec1()?,
        ))
    }

    /// The NeuMF logit of every movie for user embeddings (GMF, MLP).
    fn scores_for(&self, gmf: &[f32], mlp: &[f32]) -> Result<Vec<f32>, NcfError> {
        let dev = device();
        let ug = Tensor::from_slice(gmf, (1, gmf.len()), &dev)?;
        let um = Tensor::from_slice(mlp, (1, mlp.len()), &dev)?;
        Ok(self.net.all_items(&ug, &um)?.to_vec1()?)
    }

    /// The per-user view with its concrete type. A candle failure (not expected on CPU
    /// once the model is built) leaves every score at `−∞`: an empty list, not a panic.
    pub fn user<'a>(&'a self, who: Who<'a>) -> NcfUser<'a> {
        let profile = match who {
            Who::Known(u) => self.rows.profile(u),
            Who::New(p) => clean_profile(p, self.params.n_items),
        };
        let scores = self
            .user_vectors(who, &profile)
            .and_then(|(g, m)| self.scores_for(&g, &m))
            .unwrap_or_else(|_| vec![f32::NEG_INFINITY; self.params.n_items]);
        NcfUser {
            model: self,
            rating: self.rating.for_user(who),
            rated: profile.iter().map(|p| p.0).collect(),
            profile,
            scores,
        }
    }

    /// The `n` movies nearest `item` in the GMF embedding space (cosine).
    fn nearest(
        &self,
        item: u32,
        candidates: impl Iterator<Item = u32>,
        n: usize,
    ) -> Vec<(u32, f32)> {
        let k = self.params.kg;
        let Some(a) = self
            .unit_gmf
            .get(item as usize * k..(item as usize + 1) * k)
        else {
            return Vec::new();
        };
        let mut out: Vec<(u32, f32)> = candidates
            .filter(|&j| j != item && (j as usize) < self.params.n_items)
            .map(|j| {
                let b = &self.unit_gmf[j as usize * k..(j as usize + 1) * k];
                (j, a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>())
            })
            .filter(|p| p.1 > 0.0)
            .collect();
        top_k(&mut out, n);
        out
    }
}

impl Model for Ncf {
    fn name(&self) -> &str {
        "ncf"
    }
    fn n_items(&self) -> usize {
        self.params.n_items
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        Box::new(self.user(who))
    }
    fn similar_items(&self, item: u32, n: usize) -> Option<Vec<(u32, f32)>> {
        Some(self.nearest(item, self.pool.iter().copied(), n))
    }
    fn snapshot(&self) -> Option<Result<Vec<u8>, String>> {
        // Borrowing fields into a mirror of `Saved` would avoid these clones; a save
        // happens once per training, so the copy is not worth a second type.
        Some(super::store::encode(&Saved {
            config: self.config.clone(),
            params: self.params.clone(),
            rating: self.rating.clone(),
            rows: self.rows.clone(),
            epoch_losses: self.epoch_losses.clone(),
        }))
    }
}

/// One user's NeuMF scores, computed once.
pub struct NcfUser<'a> {
    model: &'a Ncf,
    rating: Box<dyn UserModel + 'a>,
    rated: Vec<u32>,
    profile: Vec<(u32, f32)>,
    scores: Vec<f32>,
}

impl NcfUser<'_> {
    /// Every movie's NeuMF logit.
    pub fn scores(&self) -> &[f32] {
        &self.scores
    }
}

impl UserModel for NcfUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        self.rating.predict(item)
    }

    fn rank_score(&self, item: u32) -> f32 {
        self.scores
            .get(item as usize)
            .copied()
            .unwrap_or(f32::NEG_INFINITY)
    }

    /// The liked rated movies nearest `item` in embedding space (cosine).
    fn explain(&self, item: u32, max: usize) -> Vec<(u32, f32)> {
        let liked: Vec<u32> = self
            .profile
            .iter()
            .filter(|p| p.1 >= LIKED)
            .map(|p| p.0)
            .collect();
        let from = if liked.is_empty() {
            &self.rated
        } else {
            &liked
        };
        self.model.nearest(item, from.iter().copied(), max)
    }

    fn rated(&self) -> &[u32] {
        &self.rated
    }
}

/// Trains the network; returns its parameters and the mean loss of each epoch.
fn train_neumf(
    train: &RatingMatrix,
    config: &NcfConfig,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Params, Vec<f32>), NcfError> {
    let dev = device();
    let (n_users, n_items) = (train.n_users(), train.n_items());
    let (kg, km) = (config.gmf_factors.max(1), config.mlp_factors.max(1));
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let var = |v: Vec<f32>, shape: (usize, usize)| Var::from_vec(v, shape, &dev);
    let user_gmf = var(
        uniform(n_users * kg, config.init_std, &mut rng),
        (n_users, kg),
    )?;
    let item_gmf = var(
        uniform(n_items * kg, config.init_std, &mut rng),
        (n_items, kg),
    )?;
    let user_mlp = var(
        uniform(n_users * km, config.init_std, &mut rng),
        (n_users, km),
    )?;
    let item_mlp = var(
        uniform(n_items * km, config.init_std, &mut rng),
        (n_items, km),
    )?;
    // Glorot-uniform layers, zero biases (as the paper's Keras code).
    let mut layers: Vec<(Var, Var)> = Vec::new();
    let mut width = 2 * km;
    for &out in &config.layers {
        let out = out.max(1);
        let a = (6.0 / (width + out) as f32).sqrt();
        let w: Vec<f32> = (0..out * width)
            .map(|_| (rng.f32() * 2.0 - 1.0) * a)
            .collect();
        layers.push((var(w, (out, width))?, Var::zeros(out, DType::F32, &dev)?));
        width = out;
    }
    let n_out = kg + width;
    let a = (3.0 / n_out as f32).sqrt();
    let out_w = var(
        (0..n_out).map(|_| (rng.f32() * 2.0 - 1.0) * a).collect(),
        (n_out, 1),
    )?;
    let out_b = Var::zeros(1, DType::F32, &dev)?;

    let mut vars = vec![
        user_gmf.clone(),
        item_gmf.clone(),
        user_mlp.clone(),
        item_mlp.clone(),
        out_w.clone(),
        out_b.clone(),
    ];
    for (w, b) in &layers {
        vars.push(w.clone());
        vars.push(b.clone());
    }
    let mut opt = AdamW::new(
        vars,
        ParamsAdamW {
            lr: config.lr,
            weight_decay: config.weight_decay,
            ..ParamsAdamW::default()
        },
    )?;
    let net = Net {
        user_gmf: user_gmf.as_tensor().clone(),
        item_gmf: item_gmf.as_tensor().clone(),
        user_mlp: user_mlp.as_tensor().clone(),
        item_mlp: item_mlp.as_tensor().clone(),
        layers: layers
            .iter()
            .map(|(w, b)| (w.as_tensor().clone(), b.as_tensor().clone()))
            .collect(),
        out_w: out_w.as_tensor().clone(),
        out_b: out_b.as_tensor().clone(),
    };

    let pool: Vec<u32> = (0..n_items as u32)
        .filter(|&i| train.item_count(i as usize) > 0)
        .collect();
    let positives: Vec<(u32, u32)> = (0..n_users)
        .flat_map(|u| train.user(u).items.iter().map(move |&i| (u as u32, i)))
        .collect();
    let batch = config.batch.max(1);
    let mut epoch_losses = Vec::with_capacity(config.epochs);
    let (mut users, mut items, mut labels) = (Vec::new(), Vec::new(), Vec::new());
    let mut order: Vec<u32> = Vec::new();
    let mut negs: Vec<u32> = Vec::new();
    for epoch in 0..config.epochs {
        // This epoch's samples: each positive and its fresh negatives, shuffled.
        users.clear();
        items.clear();
        labels.clear();
        for &(u, i) in &positives {
            users.push(u);
            items.push(i);
            labels.push(1f32);
            negs.clear();
            sample_negatives(
                &pool,
                train.user(u as usize).items,
                config.negatives,
                &mut rng,
                &mut negs,
            );
            for &j in &negs {
                users.push(u);
                items.push(j);
                labels.push(0f32);
            }
        }
        order.clear();
        order.extend(0..users.len() as u32);
        rng.shuffle(&mut order);
        let (mut total, mut seen) = (0f64, 0usize);
        let (mut bu, mut bi, mut bl) = (Vec::new(), Vec::new(), Vec::new());
        for chunk in order.chunks(batch) {
            bu.clear();
            bi.clear();
            bl.clear();
            for &k in chunk {
                bu.push(users[k as usize]);
                bi.push(items[k as usize]);
                bl.push(labels[k as usize]);
            }
            let n = chunk.len();
            let logits = net.logits_of(
                &Tensor::from_slice(&bu, n, &dev)?,
                &Tensor::from_slice(&bi, n, &dev)?,
            )?;
            let loss = bce_with_logits(&logits, &Tensor::from_slice(&bl, n, &dev)?)?;
            opt.backward_step(&loss)?;
            total += f64::from(loss.to_scalar::<f32>()?) * n as f64;
            seen += n;
        }
        epoch_losses.push((total / seen.max(1) as f64) as f32);
        progress(Progress {
            stage: "ncf epoch".into(),
            done: epoch as u64 + 1,
            total: config.epochs as u64,
        });
    }

    let flat =
        |v: &Var| -> Result<Vec<f32>, NcfError> { Ok(v.as_tensor().flatten_all()?.to_vec1()?) };
    let mut dense = Vec::with_capacity(layers.len());
    for (w, b) in &layers {
        let (n_out, n_in) = w.as_tensor().dims2()?;
        dense.push(Dense {
            n_in,
            n_out,
            w: flat(w)?,
            b: flat(b)?,
        });
    }
    let params = Params {
        n_users,
        n_items,
        kg,
        km,
        user_gmf: flat(&user_gmf)?,
        item_gmf: flat(&item_gmf)?,
        user_mlp: flat(&user_mlp)?,
        item_mlp: flat(&item_mlp)?,
        layers: dense,
        out_w: flat(&out_w)?,
        out_b: flat(&out_b)?.first().copied().unwrap_or(0.0),
    };
    Ok((params, epoch_losses))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;

    /// Two groups of users with disjoint tastes over two groups of movies, plus noise.
    fn two_tastes(seed: u64) -> RatingMatrix {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut ratings = Vec::new();
        for user in 0..60u32 {
            let group = user % 2;
            for item in 0..40u32 {
                let mine = item % 2 == group;
                if rng.f32() < if mine { 0.5 } else { 0.05 } {
                    ratings.push(Rating {
                        user,
                        item,
                        value: if mine { 4.5 } else { 2.0 },
                        time: 0,
                    });
                }
            }
        }
        RatingMatrix::from_ratings(60, 40, ratings).0
    }

    fn small() -> NcfConfig {
        NcfConfig {
            gmf_factors: 8,
            mlp_factors: 8,
            layers: vec![16, 8],
            epochs: 15,
            batch: 128,
            lr: 0.01,
            weight_decay: 0.0,
            ..NcfConfig::default()
        }
    }

    #[test]
    fn loss_decreases_over_epochs() {
        let m = two_tastes(1);
        let model = Ncf::fit(&m, &small(), &mut |_| {}).expect("fits");
        let l = model.epoch_losses();
        assert_eq!(l.len(), 15);
        assert!(l.iter().all(|v| v.is_finite()), "{l:?}");
        // Chance level for 1 positive : 4 negatives is ≈ 0.50 nats at the prior.
        assert!(l[14] < 0.8 * l[0], "{l:?}");
        // Mostly downhill: at most a few small upticks from the fresh negatives.
        let ups = l.windows(2).filter(|w| w[1] > w[0]).count();
        assert!(ups <= 3, "{l:?}");
    }

    #[test]
    fn same_seed_same_model_bit_for_bit() {
        let m = two_tastes(2);
        let a = Ncf::fit(&m, &small(), &mut |_| {}).expect("fits");
        let b = Ncf::fit(&m, &small(), &mut |_| {}).expect("fits");
        assert_eq!(a.params, b.params);
        assert_eq!(a.epoch_losses, b.epoch_losses);
        for u in [0usize, 7, 31] {
            let (sa, sb) = (a.user(Who::Known(u)), b.user(Who::Known(u)));
            let bits = |s: &[f32]| s.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(sa.scores()), bits(sb.scores()));
        }
        let other = Ncf::fit(
            &m,
            &NcfConfig {
                seed: 43,
                ..small()
            },
            &mut |_| {},
        )
        .expect("fits");
        assert_ne!(a.params, other.params, "the seed must matter");
    }

    #[test]
    fn learns_the_two_tastes_and_folds_in_a_new_user() {
        let m = two_tastes(3);
        let model = Ncf::fit(&m, &small(), &mut |_| {}).expect("fits");
        // A new user who rated five even movies: the top of the list is even movies.
        let profile: Vec<(u32, f32)> = [0u32, 2, 4, 6, 8].iter().map(|&i| (i, 4.5)).collect();
        let user = model.user(Who::New(&profile));
        let top = crate::models::top_n(&user, 40, 10, &crate::models::TopNFilter::NONE, 0);
        let even = top.iter().filter(|r| r.item % 2 == 0).count();
        assert!(even >= 8, "{top:?}");
        // Same profile, same fold-in.
        let again = model.user(Who::New(&profile));
        assert_eq!(user.scores(), again.scores());
        // Reasons are liked rated movies, nearest first.
        let why = user.explain(top[0].item, 3);
        assert!(!why.is_empty());
        assert!(why
            .iter()
            .all(|(i, w)| profile.iter().any(|p| p.0 == *i) && *w > 0.0));
        assert!(why.windows(2).all(|w| w[0].1 >= w[1].1));
    }

    #[test]
    fn snapshot_round_trip_gives_identical_scores() {
        let m = two_tastes(4);
        let model = Ncf::fit(&m, &small(), &mut |_| {}).expect("fits");
        let bytes = model.snapshot().expect("savable").expect("encodes");
        let back = Ncf::from_snapshot(&bytes).expect("decodes");
        let profile = [(1u32, 5.0f32), (3, 4.0), (10, 1.0)];
        for who in [Who::Known(0), Who::Known(5), Who::New(&profile)] {
            let (a, b) = (model.user(who), back.user(who));
            assert_eq!(a.scores(), b.scores());
            for i in 0..40 {
                assert_eq!(a.predict(i), b.predict(i));
            }
        }
        assert!(Ncf::from_snapshot(&bytes[..bytes.len() / 2]).is_err());
    }

    #[test]
    fn users_without_ratings_get_the_mean_user() {
        let m = two_tastes(5);
        let model = Ncf::fit(&m, &small(), &mut |_| {}).expect("fits");
        let empty = model.user(Who::New(&[]));
        let out_of_range = model.user(Who::Known(10_000));
        assert_eq!(empty.scores(), out_of_range.scores());
        assert!(empty.scores().iter().all(|s| s.is_finite()));
    }
}
