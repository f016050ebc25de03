//! Every GroupLens layout on small hand-written fixtures, including malformed ones.

use reel::data::{self, CacheMode, DataError, Layout, LoadOptions, RatingScale};
use std::path::Path;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write fixture");
}

fn opts(lenient: bool) -> LoadOptions {
    LoadOptions {
        lenient,
        cache: CacheMode::Off,
    }
}

/// A CSV-layout folder with CRLF endings, quoted titles, duplicates, off-scale ratings,
/// a rating and a tag for a movie missing from the catalogue.
fn csv_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    write(
        p,
        "movies.csv",
        b"movieId,title,genres\r\n\
          1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\r\n\
          2,\"Shawshank Redemption, The (1994)\",Crime|Drama\r\n\
          3,\"\"\"Great Performances\"\" Cats (1998)\",Musical\r\n\
          4,\"City of Lost Children, The (Cit\xc3\xa9 des enfants perdus, La) (1995)\",Adventure|Drama\r\n\
          5,Black Mirror,(no genres listed)\r\n",
    );
    write(
        p,
        "ratings.csv",
        b"userId,movieId,rating,timestamp\r\n\
          1,1,4.0,100\r\n\
          1,2,5.0,100\r\n\
          1,1,2.5,200\r\n\
          2,2,3.5,150\r\n\
          2,3,6.0,150\r\n\
          2,4,0.0,150\r\n\
          2,5,NaN,150\r\n\
          2,1,3.7,150\r\n\
          3,99,4.5,300\r\n\
          3,4,1.0,300\r\n",
    );
    write(
        p,
        "tags.csv",
        b"userId,movieId,tag,timestamp\r\n\
          1,2,\"prison, hope\",111\r\n\
          1,99,ghost,112\r\n\
          7,1,pixar,113\r\n",
    );
    write(
        p,
        "links.csv",
        b"movieId,imdbId,tmdbId\r\n1,0114709,862\r\n2,0111161,278\r\n5,2085059,\r\n",
    );
    dir
}

#[test]
fn csv_layout_parses_and_preprocesses() {
    let dir = csv_fixture();
    assert_eq!(data::detect_layout(dir.path()).ok(), Some(Layout::Csv));
    let ds = data::load(dir.path(), &opts(false)).expect("loads");
    assert_eq!(ds.scale, RatingScale::HALF_STARS);
    let r = &ds.report;
    assert_eq!(r.rating_rows, 10);
    assert_eq!(
        r.out_of_range_dropped, 4,
        "6.0, 0.0, NaN and the off-step 3.7"
    );
    assert_eq!(r.duplicates_merged, 1);
    assert_eq!(r.unknown_movie_ratings, 1);
    assert_eq!(r.placeholder_movies, 1);
    assert_eq!(
        r.unknown_movie_tags, 0,
        "movie 99 got a placeholder, so its tag is kept"
    );
    assert_eq!(ds.ratings.nnz(), 5);
    assert_eq!(ds.ratings.n_users(), 3);
    assert_eq!(ds.catalogue.len(), 6);

    let c = &ds.catalogue;
    assert_eq!(
        c.by_id(2).map(|m| m.title.as_str()),
        Some("The Shawshank Redemption")
    );
    assert_eq!(
        c.by_id(3).map(|m| m.title.as_str()),
        Some("\"Great Performances\" Cats")
    );
    let city = c.by_id(4).expect("movie 4");
    assert_eq!(city.title, "The City of Lost Children");
    assert_eq!(city.alt_titles, vec!["La Cité des enfants perdus"]);
    let mirror = c.by_id(5).expect("movie 5");
    assert!(mirror.genres.is_empty());
    assert_eq!(mirror.year, None);
    assert_eq!((mirror.imdb_id, mirror.tmdb_id), (Some(2_085_059), None));
    let ghost = c.by_id(99).expect("placeholder");
    assert!(ghost.placeholder);
    assert_eq!(ghost.title, "Unknown movie #99");

    // The duplicate (user 1, movie 1) keeps the later rating, 2.5 at t=200.
    let u1 = ds.user_index(1).expect("user 1");
    assert_eq!(ds.ratings.get(u1, c.index_of(1).expect("1")), Some(2.5));
    let tags: Vec<&str> = ds.tags.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(tags, vec!["prison, hope", "ghost", "pixar"]);
}

fn expect_malformed(err: DataError, file: &str, line: u64, needle: &str) {
    let text = err.to_string();
    match err {
        DataError::Malformed {
            file: f, line: l, ..
        } => {
            assert!(f.ends_with(file), "{text}");
            assert_eq!(l, line, "{text}");
            assert!(text.contains(needle), "{text:?} should mention {needle:?}");
        }
        other => panic!("expected a malformed-row error, got {other}"),
    }
}

#[test]
fn malformed_rows_stop_the_load_naming_file_and_line() {
    let dir = csv_fixture();
    let p = dir.path();
    write(
        p,
        "ratings.csv",
        b"userId,movieId,rating,timestamp\r\n1,1,4.0,100\r\n1,2,5.0\r\n",
    );
    let err = data::load(p, &opts(false)).expect_err("wrong field count");
    expect_malformed(err, "ratings.csv", 3, "expected 4 fields, found 3");

    write(
        p,
        "ratings.csv",
        b"userId,movieId,rating,timestamp\r\n1,1,4.0,100\r\nx1,2,5.0,7\r\n",
    );
    let err = data::load(p, &opts(false)).expect_err("non-numeric id");
    expect_malformed(err, "ratings.csv", 3, "userId is not a whole number");
    assert!(data::load(p, &opts(false))
        .expect_err("again")
        .to_string()
        .contains("x1,2,5.0,7"));

    // Lenient: counted, reported, and the rest loads.
    let ds = data::load(p, &opts(true)).expect("lenient load");
    assert_eq!(ds.report.malformed_skipped, 1);
    assert_eq!(ds.report.malformed_examples[0].line, 3);
    assert_eq!(ds.ratings.nnz(), 1);
}

#[test]
fn bad_encoding_and_bad_header_are_errors() {
    let dir = csv_fixture();
    let p = dir.path();
    write(
        p,
        "movies.csv",
        b"movieId,title,genres\r\n1,Toy Story (1995),Comedy\r\n2,Caf\xe9 (2001),Drama\r\n",
    );
    let err = data::load(p, &opts(false)).expect_err("latin-1 in a UTF-8 file");
    expect_malformed(err, "movies.csv", 3, "title is not valid UTF-8");

    let dir = csv_fixture();
    write(
        dir.path(),
        "ratings.csv",
        b"user,movie,stars,time\r\n1,1,4.0,1\r\n",
    );
    let err = data::load(dir.path(), &opts(false)).expect_err("bad header");
    let text = err.to_string();
    assert!(
        matches!(err, DataError::BadHeader { line: 1, .. }),
        "{text}"
    );
    assert!(text.contains("ratings.csv:1"), "{text}");

    let dir = csv_fixture();
    write(
        dir.path(),
        "movies.csv",
        b"movieId,title,genres\r\n1,Toy Story (1995),Comedy\r\n1,Again (1996),Drama\r\n",
    );
    let err = data::load(dir.path(), &opts(false)).expect_err("duplicate id");
    expect_malformed(err, "movies.csv", 3, "appears again (first at line 2)");
}

#[test]
fn lf_endings_and_missing_optional_files_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "movies.csv",
        b"movieId,title,genres\n10,Heat (1995),Action|Crime\n",
    );
    write(
        dir.path(),
        "ratings.csv",
        b"userId,movieId,rating,timestamp\n4,10,4.5,1\n",
    );
    let ds = data::load(dir.path(), &opts(false)).expect("loads");
    assert_eq!(ds.ratings.nnz(), 1);
    assert!(ds.tags.is_empty());
    assert_eq!(ds.catalogue.by_id(10).map(|m| m.year), Some(Some(1995)));
}

#[test]
fn ml_1m_dat_latin1_whole_stars() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    write(
        p,
        "movies.dat",
        b"1::Toy Story (1995)::Animation|Children's|Comedy\n\
          2::Caf\xe9 au lait (1993)::Comedy\n\
          3::Mis\xe9rables, Les (1995)::Drama\n",
    );
    write(
        p,
        "ratings.dat",
        b"1::1::5::978300760\n1::2::3::978302109\n2::1::0.5::978301968\n2::3::4::978300275\n",
    );
    let ds = data::load(p, &opts(false)).expect("loads");
    assert_eq!(ds.layout, Layout::Dat);
    assert_eq!(ds.scale, RatingScale::WHOLE_STARS);
    assert_eq!(
        ds.report.out_of_range_dropped, 1,
        "0.5 is off the 1-5 whole-star scale"
    );
    assert_eq!(ds.ratings.nnz(), 3);
    assert_eq!(
        ds.catalogue.by_id(2).map(|m| m.title.as_str()),
        Some("Café au lait")
    );
    assert_eq!(
        ds.catalogue.by_id(3).map(|m| m.title.as_str()),
        Some("Les Misérables")
    );
    assert!(ds.catalogue.genre_index("Children's").is_some());

    write(p, "ratings.dat", b"1::1::5::978300760\n1:2::3::978302109\n");
    let err = data::load(p, &opts(false)).expect_err("broken separator");
    expect_malformed(err, "ratings.dat", 2, "expected 4 fields, found 3");
}

#[test]
fn ml_10m_dat_with_tags_half_stars() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    write(
        p,
        "movies.dat",
        b"1::Toy Story (1995)::Adventure|Animation\n2::Jumanji (1995)::Adventure\n",
    );
    write(
        p,
        "ratings.dat",
        b"1::1::4.5::838985046\n1::2::3::838983525\n",
    );
    write(
        p,
        "tags.dat",
        b"15::1::pixar::1215184630\n15::7::unknown::1215184631\n",
    );
    let ds = data::load(p, &opts(false)).expect("loads");
    assert_eq!(ds.scale, RatingScale::HALF_STARS);
    assert_eq!(ds.ratings.nnz(), 2);
    assert_eq!(ds.tags.len(), 1);
    assert_eq!(ds.report.unknown_movie_tags, 1);
}

#[test]
fn ml_100k_layout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    let genres = "unknown|0\nAction|1\nAdventure|2\nAnimation|3\nChildren's|4\nComedy|5\nCrime|6\n\
                  Documentary|7\nDrama|8\nFantasy|9\nFilm-Noir|10\nHorror|11\nMusical|12\nMystery|13\n\
                  Romance|14\nSci-Fi|15\nThriller|16\nWar|17\nWestern|18\n\n";
    write(p, "u.genre", genres.as_bytes());
    write(
        p,
        "u.item",
        b"1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n\
          2|Caf\xe9 Society (1995)|01-Jan-1995||http://x|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n\
          267|unknown||||1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n\
          3|Shanghai Triad (Yao a yao yao dao waipo qiao)|01-Jan-1995||http://x|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n",
    );
    write(
        p,
        "u.data",
        b"196\t1\t3\t881250949\n186\t2\t5\t891717742\n186\t267\t1\t891717742\n",
    );
    let ds = data::load(p, &opts(false)).expect("loads");
    assert_eq!(ds.layout, Layout::Ml100k);
    assert_eq!(ds.ratings.nnz(), 3);
    let toy = ds.catalogue.by_id(1).expect("toy");
    assert_eq!(
        ds.catalogue.genre_list(toy.genres),
        vec!["Animation", "Children's", "Comedy"]
    );
    assert_eq!(
        ds.catalogue.by_id(2).map(|m| m.title.as_str()),
        Some("Café Society")
    );
    let unknown = ds.catalogue.by_id(267).expect("267");
    assert!(unknown.genres.is_empty(), "the 'unknown' flag is no genre");
    let triad = ds.catalogue.by_id(3).expect("3");
    assert_eq!(triad.year, Some(1995), "year from the release date");
    assert_eq!(triad.title, "Shanghai Triad");

    write(p, "u.item", b"1|Toy Story (1995)|01-Jan-1995||url|0|0\n");
    let err = data::load(p, &opts(false)).expect_err("too few flags");
    expect_malformed(err, "u.item", 1, "expected 24 fields, found 7");
}

#[test]
fn empty_folder_says_what_is_expected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = data::load(dir.path(), &opts(false)).expect_err("nothing there");
    assert!(matches!(err, DataError::NoDataset { .. }));
    assert!(err.to_string().contains("ratings.csv"));
}
