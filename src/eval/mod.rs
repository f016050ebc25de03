//! Evaluation: splits, rating-prediction metrics and top-N metrics.
