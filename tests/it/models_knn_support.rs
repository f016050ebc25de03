//! Item-kNN predictions with little support (issue 8, defect 9): a profile of one rating
//! must not push predictions to the ends of the scale. Before the fix, one 5★ rating of
//! Shawshank predicted 5.0 for hundreds of movies, and a movie whose only rated
//! neighbour got 2★ was predicted at the bottom of the scale.

use crate::common;

use reel::data::{CacheMode, Dataset, LoadOptions};
use reel::models::item_knn::{ItemKnn, ItemKnnConfig};
use reel::models::{Model, Who};

fn dataset() -> Dataset {
    let dir = common::ml_latest_small();
    let opts = LoadOptions {
        cache: CacheMode::Off,
        ..LoadOptions::default()
    };
    match reel::data::load(&dir, &opts) {
        Ok(ds) => ds,
        Err(e) => panic!("cannot load {}: {e}", dir.display()),
    }
}

fn item_of(data: &Dataset, movie_id: u32) -> u32 {
    match data.catalogue.index_of(movie_id) {
        Some(i) => i,
        None => panic!("movieId {movie_id} not in ml-latest-small"),
    }
}

#[test]
fn one_rating_profile_does_not_swing_predictions_to_the_scale_ends() {
    let data = dataset();
    let knn = ItemKnn::fit(&data.ratings, &ItemKnnConfig::default(), &mut |_| {});
    let n_items = data.ratings.n_items() as u32;
    let rated_in_train = |i: u32| data.ratings.item_count(i as usize) >= 20;

    // One 5★ rating of a middling blockbuster, Armageddon (movieId 1917): its
    // neighbours must not all jump to the top of the scale.
    let armageddon = item_of(&data, 1917);
    let profile = [(armageddon, 5.0)];
    let user = knn.for_user(Who::New(&profile));
    let at_top = (0..n_items)
        .filter(|&i| i != armageddon && rated_in_train(i))
        .filter(|&i| user.predict(i) >= 4.95)
        .count();
    assert!(
        at_top <= 5,
        "{at_top} well-known movies predicted ≥ 4.95 from one 5★ rating"
    );

    // One 2★ rating of The Shawshank Redemption (318): movies whose only rated
    // neighbour it is must not drop to the bottom.
    let shawshank = item_of(&data, 318);
    let profile = [(shawshank, 2.0)];
    let user = knn.for_user(Who::New(&profile));
    let at_bottom = (0..n_items)
        .filter(|&i| i != shawshank && rated_in_train(i))
        .filter(|&i| user.predict(i) <= 1.5)
        .count();
    assert!(
        at_bottom == 0,
        "{at_bottom} well-known movies predicted ≤ 1.5 from one 2★ rating"
    );
}

#[test]
fn prediction_moves_from_the_baseline_toward_the_neighbours_as_support_grows() {
    let data = dataset();
    let knn = ItemKnn::fit(&data.ratings, &ItemKnnConfig::default(), &mut |_| {});
    let shawshank = item_of(&data, 318);
    // Pulp Fiction (296): a strong neighbour of Shawshank in any similarity.
    let pulp = item_of(&data, 296);
    let empty = knn.for_user(Who::New(&[]));
    let profile = [(shawshank, 5.0)];
    let one = knn.for_user(Who::New(&profile));
    let base = empty.predict(pulp);
    let p = one.predict(pulp);
    // Above the baseline (the neighbour was loved), but well short of the top.
    assert!(
        p > base,
        "prediction {p} not above the empty-profile {base}"
    );
    assert!(p < 4.9, "one rating predicted {p} for Pulp Fiction");
}
