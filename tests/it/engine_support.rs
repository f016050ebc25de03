//! Shared test fixtures: a small hand-made dataset and a TEMPORARY mean-based model
//! used only until the real item-kNN and SVD models are wired in.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use reel::data::{
    Catalogue, Dataset, GenreSet, Layout, LoadReport, Movie, Rating, RatingMatrix, RatingScale, Tag,
};
use reel::engine::{ListSpec, ModelSet, Trainer, Trainers};
use reel::models::{Model, Progress, UserModel, Who};

/// TEMPORARY test-only model: item mean plus the user's mean offset.
pub struct TempMeanModel {
    name: &'static str,
    item_mean: Vec<f32>,
    global: f32,
}

impl TempMeanModel {
    pub fn fit(
        train: &RatingMatrix,
        name: &'static str,
        progress: &mut dyn FnMut(Progress),
    ) -> Self {
        let global = train.global_mean() as f32;
        let item_mean = (0..train.n_items())
            .map(|i| {
                let c = train.item(i);
                // Damped towards the global mean.
                (c.values.iter().sum::<f32>() + 3.0 * global) / (c.len() as f32 + 3.0)
            })
            .collect();
        progress(Progress {
            stage: "means".into(),
            done: 1,
            total: 1,
        });
        TempMeanModel {
            name,
            item_mean,
            global,
        }
    }
}

struct TempUser<'a> {
    m: &'a TempMeanModel,
    offset: f32,
    rated: Vec<u32>,
    profile: Vec<(u32, f32)>,
}

impl UserModel for TempUser<'_> {
    fn predict(&self, item: u32) -> f32 {
        (self.m.item_mean[item as usize] + self.offset).clamp(0.5, 5.0)
    }
    fn explain(&self, _item: u32, max: usize) -> Vec<(u32, f32)> {
        let mut v: Vec<(u32, f32)> = self
            .profile
            .iter()
            .copied()
            .filter(|r| r.1 >= 4.0)
            .collect();
        v.truncate(max);
        v
    }
    fn rated(&self) -> &[u32] {
        &self.rated
    }
}

impl Model for TempMeanModel {
    fn name(&self) -> &str {
        self.name
    }
    fn n_items(&self) -> usize {
        self.item_mean.len()
    }
    fn for_user<'a>(&'a self, who: Who<'a>) -> Box<dyn UserModel + 'a> {
        let profile = match who {
            Who::New(p) => p.to_vec(),
            Who::Known(_) => Vec::new(),
        };
        let offset = if profile.is_empty() {
            0.0
        } else {
            profile
                .iter()
                .map(|r| r.1 - self.item_mean[r.0 as usize])
                .sum::<f32>()
                / profile.len() as f32
        };
        let _ = self.global;
        Box::new(TempUser {
            m: self,
            offset,
            rated: profile.iter().map(|r| r.0).collect(),
            profile,
        })
    }
}

/// Two quick lists standing in for item-kNN and SVD (same names and labels).
pub fn temp_trainers() -> Trainers {
    let list = |name: &'static str, label: &str, model: &'static str| Trainer {
        spec: ListSpec {
            name: name.to_string(),
            label: label.to_string(),
        },
        fit: Arc::new(move |m: &RatingMatrix, p: &mut dyn FnMut(Progress)| {
            Ok(Box::new(TempMeanModel::fit(m, model, p)) as Box<dyn Model>)
        }),
    };
    Trainers(vec![
        list("item-knn", "Item-based", "temp-item"),
        list("svd", "SVD", "temp-svd"),
    ])
}

pub fn temp_models(ds: &Arc<Dataset>) -> Arc<ModelSet> {
    Arc::new(ModelSet::train(Arc::clone(ds), &temp_trainers(), &mut |_, _| {}).expect("fit"))
}

pub const GENRES: [&str; 5] = ["Action", "Comedy", "Drama", "Sci-Fi", "Animation"];

/// 40 movies (ids 10, 20, …), 60 users, seeded random ratings; movie k has genre k % 5
/// and year 1980 + k. Movie 0 is rated by everyone (most popular).
pub fn fixture() -> Arc<Dataset> {
    let genre_names: Vec<String> = GENRES.iter().map(|s| s.to_string()).collect();
    let titles = [
        "Matrix, The",
        "Toy Story",
        "Heat",
        "Jumanji",
        "Alien",
        "Casablanca",
        "Up",
        "Fargo",
        "Brazil",
        "Vertigo",
    ];
    let movies: Vec<Movie> = (0..40u32)
        .map(|k| {
            let mut genres = GenreSet::default();
            genres.insert((k % 5) as usize);
            let base = titles[(k % 10) as usize];
            let base = match base.strip_suffix(", The") {
                Some(t) => format!("The {t}"),
                None => base.to_string(),
            };
            let title = if k < 10 {
                base
            } else {
                format!("{base} {}", k / 10 + 1)
            };
            Movie {
                id: (k + 1) * 10,
                title,
                alt_titles: Vec::new(),
                year: Some(1980 + k as u16),
                genres,
                imdb_id: None,
                tmdb_id: None,
                placeholder: false,
            }
        })
        .collect();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut ratings = Vec::new();
    for u in 0..60u32 {
        for k in 0..40u32 {
            let p = if k == 0 {
                1.0
            } else {
                1.0 / (1.0 + k as f32 / 8.0)
            };
            if rng.f32() < p {
                let taste = ((u + k) % 5) as f32;
                let v = ((taste + 1.0 + rng.f32()) * 2.0).round() / 2.0;
                ratings.push(Rating {
                    user: u,
                    item: k,
                    value: v.clamp(0.5, 5.0),
                    time: 1_000 + k as i64,
                });
            }
        }
    }
    let (matrix, _) = RatingMatrix::from_ratings(60, 40, ratings);
    let tags = vec![
        Tag {
            user_id: 1,
            item: 0,
            text: "cyberpunk".into(),
            time: 1,
        },
        Tag {
            user_id: 2,
            item: 0,
            text: "Cyberpunk".into(),
            time: 2,
        },
        Tag {
            user_id: 3,
            item: 0,
            text: "philosophy".into(),
            time: 3,
        },
    ];
    Arc::new(Dataset {
        layout: Layout::Csv,
        source: PathBuf::from("fixture"),
        scale: RatingScale::HALF_STARS,
        catalogue: Catalogue::new(movies, genre_names),
        user_ids: (1..=60).collect(),
        ratings: matrix,
        tags,
        report: LoadReport::default(),
        cache: reel::data::CacheStatus::Disabled,
    })
}
