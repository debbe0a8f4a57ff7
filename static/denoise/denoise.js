"use strict";
// The denoising page: send the upload (or a sample) to the API, then go to the result page;
// start the 28×28 demo and follow it with the shared <job-progress>, reloading when it is done;
// the result page's before/after slider is core/compare.js.
(function () {
  const form = document.getElementById("denoise-form");
  if (form) {
    const sigma = document.getElementById("denoise-sigma");
    const shown = document.getElementById("sigma-value");
    const error = document.getElementById("denoise-error");
    const show = () => { shown.textContent = sigma.value === "0" ? "0 (none)" : sigma.value; };
    sigma.addEventListener("input", show);
    show();

    async function send(fields) {
      const body = new FormData();
      for (const [k, v] of Object.entries(fields)) body.append(k, v);
      if (sigma.value !== "0") body.append("sigma", sigma.value);  // 0: add no noise, estimate it
      if (document.getElementById("denoise-ensemble").checked) body.append("self_ensemble", "true");
      error.textContent = "";
      form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      document.querySelectorAll(".sample").forEach((b) => { b.disabled = true; });
      try {
        const created = await window.aeweb.api("/api/denoise/", { method: "POST", body });
        window.location = created.page_url;
      } catch (e) {
        error.textContent = e.message;
        form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
        document.querySelectorAll(".sample").forEach((b) => { b.disabled = false; });
      }
    }

    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const file = document.getElementById("denoise-file").files[0];
      if (!file) { error.textContent = "Choose an image file, or click a sample below."; return; }
      send({ image: file });
    });
    document.querySelectorAll(".sample").forEach((button) => {
      button.addEventListener("click", () => send({ sample: button.dataset.sample }));
    });
  }

  // The 28×28 demo: the server renders the latest demo's rows, so a finished job reloads the page.
  const demoButton = document.getElementById("dae-demo-button");
  if (demoButton) {
    const config = JSON.parse(document.getElementById("dae-demo-config").textContent);
    const progress = document.getElementById("dae-demo-progress");
    demoButton.addEventListener("click", async () => {
      demoButton.disabled = true;
      try {
        const job = await window.aeweb.api(config.url, { method: "POST", body: config.body });
        progress.innerHTML = "";
        const el = document.createElement("job-progress");
        el.dataset.job = job.id;
        progress.append(el);
        const done = await new Promise((resolve) =>
          el.addEventListener("job-done", (e) => resolve(e.detail), { once: true }));
        if (done.status === "succeeded") window.location.reload();
      } catch (err) {
        progress.textContent = err.message;
      } finally {
        demoButton.disabled = false;
      }
    });
  }
})();
