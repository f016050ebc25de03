//! Downloading official GroupLens releases.
