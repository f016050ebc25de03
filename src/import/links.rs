//! A movie's pages elsewhere, from the dataset's links (`links.csv`).

use crate::data::Movie;

/// The movie's IMDb page, e.g. `https://www.imdb.com/title/tt0111161/`.
pub fn imdb_url(movie: &Movie) -> Option<String> {
    movie
        .imdb_id
        .map(|id| format!("https://www.imdb.com/title/tt{id:07}/"))
}

/// The movie's TMDB page, e.g. `https://www.themoviedb.org/movie/278`.
pub fn tmdb_url(movie: &Movie) -> Option<String> {
    movie
        .tmdb_id
        .map(|id| format!("https://www.themoviedb.org/movie/{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::GenreSet;

    #[test]
    fn urls_from_links() {
        let mut m = Movie {
            id: 318,
            title: "The Shawshank Redemption".into(),
            alt_titles: vec![],
            year: Some(1994),
            genres: GenreSet::default(),
            imdb_id: Some(111_161),
            tmdb_id: Some(278),
            placeholder: false,
        };
        assert_eq!(
            imdb_url(&m).as_deref(),
            Some("https://www.imdb.com/title/tt0111161/")
        );
        assert_eq!(
            tmdb_url(&m).as_deref(),
            Some("https://www.themoviedb.org/movie/278")
        );
        m.imdb_id = None;
        m.tmdb_id = None;
        assert_eq!(imdb_url(&m), None);
        assert_eq!(tmdb_url(&m), None);
    }
}
