//! Per-movie statistics of the dataset, computed once per model set: rating counts and
//! means, column norms (for the fallback similarity) and the tag index.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::data::{Dataset, RatingMatrix};

pub struct ItemStats {
    /// Number of ratings per movie (the search's and the popular list's order).
    pub counts: Vec<u32>,
    /// Mean rating per movie (0 when unrated).
    pub means: Vec<f32>,
    /// L2 norm of each rating column (for [`ItemStats::similar_cosine`]).
    norms: Vec<f32>,
    /// Built on the first [`ItemStats::top_tags`]: a million tags take a noticeable
    /// part of a cold command that never shows one.
    tags_by_item: OnceLock<HashMap<u32, Vec<(String, usize)>>>,
    /// Movies a count-only filter admits, by minimum count, ascending: ranking then
    /// scores only these instead of testing every movie per request (that test was the
    /// largest single cost of a served recommendation). A few minimums at most.
    admitted_by_count: Mutex<Vec<(u32, Arc<[u32]>)>>,
}

/// How many minimum counts [`ItemStats::admitted_with_count`] remembers.
const ADMITTED_CACHE: usize = 8;

impl ItemStats {
    pub fn new(dataset: &Dataset) -> Self {
        let m = &dataset.ratings;
        let n = dataset.catalogue.len();
        let mut counts = vec![0u32; n];
        let mut means = vec![0f32; n];
        let mut norms = vec![0f32; n];
        for i in 0..m.n_items().min(n) {
            let col = m.item(i);
            counts[i] = col.len() as u32;
            if !col.is_empty() {
                let sum: f64 = col.values.iter().map(|&v| v as f64).sum();
                means[i] = (sum / col.len() as f64) as f32;
                norms[i] = col
                    .values
                    .iter()
                    .map(|&v| (v as f64) * (v as f64))
                    .sum::<f64>()
                    .sqrt() as f32;
            }
        }
        ItemStats {
            counts,
            means,
            norms,
            tags_by_item: OnceLock::new(),
            admitted_by_count: Mutex::new(Vec::new()),
        }
    }

    /// The movies with at least `min_count` ratings that `keep` accepts, ascending;
    /// remembered per `min_count` (`keep` must depend on the movie alone).
    pub fn admitted_with_count(&self, min_count: u32, keep: impl Fn(u32) -> bool) -> Arc<[u32]> {
        let cached = |c: &Vec<(u32, Arc<[u32]>)>| {
            c.iter()
                .find(|(m, _)| *m == min_count)
                .map(|(_, items)| Arc::clone(items))
        };
        if let Some(items) = self.admitted_by_count.lock().ok().and_then(|c| cached(&c)) {
            return items;
        }
        let items: Arc<[u32]> = (0..self.counts.len() as u32)
            .filter(|&i| self.counts[i as usize] >= min_count && keep(i))
            .collect();
        if let Ok(mut c) = self.admitted_by_count.lock() {
            if cached(&c).is_none() {
                if c.len() == ADMITTED_CACHE {
                    c.remove(0);
                }
                c.push((min_count, Arc::clone(&items)));
            }
        }
        items
    }

    fn index_tags(dataset: &Dataset) -> HashMap<u32, Vec<(String, usize)>> {
        let mut tag_counts: HashMap<u32, HashMap<String, (String, usize)>> = HashMap::new();
        for t in &dataset.tags {
            let text = t.text.trim();
            if text.is_empty() {
                continue;
            }
            let slot = tag_counts
                .entry(t.item)
                .or_default()
                .entry(text.to_lowercase())
                .or_insert_with(|| (text.to_string(), 0));
            slot.1 += 1;
        }
        tag_counts
            .into_iter()
            .map(|(item, tags)| {
                let mut v: Vec<(String, usize)> = tags.into_values().collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                (item, v)
            })
            .collect()
    }

    /// The most used tags of a movie, with counts (`dataset` is the one these
    /// statistics were computed from).
    pub fn top_tags(&self, dataset: &Dataset, item: u32, n: usize) -> Vec<(String, usize)> {
        self.tags_by_item
            .get_or_init(|| Self::index_tags(dataset))
            .get(&item)
            .map(|v| v.iter().take(n).cloned().collect())
            .unwrap_or_default()
    }

    /// Cosine similarity of rating columns, shrunk by the number of co-raters
    /// (`sim · c / (c + 10)`), at least 3 co-raters: "similar movies" when no list
    /// model has item neighbours.
    pub fn similar_cosine(&self, m: &RatingMatrix, item: u32, n: usize) -> Vec<(u32, f32)> {
        if item as usize >= m.n_items() || n == 0 {
            return Vec::new();
        }
        let col = m.item(item as usize);
        let mut dot: HashMap<u32, (f32, u32)> = HashMap::new();
        for (k, &u) in col.users.iter().enumerate() {
            let r = col.values[k];
            let row = m.user(u as usize);
            for (j, &other) in row.items.iter().enumerate() {
                if other != item {
                    let e = dot.entry(other).or_insert((0.0, 0));
                    e.0 += r * row.values[j];
                    e.1 += 1;
                }
            }
        }
        let ni = self.norms[item as usize];
        let mut sims: Vec<(u32, f32)> = dot
            .into_iter()
            .filter(|&(_, (_, c))| c >= 3)
            .filter_map(|(j, (d, c))| {
                let denom = ni * self.norms.get(j as usize).copied().unwrap_or(0.0);
                (denom > 0.0).then(|| (j, d / denom * c as f32 / (c as f32 + 10.0)))
            })
            .collect();
        sims.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        sims.truncate(n);
        sims
    }
}
