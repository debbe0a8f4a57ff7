"use strict";
// Shared front-end helpers: API calls with the CSRF token, and the <job-progress> component
// that every page starting work uses.
(function () {
  function cookie(name) {
    const m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }

  async function api(url, options = {}) {
    const opts = { credentials: "same-origin", ...options };
    opts.headers = { Accept: "application/json", ...(options.headers || {}) };
    if (opts.body !== undefined && !(opts.body instanceof FormData)) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.body);
    }
    if ((opts.method || "GET") !== "GET") opts.headers["X-CSRFToken"] = cookie("csrftoken");
    const response = await fetch(url, opts);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const err = new Error((data.error && data.error.message) || response.statusText);
      err.status = response.status;
      err.body = data;
      throw err;
    }
    return data;
  }

  function fmtSeconds(s) {
    if (s === null || s === undefined) return "—";
    if (s < 60) return Math.round(s) + " s";
    const m = Math.floor(s / 60);
    return m + " min " + Math.round(s - 60 * m) + " s";
  }

  // "1 image", "2 images", "1,024 ratings": every count shown to people goes through here.
  function plural(n, word, many) {
    return Number(n).toLocaleString("en") + " " + (Number(n) === 1 ? word : many || word + "s");
  }

  function timeAgo(iso) {
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (s < 45) return "just now";
    if (s < 3600) return plural(Math.round(s / 60), "minute") + " ago";
    if (s < 86400) return plural(Math.round(s / 3600), "hour") + " ago";
    return plural(Math.round(s / 86400), "day") + " ago";
  }

  class JobProgress extends HTMLElement {
    connectedCallback() {
      this.innerHTML = `
        <div class="job-progress" role="status" aria-live="polite">
          <div class="job-progress-head"><span class="job-status">queued</span>
            <span class="job-detail"></span><span class="job-eta"></span></div>
          <progress max="1" value="0"></progress>
          <div class="job-message"></div>
        </div>`;
      this.bar = this.querySelector("progress");
      this.poll();
    }
    disconnectedCallback() { clearTimeout(this.timer); }
    render(job) {
      this.job = job;
      this.dataset.status = job.status;
      this.querySelector(".job-status").textContent = job.status;
      this.bar.value = job.progress;
      const last = (job.history || [])[job.history.length - 1];
      let detail = Math.round(job.progress * 100) + " %";
      if (last && last.epoch !== undefined) {
        detail += ` · epoch ${last.epoch}${last.epochs ? "/" + last.epochs : ""}`;
        if (last.loss !== undefined) detail += ` · loss ${Number(last.loss).toFixed(4)}`;
      }
      this.querySelector(".job-detail").textContent = detail;
      this.querySelector(".job-eta").textContent =
        job.status !== "running" ? "" : job.eta_seconds === null ? "estimating time left…" : "about " + fmtSeconds(job.eta_seconds) + " left";
      this.querySelector(".job-message").textContent = job.error || job.message || "";
    }
    async poll() {
      try {
        const job = await api(`/api/jobs/${this.dataset.job}/`);
        this.render(job);
        if (["succeeded", "failed", "cancelled"].includes(job.status)) {
          this.dispatchEvent(new CustomEvent("job-done", { detail: job, bubbles: true }));
          if (job.status === "succeeded" && this.dataset.doneUrl) window.location = this.dataset.doneUrl;
          return;
        }
      } catch (e) {
        this.querySelector(".job-message").textContent = "Cannot reach the server: " + e.message;
      }
      this.timer = setTimeout(() => this.poll(), 700);
    }
  }
  customElements.define("job-progress", JobProgress);

  // The site menu on a phone: folded behind its button (CSS shows the button below 700 px).
  function navSetup() {
    const bar = document.querySelector(".topbar"), toggle = bar && bar.querySelector(".nav-toggle");
    if (!toggle) return;
    bar.classList.add("js-nav");
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = bar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
    const here = window.location.pathname;
    bar.querySelectorAll("nav a").forEach((a) => {
      const path = new URL(a.href, window.location.href).pathname;
      if (path !== "/" && here.startsWith(path)) a.setAttribute("aria-current", "page");
    });
  }
  document.addEventListener("DOMContentLoaded", navSetup);

  window.aeweb = { api, fmtSeconds, plural, timeAgo };
})();
