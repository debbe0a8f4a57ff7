"use strict";
// "Rate a few": search the catalogue, rate with stars, and recommendations follow after every
// rating through the fold-in endpoint (no retraining). Ratings live in this browser only.
(function () {
  const datasetSelect = document.getElementById("rate-dataset");
  if (datasetSelect) datasetSelect.addEventListener("change", () => datasetSelect.form.submit());
  const configEl = document.getElementById("rate-config");
  if (!configEl) return;
  const config = JSON.parse(configEl.textContent);
  const api = (...args) => window.aeweb.api(...args);
  const storeKey = "aeweb.rate." + config.dataset;
  const byId = (id) => document.getElementById(id);
  const PAGE_SIZE = 15;
  const plural = window.aeweb.plural;  // "1 image", "1,024 images" (app.js)

  let ratings = storeLoad(); // {itemId: {rating, title}}
  let page = 1;
  let pages = 1;
  let search = "";
  let searchTimer = null;
  let itemsSeq = 0;
  let recsSeq = 0;
  let updates = 0;

  function storeLoad() {
    try {
      return JSON.parse(localStorage.getItem(storeKey)) || {};
    } catch (e) {
      return {};
    }
  }

  function storeSave() {
    try {
      localStorage.setItem(storeKey, JSON.stringify(ratings));
    } catch (e) {
      // Private browsing may refuse storage: the ratings still work for this page view.
    }
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children) node.append(child);
    return node;
  }

  function itemLabel(item) {
    return item.year && !String(item.title).includes("(" + item.year + ")") ? `${item.title} (${item.year})` : item.title;
  }

  function stars(item) {
    const box = el("span", { class: "stars", role: "group", "data-item-id": item.id, "aria-label": "Rate " + item.title });
    for (const value of config.stars) {
      const button = el("button", { type: "button", "data-value": value, title: plural(value, "star"), "aria-label": plural(value, "star") }, "★");
      button.addEventListener("click", () => rate(item, value));
      box.append(button);
    }
    starsPaint(box);
    return box;
  }

  function starsPaint(box) {
    const current = ratings[box.dataset.itemId] ? ratings[box.dataset.itemId].rating : 0;
    for (const button of box.querySelectorAll("button")) {
      const on = Number(button.dataset.value) <= current;
      button.classList.toggle("on", on);
      button.setAttribute("aria-pressed", String(Number(button.dataset.value) === current));
    }
  }

  function rate(item, value) {
    ratings[item.id] = { rating: value, title: item.title };
    changed();
  }

  function unrate(itemId) {
    delete ratings[itemId];
    changed();
  }

  function changed() {
    storeSave();
    document.querySelectorAll(".stars[data-item-id]").forEach(starsPaint);
    ratedRender();
    recommend();
  }

  async function itemsLoad() {
    const seq = ++itemsSeq;
    const params = new URLSearchParams({ page: String(page), page_size: String(PAGE_SIZE) });
    if (search) params.set("search", search);
    const list = byId("rate-results");
    try {
      const data = await api(`${config.itemsUrl}?${params}`);
      if (seq !== itemsSeq) return; // a newer search answered first
      pages = data.pages;
      list.replaceChildren(
        ...data.results.map((item) =>
          el("li", { class: "rate-item", "data-item-id": item.id },
            el("span", { class: "title" }, itemLabel(item), el("br"), el("span", { class: "meta" }, item.genres.join(", "))),
            stars(item))
        )
      );
      if (!data.results.length) list.append(el("li", { class: "muted" }, "No movies match."));
      byId("rate-page-info").textContent = `page ${data.page} of ${data.pages} (${data.count})`;
    } catch (err) {
      if (seq !== itemsSeq) return;
      list.replaceChildren(el("li", { class: "error" }, "Cannot load movies: " + err.message));
    }
    byId("rate-prev").disabled = page <= 1;
    byId("rate-next").disabled = page >= pages;
  }

  function ratedRender() {
    const ids = Object.keys(ratings);
    byId("rated-count").textContent = String(ids.length);
    byId("rated").replaceChildren(
      ...ids.map((id) => {
        const remove = el("button", { type: "button", class: "rated-remove", title: "Remove this rating", "aria-label": "Remove" }, "×");
        remove.addEventListener("click", () => unrate(id));
        return el("li", { class: "rated-item", "data-item-id": id },
          el("a", { class: "title", href: `/items/${id}/` }, ratings[id].title),
          stars({ id, title: ratings[id].title }), remove);
      })
    );
  }

  function recsRender(data) {
    const recs = byId("recs");
    recs.replaceChildren(
      ...data.items.map((rec) => {
        const li = el("li", { class: "rec-item", "data-item-id": rec.item.id },
          el("a", { class: "title", href: `/items/${rec.item.id}/` }, itemLabel(rec.item)), " ",
          el("span", { class: "meta" }, rec.item.genres.join(", ")), " ", stars(rec.item));
        if (rec.because.length) {
          const because = el("div", { class: "because" }, "because you liked ");
          rec.because.forEach((b, i) => {
            if (i) because.append(", ");
            because.append(el("a", { href: `/items/${b.id}/` }, b.title));
          });
          li.append(because);
        }
        return li;
      })
    );
    const n = Object.keys(ratings).length;
    byId("recs-status").textContent =
      `${plural(data.items.length, "recommendation")} from ${data.model.name} v${data.model.version}, ` +
      `from your ${plural(n, "rating")}.`;
  }

  async function recommend(retried) {
    const seq = ++recsSeq;
    const recs = byId("recs");
    const entries = Object.entries(ratings).map(([id, r]) => ({ item: Number(id), rating: r.rating }));
    if (!entries.length) {
      recs.replaceChildren();
      recs.dataset.state = "empty";
      byId("recs-status").textContent = "Rate a movie to get recommendations.";
      return;
    }
    recs.dataset.state = "loading";
    try {
      const data = await api(config.foldinUrl, { method: "POST", body: { ratings: entries, k: config.k } });
      if (seq !== recsSeq) return; // a later rating's answer wins
      recsRender(data);
      recs.dataset.state = "ready";
      recs.dataset.updates = String(++updates);
    } catch (err) {
      if (seq !== recsSeq) return;
      // Ratings kept from an earlier import of the data set name items that are gone: drop them once.
      const details = (err.body && err.body.error && err.body.error.details) || {};
      const gone = Object.keys(details)
        .map((key) => key.match(/^ratings\[(\d+)\]\.item$/))
        .filter(Boolean)
        .map((m) => entries[Number(m[1])].item);
      if (err.status === 400 && gone.length && !retried) {
        gone.forEach((id) => delete ratings[id]);
        storeSave();
        ratedRender();
        recommend(true);
        return;
      }
      recs.replaceChildren();
      recs.dataset.state = "error";
      byId("recs-status").textContent = err.message;
    }
  }

  byId("rate-search").addEventListener("input", (event) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      search = event.target.value.trim();
      page = 1;
      itemsLoad();
    }, 250);
  });
  byId("rate-prev").addEventListener("click", () => { page = Math.max(1, page - 1); itemsLoad(); });
  byId("rate-next").addEventListener("click", () => { page = Math.min(pages, page + 1); itemsLoad(); });
  byId("rate-clear").addEventListener("click", () => { ratings = {}; changed(); });
  // The phone's bottom panel folds down to its heading, to read the list behind it.
  byId("recs-toggle").addEventListener("click", (event) => {
    const open = event.target.getAttribute("aria-expanded") !== "true";
    event.target.setAttribute("aria-expanded", String(open));
    event.target.textContent = open ? "Hide" : "Show";
    byId("recs-panel").classList.toggle("collapsed", !open);
  });
  // Ratings made on an item page (item_rate.js, same storage) in another tab count here too.
  window.addEventListener("storage", (event) => {
    if (event.key !== storeKey) return;
    ratings = storeLoad();
    document.querySelectorAll(".stars[data-item-id]").forEach(starsPaint);
    ratedRender();
    recommend();
  });

  ratedRender();
  itemsLoad();
  recommend();
})();
