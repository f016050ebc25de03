//! Genre filters by name, for the front-ends that take genres as text (CLI flags, HTTP
//! query fields): one parser, one error message.

use super::RecFilter;
use crate::data::Catalogue;

impl RecFilter {
    /// Sets the genre filter from names (case-insensitive): a movie passes with any of
    /// `include` (every genre when empty) and none of `exclude`. An unknown name is an
    /// error that lists the dataset's genres.
    pub fn set_genres_by_name<S: AsRef<str>>(
        &mut self,
        catalogue: &Catalogue,
        include: &[S],
        exclude: &[S],
    ) -> Result<(), String> {
        let lookup = |names: &[S]| -> Result<Vec<usize>, String> {
            let mut out = Vec::new();
            for name in names {
                let name = name.as_ref().trim();
                let g = catalogue.genre_index(name).ok_or_else(|| {
                    format!(
                        "unknown genre {name:?}; genres: {}",
                        catalogue.genre_names.join(", ")
                    )
                })?;
                if !out.contains(&g) {
                    out.push(g);
                }
            }
            Ok(out)
        };
        self.genres = lookup(include)?;
        self.exclude_genres = lookup(exclude)?;
        Ok(())
    }
}
