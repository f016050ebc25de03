//! `--algo` names → fitted models.

use crate::data::RatingMatrix;
use crate::models::{Model, Progress};

/// Every algorithm name `--algo` accepts, in display order.
pub const ALGORITHMS: &[&str] = &["popular", "baseline", "item-knn", "user-knn", "svd", "als"];

/// Why a model could not be fitted by name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegistryError {
    #[error("unknown algorithm '{name}' (known: {})", ALGORITHMS.join(", "))]
    Unknown { name: String },
    #[error("algorithm '{name}' is not available in this build yet")]
    NotAvailable { name: String },
}

/// Fits the model called `name` on `train` with its default configuration and `seed`
/// (for models with random initialisation), reporting progress.
pub fn fit_by_name(
    name: &str,
    train: &RatingMatrix,
    seed: u64,
    progress: &mut dyn FnMut(Progress),
) -> Result<Box<dyn Model>, RegistryError> {
    let _ = (train, seed, &progress);
    match name {
        n if ALGORITHMS.contains(&n) => Err(RegistryError::NotAvailable {
            name: n.to_string(),
        }),
        other => Err(RegistryError::Unknown {
            name: other.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_name_is_a_clear_error() {
        let (m, _) = RatingMatrix::from_ratings(1, 1, vec![]);
        let err = fit_by_name("nope", &m, 42, &mut |_| {}).err();
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("unknown algorithm 'nope'"), "{msg}");
        assert!(msg.contains("item-knn"), "{msg}");
    }
}
