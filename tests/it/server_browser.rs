//! The web page in a real headless Chromium (driven through chromedriver with
//! fantoccini): load it, search, rate three movies, see both lists change each time;
//! two more make the lists personal, with "because you rated …". Accounts: create one on
//! the page and sign in with one made through the API; ratings made on the page land on
//! the server under that account.
//! Needs Debian's `chromium` and `chromium-driver` (.ci/run installs them); fails
//! loudly without them.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::server_support::{get, new_user, scratch, shared, unique};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start_chromedriver(port: u16) -> Driver {
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run chromedriver ({e}): install Debian's chromium and chromium-driver \
                 (apt-get install chromium chromium-driver); .ci/run does"
            )
        });
    let driver = Driver(child);
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    driver
}

async fn text_of(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Polls until `css` has text different from `before` (and not empty); returns it.
async fn wait_change(c: &Client, css: &str, before: &str) -> String {
    let start = Instant::now();
    loop {
        let now = text_of(c, css).await;
        if !now.is_empty() && now != before {
            return now;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{css} did not change; still:\n{now}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A headless Chromium session through the chromedriver on `port`.
async fn browser(port: u16, profile: &std::path::Path) -> Client {
    let args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--no-first-run".into(),
        "--window-size=420,1400".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut options = json!({ "args": args });
    if std::path::Path::new("/usr/bin/chromium").exists() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session through chromedriver")
}

/// Types `query` in the search box and picks `stars` on movie `movie_id`'s result.
async fn rate_on_page(c: &Client, query: &str, movie_id: u32, stars: &str) {
    let search = c.find(Locator::Id("search")).await.expect("search box");
    search.clear().await.expect("clear");
    search.send_keys(query).await.expect("type");
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(&format!(
            "#results li[data-movie=\"{movie_id}\"] select.rate"
        )))
        .await
        .unwrap_or_else(|e| panic!("no search result for {query:?}: {e}"))
        .select_by_value(stars)
        .await
        .expect("choose stars");
}

/// Polls the server until account `name` has `stars` on `movie_id`.
fn wait_rating_on_server(base: &str, name: &str, token: &str, movie_id: u32, stars: f64) {
    let start = Instant::now();
    loop {
        let (status, body) = get(base, &format!("/v1/users/{name}/ratings"), Some(token));
        assert_eq!(status, 200, "{body}");
        let found = body["ratings"].as_array().is_some_and(|r| {
            r.iter()
                .any(|r| r["movie_id"] == movie_id && r["stars"] == stars)
        });
        if found {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{name}'s rating of {movie_id} never reached the server: {body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until `css`'s text contains `want`; returns the text.
async fn wait_text(c: &Client, css: &str, want: &str) -> String {
    let start = Instant::now();
    loop {
        let now = text_of(c, css).await;
        if now.contains(want) {
            return now;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{css} never said {want:?}; it says {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn page_accounts_create_and_sign_in_and_ratings_reach_the_server() {
    let base = shared().to_string();
    let port = free_port();
    let _driver = start_chromedriver(port);
    let profile = scratch("chromium-profile-accounts");
    let made_on_page = unique("page");
    let (api_user, api_token) = {
        let name = unique("api");
        let token = new_user(&base, &name);
        (name, token)
    };
    let rt = reel::server::runtime().expect("runtime");
    rt.block_on(async move {
        let c = browser(port, &profile).await;
        c.goto(&format!("{base}/")).await.expect("load the page");

        // Create an account on the page: its token is shown, and it is usable.
        c.find(Locator::Css("#account-forms summary"))
            .await
            .expect("the account form")
            .click()
            .await
            .expect("open the account form");
        c.find(Locator::Id("signin-name"))
            .await
            .expect("name field")
            .send_keys(&made_on_page)
            .await
            .expect("type the name");
        c.find(Locator::Id("signup-button"))
            .await
            .expect("create button")
            .click()
            .await
            .expect("create the account");
        wait_text(
            &c,
            "#account-status",
            &format!("Signed in as {made_on_page}"),
        )
        .await;
        let message = c
            .find(Locator::Id("account-message"))
            .await
            .expect("message");
        assert!(
            message.is_displayed().await.expect("displayed?"),
            "the new account's token is not visible to the user"
        );
        let said = message.text().await.expect("text");
        let token = said
            .split_whitespace()
            .find(|w| w.starts_with("reel_"))
            .unwrap_or_else(|| panic!("no token in {said:?}"))
            .to_string();
        rate_on_page(&c, "matrix", 2571, "4.5").await;
        wait_rating_on_server(&base, &made_on_page, &token, 2571, 4.5);

        // Sign out, sign in with an account made through the API, rate as that user.
        c.find(Locator::Id("signout-button"))
            .await
            .expect("sign-out button")
            .click()
            .await
            .expect("sign out");
        wait_text(&c, "#account-status", "Not signed in").await;
        let forms = c.find(Locator::Id("account-forms")).await.expect("forms");
        if forms.attr("open").await.expect("open?").is_none() {
            c.find(Locator::Css("#account-forms summary"))
                .await
                .expect("summary")
                .click()
                .await
                .expect("open the account form");
        }
        let name_field = c
            .find(Locator::Id("signin-name"))
            .await
            .expect("name field");
        name_field.clear().await.expect("clear");
        name_field
            .send_keys(&api_user)
            .await
            .expect("type the name");
        let token_field = c
            .find(Locator::Id("signin-token"))
            .await
            .expect("token field");
        token_field.clear().await.expect("clear");
        token_field
            .send_keys(&api_token)
            .await
            .expect("type the token");
        c.find(Locator::Css("#signin-form button[type=submit]"))
            .await
            .expect("sign-in button")
            .click()
            .await
            .expect("sign in");
        wait_text(&c, "#account-status", &format!("Signed in as {api_user}")).await;
        rate_on_page(&c, "pulp fiction", 296, "3.5").await;
        wait_rating_on_server(&base, &api_user, &api_token, 296, 3.5);
        // Each rating went to its own account only.
        let (_, theirs) = get(
            &base,
            &format!("/v1/users/{api_user}/ratings"),
            Some(&api_token),
        );
        assert_eq!(
            theirs["ratings"].as_array().map(Vec::len),
            Some(1),
            "{theirs}"
        );
        let (_, first) = get(
            &base,
            &format!("/v1/users/{made_on_page}/ratings"),
            Some(&token),
        );
        assert_eq!(
            first["ratings"].as_array().map(Vec::len),
            Some(1),
            "{first}"
        );
        c.close().await.expect("close the browser");
    });
}

#[test]
fn page_search_rate_and_lists_update() {
    let base = shared().to_string();
    let port = free_port();
    let _driver = start_chromedriver(port);
    let profile = scratch("chromium-profile");
    // Titles as the page shows them ("Title (year)").
    let title_of = |id: u32| {
        let (_, m) = crate::server_support::get(&base, &format!("/v1/movies/{id}"), None);
        format!("{} ({})", m["title"].as_str().expect("title"), m["year"])
    };
    let movies = [
        ("matrix", 2571, "5", title_of(2571)),
        ("pulp fiction", 296, "4.5", title_of(296)),
        ("forrest gump", 356, "2", title_of(356)),
    ];
    let rt = reel::server::runtime().expect("runtime");
    rt.block_on(async move {
        let c = browser(port, &profile).await;
        c.goto(&format!("{base}/")).await.expect("load the page");
        c.wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#list-item li"))
            .await
            .expect("the item-based list appears");
        c.wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#list-svd li"))
            .await
            .expect("the SVD list appears");
        let mut knn = text_of(&c, "#list-item").await;
        let mut svd = text_of(&c, "#list-svd").await;

        // Three movies from the most-rated ten, so even the popularity lists must change.
        for (query, movie_id, stars, title) in movies {
            rate_on_page(&c, query, movie_id, stars).await;
            knn = wait_change(&c, "#list-item", &knn).await;
            svd = wait_change(&c, "#list-svd", &svd).await;
            assert!(
                !knn.contains(&title) && !svd.contains(&title),
                "{title} still recommended"
            );
        }
        let rated = c
            .find_all(Locator::Css("#rated li"))
            .await
            .expect("rated list");
        assert_eq!(rated.len(), 3);
        let stored = c
            .execute(
                "return Object.keys(JSON.parse(localStorage.getItem('reel.ratings'))).sort();",
                vec![],
            )
            .await
            .expect("read localStorage");
        assert_eq!(stored, json!(["2571", "296", "356"]));
        // A picture of the page at phone width.
        let shots = scratch("screenshot");
        if let Ok(png) = c.screenshot().await {
            let _ = std::fs::write(shots.join("page-phone.png"), png);
        }

        // Two more ratings make the lists personal, with "because you rated …".
        for (query, movie_id) in [("toy story", 1), ("star wars", 260)] {
            rate_on_page(&c, query, movie_id, "4").await;
            knn = wait_change(&c, "#list-item", &knn).await;
        }
        let because = c
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#list-item li .because"))
            .await
            .expect("personal item-based list explains itself")
            .text()
            .await
            .expect("text");
        assert!(because.starts_with("because you rated "), "{because}");
        let note = text_of(&c, "#note-svd").await;
        assert!(
            note.contains("Made for you"),
            "SVD list not personal: {note}"
        );
        if c.set_window_size(1200, 1000).await.is_ok() {
            if let Ok(png) = c.screenshot().await {
                let _ = std::fs::write(shots.join("page-wide.png"), png);
            }
        }
        c.close().await.expect("close the browser");
    });
}
