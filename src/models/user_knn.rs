//! user_knn
