"use strict";
// The home page updates itself: while a job is queued or running it re-reads the page every 3 s
// (else every 20 s) and swaps in the cards and the job table, so models appearing and jobs finishing
// show without a reload. The server renders both; there is no second copy of that markup here.
(function () {
  const live = document.getElementById("home-live");
  if (!live) return;
  const state = document.getElementById("home-live-state");

  async function refresh() {
    let delay = 20000;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.ok) {
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("home-live");
        if (fresh) {
          live.replaceChildren(...fresh.childNodes);
          live.dataset.active = fresh.dataset.active;
        }
      }
    } catch (e) {
      // Offline for a moment: keep what is shown and try again later.
    }
    const active = Boolean(live.dataset.active);
    if (active) delay = 3000;
    const label = document.getElementById("home-live-state");
    if (label) label.textContent = active ? "· updating live" : "";
    window.setTimeout(refresh, delay);
  }
  if (state) state.textContent = live.dataset.active ? "· updating live" : "";
  window.setTimeout(refresh, live.dataset.active ? 3000 : 20000);
})();
