//! The last resort: subsequence matching with fuzzy-matcher's SkimMatcherV2, for
//! queries in which no word matches any title word even with typos ("lotr",
//! "starwars"). A cheap in-order byte test rejects most movies before the scorer runs.

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use rayon::prelude::*;

/// Every movie's folded names, back to back (one allocation: cache friendly).
pub struct Subsequences {
    text: String,
    /// `text[ends[i - 1]..ends[i]]` is movie `i`'s haystack.
    ends: Vec<u32>,
}

/// How many in-order candidates get the full fuzzy score.
const RESCORE: usize = 64;

impl Subsequences {
    pub fn new(haystacks: impl IntoIterator<Item = String>) -> Self {
        let mut text = String::new();
        let mut ends = Vec::new();
        for h in haystacks {
            text.push_str(&h);
            ends.push(text.len() as u32);
        }
        Subsequences { text, ends }
    }

    fn hay(&self, item: usize) -> &str {
        let start = if item == 0 {
            0
        } else {
            self.ends[item - 1] as usize
        };
        &self.text[start..self.ends[item] as usize]
    }

    /// The best `limit` movies whose names contain `query`'s letters in order (spaces
    /// ignored), as (skim score, item), best first (equal scores: more popular first);
    /// and how many movies contain them at all.
    pub fn search(
        &self,
        query: &str,
        popularity: &[u32],
        limit: usize,
    ) -> (Vec<(i64, u32)>, usize) {
        let pattern: String = query.chars().filter(|c| !c.is_whitespace()).collect();
        if pattern.is_empty() {
            return (Vec::new(), 0);
        }
        let pop = |i: u32| popularity.get(i as usize).copied().unwrap_or(0);
        // Stage 1, every movie: letters in order, ranked by popularity.
        let mut in_order: Vec<u32> = (0..self.ends.len() as u32)
            .into_par_iter()
            .with_min_len(4096)
            .filter(|&i| in_order(self.hay(i as usize).as_bytes(), pattern.as_bytes()))
            .collect();
        let total = in_order.len();
        // Stage 2, the most popular few: the real fuzzy score.
        let keep = (limit * 2).max(RESCORE);
        let by_pop = |a: &u32, b: &u32| pop(*b).cmp(&pop(*a)).then(a.cmp(b));
        if in_order.len() > keep {
            in_order.select_nth_unstable_by(keep - 1, by_pop);
            in_order.truncate(keep);
        }
        let matcher = SkimMatcherV2::default().ignore_case();
        let mut hits: Vec<(i64, u32)> = in_order
            .into_iter()
            .filter_map(|i| {
                matcher
                    .fuzzy_match(self.hay(i as usize), &pattern)
                    .map(|s| (s, i))
            })
            .collect();
        hits.sort_unstable_by(|a, b| {
            b.0.cmp(&a.0)
                .then(pop(b.1).cmp(&pop(a.1)))
                .then(a.1.cmp(&b.1))
        });
        hits.truncate(limit);
        (hits, total)
    }
}

/// True when every pattern byte occurs in `hay` in order: a necessary condition for
/// a fuzzy match, much cheaper than scoring.
fn in_order(hay: &[u8], pattern: &[u8]) -> bool {
    let mut rest = hay;
    for &b in pattern {
        match memchr::memchr(b, rest) {
            Some(p) => rest = &rest[p + 1..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_in_order_best_first() {
        let s = Subsequences::new(vec![
            "the lord of the rings / lotr".to_string(),
            "star wars".to_string(),
            "lost in translation".to_string(),
        ]);
        let (hits, total) = s.search("lordrings", &[1, 1, 1], 10);
        assert_eq!(hits.iter().map(|h| h.1).collect::<Vec<_>>(), [0]);
        assert_eq!(total, 1);
        // Every movie with the letters in order counts, however many are shown.
        let (hits, total) = s.search("lotr", &[1, 1, 5], 1);
        assert_eq!((hits[0].1, total), (2, 2));
        let (hits, _) = s.search("starwars", &[1, 1, 1], 10);
        assert_eq!(hits[0].1, 1);
        assert_eq!(s.search("zzz", &[1, 1, 1], 10), (vec![], 0));
    }
}
