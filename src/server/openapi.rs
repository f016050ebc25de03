//! The OpenAPI 3 document at `/openapi.json`, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "reel",
        description = "Movie recommendations over MovieLens: search, movie details, similar movies, \
                       anonymous fold-in recommendations, and accounts with ratings, watchlist and \
                       not-interested lists. Errors are `{\"error\": {\"code\", \"message\"}}`."
    ),
    paths(
        api::health,
        api::search,
        api::movie,
        api::similar,
        api::recommend,
        api::create_user,
        api::put_rating,
        api::delete_rating,
        api::list_ratings,
        api::put_watchlist,
        api::delete_watchlist,
        api::get_watchlist,
        api::put_not_interested,
        api::delete_not_interested,
        api::get_not_interested,
        api::user_recommendations,
        api::get_profile,
        api::import_profile,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
