"use strict";
// The item page's stars: one rating, stored exactly as rate.js stores its ratings
// (localStorage "aeweb.rate.<data set>" = {itemId: {rating, title}}), so /rate/ picks it up.
(function () {
  const box = document.getElementById("rate-this");
  if (!box) return;
  const storeKey = "aeweb.rate." + box.dataset.dataset;
  const itemId = box.dataset.itemId;
  const status = document.getElementById("rate-this-status");
  const remove = document.getElementById("rate-this-remove");
  const rateUrl = "/rate/?dataset=" + encodeURIComponent(box.dataset.dataset);
  const plural = window.aeweb.plural;  // "1 image", "1,024 images" (app.js)

  function load() {
    try {
      return JSON.parse(localStorage.getItem(storeKey)) || {};
    } catch (e) {
      return {};
    }
  }

  function save(ratings) {
    try {
      localStorage.setItem(storeKey, JSON.stringify(ratings));
      return true;
    } catch (e) {
      return false; // private browsing may refuse storage
    }
  }

  function paint(saved) {
    const ratings = load();
    const current = ratings[itemId] ? ratings[itemId].rating : 0;
    for (const button of box.querySelectorAll(".stars button")) {
      button.classList.toggle("on", Number(button.dataset.value) <= current);
      button.setAttribute("aria-pressed", String(Number(button.dataset.value) === current));
    }
    remove.hidden = !current;
    const n = Object.keys(ratings).length;
    if (saved === false) {
      status.textContent = "This browser does not allow storing ratings.";
    } else if (current) {
      const link = document.createElement("a");
      link.href = rateUrl;
      link.id = "rate-this-link";
      link.textContent = `See recommendations from your ${plural(n, "rating")}`;
      status.replaceChildren(`You rated it ${plural(current, "star")}. `, link, ".");
    } else if (n) {
      const link = document.createElement("a");
      link.href = rateUrl;
      link.textContent = `your ${plural(n, "rating")}`;
      status.replaceChildren("Not rated yet; recommendations from ", link, " are on Rate a few.");
    }
  }

  for (const button of box.querySelectorAll(".stars button")) {
    button.addEventListener("click", () => {
      const ratings = load();
      ratings[itemId] = { rating: Number(button.dataset.value), title: box.dataset.title };
      paint(save(ratings));
    });
  }
  remove.addEventListener("click", () => {
    const ratings = load();
    delete ratings[itemId];
    paint(save(ratings));
  });
  window.addEventListener("storage", (event) => { if (event.key === storeKey) paint(); });
  paint();
})();
