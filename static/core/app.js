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
        job.status === "running" && job.eta_seconds !== null ? "ETA " + fmtSeconds(job.eta_seconds) : "";
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

  window.aeweb = { api, fmtSeconds };
})();
