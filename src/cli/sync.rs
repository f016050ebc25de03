//! `reel profile push|pull --server URL --user NAME`: a local profile (the one the TUI
//! and `reel rate` write) to a `reel serve` account and back, through
//! `POST /v1/users/{name}/import` and `GET /v1/users/{name}/profile`.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use serde::Deserialize;
use serde_json::json;

use crate::profile::{Mark, ProfileStore, RatingEntry, UserProfile};

/// Where and as whom.
#[derive(Args, Debug, Clone)]
pub struct SyncArgs {
    /// The server's base URL, e.g. http://127.0.0.1:8080
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The account on the server.
    #[arg(long, value_name = "NAME")]
    pub user: String,
    /// The account's token (as printed when it was made).
    #[arg(long, env = "REEL_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Replace the other side's ratings and lists instead of merging (merging keeps
    /// both; where both rate a movie, the newer rating wins).
    #[arg(long)]
    pub replace: bool,
}

impl SyncArgs {
    fn token(&self) -> Result<&str> {
        match self.token.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => Ok(t),
            _ => bail!(
                "the account's token is needed: pass --token TOKEN or set REEL_TOKEN \
                 (reel serve prints it when the account is made)"
            ),
        }
    }

    fn url(&self, tail: &str) -> Result<String> {
        if !crate::profile::valid_name(&self.user) {
            bail!(
                "--user {:?}: account names are letters, digits, '-' and '_'",
                self.user
            );
        }
        let base = self.server.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("--server {:?}: expected http://HOST:PORT", self.server);
        }
        Ok(format!("{base}/v1/users/{}/{tail}", self.user))
    }

    fn mode(&self) -> &'static str {
        if self.replace {
            "replace"
        } else {
            "merge"
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .build()
}

/// Turns a failed call into a message naming the server, the account and the cause.
fn explain(err: ureq::Error, what: &str, args: &SyncArgs) -> anyhow::Error {
    match err {
        ureq::Error::Status(status, resp) => {
            let body: serde_json::Value = resp.into_json().unwrap_or_default();
            let message = body["error"]["message"]
                .as_str()
                .unwrap_or("no message")
                .to_string();
            let hint = match status {
                401 => "the token is not valid on this server",
                403 => "the token is another account's, or there is no such account",
                503 => "the server is still loading; try again shortly",
                _ => "the server refused",
            };
            anyhow!(
                "{what} {} as {:?}: {hint} (HTTP {status}: {message})",
                args.server,
                args.user
            )
        }
        ureq::Error::Transport(t) => {
            anyhow!("{what} {}: cannot reach the server ({t})", args.server)
        }
    }
}

/// Sends the local profile to the account.
pub fn push(profile: &str, args: &SyncArgs) -> Result<()> {
    let token = args.token()?;
    let url = args.url("import")?;
    let store = ProfileStore::default_for(profile)?;
    // Read-only: a missing profile is an error, bad entries are reported and left out.
    let loaded = store.read()?;
    for w in &loaded.warnings {
        eprintln!("reel: {w}");
    }
    let p = loaded.profile;
    let marks = |m: &BTreeMap<u32, Mark>| {
        m.iter()
            .map(|(id, e)| json!({"movie_id": id, "added": e.time}))
            .collect::<Vec<_>>()
    };
    let body = json!({
        "mode": args.mode(),
        "ratings": p.ratings.iter()
            .map(|(id, e)| json!({"movie_id": id, "stars": e.stars, "updated": e.time}))
            .collect::<Vec<_>>(),
        "watchlist": marks(&p.watchlist),
        "not_interested": marks(&p.not_interested),
    });
    let answer: ImportAnswer = agent()
        .post(&url)
        .set("Authorization", &format!("Bearer {token}"))
        .send_json(body)
        .map_err(|e| explain(e, "pushing to", args))?
        .into_json()
        .with_context(|| format!("pushing to {}: the answer is not reel's JSON", args.server))?;
    super::emit(&format!(
        "Pushed profile {profile}: {} ratings, {} on the watchlist, {} not interested, to {} \
         as {} ({}).\nThe account now has {} ratings, {} on the watchlist, {} not interested.\n",
        p.ratings.len(),
        p.watchlist.len(),
        p.not_interested.len(),
        args.server,
        args.user,
        args.mode(),
        answer.ratings,
        answer.watchlist,
        answer.not_interested,
    ))
}

#[derive(Deserialize)]
struct ImportAnswer {
    ratings: u64,
    watchlist: u64,
    not_interested: u64,
}

#[derive(Deserialize)]
struct RemoteProfile {
    ratings: Vec<RemoteRating>,
    watchlist: Vec<RemoteMark>,
    not_interested: Vec<RemoteMark>,
}

#[derive(Deserialize)]
struct RemoteRating {
    movie_id: u32,
    title: Option<String>,
    stars: f32,
    updated: i64,
}

#[derive(Deserialize)]
struct RemoteMark {
    movie_id: u32,
    title: Option<String>,
    added: i64,
}

/// Brings the account's ratings and lists into the local profile, saved atomically.
pub fn pull(profile: &str, args: &SyncArgs) -> Result<()> {
    let token = args.token()?;
    let url = args.url("profile")?;
    let remote: RemoteProfile = agent()
        .get(&url)
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .map_err(|e| explain(e, "pulling from", args))?
        .into_json()
        .with_context(|| {
            format!(
                "pulling from {}: the answer is not reel's JSON",
                args.server
            )
        })?;
    let store = ProfileStore::default_for(profile)?;
    let loaded = store.load()?;
    for w in &loaded.warnings {
        eprintln!("reel: {w}");
    }
    let local = loaded.profile;
    let merged = merge(&local, &remote, args.replace)?;
    store.save(&merged)?;
    super::emit(&format!(
        "Pulled {} ratings, {} on the watchlist, {} not interested from {} ({}) into \
         profile {profile} ({}).\nThe profile now has {} ratings, {} on the watchlist, {} not \
         interested ({}).\n",
        remote.ratings.len(),
        remote.watchlist.len(),
        remote.not_interested.len(),
        args.server,
        args.user,
        store.path().display(),
        merged.ratings.len(),
        merged.watchlist.len(),
        merged.not_interested.len(),
        args.mode(),
    ))
}

/// The local profile with the remote one merged in (newer rating wins; marks already
/// there keep their time), or replaced by it.
fn merge(local: &UserProfile, remote: &RemoteProfile, replace: bool) -> Result<UserProfile> {
    let mut out = if replace {
        UserProfile::new(&local.name)
    } else {
        local.clone()
    };
    let title = |kept: Option<&str>, sent: &Option<String>, id: u32| {
        sent.clone()
            .or_else(|| kept.map(str::to_string))
            .unwrap_or_else(|| format!("movie {id}"))
    };
    for r in &remote.ratings {
        if !(0.5..=5.0).contains(&r.stars) {
            bail!(
                "the server sent {} stars for movie {}: outside 0.5-5; nothing was saved",
                r.stars,
                r.movie_id
            );
        }
        let kept = local.ratings.get(&r.movie_id);
        if kept.is_some_and(|k| !replace && k.time > r.updated) {
            continue;
        }
        out.ratings.insert(
            r.movie_id,
            RatingEntry {
                stars: r.stars,
                time: r.updated,
                title: title(kept.map(|k| k.title.as_str()), &r.title, r.movie_id),
            },
        );
    }
    for (sent, into, kept) in [
        (&remote.watchlist, &mut out.watchlist, &local.watchlist),
        (
            &remote.not_interested,
            &mut out.not_interested,
            &local.not_interested,
        ),
    ] {
        for m in sent {
            if !replace && kept.contains_key(&m.movie_id) {
                continue;
            }
            let old = kept.get(&m.movie_id).map(|k| k.title.as_str());
            into.insert(
                m.movie_id,
                Mark {
                    time: m.added,
                    title: title(old, &m.title, m.movie_id),
                },
            );
        }
    }
    Ok(out)
}
