//! Recommendation models. Each fits on a [`RatingMatrix`](crate::data::RatingMatrix),
//! predicts, folds in a new user and ranks top-N.
