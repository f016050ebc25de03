//! Where reel keeps its files: platform data, cache and config directories.
