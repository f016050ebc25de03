-- Accounts and their movie lists. Plain types that SQLite and PostgreSQL both accept.
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    -- SHA-256 of the API token, hex; the token itself is shown once and never stored.
    token_hash TEXT NOT NULL UNIQUE,
    created BIGINT NOT NULL
);

CREATE TABLE ratings (
    user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    -- MovieLens movie id (stable across datasets, unlike dense indexes).
    movie_id BIGINT NOT NULL,
    stars DOUBLE PRECISION NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (user_name, movie_id)
);

-- Watchlist and not-interested entries; `list` is 'watchlist' or 'not-interested'.
CREATE TABLE marks (
    user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    list TEXT NOT NULL CHECK (list IN ('watchlist', 'not-interested')),
    movie_id BIGINT NOT NULL,
    added BIGINT NOT NULL,
    PRIMARY KEY (user_name, list, movie_id)
);
