//! The compact rating matrix: dense user and item indices, `f32` ratings, one
//! by-user view (CSR) and one by-movie view (CSC). Models iterate these views.

use rayon::prelude::*;

/// One rating with dense indices (not MovieLens ids).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    pub user: u32,
    pub item: u32,
    pub value: f32,
    /// Seconds since the Unix epoch.
    pub time: i64,
}

/// The ratings of one user, sorted by item index.
#[derive(Debug, Clone, Copy)]
pub struct UserRow<'a> {
    pub items: &'a [u32],
    pub values: &'a [f32],
    pub times: &'a [i64],
}

impl UserRow<'_> {
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// The rating of `item`, if this user rated it (binary search).
    pub fn get(&self, item: u32) -> Option<f32> {
        self.items
            .binary_search(&item)
            .ok()
            .map(|pos| self.values[pos])
    }
}

/// The ratings of one movie, sorted by user index.
#[derive(Debug, Clone, Copy)]
pub struct ItemColumn<'a> {
    pub users: &'a [u32],
    pub values: &'a [f32],
}

impl ItemColumn<'_> {
    pub fn len(&self) -> usize {
        self.users.len()
    }
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

/// Ratings of `n_users` users on `n_items` movies, stored twice: by user (CSR)
/// and by movie (CSC). Every (user, item) pair occurs at most once.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingMatrix {
    n_users: usize,
    n_items: usize,
    // CSR: row `u` is `user_ptr[u]..user_ptr[u + 1]`.
    user_ptr: Vec<usize>,
    user_items: Vec<u32>,
    user_values: Vec<f32>,
    user_times: Vec<i64>,
    // CSC: column `i` is `item_ptr[i]..item_ptr[i + 1]`.
    item_ptr: Vec<usize>,
    item_users: Vec<u32>,
    item_values: Vec<f32>,
}

/// The raw arrays of a [`RatingMatrix`], for the binary cache.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingMatrixParts {
    pub n_users: usize,
    pub n_items: usize,
    pub user_ptr: Vec<usize>,
    pub user_items: Vec<u32>,
    pub user_values: Vec<f32>,
    pub user_times: Vec<i64>,
    pub item_ptr: Vec<usize>,
    pub item_users: Vec<u32>,
    pub item_values: Vec<f32>,
}

/// Why a set of parts is not a valid matrix (used when a cache is read back).
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("inconsistent rating matrix: {0}")]
pub struct InvalidMatrix(pub &'static str);

impl RatingMatrix {
    /// Builds the matrix from ratings in any order. A repeated (user, item) pair
    /// keeps the latest rating by timestamp (on a tie, the one that came last).
    /// Returns the matrix and how many duplicates were merged away.
    ///
    /// Panics if an index is out of range; callers map ids to indices first.
    pub fn from_ratings(n_users: usize, n_items: usize, ratings: Vec<Rating>) -> (Self, usize) {
        // Stable counting sort by user, straight into the CSR arrays.
        let mut user_ptr = vec![0usize; n_users + 1];
        for r in &ratings {
            user_ptr[r.user as usize + 1] += 1;
        }
        for u in 0..n_users {
            user_ptr[u + 1] += user_ptr[u];
        }
        let nnz = ratings.len();
        let grouped = ratings.par_windows(2).all(|w| w[0].user <= w[1].user);
        let (mut items, mut values, mut times) = if grouped {
            // Already grouped by user (as MovieLens files are): a parallel unzip.
            (
                ratings.par_iter().map(|r| r.item).collect::<Vec<u32>>(),
                ratings.par_iter().map(|r| r.value).collect::<Vec<f32>>(),
                ratings.par_iter().map(|r| r.time).collect::<Vec<i64>>(),
            )
        } else {
            let mut items = vec![0u32; nnz];
            let mut values = vec![0f32; nnz];
            let mut times = vec![0i64; nnz];
            let mut next = user_ptr[..n_users].to_vec();
            for r in &ratings {
                let slot = &mut next[r.user as usize];
                items[*slot] = r.item;
                values[*slot] = r.value;
                times[*slot] = r.time;
                *slot += 1;
            }
            (items, values, times)
        };
        drop(ratings);
        // Sort each row by (item, time), stably, so the last entry of a run of one item
        // is the latest (and, on a tie, the last to arrive). Rows already in item order
        // (the usual case) are left alone.
        let duplicates: usize = split_rows(&mut items, &user_ptr)
            .into_par_iter()
            .zip(split_rows(&mut values, &user_ptr))
            .zip(split_rows(&mut times, &user_ptr))
            .map(|((items, values), times)| sort_row(items, values, times))
            .sum();
        if duplicates > 0 {
            compact_duplicates(&mut user_ptr, &mut items, &mut values, &mut times);
        }
        let (item_ptr, item_users, item_values) =
            transpose(n_users, n_items, &user_ptr, &items, &values);
        let matrix = RatingMatrix {
            n_users,
            n_items,
            user_ptr,
            user_items: items,
            user_values: values,
            user_times: times,
            item_ptr,
            item_users,
            item_values,
        };
        (matrix, duplicates)
    }

    /// Rebuilds a matrix from its parts, checking every invariant the views rely on.
    pub fn from_parts(p: RatingMatrixParts) -> Result<Self, InvalidMatrix> {
        let nnz = p.user_items.len();
        if p.user_ptr.len() != p.n_users + 1 || p.item_ptr.len() != p.n_items + 1 {
            return Err(InvalidMatrix("offset array length"));
        }
        if p.user_values.len() != nnz
            || p.user_times.len() != nnz
            || p.item_users.len() != nnz
            || p.item_values.len() != nnz
        {
            return Err(InvalidMatrix("array lengths differ"));
        }
        check_offsets(&p.user_ptr, nnz)?;
        check_offsets(&p.item_ptr, nnz)?;
        check_sorted_rows(&p.user_ptr, &p.user_items, p.n_items)?;
        check_sorted_rows(&p.item_ptr, &p.item_users, p.n_users)?;
        Ok(RatingMatrix {
            n_users: p.n_users,
            n_items: p.n_items,
            user_ptr: p.user_ptr,
            user_items: p.user_items,
            user_values: p.user_values,
            user_times: p.user_times,
            item_ptr: p.item_ptr,
            item_users: p.item_users,
            item_values: p.item_values,
        })
    }

    /// Borrows the raw arrays (for the binary cache).
    pub fn parts(&self) -> RatingMatrixPartsRef<'_> {
        RatingMatrixPartsRef {
            n_users: self.n_users,
            n_items: self.n_items,
            user_ptr: &self.user_ptr,
            user_items: &self.user_items,
            user_values: &self.user_values,
            user_times: &self.user_times,
            item_ptr: &self.item_ptr,
            item_users: &self.item_users,
            item_values: &self.item_values,
        }
    }

    pub fn n_users(&self) -> usize {
        self.n_users
    }
    pub fn n_items(&self) -> usize {
        self.n_items
    }
    /// Number of stored ratings.
    pub fn nnz(&self) -> usize {
        self.user_items.len()
    }

    pub fn user(&self, user: usize) -> UserRow<'_> {
        let range = self.user_ptr[user]..self.user_ptr[user + 1];
        UserRow {
            items: &self.user_items[range.clone()],
            values: &self.user_values[range.clone()],
            times: &self.user_times[range],
        }
    }

    pub fn item(&self, item: usize) -> ItemColumn<'_> {
        let range = self.item_ptr[item]..self.item_ptr[item + 1];
        ItemColumn {
            users: &self.item_users[range.clone()],
            values: &self.item_values[range],
        }
    }

    pub fn user_count(&self, user: usize) -> usize {
        self.user_ptr[user + 1] - self.user_ptr[user]
    }
    pub fn item_count(&self, item: usize) -> usize {
        self.item_ptr[item + 1] - self.item_ptr[item]
    }

    /// The rating of `user` for `item`, if any.
    pub fn get(&self, user: usize, item: u32) -> Option<f32> {
        self.user(user).get(item)
    }

    /// Every rating, by user then item.
    pub fn iter(&self) -> impl Iterator<Item = Rating> + '_ {
        (0..self.n_users).flat_map(move |u| {
            let row = self.user(u);
            (0..row.len()).map(move |k| Rating {
                user: u as u32,
                item: row.items[k],
                value: row.values[k],
                time: row.times[k],
            })
        })
    }

    /// All rating values, by user then item.
    pub fn values(&self) -> &[f32] {
        &self.user_values
    }

    /// All timestamps, by user then item.
    pub fn times(&self) -> &[i64] {
        &self.user_times
    }

    /// Mean of all ratings (0 for an empty matrix). Summed in f64.
    pub fn global_mean(&self) -> f64 {
        if self.nnz() == 0 {
            return 0.0;
        }
        self.user_values.iter().map(|&v| v as f64).sum::<f64>() / self.nnz() as f64
    }

    /// Number of movies with at least one rating.
    pub fn rated_items(&self) -> usize {
        (0..self.n_items)
            .filter(|&i| self.item_count(i) > 0)
            .count()
    }

    /// Bytes held by the arrays (for reports and memory budgets).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        (self.user_ptr.len() + self.item_ptr.len()) * size_of::<usize>()
            + (self.user_items.len() + self.item_users.len()) * size_of::<u32>()
            + (self.user_values.len() + self.item_values.len()) * size_of::<f32>()
            + self.user_times.len() * size_of::<i64>()
    }
}

/// Borrowed raw arrays of a [`RatingMatrix`].
#[derive(Debug, Clone, Copy)]
pub struct RatingMatrixPartsRef<'a> {
    pub n_users: usize,
    pub n_items: usize,
    pub user_ptr: &'a [usize],
    pub user_items: &'a [u32],
    pub user_values: &'a [f32],
    pub user_times: &'a [i64],
    pub item_ptr: &'a [usize],
    pub item_users: &'a [u32],
    pub item_values: &'a [f32],
}

/// Splits `data` into the rows delimited by `ptr`.
fn split_rows<'a, T>(mut data: &'a mut [T], ptr: &[usize]) -> Vec<&'a mut [T]> {
    let mut rows = Vec::with_capacity(ptr.len().saturating_sub(1));
    for w in ptr.windows(2) {
        let (row, rest) = std::mem::take(&mut data).split_at_mut(w[1] - w[0]);
        rows.push(row);
        data = rest;
    }
    rows
}

/// Sorts one row by (item, time), stably; returns how many entries repeat an item.
fn sort_row(items: &mut [u32], values: &mut [f32], times: &mut [i64]) -> usize {
    if items.windows(2).all(|w| w[0] < w[1]) {
        return 0;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&k| (items[k], times[k]));
    let sorted: Vec<(u32, f32, i64)> = order
        .iter()
        .map(|&k| (items[k], values[k], times[k]))
        .collect();
    for (k, (i, v, t)) in sorted.into_iter().enumerate() {
        items[k] = i;
        values[k] = v;
        times[k] = t;
    }
    items.windows(2).filter(|w| w[0] == w[1]).count()
}

/// Keeps the last entry of each run of one item per row (rows are sorted).
fn compact_duplicates(
    ptr: &mut [usize],
    items: &mut Vec<u32>,
    values: &mut Vec<f32>,
    times: &mut Vec<i64>,
) {
    let mut write = 0;
    let mut row_start = 0;
    for u in 0..ptr.len() - 1 {
        let end = ptr[u + 1];
        for k in row_start..end {
            let last_of_item = k + 1 == end || items[k + 1] != items[k];
            if last_of_item {
                items[write] = items[k];
                values[write] = values[k];
                times[write] = times[k];
                write += 1;
            }
        }
        row_start = end;
        ptr[u + 1] = write;
    }
    items.truncate(write);
    values.truncate(write);
    times.truncate(write);
}

/// CSR → CSC. Users are visited in order, so each column comes out sorted by user.
/// The columns are split into one contiguous range per thread; each thread scans
/// the whole CSR and writes only its own columns.
fn transpose(
    n_users: usize,
    n_items: usize,
    user_ptr: &[usize],
    user_items: &[u32],
    user_values: &[f32],
) -> (Vec<usize>, Vec<u32>, Vec<f32>) {
    let nnz = user_items.len();
    let mut item_ptr = vec![0usize; n_items + 1];
    for &i in user_items {
        item_ptr[i as usize + 1] += 1;
    }
    for i in 0..n_items {
        item_ptr[i + 1] += item_ptr[i];
    }
    let mut item_users = vec![0u32; nnz];
    let mut item_values = vec![0f32; nnz];
    // Column ranges of about equal size, cut at column boundaries.
    let parts = rayon::current_num_threads().clamp(1, 8);
    let mut bounds = vec![0usize];
    for k in 1..parts {
        let target = nnz * k / parts;
        let col = item_ptr.partition_point(|&p| p < target).min(n_items);
        if col > *bounds.last().unwrap_or(&0) {
            bounds.push(col);
        }
    }
    bounds.push(n_items);
    let mut user_slices = Vec::new();
    let mut value_slices = Vec::new();
    let (mut users_rest, mut values_rest) = (&mut item_users[..], &mut item_values[..]);
    for w in bounds.windows(2) {
        let len = item_ptr[w[1]] - item_ptr[w[0]];
        let (a, b) = std::mem::take(&mut users_rest).split_at_mut(len);
        let (c, d) = std::mem::take(&mut values_rest).split_at_mut(len);
        user_slices.push(a);
        value_slices.push(c);
        users_rest = b;
        values_rest = d;
    }
    user_slices
        .into_par_iter()
        .zip(value_slices)
        .zip(bounds.par_windows(2))
        .for_each(|((users_out, values_out), w)| {
            let (lo, hi) = (w[0] as u32, w[1] as u32);
            let base = item_ptr[w[0]];
            let mut next: Vec<usize> = item_ptr[w[0]..w[1]].iter().map(|p| p - base).collect();
            for u in 0..n_users {
                for k in user_ptr[u]..user_ptr[u + 1] {
                    let i = user_items[k];
                    if i >= lo && i < hi {
                        let slot = &mut next[(i - lo) as usize];
                        users_out[*slot] = u as u32;
                        values_out[*slot] = user_values[k];
                        *slot += 1;
                    }
                }
            }
        });
    (item_ptr, item_users, item_values)
}

fn check_offsets(ptr: &[usize], nnz: usize) -> Result<(), InvalidMatrix> {
    if ptr.first() != Some(&0) || ptr.last() != Some(&nnz) {
        return Err(InvalidMatrix("offsets do not span the data"));
    }
    if ptr.windows(2).any(|w| w[0] > w[1]) {
        return Err(InvalidMatrix("offsets decrease"));
    }
    Ok(())
}

fn check_sorted_rows(ptr: &[usize], idx: &[u32], bound: usize) -> Result<(), InvalidMatrix> {
    for w in ptr.windows(2) {
        let row = &idx[w[0]..w[1]];
        if row.windows(2).any(|p| p[0] >= p[1]) {
            return Err(InvalidMatrix("row not strictly sorted"));
        }
        if row.last().is_some_and(|&last| last as usize >= bound) {
            return Err(InvalidMatrix("index out of range"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(user: u32, item: u32, value: f32, time: i64) -> Rating {
        Rating {
            user,
            item,
            value,
            time,
        }
    }

    #[test]
    fn builds_both_views_sorted() {
        let (m, dups) = RatingMatrix::from_ratings(
            3,
            4,
            vec![
                r(2, 1, 3.0, 5),
                r(0, 3, 4.0, 1),
                r(0, 1, 2.5, 2),
                r(1, 1, 5.0, 3),
            ],
        );
        assert_eq!(dups, 0);
        assert_eq!(m.nnz(), 4);
        assert_eq!(m.user(0).items, &[1, 3]);
        assert_eq!(m.user(0).values, &[2.5, 4.0]);
        assert_eq!(m.item(1).users, &[0, 1, 2]);
        assert_eq!(m.item(1).values, &[2.5, 5.0, 3.0]);
        assert!(m.item(0).is_empty());
        assert_eq!(m.get(2, 1), Some(3.0));
        assert_eq!(m.get(2, 0), None);
        assert_eq!(m.rated_items(), 2);
        assert!((m.global_mean() - 3.625).abs() < 1e-12);
    }

    #[test]
    fn duplicate_keeps_latest_then_last_arrival() {
        let (m, dups) = RatingMatrix::from_ratings(
            1,
            2,
            vec![
                r(0, 0, 1.0, 10),
                r(0, 0, 4.0, 30),
                r(0, 0, 2.0, 20),
                r(0, 1, 3.0, 7),
                r(0, 1, 3.5, 7),
            ],
        );
        assert_eq!(dups, 3);
        assert_eq!(m.user(0).values, &[4.0, 3.5]);
        assert_eq!(m.user(0).times, &[30, 7]);
        assert_eq!(m.item(0).values, &[4.0]);
    }

    #[test]
    fn parts_round_trip_and_validation() {
        let (m, _) = RatingMatrix::from_ratings(
            2,
            2,
            vec![r(0, 0, 1.0, 1), r(1, 1, 2.0, 2), r(1, 0, 3.0, 3)],
        );
        let p = m.parts();
        let owned = RatingMatrixParts {
            n_users: p.n_users,
            n_items: p.n_items,
            user_ptr: p.user_ptr.to_vec(),
            user_items: p.user_items.to_vec(),
            user_values: p.user_values.to_vec(),
            user_times: p.user_times.to_vec(),
            item_ptr: p.item_ptr.to_vec(),
            item_users: p.item_users.to_vec(),
            item_values: p.item_values.to_vec(),
        };
        assert_eq!(RatingMatrix::from_parts(owned.clone()).as_ref(), Ok(&m));
        let mut bad = owned.clone();
        bad.user_items[1] = 9;
        assert!(RatingMatrix::from_parts(bad).is_err());
        let mut bad = owned;
        bad.item_ptr[1] = 7;
        assert!(RatingMatrix::from_parts(bad).is_err());
    }

    #[test]
    fn iter_visits_every_rating() {
        let (m, _) = RatingMatrix::from_ratings(2, 3, vec![r(1, 2, 1.0, 1), r(0, 1, 2.0, 2)]);
        let all: Vec<Rating> = m.iter().collect();
        assert_eq!(all, vec![r(0, 1, 2.0, 2), r(1, 2, 1.0, 1)]);
    }
}
