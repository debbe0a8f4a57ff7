"use strict";
// The gallery page: generate (new images appear when the job ends), pick two images and
// interpolate, hover the latent map, reconstruct. Every job shows the shared <job-progress>.
(function () {
  const config = JSON.parse(document.getElementById("gallery-config").textContent);
  const api = (...args) => window.aeweb.api(...args);
  const $ = (sel) => document.querySelector(sel);
  const selected = [];

  function progress(container, job) {
    container.innerHTML = "";
    const el = document.createElement("job-progress");
    el.dataset.job = job.id;
    container.append(el);
    return new Promise((resolve) => el.addEventListener("job-done", (e) => resolve(e.detail), { once: true }));
  }

  async function jobImages(jobId) {
    const page = await api(`${config.urls.images}?job=${jobId}&page_size=100`);
    return page.results;
  }

  function figure(image) {
    const fig = document.createElement("figure");
    fig.className = "gallery-item new";
    fig.dataset.id = image.id;
    fig.dataset.version = image.model_version;
    fig.tabIndex = 0;
    const img = document.createElement("img");
    Object.assign(img, { src: image.url, alt: `${image.kind} ${image.label}`, width: 84, height: 84 });
    const cap = document.createElement("figcaption");
    cap.textContent = (image.label || "\u00a0") + " ";
    const link = Object.assign(document.createElement("a"), { href: image.url, title: "download PNG", textContent: "⤓" });
    link.setAttribute("download", "");
    cap.append(link);
    fig.append(img, cap);
    return fig;
  }

  function selectionShow() {
    const info = $("#selection-info");
    const button = $("#interpolate-button");
    document.querySelectorAll(".gallery-item").forEach((el) => {
      el.classList.toggle("selected", selected.includes(el.dataset.id));
    });
    if (!info) return;
    info.textContent = selected.length === 2 ? `Images ${selected[0]} and ${selected[1]} selected.`
      : selected.length === 1 ? `Image ${selected[0]} selected; pick one more.`
      : "Pick two images to walk the latent space between them.";
    button.disabled = selected.length !== 2;
  }

  const grid = $("#grid");
  if (grid) {
    const toggle = (item) => {
      const id = item.dataset.id;
      const at = selected.indexOf(id);
      if (at >= 0) selected.splice(at, 1);
      else {
        selected.push(id);
        if (selected.length > 2) selected.shift();
      }
      selectionShow();
    };
    grid.addEventListener("click", (e) => {
      if (e.target.closest("a")) return; // the download link
      const item = e.target.closest(".gallery-item");
      if (item) toggle(item);
    });
    grid.addEventListener("keydown", (e) => {
      const item = e.target.closest(".gallery-item");
      if (item && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); toggle(item); }
    });
  }

  const form = $("#generate-form");
  if (form) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const body = { count: Number(data.get("count")), dataset: config.dataset };
      if (data.get("temperature")) body.temperature = Number(data.get("temperature"));
      if (data.get("seed")) body.seed = Number(data.get("seed"));
      if (data.get("label")) body.label = data.get("label");
      $("#generate-error").textContent = "";
      const button = $("#generate-button");
      button.disabled = true;
      try {
        const job = await api(config.urls.generate, { method: "POST", body });
        const done = await progress($("#generate-progress"), job);
        if (done.status === "succeeded") {
          const images = await jobImages(job.id);
          const empty = $("#grid-empty");
          if (empty) empty.remove();
          images.slice().reverse().forEach((image) => grid.prepend(figure(image)));
          grid.dataset.lastJob = job.id;
        }
      } catch (err) {
        $("#generate-error").textContent = err.message;
      } finally {
        button.disabled = false;
      }
    });
  }

  const interpButton = $("#interpolate-button");
  if (interpButton) {
    interpButton.addEventListener("click", async () => {
      $("#interp-error").textContent = "";
      const body = { start: Number(selected[0]), end: Number(selected[1]), steps: Number($("#interp-steps").value) };
      try {
        const job = await api(config.urls.interpolate, { method: "POST", body });
        const done = await progress($("#interp-progress"), job);
        if (done.status !== "succeeded") return;
        const strip = $("#interp-strip");
        strip.innerHTML = "";
        for (const image of await jobImages(job.id)) {
          const img = Object.assign(document.createElement("img"), { src: image.url, alt: `frame ${image.position}` });
          img.className = "strip-frame";
          strip.append(img);
        }
      } catch (err) {
        $("#interp-error").textContent = err.message;
      }
    });
  }

  // A later job that changes what the server renders (map, reconstructions): reload when done.
  function reloadingJob(buttonSel, progressSel, url, body) {
    const button = $(buttonSel);
    if (!button) return;
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const job = await api(url, { method: "POST", body });
        const done = await progress($(progressSel), job);
        if (done.status === "succeeded") window.location.reload();
      } catch (err) {
        $(progressSel).textContent = err.message;
      } finally {
        button.disabled = false;
      }
    });
  }
  reloadingJob("#latent-map-button", "#latent-map-progress", config.urls.latentMap, { dataset: config.dataset });
  reloadingJob("#reconstruct-button", "#reconstruct-progress", config.urls.reconstruct, { dataset: config.dataset, count: 8 });

  // The map is one PNG of grid×grid decoded tiles; the hovered tile is cut out and enlarged,
  // and its latent point follows from the layout (x: -span → span, y: span → -span).
  const map = $("#latent-map");
  if (map) {
    const grid = Number(map.dataset.grid), span = Number(map.dataset.span), tile = Number(map.dataset.tile);
    const canvas = $("#map-preview");
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    const show = (e) => {
      const rect = map.getBoundingClientRect();
      const col = Math.min(grid - 1, Math.max(0, Math.floor(((e.clientX - rect.left) / rect.width) * grid)));
      const row = Math.min(grid - 1, Math.max(0, Math.floor(((e.clientY - rect.top) / rect.height) * grid)));
      const step = grid > 1 ? (2 * span) / (grid - 1) : 0;
      const zx = -span + col * step, zy = span - row * step;
      ctx.drawImage(map, col * tile, row * tile, tile, tile, 0, 0, canvas.width, canvas.height);
      $("#map-z").textContent = `z = (${zx.toFixed(2)}, ${zy.toFixed(2)})`;
    };
    map.addEventListener("mousemove", show);
    map.addEventListener("click", show);
  }
})();
