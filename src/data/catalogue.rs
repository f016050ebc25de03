//! The movie catalogue: titles, years, genres, links and tags, indexed by the
//! same dense item index as the rating matrix.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A set of genres, as bits into [`Catalogue::genre_names`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GenreSet(pub u64);

impl GenreSet {
    pub fn contains(self, genre: usize) -> bool {
        genre < 64 && self.0 & (1 << genre) != 0
    }
    pub fn insert(&mut self, genre: usize) {
        debug_assert!(genre < 64);
        self.0 |= 1 << genre;
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }
    /// Genre indices in increasing order.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..64).filter(move |&g| self.0 & (1u64 << g) != 0)
    }
}

/// One catalogue movie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Movie {
    /// MovieLens movieId.
    pub id: u32,
    /// Display title, with a trailing article moved to the front and without the year
    /// ("Shawshank Redemption, The (1994)" → "The Shawshank Redemption").
    pub title: String,
    /// Other names from parentheses ("a.k.a. …", original-language titles), kept for search.
    pub alt_titles: Vec<String>,
    pub year: Option<u16>,
    pub genres: GenreSet,
    pub imdb_id: Option<u32>,
    pub tmdb_id: Option<u32>,
    /// True for a movie that was rated but missing from the catalogue file.
    pub placeholder: bool,
}

impl Movie {
    /// "Title (Year)" or just the title.
    pub fn label(&self) -> String {
        match self.year {
            Some(y) => format!("{} ({y})", self.title),
            None => self.title.clone(),
        }
    }
}

/// A tag a user put on a movie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// MovieLens userId (taggers need not have rated anything).
    pub user_id: u32,
    /// Dense item index.
    pub item: u32,
    pub text: String,
    pub time: i64,
}

/// Every movie, in item-index order, with id lookup.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub movies: Vec<Movie>,
    /// Genre names, indexed by the bits of [`GenreSet`].
    pub genre_names: Vec<String>,
    #[serde(skip)]
    index_by_id: HashMap<u32, u32>,
}

/// More than 64 distinct genres: the set type cannot hold them.
#[derive(Debug, thiserror::Error)]
#[error("more than 64 distinct genres (at {0:?})")]
pub struct TooManyGenres(pub String);

impl Catalogue {
    pub fn new(movies: Vec<Movie>, genre_names: Vec<String>) -> Self {
        let mut c = Catalogue {
            movies,
            genre_names,
            index_by_id: HashMap::new(),
        };
        c.reindex();
        c
    }

    /// Rebuilds the id → index map (after deserializing).
    pub fn reindex(&mut self) {
        self.index_by_id = self
            .movies
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id, i as u32))
            .collect();
    }

    pub fn len(&self) -> usize {
        self.movies.len()
    }
    pub fn is_empty(&self) -> bool {
        self.movies.is_empty()
    }

    /// Dense item index of a MovieLens movieId.
    pub fn index_of(&self, id: u32) -> Option<u32> {
        self.index_by_id.get(&id).copied()
    }

    pub fn movie(&self, item: u32) -> &Movie {
        &self.movies[item as usize]
    }

    pub fn by_id(&self, id: u32) -> Option<&Movie> {
        self.index_of(id).map(|i| self.movie(i))
    }

    /// Index of a genre name (case-insensitive), if the catalogue has it.
    pub fn genre_index(&self, name: &str) -> Option<usize> {
        self.genre_names
            .iter()
            .position(|g| g.eq_ignore_ascii_case(name))
    }

    /// Genre names of a set, in catalogue order.
    pub fn genre_list(&self, set: GenreSet) -> Vec<&str> {
        set.iter()
            .filter_map(|g| self.genre_names.get(g).map(String::as_str))
            .collect()
    }

    /// Interns a genre name, returning its bit.
    pub fn intern_genre(names: &mut Vec<String>, name: &str) -> Result<usize, TooManyGenres> {
        if let Some(pos) = names.iter().position(|g| g == name) {
            return Ok(pos);
        }
        if names.len() == 64 {
            return Err(TooManyGenres(name.to_string()));
        }
        names.push(name.to_string());
        Ok(names.len() - 1)
    }
}
