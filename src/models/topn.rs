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
    /// The only items to consider, ascending (`None`: every item); `allow` still applies.
    pub candidates: Option<&'a [u32]>,
    /// Items never to return (e.g. "not interested").
    pub exclude: &'a [u32],
}

impl TopNFilter<'_> {
    pub const NONE: TopNFilter<'static> = TopNFilter {
        allow: None,
        candidates: None,
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
    let scored = match filter.candidates {
        Some(items) => {
            let below = items.partition_point(|&i| (i as usize) < n_items);
            score_unrated(user, items[..below].iter().copied(), filter)
        }
        None => score_unrated(user, 0..n_items as u32, filter),
    };
    best(user, scored, n, explain)
}

/// `(rank score, item)` of the `items` (ascending) that the user has not rated and the
/// filter admits.
fn score_unrated(
    user: &dyn UserModel,
    items: impl Iterator<Item = u32>,
    filter: &TopNFilter<'_>,
) -> Vec<(f32, u32)> {
    // `rated` is sorted, as the items are walked: step through it alongside them
    // rather than binary-search it per item (that search was the largest single cost
    // of a served recommendation, perf on the serve_load bench).
    let mut rated = user.rated().iter().copied().peekable();
    items
        .filter(|&i| {
            while rated.next_if(|&r| r < i).is_some() {}
            rated.next_if_eq(&i).is_none()
        })
        .filter(|i| !filter.exclude.contains(i))
        .filter(|&i| filter.allow.is_none_or(|f| f(i)))
        .map(|i| (user.rank_score(i), i))
        .filter(|(s, _)| s.is_finite())
        .collect()
}

/// The `n` best of `scored`, best first, with predictions and reasons.
fn best(
    user: &dyn UserModel,
    mut scored: Vec<(f32, u32)>,
    n: usize,
    explain: usize,
) -> Vec<Recommendation> {
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
            candidates: None,
            exclude: &[2],
        };
        let items: Vec<u32> = top_n(&user, 6, 10, &filter, 0)
            .iter()
            .map(|r| r.item)
            .collect();
        assert_eq!(items, vec![0, 4]);
    }

    #[test]
    fn candidates_rank_only_those_items_as_a_filter_would() {
        let user = Fixed {
            scores: (0..50).map(|i| ((i * 37) % 50) as f32).collect(),
            rated: vec![3, 10, 44],
        };
        let wanted = |i: u32| i % 3 != 0 || i > 40;
        let listed: Vec<u32> = (0..60).filter(|&i| wanted(i)).collect();
        let by_allow = top_n(
            &user,
            50,
            8,
            &TopNFilter {
                allow: Some(&wanted),
                candidates: None,
                exclude: &[7],
            },
            0,
        );
        let by_list = top_n(
            &user,
            50,
            8,
            &TopNFilter {
                allow: None,
                candidates: Some(&listed),
                exclude: &[7],
            },
            0,
        );
        assert_eq!(by_allow, by_list);
        assert_eq!(by_list.len(), 8);
        assert!(by_list.iter().all(|r| r.item < 50 && wanted(r.item)));
        assert!(by_list.iter().all(|r| ![3, 7, 10, 44].contains(&r.item)));
    }
}
