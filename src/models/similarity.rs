//! Small numeric kernels shared by the neighbourhood models: compact user rows,
//! sparse neighbour lists, top-k selection, shrinkage and the sparse co-rating
//! accumulator that computes every similarity without a dense n×n matrix.

use crate::data::{RatingMatrix, RatingScale};

/// The ratings of every training user (CSR: item indices and values), kept by
/// models that need a known user's ratings after fitting. Cheaper than a clone
/// of the whole [`RatingMatrix`] (no timestamps, no by-movie view).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct UserRows {
    #[serde(with = "crate::models::store::pod::usizes")]
    ptr: Vec<usize>,
    #[serde(with = "crate::models::store::pod")]
    items: Vec<u32>,
    #[serde(with = "crate::models::store::pod")]
    values: Vec<f32>,
}

impl UserRows {
    pub fn from_matrix(train: &RatingMatrix) -> Self {
        let p = train.parts();
        UserRows {
            ptr: p.user_ptr.to_vec(),
            items: p.user_items.to_vec(),
            values: p.user_values.to_vec(),
        }
    }

    pub fn n_users(&self) -> usize {
        self.ptr.len().saturating_sub(1)
    }

    /// Items and ratings of `user`; empty for an index out of range.
    pub fn row(&self, user: usize) -> (&[u32], &[f32]) {
        if user + 1 >= self.ptr.len() {
            return (&[], &[]);
        }
        let range = self.ptr[user]..self.ptr[user + 1];
        (&self.items[range.clone()], &self.values[range])
    }

    /// `user`'s ratings as a profile (sorted by item).
    pub fn profile(&self, user: usize) -> Vec<(u32, f32)> {
        let (items, values) = self.row(user);
        items.iter().copied().zip(values.iter().copied()).collect()
    }

    pub fn heap_bytes(&self) -> usize {
        self.ptr.len() * std::mem::size_of::<usize>() + self.items.len() * 8
    }
}

/// A profile cleaned for use as a new user: items within `0..n_items`, finite
/// ratings, sorted by item, the last of any repeated item kept.
pub fn clean_profile(profile: &[(u32, f32)], n_items: usize) -> Vec<(u32, f32)> {
    let mut out: Vec<(u32, f32)> = profile
        .iter()
        .copied()
        .filter(|&(i, r)| (i as usize) < n_items && r.is_finite())
        .collect();
    // Stable sort keeps arrival order among repeats; keep the last one.
    out.sort_by_key(|&(i, _)| i);
    let mut dedup: Vec<(u32, f32)> = Vec::with_capacity(out.len());
    for (i, r) in out {
        match dedup.last_mut() {
            Some(last) if last.0 == i => last.1 = r,
            _ => dedup.push((i, r)),
        }
    }
    dedup
}

/// The clipping range of predictions: the configured scale, or else the range of
/// the ratings seen in training (half stars when there are none).
pub fn clip_range(train: &RatingMatrix, scale: Option<RatingScale>) -> (f32, f32) {
    if let Some(s) = scale {
        return (s.min, s.max);
    }
    let mut lo = f32::INFINITY;
    let mut hi = f32::NEG_INFINITY;
    for &v in train.values() {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo <= hi {
        (lo, hi)
    } else {
        (RatingScale::HALF_STARS.min, RatingScale::HALF_STARS.max)
    }
}

/// Clips `value` to `[lo, hi]`; a non-finite value becomes the middle of the range.
pub fn clip(value: f32, (lo, hi): (f32, f32)) -> f32 {
    if value.is_finite() {
        value.clamp(lo, hi)
    } else {
        0.5 * (lo + hi)
    }
}

/// Shrinks a similarity measured on `support` co-ratings towards 0:
/// `sim · (support − 1) / (support − 1 + shrinkage)` (Koren 2008; Surprise's
/// pearson-baseline). `shrinkage = 0` leaves it unchanged.
pub fn shrink(sim: f32, support: u32, shrinkage: f32) -> f32 {
    if shrinkage <= 0.0 {
        return sim;
    }
    let n = support.saturating_sub(1) as f32;
    sim * n / (n + shrinkage)
}

/// Keeps the `k` entries with the largest weight (ties: lower index first) and
/// sorts them that way. Deterministic whatever the input order.
pub fn top_k(cands: &mut Vec<(u32, f32)>, k: usize) {
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if k == 0 {
        cands.clear();
        return;
    }
    if cands.len() > k {
        cands.select_nth_unstable_by(k - 1, order);
        cands.truncate(k);
    }
    cands.sort_unstable_by(order);
}

/// A (index, weight) pair packed so that sorting the keys ascending orders by
/// decreasing weight, then increasing index — the order of [`top_k`] — with the
/// speed of an integer sort. `weight` must be finite and non-negative (the bits of
/// such floats grow with the value).
pub fn weight_key(index: u32, weight: f32) -> u64 {
    debug_assert!(weight.is_finite() && weight >= 0.0);
    (u64::from(!weight.to_bits()) << 32) | u64::from(index)
}

/// Unpacks a [`weight_key`].
pub fn key_entry(key: u64) -> (u32, f32) {
    (key as u32, f32::from_bits(!((key >> 32) as u32)))
}

/// The `k` smallest keys (the `k` best entries), unpacked, in no particular order.
pub fn best_k_keys(keys: &mut [u64], k: usize) -> Vec<(u32, f32)> {
    if k == 0 {
        return Vec::new();
    }
    if keys.len() > k {
        keys.select_nth_unstable(k - 1);
    }
    keys[..k.min(keys.len())]
        .iter()
        .map(|&key| key_entry(key))
        .collect()
}

/// Sparse neighbour lists, one per row (a movie or a user): (neighbour, weight),
/// each list in the order it was given. One exact-size allocation per row, taken
/// over from the lists that computed it (no concatenating copy); never dense.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(into = "FlatNeighbours", try_from = "FlatNeighbours")]
pub struct Neighbours {
    lists: Vec<Box<[(u32, f32)]>>,
}

/// [`Neighbours`] on disk: list lengths, then every neighbour and weight, as raw arrays.
#[derive(serde::Serialize, serde::Deserialize)]
struct FlatNeighbours {
    #[serde(with = "crate::models::store::pod")]
    lens: Vec<u32>,
    #[serde(with = "crate::models::store::pod")]
    items: Vec<u32>,
    #[serde(with = "crate::models::store::pod")]
    weights: Vec<f32>,
}

impl From<Neighbours> for FlatNeighbours {
    fn from(n: Neighbours) -> Self {
        let total: usize = n.lists.iter().map(|l| l.len()).sum();
        let mut flat = FlatNeighbours {
            lens: Vec::with_capacity(n.lists.len()),
            items: Vec::with_capacity(total),
            weights: Vec::with_capacity(total),
        };
        for l in &n.lists {
            flat.lens.push(l.len() as u32);
            for &(j, w) in l.iter() {
                flat.items.push(j);
                flat.weights.push(w);
            }
        }
        flat
    }
}

impl TryFrom<FlatNeighbours> for Neighbours {
    type Error = String;
    fn try_from(f: FlatNeighbours) -> Result<Self, String> {
        let total: usize = f.lens.iter().map(|&l| l as usize).sum();
        if total != f.items.len() || total != f.weights.len() {
            return Err(format!(
                "neighbour lists hold {total} entries but {} items and {} weights were saved",
                f.items.len(),
                f.weights.len()
            ));
        }
        let mut at = 0;
        let lists = f
            .lens
            .iter()
            .map(|&l| {
                let l = l as usize;
                let list: Box<[(u32, f32)]> = f.items[at..at + l]
                    .iter()
                    .copied()
                    .zip(f.weights[at..at + l].iter().copied())
                    .collect();
                at += l;
                list
            })
            .collect();
        Ok(Neighbours { lists })
    }
}

impl Neighbours {
    pub fn from_lists(lists: Vec<Vec<(u32, f32)>>) -> Self {
        Neighbours {
            lists: lists.into_iter().map(Vec::into_boxed_slice).collect(),
        }
    }

    pub fn n_rows(&self) -> usize {
        self.lists.len()
    }

    /// Neighbours of `row` with their weights (empty if out of range).
    pub fn of(&self, row: usize) -> &[(u32, f32)] {
        self.lists.get(row).map_or(&[], |l| &l[..])
    }

    /// Total number of stored (row, neighbour) pairs.
    pub fn len(&self) -> usize {
        self.lists.iter().map(|l| l.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.lists.iter().all(|l| l.is_empty())
    }

    pub fn heap_bytes(&self) -> usize {
        self.lists.len() * std::mem::size_of::<Box<[(u32, f32)]>>() + self.len() * 8
    }
}

/// Sums over the co-raters of a pair (target t, other j). `x` is the centred
/// value used by the rating similarity, `w` the implicit weight used by ranking.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CoStats {
    /// Number of co-raters (support).
    pub n: u32,
    /// Σ x_t · x_j
    pub xy: f32,
    /// Σ x_t² over the co-raters
    pub xx: f32,
    /// Σ x_j² over the co-raters
    pub yy: f32,
    /// Σ g · w_t · w_j (implicit co-occurrence, g a per-rater weight)
    pub c: f32,
}

impl CoStats {
    /// Cosine of the centred values over the co-raters, shrunk; 0 below `min_support`.
    pub fn similarity(&self, min_support: u32, shrinkage: f32) -> f32 {
        if self.n < min_support.max(1) {
            return 0.0;
        }
        let den = self.xx * self.yy;
        if den > 0.0 {
            shrink(self.xy / den.sqrt(), self.n, shrinkage)
        } else {
            0.0
        }
    }
}

/// One side of the rating matrix seen as sparse rows with per-entry values:
/// `ptr`, `idx` (indices on the other side), centred values `x`, implicit weights `w`.
#[derive(Debug, Clone, Copy)]
pub struct SparseSide<'a> {
    pub ptr: &'a [usize],
    pub idx: &'a [u32],
    pub x: &'a [f32],
    pub w: &'a [f32],
}

impl SparseSide<'_> {
    pub fn range(&self, row: usize) -> std::ops::Range<usize> {
        self.ptr[row]..self.ptr[row + 1]
    }
}

/// Dense per-thread scratch of [`CoStats`], indexed by the target side, plus the
/// list of touched entries so that resetting costs only what was used.
pub struct Accumulator {
    stats: Vec<CoStats>,
    /// `touched[..n_touched]` are the entries with `n > 0`, in first-touch order.
    /// One longer than the number of entries so that recording a touch needs no
    /// branch (the write past the last touched entry always has room).
    touched: Vec<u32>,
    n_touched: usize,
    /// Scratch of [`Accumulator::drain_supported`], as long as `touched`.
    kept: Vec<(u32, CoStats)>,
}

impl Accumulator {
    pub fn new(n: usize) -> Self {
        Accumulator {
            stats: vec![CoStats::default(); n],
            touched: vec![0; n + 1],
            n_touched: 0,
            kept: vec![(0, CoStats::default()); n + 1],
        }
    }

    /// Accumulates the co-rating sums between one target and every entry reachable
    /// through its raters. `target` lists (rater, x_t, w_t·g_rater); `rows` gives each
    /// rater's ratings on the target side.
    pub fn accumulate<I>(&mut self, target: I, rows: &SparseSide<'_>)
    where
        I: IntoIterator<Item = (u32, f32, f32)>,
    {
        self.accumulate_below(target, rows, u32::MAX);
    }

    /// As [`Accumulator::accumulate`], for entries with index below `limit` only
    /// (rows are sorted, so each row is cut where it reaches `limit`). Used to visit
    /// each unordered pair once.
    pub fn accumulate_below<I>(&mut self, target: I, rows: &SparseSide<'_>, limit: u32)
    where
        I: IntoIterator<Item = (u32, f32, f32)>,
    {
        let stats = &mut self.stats[..];
        let touched = &mut self.touched[..];
        let mut n_touched = self.n_touched;
        for (rater, xt, wt) in target {
            let mut range = rows.range(rater as usize);
            if limit != u32::MAX {
                let cut = rows.idx[range.clone()].partition_point(|&j| j < limit);
                range.end = range.start + cut;
            }
            let xx = xt * xt;
            let idx = &rows.idx[range.clone()];
            let xs = &rows.x[range.clone()];
            let ws = &rows.w[range];
            // The hot loop of every neighbourhood fit (Σ n_u² iterations): no branch
            // but the loop's own; a first touch is recorded by writing the index
            // unconditionally and advancing the count only when `n` was 0.
            for ((&j, &xj), &wj) in idx.iter().zip(xs).zip(ws) {
                let s = &mut stats[j as usize];
                touched[n_touched] = j;
                n_touched += usize::from(s.n == 0);
                s.n += 1;
                s.xy += xt * xj;
                s.xx += xx;
                s.yy += xj * xj;
                s.c += wt * wj;
            }
        }
        self.n_touched = n_touched;
    }

    /// The touched entries whose sums pass `keep`; clears the scratch. Most touched
    /// pairs of a sparse matrix have a single co-rater: they are dropped without a
    /// branch while the scratch is cleared (`keep` should be branch-free too).
    pub fn drain_where(&mut self, keep: impl Fn(&CoStats) -> bool) -> &[(u32, CoStats)] {
        let mut n_kept = 0;
        for &j in &self.touched[..self.n_touched] {
            let s = std::mem::take(&mut self.stats[j as usize]);
            self.kept[n_kept] = (j, s);
            n_kept += usize::from(keep(&s));
        }
        self.n_touched = 0;
        &self.kept[..n_kept]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_keeps_the_k_largest_sorted_with_index_ties() {
        let mut v = vec![(5, 0.1), (1, 0.9), (2, 0.5), (7, 0.9), (3, -1.0), (4, 0.5)];
        top_k(&mut v, 3);
        assert_eq!(v, vec![(1, 0.9), (7, 0.9), (2, 0.5)]);
        let mut w = vec![(0, 1.0), (1, 2.0)];
        top_k(&mut w, 5);
        assert_eq!(w, vec![(1, 2.0), (0, 1.0)]);
        top_k(&mut w, 0);
        assert!(w.is_empty());
    }

    #[test]
    fn packed_keys_order_like_top_k() {
        let v = vec![(5, 0.1), (1, 0.9), (2, 0.5), (7, 0.9), (3, 0.0), (4, 0.5)];
        for k in 0..8 {
            let mut expected = v.clone();
            top_k(&mut expected, k);
            let mut keys: Vec<u64> = v.iter().map(|&(j, w)| weight_key(j, w)).collect();
            let mut got = best_k_keys(&mut keys, k);
            // The same entries; sorted, the same order.
            let n = got.len();
            top_k(&mut got, n);
            assert_eq!(got, expected, "k = {k}");
        }
    }

    #[test]
    fn shrinkage_follows_the_formula() {
        assert_eq!(shrink(0.5, 1, 100.0), 0.0);
        assert!((shrink(0.5, 11, 100.0) - 0.5 * 10.0 / 110.0).abs() < 1e-7);
        assert_eq!(shrink(0.5, 3, 0.0), 0.5);
    }

    #[test]
    fn clean_profile_sorts_filters_and_keeps_last_repeat() {
        let p = clean_profile(&[(3, 4.0), (1, 2.0), (9, 5.0), (3, 1.0), (2, f32::NAN)], 5);
        assert_eq!(p, vec![(1, 2.0), (3, 1.0)]);
    }

    #[test]
    fn neighbours_round_trip() {
        let n = Neighbours::from_lists(vec![vec![(1, 0.5), (2, 0.25)], vec![], vec![(0, 1.0)]]);
        assert_eq!(n.n_rows(), 3);
        assert_eq!(n.of(0), &[(1, 0.5), (2, 0.25)]);
        assert!(n.of(1).is_empty());
        assert!(n.of(7).is_empty());
        assert_eq!(n.len(), 3);
    }

    #[test]
    fn accumulator_sums_over_co_raters_and_resets() {
        // Two raters; rater 0 rated targets {0, 1}, rater 1 rated {1}.
        let ptr = [0usize, 2, 3];
        let idx = [0u32, 1, 1];
        let x = [1.0f32, 2.0, 3.0];
        let w = [1.0f32, 1.0, 0.5];
        let rows = SparseSide {
            ptr: &ptr,
            idx: &idx,
            x: &x,
            w: &w,
        };
        let mut acc = Accumulator::new(2);
        // Target with ratings by both raters: x_t = 2 (rater 0), -1 (rater 1).
        acc.accumulate([(0u32, 2.0f32, 1.0f32), (1, -1.0, 2.0)], &rows);
        let mut got = Vec::new();
        got.extend(acc.drain_where(|_| true).iter().copied());
        got.sort_by_key(|g| g.0);
        assert_eq!(got[0].0, 0);
        assert_eq!(got[0].1.n, 1);
        assert_eq!(got[0].1.xy, 2.0);
        assert_eq!(got[1].1.n, 2);
        assert_eq!(got[1].1.xy, 2.0 * 2.0 - 3.0);
        assert_eq!(got[1].1.xx, 4.0 + 1.0);
        assert_eq!(got[1].1.yy, 4.0 + 9.0);
        assert_eq!(got[1].1.c, 1.0 + 2.0 * 0.5);
        let mut again = 0;
        again += acc.drain_where(|_| true).len();
        assert_eq!(again, 0);
        acc.accumulate([(1u32, 1.0f32, 1.0f32)], &rows);
        let got: Vec<_> = acc
            .drain_where(|_| true)
            .iter()
            .map(|(j, s)| (*j, s.n, s.xy))
            .collect();
        assert_eq!(got, vec![(1, 1, 3.0)]);
        // A keep rule drops entries but still clears them.
        acc.accumulate([(0u32, 1.0f32, 1.0f32), (1, 1.0, 1.0)], &rows);
        let kept: Vec<u32> = acc.drain_where(|s| s.n >= 2).iter().map(|p| p.0).collect();
        assert_eq!(kept, vec![1]);
        assert!(acc.drain_where(|_| true).is_empty());
    }
}
