//! The HTTP API: handlers, request and answer shapes (documented with utoipa).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth;
use super::engine_port::Models;
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody};
use super::store::{MarkList, StoredMark, StoredRating};
use super::{AppState, LoadState};
use crate::engine::RecFilter;

type St = State<Arc<AppState>>;

/// Most results one request may ask for.
pub const MAX_N: usize = 100;
/// Longest search query, in characters.
pub const MAX_QUERY: usize = 200;
/// Most ratings one anonymous recommendation request may carry.
pub const MAX_RATINGS: usize = 5_000;

/// The full model set (recommendations, similar movies): 503 until every list is loaded.
fn models(state: &AppState) -> Result<Arc<Models>, ApiError> {
    state.models.get().cloned().ok_or_else(ApiError::loading)
}

/// The catalogue (search, movie pages, star checks): available once the dataset is
/// read, before the lists' models.
fn catalogue(state: &AppState) -> Result<Arc<Models>, ApiError> {
    state
        .models
        .get()
        .or_else(|| state.catalogue.get())
        .cloned()
        .ok_or_else(ApiError::catalogue_loading)
}

fn check_n(n: Option<usize>, default: usize) -> Result<usize, ApiError> {
    let n = n.unwrap_or(default);
    if n == 0 || n > MAX_N {
        return Err(ApiError::bad_request(
            "bad_n",
            format!("n must be between 1 and {MAX_N} (got {n})"),
        ));
    }
    Ok(n)
}

/// Runs CPU work (search, fold-in) on the async worker that took the request. It is
/// bounded (a fold-in and a ranking: under a millisecond on ml-latest-small, a few on a
/// 25M-rating set), and the workers are as many as the cores, so handing it to the
/// blocking pool only added two thread switches per request (perf, serve_load bench).
async fn compute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    Ok(f())
}

// ---------------------------------------------------------------- health

/// Server state: `ready` (200) or `loading` / `failed` (503).
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ready`, `loading` or `failed`.
    pub status: String,
    /// What loading is doing now (while loading).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Overall fraction done, 0-1 (while loading, when known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<f32>,
    /// Seconds since the start (loading) or how long loading took (ready).
    pub seconds: f64,
    /// Whether search, movie pages and account writes answer (true once the catalogue
    /// is read, before the lists' models are).
    pub search_ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub movies: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[utoipa::path(get, path = "/health", tag = "server",
    responses((status = 200, body = Health, description = "models loaded"),
              (status = 503, body = Health, description = "still loading, or loading failed")))]
pub async fn health(State(state): St) -> Response {
    let status = state.load_state();
    let mut h = Health {
        status: String::new(),
        stage: None,
        progress: None,
        seconds: 0.0,
        search_ready: state.catalogue.get().is_some() || state.models.get().is_some(),
        movies: state
            .models
            .get()
            .or_else(|| state.catalogue.get())
            .map(|m| m.catalogue().len()),
        error: None,
    };
    let code = match status {
        LoadState::Loading {
            stage,
            progress,
            since,
        } => {
            h.status = "loading".into();
            h.stage = Some(stage);
            h.progress = progress;
            h.seconds = since.elapsed().as_secs_f64();
            StatusCode::SERVICE_UNAVAILABLE
        }
        LoadState::Ready { seconds } => {
            h.status = "ready".into();
            h.seconds = seconds;
            StatusCode::OK
        }
        LoadState::Failed(why) => {
            h.status = "failed".into();
            h.error = Some(why);
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    (code, Json(h)).into_response()
}

// ---------------------------------------------------------------- movies

/// A movie in a list.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct MovieSummary {
    /// MovieLens movie id.
    pub movie_id: u32,
    pub title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    /// Number of MovieLens ratings.
    pub rating_count: u32,
    /// Mean MovieLens rating (absent when unrated).
    pub mean_rating: Option<f32>,
}

fn summary(m: &Models, item: u32) -> MovieSummary {
    let movie = m.movie(item);
    let count = m.rating_count(item);
    MovieSummary {
        movie_id: movie.id,
        title: movie.title.clone(),
        year: movie.year,
        genres: m
            .catalogue()
            .genre_list(movie.genres)
            .into_iter()
            .map(String::from)
            .collect(),
        rating_count: count,
        mean_rating: (count > 0).then(|| m.mean_rating(item)),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Search text (title, year, genre words); empty lists popular movies.
    #[serde(default)]
    pub q: String,
    /// How many results (1-100, default 10).
    pub n: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    pub results: Vec<MovieSummary>,
}

#[utoipa::path(get, path = "/v1/movies/search", tag = "movies", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(state): St,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    let n = check_n(query.n, 10)?;
    if query.q.chars().count() > MAX_QUERY {
        return Err(ApiError::bad_request(
            "query_too_long",
            format!("q may have at most {MAX_QUERY} characters"),
        ));
    }
    let m = catalogue(&state)?;
    let results = compute(move || {
        m.search(&query.q, n)
            .into_iter()
            .map(|hit| summary(&m, hit.item))
            .collect::<Vec<_>>()
    })
    .await?;
    Ok(Json(SearchResults { results }))
}

/// A tag users put on the movie, with how many times.
#[derive(Serialize, ToSchema)]
pub struct TagCount {
    pub tag: String,
    pub count: usize,
}

/// Links to other movie sites (when the dataset has links.csv).
#[derive(Serialize, ToSchema)]
pub struct Links {
    pub imdb: Option<String>,
    pub tmdb: Option<String>,
}

/// Everything about one movie.
#[derive(Serialize, ToSchema)]
pub struct MovieDetails {
    pub movie_id: u32,
    pub title: String,
    pub year: Option<u16>,
    pub genres: Vec<String>,
    pub alt_titles: Vec<String>,
    pub rating_count: u32,
    pub mean_rating: Option<f32>,
    pub tags: Vec<TagCount>,
    pub links: Links,
}

fn item_for(m: &Models, movie_id: u32) -> Result<u32, ApiError> {
    m.item_of(movie_id).ok_or_else(|| {
        ApiError::not_found(
            "unknown_movie",
            format!("no movie with MovieLens id {movie_id} in this dataset"),
        )
    })
}

#[utoipa::path(get, path = "/v1/movies/{movie_id}", tag = "movies",
    params(("movie_id" = u32, Path, description = "MovieLens movie id")),
    responses((status = 200, body = MovieDetails), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn movie(
    State(state): St,
    ApiPath(movie_id): ApiPath<u32>,
) -> Result<Json<MovieDetails>, ApiError> {
    let m = catalogue(&state)?;
    let item = item_for(&m, movie_id)?;
    let s = summary(&m, item);
    let movie = m.movie(item);
    Ok(Json(MovieDetails {
        movie_id: s.movie_id,
        title: s.title,
        year: s.year,
        genres: s.genres,
        alt_titles: movie.alt_titles.clone(),
        rating_count: s.rating_count,
        mean_rating: s.mean_rating,
        tags: m
            .top_tags(item, 20)
            .into_iter()
            .map(|(tag, count)| TagCount { tag, count })
            .collect(),
        links: Links {
            imdb: movie
                .imdb_id
                .map(|id| format!("https://www.imdb.com/title/tt{id:07}/")),
            tmdb: movie
                .tmdb_id
                .map(|id| format!("https://www.themoviedb.org/movie/{id}")),
        },
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NQuery {
    /// How many results (1-100, default 10).
    pub n: Option<usize>,
}

/// A similar movie with its similarity.
#[derive(Serialize, ToSchema)]
pub struct SimilarMovie {
    #[serde(flatten)]
    pub movie: MovieSummary,
    pub similarity: f32,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarResults {
    pub movie: MovieSummary,
    pub similar: Vec<SimilarMovie>,
}

#[utoipa::path(get, path = "/v1/movies/{movie_id}/similar", tag = "movies",
    params(("movie_id" = u32, Path, description = "MovieLens movie id"), NQuery),
    responses((status = 200, body = SimilarResults), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn similar(
    State(state): St,
    ApiPath(movie_id): ApiPath<u32>,
    ApiQuery(query): ApiQuery<NQuery>,
) -> Result<Json<SimilarResults>, ApiError> {
    let n = check_n(query.n, 10)?;
    let m = models(&state)?;
    let item = item_for(&m, movie_id)?;
    let out = compute(move || SimilarResults {
        movie: summary(&m, item),
        similar: m
            .similar(item, n)
            .into_iter()
            .map(|(other, similarity)| SimilarMovie {
                movie: summary(&m, other),
                similarity,
            })
            .collect(),
    })
    .await?;
    Ok(Json(out))
}

// ---------------------------------------------------------------- recommendations

/// One rating in an anonymous request.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct RatingIn {
    /// MovieLens movie id.
    pub movie_id: u32,
    /// 0.5-5 stars in half stars.
    pub stars: f32,
}

/// An anonymous recommendation request: the ratings travel with it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecRequest {
    pub ratings: Vec<RatingIn>,
    /// Movies never to recommend (e.g. "not interested"), MovieLens ids.
    #[serde(default)]
    pub exclude: Vec<u32>,
    /// Entries per list (1-100, default 10).
    pub n: Option<usize>,
    /// A list name (`ease`, `svd-ease`, as configured; `item-knn`/`item` and `svd` find the
    /// item-based and SVD lists) or `both` (every list; default).
    pub list: Option<String>,
    /// Only these genres (any of them), e.g. `Comedy` or `Comedy,Drama`.
    pub genre: Option<String>,
    /// Leave out these genres, e.g. `Horror` or `Horror,Documentary`.
    pub exclude_genre: Option<String>,
    /// Year range `FROM-TO`, e.g. `1990-1999` (either end may be left out).
    pub years: Option<String>,
    /// Minimum MovieLens ratings a movie needs (default 10).
    pub min_ratings: Option<u32>,
}

/// The list options of a signed-in recommendation request.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecQuery {
    /// Entries per list (1-100, default 10).
    pub n: Option<usize>,
    /// A list name (`ease`, `svd-ease`, as configured; `item-knn`/`item` and `svd` find the
    /// item-based and SVD lists) or `both` (every list; default).
    pub list: Option<String>,
    /// Only these genres (any of them), e.g. `Comedy` or `Comedy,Drama`.
    pub genre: Option<String>,
    /// Leave out these genres, e.g. `Horror` or `Horror,Documentary`.
    pub exclude_genre: Option<String>,
    /// Year range `FROM-TO`, e.g. `1990-1999`.
    pub years: Option<String>,
    /// Minimum MovieLens ratings a movie needs (default 10).
    pub min_ratings: Option<u32>,
}

/// A rated movie a recommendation is based on.
#[derive(Serialize, ToSchema)]
pub struct Because {
    pub movie_id: u32,
    pub title: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecEntry {
    pub movie_id: u32,
    pub title: String,
    pub year: Option<u16>,
    /// Predicted stars for you.
    pub stars: Option<f32>,
    /// The score the list is ordered by.
    pub score: f32,
    /// Your rated movies that contribute most to this one's score.
    pub because: Vec<Because>,
}

#[derive(Serialize, ToSchema)]
pub struct RecListOut {
    /// The list's model: `ease` (item-based) or `svd-ease` (SVD) by default.
    pub list: String,
    /// The list's title, its role: `Item-based` or `SVD` for the default lists.
    pub label: String,
    /// True when there were fewer than 5 ratings: the list is the most rated movies.
    pub popularity_based: bool,
    pub entries: Vec<RecEntry>,
}

#[derive(Serialize, ToSchema)]
pub struct RecResponse {
    pub lists: Vec<RecListOut>,
}

struct RecOptions {
    n: usize,
    lists: Vec<String>,
    filter: RecFilter,
}

fn rec_options(
    m: &Models,
    n: Option<usize>,
    list: Option<&str>,
    genres: (Option<&str>, Option<&str>),
    years: Option<&str>,
    min_ratings: Option<u32>,
) -> Result<RecOptions, ApiError> {
    let n = check_n(n, 10)?;
    let names = m.list_names();
    let lists = match list.unwrap_or("both") {
        "both" | "all" => names,
        // "item" and the old default names ("item-knn", "svd") find the list in that
        // role (see `ModelSet::list_named`).
        one => match m.list_name_for(if one == "item" { "item-knn" } else { one }) {
            Some(name) => vec![name],
            None => {
                return Err(ApiError::invalid(
                    "unknown_list",
                    format!(
                        "list {one:?}: use one of {}, or both (every list)",
                        names.join(", ")
                    ),
                ))
            }
        },
    };
    let years = years
        .map(crate::cli::recommend::parse_years)
        .transpose()
        .map_err(|e| ApiError::invalid("bad_years", format!("{e:#}")))?;
    let mut filter = RecFilter {
        years,
        min_ratings: min_ratings.unwrap_or(10),
        ..RecFilter::default()
    };
    // Comma-separated names; one genre is a list of one.
    let split = |v: Option<&str>| -> Vec<String> {
        v.map(|v| v.split(',').map(str::to_string).collect())
            .unwrap_or_default()
    };
    filter
        .set_genres_by_name(m.catalogue(), &split(genres.0), &split(genres.1))
        .map_err(|why| ApiError::invalid("unknown_genre", why))?;
    Ok(RecOptions { n, lists, filter })
}

/// Builds every asked-for list for (item, stars) ratings sorted by item.
fn rec_lists(
    m: &Models,
    ratings: &[(u32, f32)],
    exclude: &[u32],
    opts: &RecOptions,
) -> Result<RecResponse, ApiError> {
    let mut lists = Vec::with_capacity(opts.lists.len());
    for list in &opts.lists {
        let rec = m
            .recommend_for(ratings, exclude, list, opts.n, &opts.filter)
            .map_err(|e| ApiError::invalid("unknown_list", e.to_string()))?;
        let entries = rec
            .entries
            .into_iter()
            .map(|r| {
                let movie = m.movie(r.item);
                RecEntry {
                    movie_id: movie.id,
                    title: movie.title.clone(),
                    year: movie.year,
                    stars: Some(r.predicted).filter(|p| p.is_finite()),
                    score: if r.score.is_finite() { r.score } else { 0.0 },
                    because: r
                        .because
                        .into_iter()
                        .map(|(item, _)| Because {
                            movie_id: m.movie(item).id,
                            title: m.movie(item).label(),
                        })
                        .collect(),
                }
            })
            .collect();
        lists.push(RecListOut {
            label: m.list_label(list),
            list: list.clone(),
            popularity_based: rec.popularity_based,
            entries,
        });
    }
    Ok(RecResponse { lists })
}

#[utoipa::path(post, path = "/v1/recommendations", tag = "recommendations",
    request_body = RecRequest,
    responses((status = 200, body = RecResponse), (status = 400, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recommend(
    State(state): St,
    ApiJson(req): ApiJson<RecRequest>,
) -> Result<Json<RecResponse>, ApiError> {
    let m = models(&state)?;
    if req.ratings.len() > MAX_RATINGS {
        return Err(ApiError::invalid(
            "too_many_ratings",
            format!("at most {MAX_RATINGS} ratings per request"),
        ));
    }
    let opts = rec_options(
        &m,
        req.n,
        req.list.as_deref(),
        (req.genre.as_deref(), req.exclude_genre.as_deref()),
        req.years.as_deref(),
        req.min_ratings,
    )?;
    let mut ratings = Vec::with_capacity(req.ratings.len());
    for (k, r) in req.ratings.iter().enumerate() {
        let item = m.item_of(r.movie_id).ok_or_else(|| {
            ApiError::invalid(
                "unknown_movie",
                format!(
                    "ratings[{k}]: no movie with MovieLens id {} in this dataset",
                    r.movie_id
                ),
            )
        })?;
        let stars = m
            .check_stars(r.stars)
            .map_err(|e| ApiError::invalid("bad_stars", format!("ratings[{k}]: {e}")))?;
        ratings.push((item, stars));
    }
    ratings.sort_unstable_by_key(|r| r.0);
    if let Some(w) = ratings.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(ApiError::invalid(
            "duplicate_movie",
            format!("movie {} is rated twice", m.movie(w[0].0).id),
        ));
    }
    let mut exclude = Vec::with_capacity(req.exclude.len());
    for (k, &id) in req.exclude.iter().enumerate() {
        exclude.push(m.item_of(id).ok_or_else(|| {
            ApiError::invalid(
                "unknown_movie",
                format!("exclude[{k}]: no movie with MovieLens id {id} in this dataset"),
            )
        })?);
    }
    exclude.sort_unstable();
    exclude.dedup();
    let out = compute(move || rec_lists(&m, &ratings, &exclude, &opts)).await??;
    Ok(Json(out))
}

// ---------------------------------------------------------------- accounts

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 1-32 letters, digits, '-' or '_'.
    pub name: String,
}

/// A new account and its token (shown only in this answer).
#[derive(Serialize, ToSchema)]
pub struct CreatedUser {
    pub name: String,
    pub token: String,
}

#[utoipa::path(post, path = "/v1/users", tag = "accounts", request_body = NewUser,
    responses((status = 201, body = CreatedUser), (status = 403, body = ErrorBody,
               description = "sign-up is disabled (--no-signup)"),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): St,
    ApiJson(req): ApiJson<NewUser>,
) -> Result<Response, ApiError> {
    if !state.signup {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "signup_disabled",
            "this server does not take sign-ups; ask its operator for an account",
        ));
    }
    auth::validate_name(&req.name)?;
    let token = auth::new_token().map_err(|e| ApiError::internal("making a token", e))?;
    if !state
        .store
        .create_user(&req.name, &auth::hash_token(&token))
        .await?
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "name_taken",
            format!("the name {:?} is taken", req.name),
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            name: req.name,
            token,
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StarsIn {
    /// 0.5-5 stars in half stars.
    pub stars: f32,
}

/// A rating as stored.
#[derive(Serialize, ToSchema)]
pub struct RatingOut {
    pub movie_id: u32,
    /// Title with year; absent when this dataset lacks the movie.
    pub title: Option<String>,
    pub stars: f32,
    /// Unix seconds of the last change.
    pub updated: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RatingsOut {
    pub ratings: Vec<RatingOut>,
}

/// A movie on the watchlist or the not-interested list.
#[derive(Serialize, ToSchema)]
pub struct MarkOut {
    pub movie_id: u32,
    pub title: Option<String>,
    /// Unix seconds when it was added.
    pub added: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MarksOut {
    pub movies: Vec<MarkOut>,
}

fn label_of(m: Option<&Models>, movie_id: u32) -> Option<String> {
    let m = m?;
    m.item_of(movie_id).map(|i| m.movie(i).label())
}

#[utoipa::path(put, path = "/v1/users/{name}/ratings/{movie_id}", tag = "accounts",
    params(("name" = String, Path), ("movie_id" = u32, Path, description = "MovieLens movie id")),
    request_body = StarsIn, security(("bearer" = [])),
    responses((status = 200, body = RatingOut), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_rating(
    State(state): St,
    headers: HeaderMap,
    ApiPath((name, movie_id)): ApiPath<(String, u32)>,
    ApiJson(body): ApiJson<StarsIn>,
) -> Result<Json<RatingOut>, ApiError> {
    auth::authorize(&state.store, &headers, &name).await?;
    let m = catalogue(&state)?;
    let item = item_for(&m, movie_id)?;
    let stars = m
        .check_stars(body.stars)
        .map_err(|e| ApiError::invalid("bad_stars", e.to_string()))?;
    state.store.set_rating(&name, movie_id, stars).await?;
    Ok(Json(RatingOut {
        movie_id,
        title: Some(m.movie(item).label()),
        stars,
        updated: crate::profile::now(),
    }))
}

#[utoipa::path(delete, path = "/v1/users/{name}/ratings/{movie_id}", tag = "accounts",
    params(("name" = String, Path), ("movie_id" = u32, Path)), security(("bearer" = [])),
    responses((status = 204, description = "removed (or was not rated)"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn delete_rating(
    State(state): St,
    headers: HeaderMap,
    ApiPath((name, movie_id)): ApiPath<(String, u32)>,
) -> Result<StatusCode, ApiError> {
    auth::authorize(&state.store, &headers, &name).await?;
    state.store.delete_rating(&name, movie_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/users/{name}/ratings", tag = "accounts",
    params(("name" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = RatingsOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn list_ratings(
    State(state): St,
    headers: HeaderMap,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<RatingsOut>, ApiError> {
    auth::authorize(&state.store, &headers, &name).await?;
    let ratings = ratings_out(&state, &name).await?;
    Ok(Json(RatingsOut { ratings }))
}

/// An account's ratings with titles (when the catalogue is loaded and has the movie).
async fn ratings_out(state: &AppState, name: &str) -> Result<Vec<RatingOut>, ApiError> {
    let m = catalogue(state).ok();
    Ok(state
        .store
        .ratings(name)
        .await?
        .into_iter()
        .map(|r| RatingOut {
            movie_id: r.movie_id,
            title: label_of(m.as_deref(), r.movie_id),
            stars: r.stars,
            updated: r.updated,
        })
        .collect())
}

/// An account's watchlist or not-interested list with titles.
async fn marks_out(state: &AppState, name: &str, list: MarkList) -> Result<Vec<MarkOut>, ApiError> {
    let m = catalogue(state).ok();
    Ok(state
        .store
        .marks(name, list)
        .await?
        .into_iter()
        .map(|r| MarkOut {
            movie_id: r.movie_id,
            title: label_of(m.as_deref(), r.movie_id),
            added: r.added,
        })
        .collect())
}

async fn put_mark(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
    movie_id: u32,
    list: MarkList,
) -> Result<Json<MarkOut>, ApiError> {
    auth::authorize(&state.store, headers, name).await?;
    let m = catalogue(state)?;
    let item = item_for(&m, movie_id)?;
    state.store.set_mark(name, list, movie_id).await?;
    Ok(Json(MarkOut {
        movie_id,
        title: Some(m.movie(item).label()),
        added: crate::profile::now(),
    }))
}

async fn delete_mark(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
    movie_id: u32,
    list: MarkList,
) -> Result<StatusCode, ApiError> {
    auth::authorize(&state.store, headers, name).await?;
    state.store.delete_mark(name, list, movie_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_marks(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
    list: MarkList,
) -> Result<Json<MarksOut>, ApiError> {
    auth::authorize(&state.store, headers, name).await?;
    let movies = marks_out(state, name, list).await?;
    Ok(Json(MarksOut { movies }))
}

#[utoipa::path(put, path = "/v1/users/{name}/watchlist/{movie_id}", tag = "accounts",
    params(("name" = String, Path), ("movie_id" = u32, Path)), security(("bearer" = [])),
    responses((status = 200, body = MarkOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_watchlist(
    State(state): St,
    headers: HeaderMap,
    ApiPath((name, movie_id)): ApiPath<(String, u32)>,
) -> Result<Json<MarkOut>, ApiError> {
    put_mark(&state, &headers, &name, movie_id, MarkList::Watchlist).await
}

#[utoipa::path(delete, path = "/v1/users/{name}/watchlist/{movie_id}", tag = "accounts",
    params(("name" = String, Path), ("movie_id" = u32, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn delete_watchlist(
    State(state): St,
    headers: HeaderMap,
    ApiPath((name, movie_id)): ApiPath<(String, u32)>,
) -> Result<StatusCode, ApiError> {
    delete_mark(&state, &headers, &name, movie_id, MarkList::Watchlist).await
}

#[utoipa::path(get, path = "/v1/users/{name}/watchlist", tag = "accounts",
    params(("name" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = MarksOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn get_watchlist(
    State(state): St,
    headers: HeaderMap,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<MarksOut>, ApiError> {
    list_marks(&state, &headers, &name, MarkList::Watchlist).await
}

#[utoipa::path(put, path = "/v1/users/{name}/not-interested/{movie_id}", tag = "accounts",
    params(("name" = String, Path), ("movie_id" = u32, Path)), security(("bearer" = [])),
    responses((status = 200, body = MarkOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_not_interested(
    State(state): St,
    headers: HeaderMap,
    ApiPath((name, movie_id)): ApiPath<(String, u32)>,
) -> Result<Json<MarkOut>, ApiError> {
    put_mark(&state, &headers, &name, movie_id, MarkList::NotInterested).await
}

#[utoipa::path(delete, path = "/v1/users/{name}/not-interested/{movie_id}", tag = "accounts",
    params(("name" = String, Path), ("movie_id" = u32, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn delete_not_interested(
    State(state): St,
    headers: HeaderMap,
    ApiPath((name, movie_id)): ApiPath<(String, u32)>,
) -> Result<StatusCode, ApiError> {
    delete_mark(&state, &headers, &name, movie_id, MarkList::NotInterested).await
}

#[utoipa::path(get, path = "/v1/users/{name}/not-interested", tag = "accounts",
    params(("name" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = MarksOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn get_not_interested(
    State(state): St,
    headers: HeaderMap,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<MarksOut>, ApiError> {
    list_marks(&state, &headers, &name, MarkList::NotInterested).await
}

#[utoipa::path(get, path = "/v1/users/{name}/recommendations", tag = "recommendations",
    params(("name" = String, Path), RecQuery), security(("bearer" = [])),
    responses((status = 200, body = RecResponse), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn user_recommendations(
    State(state): St,
    headers: HeaderMap,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<RecQuery>,
) -> Result<Json<RecResponse>, ApiError> {
    auth::authorize(&state.store, &headers, &name).await?;
    let m = models(&state)?;
    let opts = rec_options(
        &m,
        query.n,
        query.list.as_deref(),
        (query.genre.as_deref(), query.exclude_genre.as_deref()),
        query.years.as_deref(),
        query.min_ratings,
    )?;
    // Movies this dataset lacks (rated under another dataset) are left out.
    let mut ratings: Vec<(u32, f32)> = state
        .store
        .ratings(&name)
        .await?
        .into_iter()
        .filter_map(|r| m.item_of(r.movie_id).map(|i| (i, r.stars)))
        .collect();
    ratings.sort_unstable_by_key(|r| r.0);
    let mut exclude: Vec<u32> = state
        .store
        .marks(&name, MarkList::NotInterested)
        .await?
        .into_iter()
        .filter_map(|r| m.item_of(r.movie_id))
        .collect();
    exclude.sort_unstable();
    let out = compute(move || rec_lists(&m, &ratings, &exclude, &opts)).await??;
    Ok(Json(out))
}

// ---------------------------------------------------------------- whole profiles

/// Largest profile import body, in bytes (a profile of 100,000 entries fits).
pub const IMPORT_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// Most entries (ratings and marks together) one import may carry.
pub const MAX_IMPORT_ENTRIES: usize = 100_000;

/// An account's whole profile: ratings, watchlist and not-interested list.
#[derive(Serialize, ToSchema)]
pub struct ProfileOut {
    pub name: String,
    pub ratings: Vec<RatingOut>,
    pub watchlist: Vec<MarkOut>,
    pub not_interested: Vec<MarkOut>,
}

#[utoipa::path(get, path = "/v1/users/{name}/profile", tag = "accounts",
    params(("name" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ProfileOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn get_profile(
    State(state): St,
    headers: HeaderMap,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<ProfileOut>, ApiError> {
    auth::authorize(&state.store, &headers, &name).await?;
    Ok(Json(ProfileOut {
        ratings: ratings_out(&state, &name).await?,
        watchlist: marks_out(&state, &name, MarkList::Watchlist).await?,
        not_interested: marks_out(&state, &name, MarkList::NotInterested).await?,
        name,
    }))
}

/// How an import meets what the account already has.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy, Default, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum ImportMode {
    /// Keep what is there; where both rate a movie, the newer rating wins.
    #[default]
    Merge,
    /// Remove the account's ratings and marks first.
    Replace,
}

/// A rating to import.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRating {
    /// MovieLens movie id (kept even when this dataset lacks the movie).
    pub movie_id: u32,
    /// 0.5-5 stars in half stars.
    pub stars: f32,
    /// Unix seconds when it was rated (default: now).
    pub updated: Option<i64>,
}

/// A watchlist or not-interested entry to import.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportMark {
    pub movie_id: u32,
    /// Unix seconds when it was added (default: now).
    pub added: Option<i64>,
}

/// A whole profile to import (what `GET /v1/users/{name}/profile` answers, titles aside).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileIn {
    /// `merge` (default) or `replace`.
    #[serde(default)]
    pub mode: ImportMode,
    #[serde(default)]
    pub ratings: Vec<ImportRating>,
    #[serde(default)]
    pub watchlist: Vec<ImportMark>,
    #[serde(default)]
    pub not_interested: Vec<ImportMark>,
}

/// What the account holds after the import.
#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    pub mode: ImportMode,
    pub ratings: u64,
    pub watchlist: u64,
    pub not_interested: u64,
}

fn check_time(field: &str, k: usize, time: Option<i64>, now: i64) -> Result<i64, ApiError> {
    match time {
        None => Ok(now),
        Some(t) if t >= 0 => Ok(t),
        Some(t) => Err(ApiError::invalid(
            "bad_time",
            format!("{field}[{k}]: time {t} is before 1970"),
        )),
    }
}

fn check_unique(field: &str, ids: impl Iterator<Item = u32>) -> Result<(), ApiError> {
    let mut ids: Vec<u32> = ids.collect();
    ids.sort_unstable();
    match ids.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(ApiError::invalid(
            "duplicate_movie",
            format!("{field}: movie {} appears twice", w[0]),
        )),
        None => Ok(()),
    }
}

fn import_marks(field: &str, marks: &[ImportMark], now: i64) -> Result<Vec<StoredMark>, ApiError> {
    check_unique(field, marks.iter().map(|m| m.movie_id))?;
    marks
        .iter()
        .enumerate()
        .map(|(k, m)| {
            Ok(StoredMark {
                movie_id: m.movie_id,
                added: check_time(field, k, m.added, now)?,
            })
        })
        .collect()
}

#[utoipa::path(post, path = "/v1/users/{name}/import", tag = "accounts",
    params(("name" = String, Path)), request_body = ProfileIn, security(("bearer" = [])),
    responses((status = 200, body = ImportOut, description = "imported in one transaction"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn import_profile(
    State(state): St,
    headers: HeaderMap,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<ProfileIn>,
) -> Result<Json<ImportOut>, ApiError> {
    auth::authorize(&state.store, &headers, &name).await?;
    // The catalogue knows the star scale.
    let m = catalogue(&state)?;
    let entries = body.ratings.len() + body.watchlist.len() + body.not_interested.len();
    if entries > MAX_IMPORT_ENTRIES {
        return Err(ApiError::invalid(
            "too_many_entries",
            format!("at most {MAX_IMPORT_ENTRIES} entries per import (got {entries})"),
        ));
    }
    let now = crate::profile::now();
    check_unique("ratings", body.ratings.iter().map(|r| r.movie_id))?;
    let ratings = body
        .ratings
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let stars = m.check_stars(r.stars).map_err(|e| {
                ApiError::invalid(
                    "bad_stars",
                    format!("ratings[{k}] (movie {}): {e}", r.movie_id),
                )
            })?;
            Ok(StoredRating {
                movie_id: r.movie_id,
                stars,
                updated: check_time("ratings", k, r.updated, now)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let watchlist = import_marks("watchlist", &body.watchlist, now)?;
    let not_interested = import_marks("not_interested", &body.not_interested, now)?;
    let counts = state
        .store
        .import_profile(
            &name,
            body.mode == ImportMode::Replace,
            &ratings,
            &watchlist,
            &not_interested,
        )
        .await?;
    Ok(Json(ImportOut {
        mode: body.mode,
        ratings: counts.ratings,
        watchlist: counts.watchlist,
        not_interested: counts.not_interested,
    }))
}

/// Unknown paths.
pub async fn not_found() -> ApiError {
    ApiError::not_found("not_found", "no such endpoint; see /openapi.json")
}
