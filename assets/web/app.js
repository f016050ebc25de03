// reel's web page: search, rate, and two recommendation lists that update as you rate.
// Anonymous: ratings live in localStorage and go with each POST /v1/recommendations.
// Signed in: ratings are stored on the server (PUT/DELETE /v1/users/NAME/ratings/ID).
"use strict";

const STORE_RATINGS = "reel.ratings";
const STORE_ACCOUNT = "reel.account";
// The page's two sections, by the lists' titles (their roles), whichever models the
// server is configured with.
const SECTIONS = { "Item-based": "item", "SVD": "svd" };
const STAR_CHOICES = ["0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"];

const $ = (id) => document.getElementById(id);

function loadJson(key, fallback) {
  try {
    const v = JSON.parse(localStorage.getItem(key));
    return v === null ? fallback : v;
  } catch (_) {
    return fallback;
  }
}

// movie_id -> {stars, title}
let ratings = loadJson(STORE_RATINGS, {});
let account = loadJson(STORE_ACCOUNT, null);
let recTimer = null;
let recSeq = 0;

function saveLocal() {
  localStorage.setItem(STORE_RATINGS, JSON.stringify(ratings));
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (account && path.startsWith("/v1/users/")) headers["Authorization"] = "Bearer " + account.token;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  if (res.status !== 204) {
    try { data = await res.json(); } catch (_) { data = null; }
  }
  if (!res.ok) {
    const msg = data && data.error ? data.error.message : res.status + " " + res.statusText;
    const err = new Error(msg);
    err.status = res.status;
    err.code = data && data.error ? data.error.code : "";
    throw err;
  }
  return data;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function label(m) {
  return m.year ? `${m.title} (${m.year})` : m.title;
}

function starSelect(movieId, title) {
  const current = ratings[movieId] ? String(ratings[movieId].stars) : "";
  const sel = el("select", { class: "rate", "aria-label": `Your rating for ${title}`, "data-movie": movieId });
  sel.append(el("option", { value: "" }, current ? "Clear rating" : "Rate…"));
  for (const s of STAR_CHOICES) {
    const o = el("option", { value: s }, `${s} ★`);
    if (s === current) o.selected = true;
    sel.append(o);
  }
  sel.addEventListener("change", () => rate(movieId, title, sel.value === "" ? null : Number(sel.value)));
  return sel;
}

// ---------------------------------------------------------------- search

let searchTimer = null;
let searchSeq = 0;

async function runSearch() {
  const q = $("search").value.trim();
  const seq = ++searchSeq;
  try {
    const data = await api("GET", `/v1/movies/search?n=8&q=${encodeURIComponent(q)}`);
    if (seq !== searchSeq) return;
    const list = $("results");
    list.replaceChildren(...data.results.map((m) => {
      const title = label(m);
      const avg = m.mean_rating ? ` · ${m.mean_rating.toFixed(1)}★ from ${m.rating_count}` : "";
      return el("li", { "data-movie": m.movie_id },
        el("span", { class: "title" }, title, el("small", {}, ` ${m.genres.join(", ")}${avg}`)),
        starSelect(m.movie_id, title));
    }));
  } catch (e) {
    if (e.status === 503) waitForServer(); else showStatus(e);
  }
}

// ---------------------------------------------------------------- rating

async function rate(movieId, title, stars) {
  const before = ratings[movieId];
  if (stars === null) delete ratings[movieId];
  else ratings[movieId] = { stars, title };
  try {
    if (account) {
      const path = `/v1/users/${encodeURIComponent(account.name)}/ratings/${movieId}`;
      if (stars === null) await api("DELETE", path);
      else await api("PUT", path, { stars });
    } else {
      saveLocal();
    }
  } catch (e) {
    if (before) ratings[movieId] = before; else delete ratings[movieId];
    showStatus(e);
  }
  renderRated();
  syncSelects();
  scheduleRecs();
}

function syncSelects() {
  for (const sel of document.querySelectorAll("#results select.rate")) {
    const r = ratings[sel.dataset.movie];
    sel.value = r ? String(r.stars) : "";
    sel.options[0].textContent = r ? "Clear rating" : "Rate…";
  }
}

function renderRated() {
  const ids = Object.keys(ratings);
  $("rated-count").textContent = ids.length ? `(${ids.length})` : "";
  $("rated").replaceChildren(...ids.map((id) => {
    const r = ratings[id];
    const remove = el("button", { type: "button", "aria-label": `Remove your rating of ${r.title}` }, "Remove");
    remove.addEventListener("click", () => rate(Number(id), r.title, null));
    return el("li", { "data-movie": id }, el("span", { class: "title" }, r.title), el("span", { class: "pred" }, `${r.stars}★`), remove);
  }));
  if (!ids.length) $("rated").replaceChildren(el("li", {}, "Nothing yet: search above and pick stars."));
}

// ---------------------------------------------------------------- recommendations

function scheduleRecs() {
  clearTimeout(recTimer);
  recTimer = setTimeout(loadRecs, 120);
}

async function loadRecs() {
  const seq = ++recSeq;
  try {
    let data;
    if (account) {
      data = await api("GET", `/v1/users/${encodeURIComponent(account.name)}/recommendations?list=both&n=10`);
    } else {
      const list = Object.entries(ratings).map(([id, r]) => ({ movie_id: Number(id), stars: r.stars }));
      data = await api("POST", "/v1/recommendations", { ratings: list, n: 10, list: "both" });
    }
    if (seq !== recSeq) return;
    for (const l of data.lists) renderList(l);
    showStatus(null);
  } catch (e) {
    if (e.status === 503) { waitForServer(); return; }
    showStatus(e);
  }
}

function renderList(l) {
  const section = SECTIONS[l.label];
  const ol = section && $(`list-${section}`);
  if (!ol) return;
  $(`note-${section}`).textContent = l.popularity_based
    ? "Most rated movies for now: rate 5 or more to make this yours."
    : "Made for you from your ratings.";
  ol.replaceChildren(...l.entries.map((e) => {
    const title = e.year ? `${e.title} (${e.year})` : e.title;
    const li = el("li", { "data-movie": e.movie_id },
      el("span", { class: "title" }, title),
      el("span", { class: "pred", title: "predicted stars for you" }, e.stars ? `${e.stars.toFixed(1)}★` : ""),
      starSelect(e.movie_id, title));
    if (e.because && e.because.length) {
      li.append(el("span", { class: "because" }, "because you rated " + e.because.map((b) => b.title).join(", ")));
    }
    return li;
  }));
}

// ---------------------------------------------------------------- account

function renderAccount() {
  $("account-status").textContent = account
    ? `Signed in as ${account.name}: ratings are saved on the server.`
    : "Not signed in: your ratings stay in this browser.";
  $("signout-button").hidden = !account;
  $("account-forms").hidden = !!account;
}

async function useAccount(name, token) {
  account = { name, token };
  try {
    const data = await api("GET", `/v1/users/${encodeURIComponent(name)}/ratings`);
    ratings = {};
    for (const r of data.ratings) ratings[r.movie_id] = { stars: r.stars, title: r.title || `movie ${r.movie_id}` };
    localStorage.setItem(STORE_ACCOUNT, JSON.stringify(account));
    $("account-message").textContent = "";
  } catch (e) {
    account = null;
    $("account-message").textContent = e.message;
    return;
  }
  renderAccount();
  renderRated();
  syncSelects();
  scheduleRecs();
}

$("signin-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  useAccount($("signin-name").value.trim(), $("signin-token").value.trim());
});

$("signup-button").addEventListener("click", async () => {
  const name = $("signin-name").value.trim();
  try {
    const made = await api("POST", "/v1/users", { name });
    $("signin-token").value = made.token;
    // Carry this browser's anonymous ratings over to the new account.
    const local = ratings;
    account = { name: made.name, token: made.token };
    for (const [id, r] of Object.entries(local)) {
      await api("PUT", `/v1/users/${encodeURIComponent(made.name)}/ratings/${id}`, { stars: r.stars });
    }
    await useAccount(made.name, made.token);
    $("account-message").textContent = `Your token (shown once, keep it): ${made.token}`;
  } catch (e) {
    account = null;
    $("account-message").textContent = e.message;
  }
});

$("signout-button").addEventListener("click", () => {
  account = null;
  $("account-message").textContent = "";
  localStorage.removeItem(STORE_ACCOUNT);
  ratings = loadJson(STORE_RATINGS, {});
  renderAccount();
  renderRated();
  syncSelects();
  scheduleRecs();
});

// ---------------------------------------------------------------- start

function showStatus(err) {
  $("server-status").textContent = err ? `Problem: ${err.message}` : "";
}

let waiting = false;
async function waitForServer() {
  if (waiting) return;
  waiting = true;
  let searched = false;
  for (;;) {
    try {
      const res = await fetch("/health");
      const h = await res.json();
      if (res.ok) break;
      // Search answers before the lists' models are loaded.
      if (h.search_ready && !searched) { searched = true; runSearch(); }
      $("server-status").textContent = h.status === "failed"
        ? `The server could not load its models: ${h.error}`
        : `Loading the lists' models: ${h.stage || ""} ${h.progress != null ? Math.round(100 * h.progress) + "%" : ""}`;
    } catch (_) {
      $("server-status").textContent = "Cannot reach the server; retrying…";
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  waiting = false;
  $("server-status").textContent = "";
  runSearch();
  scheduleRecs();
}

$("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 150);
});
$("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); runSearch(); });

renderAccount();
renderRated();
if (account) useAccount(account.name, account.token); else { runSearch(); scheduleRecs(); }
