//! item_knn
