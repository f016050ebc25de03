//! `reel serve` over HTTP on the real ml-latest-small: every endpoint, auth, every class
//! of bad input, concurrent clients. One in-process server is shared by these tests.

use serde_json::{json, Value};

use crate::server_support::{
    assert_error, call, call_raw, get, new_user, raw_request, shared, unique,
};

/// Ten well-known movies with ratings (MovieLens ids).
pub fn ten_ratings() -> Value {
    json!([
        {"movie_id": 2571, "stars": 5},   // The Matrix
        {"movie_id": 1, "stars": 4},      // Toy Story
        {"movie_id": 260, "stars": 5},    // Star Wars
        {"movie_id": 1196, "stars": 4.5}, // The Empire Strikes Back
        {"movie_id": 318, "stars": 4},    // The Shawshank Redemption
        {"movie_id": 296, "stars": 2},    // Pulp Fiction
        {"movie_id": 356, "stars": 3},    // Forrest Gump
        {"movie_id": 593, "stars": 1.5},  // The Silence of the Lambs
        {"movie_id": 480, "stars": 4},    // Jurassic Park
        {"movie_id": 589, "stars": 5}     // Terminator 2
    ])
}

fn ids(list: &Value) -> Vec<u64> {
    list["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["movie_id"].as_u64().expect("movie_id"))
        .collect()
}

#[test]
fn health_is_ready_json() {
    let base = shared();
    let (status, body) = get(base, "/health", None);
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ready");
    assert_eq!(body["movies"], 9742);
}

#[test]
fn search_finds_the_matrix() {
    let base = shared();
    let (status, body) = get(base, "/v1/movies/search?q=matrix&n=5", None);
    assert_eq!(status, 200, "{body}");
    let results = body["results"].as_array().expect("results");
    assert!(!results.is_empty() && results.len() <= 5);
    assert!(
        results
            .iter()
            .any(|m| m["movie_id"] == 2571 && m["year"] == 1999),
        "{body}"
    );
    // An empty query lists popular movies: Forrest Gump is the most rated.
    let (status, body) = get(base, "/v1/movies/search?n=3", None);
    assert_eq!(status, 200);
    assert_eq!(body["results"][0]["movie_id"], 356, "{body}");
    assert_eq!(body["results"][0]["rating_count"], 329);
}

#[test]
fn movie_details_have_tags_links_and_averages() {
    let base = shared();
    let (status, body) = get(base, "/v1/movies/2571", None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["movie_id"], 2571);
    assert!(body["title"].as_str().is_some_and(|t| t.contains("Matrix")));
    assert_eq!(body["year"], 1999);
    assert_eq!(body["rating_count"], 278);
    let mean = body["mean_rating"].as_f64().expect("mean");
    assert!((mean - 4.192).abs() < 0.01, "mean {mean}");
    assert!(body["genres"]
        .as_array()
        .is_some_and(|g| g.contains(&json!("Sci-Fi"))));
    assert!(!body["tags"].as_array().expect("tags").is_empty(), "{body}");
    assert_eq!(
        body["links"]["imdb"],
        "https://www.imdb.com/title/tt0133093/"
    );
    assert_eq!(
        body["links"]["tmdb"],
        "https://www.themoviedb.org/movie/603"
    );
}

#[test]
fn similar_movies_exclude_the_movie() {
    let base = shared();
    let (status, body) = get(base, "/v1/movies/2571/similar?n=5", None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["movie"]["movie_id"], 2571);
    let similar = body["similar"].as_array().expect("similar");
    assert_eq!(similar.len(), 5);
    assert!(similar.iter().all(|m| m["movie_id"] != 2571));
    assert!(similar
        .iter()
        .all(|m| m["similarity"].as_f64().is_some_and(|s| s > 0.0)));
}

#[test]
fn anonymous_recommendations_fold_in_both_lists() {
    let base = shared();
    let req = json!({"ratings": ten_ratings(), "n": 10, "list": "both"});
    let (status, body) = call("POST", base, "/v1/recommendations", None, Some(&req));
    assert_eq!(status, 200, "{body}");
    let lists = body["lists"].as_array().expect("lists");
    assert_eq!(lists.len(), 2);
    // The default lists, titled by their roles.
    assert_eq!(lists[0]["list"], "ease");
    assert_eq!(lists[0]["label"], "Item-based");
    assert_eq!(lists[1]["list"], "svd-ease");
    assert_eq!(lists[1]["label"], "SVD");
    let rated: Vec<u64> = ten_ratings()
        .as_array()
        .expect("ratings")
        .iter()
        .map(|r| r["movie_id"].as_u64().expect("id"))
        .collect();
    for list in lists {
        assert_eq!(list["popularity_based"], false);
        let got = ids(list);
        assert_eq!(got.len(), 10, "{list}");
        assert!(
            got.iter().all(|id| !rated.contains(id)),
            "rated movie recommended: {list}"
        );
        for e in list["entries"].as_array().expect("entries") {
            let stars = e["stars"].as_f64().expect("stars");
            assert!((0.5..=5.0).contains(&stars), "{e}");
            assert!(e["title"].as_str().is_some_and(|t| !t.is_empty()));
        }
    }
    // Both lists name the rated movies behind each entry.
    for e in lists
        .iter()
        .flat_map(|l| l["entries"].as_array().expect("entries"))
    {
        let because = e["because"].as_array().expect("because");
        assert!(!because.is_empty(), "no reason for {e}");
        for b in because {
            assert!(rated.contains(&b["movie_id"].as_u64().expect("id")), "{b}");
            assert!(b["title"].as_str().is_some_and(|t| !t.is_empty()));
        }
    }
    // Deterministic: the same ratings give the same lists.
    let (_, again) = call("POST", base, "/v1/recommendations", None, Some(&req));
    assert_eq!(again, body);
}

#[test]
fn recommendation_options_filter_and_select() {
    let base = shared();
    let one = |extra: Value| {
        let mut req = json!({"ratings": ten_ratings(), "n": 8});
        for (k, v) in extra.as_object().expect("object") {
            req[k] = v.clone();
        }
        let (status, body) = call("POST", base, "/v1/recommendations", None, Some(&req));
        assert_eq!(status, 200, "{req} -> {body}");
        body
    };
    // The names of the lists before EASE ("svd", "item-knn") still find them.
    let svd = one(json!({"list": "svd"}));
    assert_eq!(svd["lists"].as_array().expect("lists").len(), 1);
    assert_eq!(svd["lists"][0]["list"], "svd-ease");
    let item = one(json!({"list": "item-knn"}));
    assert_eq!(item["lists"][0]["list"], "ease");
    assert_eq!(one(json!({"list": "item"}))["lists"][0]["list"], "ease");

    let nineties = one(json!({"years": "1990-1999", "list": "item-knn"}));
    for e in nineties["lists"][0]["entries"].as_array().expect("entries") {
        let y = e["year"].as_u64().expect("year");
        assert!((1990..=1999).contains(&y), "{e}");
    }

    let comedies = one(json!({"genre": "Comedy", "min_ratings": 50}));
    for list in comedies["lists"].as_array().expect("lists") {
        for id in ids(list) {
            let (_, m) = get(base, &format!("/v1/movies/{id}"), None);
            assert!(
                m["genres"]
                    .as_array()
                    .is_some_and(|g| g.contains(&json!("Comedy"))),
                "{m}"
            );
            assert!(m["rating_count"].as_u64().is_some_and(|c| c >= 50), "{m}");
        }
    }

    // Fewer than five ratings: the lists are the most rated movies, minus the rated one.
    let (status, few) = call(
        "POST",
        base,
        "/v1/recommendations",
        None,
        Some(&json!({"ratings": [{"movie_id": 356, "stars": 4}], "n": 3})),
    );
    assert_eq!(status, 200);
    for list in few["lists"].as_array().expect("lists") {
        assert_eq!(list["popularity_based"], true);
        assert_eq!(ids(list), vec![318, 296, 593], "{list}");
    }

    // "exclude" hides movies (not-interested in anonymous mode).
    let base_list = one(json!({"list": "item-knn"}));
    let first = ids(&base_list["lists"][0])[0];
    let without = one(json!({"list": "item-knn", "exclude": [first]}));
    assert!(!ids(&without["lists"][0]).contains(&first));
}

#[test]
fn bad_inputs_get_json_4xx_errors() {
    let base = shared();
    let post = |body: Value| call("POST", base, "/v1/recommendations", None, Some(&body));
    let r = |id: u64, stars: Value| json!({"ratings": [{"movie_id": id, "stars": stars}]});

    // Stars off the scale, of the wrong type, or missing.
    assert_error(post(r(1, json!(7))), 422, "bad_stars");
    assert_error(post(r(1, json!(0))), 422, "bad_stars");
    assert_error(post(r(1, json!(-1))), 422, "bad_stars");
    assert_error(post(r(1, json!(3.7))), 422, "bad_stars");
    assert_error(post(r(1, json!("five"))), 422, "invalid_body");
    assert_error(
        post(json!({"ratings": [{"movie_id": 1}]})),
        422,
        "invalid_body",
    );
    // Unknown movies, bad ids, duplicates, unknown fields.
    assert_error(post(r(999_999_999, json!(4))), 422, "unknown_movie");
    assert_error(post(r(5_000_000_000, json!(4))), 422, "invalid_body");
    assert_error(
        post(json!({"ratings": [{"movie_id": -3, "stars": 4}]})),
        422,
        "invalid_body",
    );
    assert_error(
        post(json!({"ratings": [{"movie_id": 1, "stars": 4}, {"movie_id": 1, "stars": 3}]})),
        422,
        "duplicate_movie",
    );
    assert_error(
        post(json!({"ratings": [], "colour": "red"})),
        422,
        "invalid_body",
    );
    assert_error(
        post(json!({"ratings": [], "exclude": [424242424]})),
        422,
        "unknown_movie",
    );
    // Options.
    assert_error(post(json!({"ratings": [], "n": 0})), 400, "bad_n");
    assert_error(post(json!({"ratings": [], "n": 1000})), 400, "bad_n");
    assert_error(
        post(json!({"ratings": [], "list": "best"})),
        422,
        "unknown_list",
    );
    assert_error(
        post(json!({"ratings": [], "genre": "Opera"})),
        422,
        "unknown_genre",
    );
    assert_error(
        post(json!({"ratings": [], "years": "soon"})),
        422,
        "bad_years",
    );
    assert_error(
        post(json!({"ratings": [], "years": "2000-1990"})),
        422,
        "bad_years",
    );

    // Malformed JSON, wrong content type, empty body, oversized body.
    let raw = |body: &str, json_type: bool| {
        let (s, text, ctype) = call_raw(
            "POST",
            base,
            "/v1/recommendations",
            None,
            Some(body.to_string()),
            json_type,
        );
        assert!(ctype.starts_with("application/json"), "{s} {ctype} {text}");
        (
            s,
            serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
        )
    };
    assert_error(raw("{\"ratings\": [", true), 400, "bad_json");
    assert_error(raw("not json", true), 400, "bad_json");
    assert_error(raw("", true), 400, "bad_json");
    assert_error(raw("{\"ratings\": []}", false), 415, "bad_content_type");
    // Oversized bodies: announced by Content-Length (refused before reading), and
    // streamed in chunks with no length (refused when the limit is crossed).
    let huge = format!(
        "{{\"ratings\": [{}]}}",
        vec!["{\"movie_id\": 1, \"stars\": 4}"; 20_000].join(",")
    );
    let addr = base.trim_start_matches("http://");
    let mut sized = format!(
        "POST /v1/recommendations HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        huge.len()
    )
    .into_bytes();
    sized.extend_from_slice(huge.as_bytes());
    let mut chunked = format!(
        "POST /v1/recommendations HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for piece in huge.as_bytes().chunks(8192) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    for request in [sized, chunked] {
        let (status, ctype, body) = raw_request(base, &request);
        assert!(
            ctype.starts_with("application/json"),
            "{status} {ctype} {body}"
        );
        let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        assert_error((status, body), 413, "too_large");
    }

    // Paths and queries.
    assert_error(get(base, "/v1/movies/abc", None), 400, "bad_id");
    assert_error(get(base, "/v1/movies/-1", None), 400, "bad_id");
    assert_error(get(base, "/v1/movies/99999999999", None), 400, "bad_id");
    assert_error(get(base, "/v1/movies/999999", None), 404, "unknown_movie");
    assert_error(
        get(base, "/v1/movies/999999/similar", None),
        404,
        "unknown_movie",
    );
    assert_error(
        get(base, "/v1/movies/1/similar?n=-2", None),
        400,
        "bad_query",
    );
    assert_error(
        get(base, "/v1/movies/search?q=a&n=abc", None),
        400,
        "bad_query",
    );
    assert_error(get(base, "/v1/movies/search?q=a&n=0", None), 400, "bad_n");
    assert_error(
        get(base, "/v1/movies/search?q=a&colour=red", None),
        400,
        "bad_query",
    );
    let long_q = "x".repeat(300);
    assert_error(
        get(base, &format!("/v1/movies/search?q={long_q}"), None),
        400,
        "query_too_long",
    );
    let very_long = "y".repeat(10_000);
    assert_error(
        get(base, &format!("/v1/movies/search?q={very_long}"), None),
        414,
        "uri_too_long",
    );
    // Unknown routes and methods.
    assert_error(get(base, "/v1/nothing", None), 404, "not_found");
    assert_error(
        call("DELETE", base, "/v1/recommendations", None, None),
        405,
        "method_not_allowed",
    );
    assert_error(
        call("GET", base, "/v1/recommendations", None, None),
        405,
        "method_not_allowed",
    );
}

#[test]
fn accounts_ratings_lists_and_auth() {
    let base = shared();
    let ana = unique("ana");
    let bob = unique("bob");
    let ana_token = new_user(base, &ana);
    let bob_token = new_user(base, &bob);
    assert!(ana_token.starts_with("reel_") && ana_token.len() > 40);
    assert_ne!(ana_token, bob_token);

    // Sign-up errors.
    let signup = |name: Value| {
        call(
            "POST",
            base,
            "/v1/users",
            None,
            Some(&json!({"name": name})),
        )
    };
    assert_error(signup(json!(ana)), 409, "name_taken");
    assert_error(signup(json!("no spaces")), 422, "bad_name");
    assert_error(signup(json!("")), 422, "bad_name");
    assert_error(signup(json!("x".repeat(33))), 422, "bad_name");
    assert_error(signup(json!(7)), 422, "invalid_body");

    let rating = |user: &str, id: &str| format!("/v1/users/{user}/ratings/{id}");
    let put =
        |token: Option<&str>, path: &str, body: Value| call("PUT", base, path, token, Some(&body));
    let four = json!({"stars": 4});

    // 401 without or with a wrong token, 403 with another user's.
    assert_error(
        put(None, &rating(&ana, "1"), four.clone()),
        401,
        "unauthorized",
    );
    assert_error(
        put(Some("reel_nope"), &rating(&ana, "1"), four.clone()),
        401,
        "unauthorized",
    );
    let (s, _, _) = call_raw(
        "GET",
        base,
        &format!("/v1/users/{ana}/ratings"),
        None,
        None,
        false,
    );
    assert_eq!(s, 401);
    assert_error(
        put(Some(&bob_token), &rating(&ana, "1"), four.clone()),
        403,
        "forbidden",
    );
    for path in ["ratings", "watchlist", "not-interested", "recommendations"] {
        assert_error(
            get(base, &format!("/v1/users/{ana}/{path}"), Some(&bob_token)),
            403,
            "forbidden",
        );
        assert_error(
            get(base, &format!("/v1/users/{ana}/{path}"), None),
            401,
            "unauthorized",
        );
    }
    assert_error(
        call("DELETE", base, &rating(&ana, "1"), Some(&bob_token), None),
        403,
        "forbidden",
    );
    assert_error(
        call(
            "GET",
            base,
            &format!("/v1/users/nobody-{ana}/ratings"),
            Some(&ana_token),
            None,
        ),
        403,
        "forbidden",
    );

    // Writes: validated, rounded to the half star, replaced, deleted.
    let t = Some(ana_token.as_str());
    assert_error(
        put(t, &rating(&ana, "999999"), four.clone()),
        404,
        "unknown_movie",
    );
    assert_error(put(t, &rating(&ana, "abc"), four.clone()), 400, "bad_id");
    assert_error(
        put(t, &rating(&ana, "1"), json!({"stars": 9})),
        422,
        "bad_stars",
    );
    assert_error(
        put(t, &rating(&ana, "1"), json!({"stars": "4"})),
        422,
        "invalid_body",
    );
    assert_error(put(t, &rating(&ana, "1"), json!({})), 422, "invalid_body");
    assert_error(
        put(t, &rating(&ana, "1"), json!({"stars": 4.3})),
        422,
        "bad_stars",
    );
    let (s, body) = put(t, &rating(&ana, "1"), json!({"stars": 4.5}));
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["stars"], 4.5);
    assert_eq!(body["title"], "Toy Story (1995)");
    let (s, _) = put(t, &rating(&ana, "1"), json!({"stars": 3}));
    assert_eq!(s, 200);
    let (s, _) = put(t, &rating(&ana, "2571"), json!({"stars": 5}));
    assert_eq!(s, 200);
    let (s, body) = get(base, &format!("/v1/users/{ana}/ratings"), t);
    assert_eq!(s, 200);
    let got: Vec<(u64, f64)> = body["ratings"]
        .as_array()
        .expect("ratings")
        .iter()
        .map(|r| {
            (
                r["movie_id"].as_u64().expect("id"),
                r["stars"].as_f64().expect("stars"),
            )
        })
        .collect();
    assert_eq!(got, vec![(1, 3.0), (2571, 5.0)]);
    let (s, _, _) = call_raw("DELETE", base, &rating(&ana, "1"), t, None, false);
    assert_eq!(s, 204);
    let (s, _, _) = call_raw("DELETE", base, &rating(&ana, "1"), t, None, false);
    assert_eq!(s, 204, "deleting twice is fine");
    let (_, body) = get(base, &format!("/v1/users/{ana}/ratings"), t);
    assert_eq!(body["ratings"].as_array().map(Vec::len), Some(1));
    // Bob sees none of Ana's.
    let (_, body) = get(base, &format!("/v1/users/{bob}/ratings"), Some(&bob_token));
    assert_eq!(body["ratings"], json!([]));

    // Watchlist and not-interested.
    for list in ["watchlist", "not-interested"] {
        let path = |id: &str| format!("/v1/users/{ana}/{list}/{id}");
        assert_error(
            call("PUT", base, &path("424242"), t, None),
            404,
            "unknown_movie",
        );
        assert_error(
            call("PUT", base, &path("1"), None, None),
            401,
            "unauthorized",
        );
        for id in ["260", "1196", "260"] {
            let (s, body) = call("PUT", base, &path(id), t, None);
            assert_eq!(s, 200, "{body}");
        }
        let (_, body) = get(base, &format!("/v1/users/{ana}/{list}"), t);
        let ids: Vec<u64> = body["movies"]
            .as_array()
            .expect("movies")
            .iter()
            .map(|m| m["movie_id"].as_u64().expect("id"))
            .collect();
        assert_eq!(ids, vec![260, 1196], "{list}: {body}");
        let (s, _, _) = call_raw("DELETE", base, &path("1196"), t, None, false);
        assert_eq!(s, 204);
        let (_, body) = get(base, &format!("/v1/users/{ana}/{list}"), t);
        assert_eq!(body["movies"].as_array().map(Vec::len), Some(1), "{list}");
    }
}

#[test]
fn signed_in_recommendations_use_stored_ratings_and_marks() {
    let base = shared();
    let name = unique("carol");
    let token = new_user(base, &name);
    let t = Some(token.as_str());
    for r in ten_ratings().as_array().expect("ratings") {
        let path = format!("/v1/users/{name}/ratings/{}", r["movie_id"]);
        let (s, body) = call("PUT", base, &path, t, Some(&json!({"stars": r["stars"]})));
        assert_eq!(s, 200, "{body}");
    }
    let path = format!("/v1/users/{name}/recommendations?list=both&n=10");
    let (s, mine) = get(base, &path, t);
    assert_eq!(s, 200, "{mine}");
    // The same as the anonymous answer for the same ratings.
    let (_, anon) = call(
        "POST",
        base,
        "/v1/recommendations",
        None,
        Some(&json!({"ratings": ten_ratings(), "n": 10})),
    );
    assert_eq!(mine, anon);
    // Not-interested movies disappear from the lists.
    let top = ids(&mine["lists"][0])[0];
    let (s, _) = call(
        "PUT",
        base,
        &format!("/v1/users/{name}/not-interested/{top}"),
        t,
        None,
    );
    assert_eq!(s, 200);
    let (_, after) = get(base, &path, t);
    assert!(!ids(&after["lists"][0]).contains(&top));
    assert!(!ids(&after["lists"][1]).contains(&top));
    assert_error(
        get(
            base,
            &format!("/v1/users/{name}/recommendations?list=nope"),
            t,
        ),
        422,
        "unknown_list",
    );
    assert_error(
        get(base, &format!("/v1/users/{name}/recommendations?n=x"), t),
        400,
        "bad_query",
    );
}

#[test]
fn concurrent_clients_get_consistent_answers() {
    let base = shared().to_string();
    let req = json!({"ratings": ten_ratings(), "n": 10});
    let (_, expected) = call("POST", &base, "/v1/recommendations", None, Some(&req));
    let handles: Vec<_> = (0..16)
        .map(|k| {
            let base = base.clone();
            let req = req.clone();
            let expected = expected.clone();
            std::thread::spawn(move || {
                // Half read, half write (each its own account).
                let name = format!("{}-{k}", unique("conc"));
                let token = new_user(&base, &name);
                for i in 0..15u32 {
                    let (s, body) = call("POST", &base, "/v1/recommendations", None, Some(&req));
                    assert_eq!(s, 200);
                    assert_eq!(body, expected, "client {k} request {i}");
                    let path = format!(
                        "/v1/users/{name}/ratings/{}",
                        [1, 2, 3, 5, 6][i as usize % 5]
                    );
                    let stars = 0.5 + (i % 10) as f64 * 0.5;
                    let (s, _) = call(
                        "PUT",
                        &base,
                        &path,
                        Some(&token),
                        Some(&json!({"stars": stars})),
                    );
                    assert_eq!(s, 200);
                }
                let (_, body) = get(&base, &format!("/v1/users/{name}/ratings"), Some(&token));
                assert_eq!(body["ratings"].as_array().map(Vec::len), Some(5));
            })
        })
        .collect();
    for h in handles {
        h.join().expect("client thread");
    }
}

#[test]
fn openapi_document_and_web_page() {
    let base = shared();
    let (s, doc) = get(base, "/openapi.json", None);
    assert_eq!(s, 200);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/health",
        "/v1/movies/search",
        "/v1/movies/{movie_id}",
        "/v1/movies/{movie_id}/similar",
        "/v1/recommendations",
        "/v1/users",
        "/v1/users/{name}/ratings",
        "/v1/users/{name}/ratings/{movie_id}",
        "/v1/users/{name}/watchlist/{movie_id}",
        "/v1/users/{name}/not-interested/{movie_id}",
        "/v1/users/{name}/recommendations",
    ] {
        assert!(paths.contains_key(p), "missing {p} in /openapi.json");
    }
    assert!(doc["components"]["schemas"]["RecRequest"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    let (s, html, ctype) = call_raw("GET", base, "/", None, None, false);
    assert_eq!(s, 200);
    assert!(ctype.starts_with("text/html"));
    assert!(html.contains("id=\"search\"") && html.contains("/app.js"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no CDN"
    );
    let (s, js, ctype) = call_raw("GET", base, "/app.js", None, None, false);
    assert_eq!(s, 200);
    assert!(ctype.starts_with("text/javascript"));
    assert!(js.contains("/v1/recommendations"));
    let (s, _, ctype) = call_raw("GET", base, "/style.css", None, None, false);
    assert_eq!(s, 200);
    assert!(ctype.starts_with("text/css"));
}
