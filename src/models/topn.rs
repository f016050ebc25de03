//! Ranking candidates for one user: the shared top-N routine every model uses.

use super::UserModel;

/// One entry of a top-N list.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub item: u32,
    /// Predicted rating, on the dataset's scale.
    pub predicted: f32,
    /// The ranking score the list is ordered by.
    pub score: f32,
    /// Rated movies that contributed most, with weights (may be empty).
    pub because: Vec<(u32, f32)>,
}

/// Which candidates a list may contain, beyond "not rated by the user".
pub struct TopNFilter<'a> {
    /// Candidate test; `None` admits every item.
    pub allow: Option<&'a (dyn Fn(u32) -> bool + Sync)>,
    /// Items never to return (e.g. "not interested").
    pub exclude: &'a [u32],
}

impl TopNFilter<'_> {
    pub const NONE: TopNFilter<'static> = TopNFilter {
        allow: None,
        exclude: &[],
    };
}

/// The `n` best items by [`UserModel::rank_score`] among items `0..n_items` that the
/// user has not rated and the filter admits; ties broken by lower item index.
/// Each entry carries the predicted rating and up to `explain` contributing movies.
pub fn top_n(
    user: &dyn UserModel,
    n_items: usize,
    n: usize,
    filter: &TopNFilter<'_>,
    explain: usize,
) -> Vec<Recommendation> {
    // `rated` is sorted, as the items are walked: step through it alongside them
    // rather than binary-search it per item (that search was the largest single cost
    // of a served recommendation, perf on the serve_load bench).
    let mut rated = user.rated().iter().copied().peekable();
    let mut scored: Vec<(f32, u32)> = (0..n_items as u32)
        .filter(|&i| {
            while rated.next_if(|&r| r < i).is_some() {}
            rated.next_if_eq(&i).is_none()
        })
        .filter(|i| !filter.exclude.contains(i))
        .filter(|&i| filter.allow.is_none_or(|f| f(i)))
        .map(|i| (user.rank_score(i), i))
        .filter(|(s, _)| s.is_finite())
        .collect();
    let by_score = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if scored.len() > n && n > 0 {
        scored.select_nth_unstable_by(n - 1, by_score);
        scored.truncate(n);
    }
    scored.sort_unstable_by(by_score);
    scored.truncate(n);
    scored
        .into_iter()
        .map(|(score, item)| Recommendation {
            item,
            predicted: user.predict(item),
            score,
            because: if explain > 0 {
                user.explain(item, explain)
            } else {
                Vec::new()
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed {
        scores: Vec<f32>,
        rated: Vec<u32>,
    }
    impl UserModel for Fixed {
        fn predict(&self, item: u32) -> f32 {
            self.scores[item as usize]
        }
        fn rated(&self) -> &[u32] {
            &self.rated
        }
    }

    #[test]
    fn ranks_excludes_rated_and_breaks_ties_by_index() {
        let user = Fixed {
            scores: vec![3.0, 5.0, 4.0, 5.0, 1.0, f32::NAN],
            rated: vec![1],
        };
        let top = top_n(&user, 6, 3, &TopNFilter::NONE, 0);
        let items: Vec<u32> = top.iter().map(|r| r.item).collect();
        assert_eq!(items, vec![3, 2, 0]);
        let only_even = |i: u32| i % 2 == 0;
        let filter = TopNFilter {
            allow: Some(&only_even),
            exclude: &[2],
        };
        let items: Vec<u32> = top_n(&user, 6, 10, &filter, 0)
            .iter()
            .map(|r| r.item)
            .collect();
        assert_eq!(items, vec![0, 4]);
    }
}
