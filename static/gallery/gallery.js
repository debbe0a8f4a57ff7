"use strict";
// The gallery page: generate (new images join the grid when the job ends), pick two images and
// interpolate, draw the latent map, reconstruct. Every job shows the shared <job-progress>, and
// nothing reloads the page, so an interpolation strip stays while the map or reconstructions change.
(function () {
  const config = JSON.parse(document.getElementById("gallery-config").textContent);
  const api = (...args) => window.aeweb.api(...args);
  const $ = (sel) => document.querySelector(sel);
  const grid = $("#grid");
  const selected = []; // the picked .gallery-item elements, in the order picked
  const DONE = ["succeeded", "failed", "cancelled"];

  const plural = window.aeweb.plural;  // "1 image", "1,024 images" (app.js)
  const labelText = (label) => (label && config.labelText[label]) || label || "";
  const versionName = (id) => config.versionNames[String(id)] || "another model version";

  // Resolves with the finished job. `el` is a <job-progress> already on the page (rendered by the
  // server) or null to put a new one into `container`.
  function progress(container, job, el = null) {
    if (!el) {
      container.innerHTML = "";
      el = document.createElement("job-progress");
      el.dataset.job = job.id;
      container.append(el);
    }
    if (DONE.includes(el.dataset.status) && el.job) return Promise.resolve(el.job);
    return new Promise((resolve) => el.addEventListener("job-done", (e) => resolve(e.detail), { once: true }));
  }

  async function jobImages(jobId) {
    const page = await api(`${config.urls.images}?job=${jobId}&page_size=100`);
    return page.results;
  }

  function image(src, alt, size) {
    return Object.assign(document.createElement("img"), { src, alt, width: size, height: size });
  }

  function figure(item) {
    const fig = document.createElement("figure");
    const label = labelText(item.label);
    fig.className = "gallery-item new";
    Object.assign(fig.dataset, { id: item.id, version: item.model_version, label, seed: item.seed ?? "" });
    fig.tabIndex = 0;
    fig.setAttribute("role", "button");
    fig.setAttribute("aria-pressed", "false");
    const cap = document.createElement("figcaption");
    cap.textContent = (label || "\u00a0") + " ";
    const link = Object.assign(document.createElement("a"), { href: item.url, title: "download PNG", textContent: "⤓" });
    link.setAttribute("download", "");
    link.setAttribute("aria-label", "download PNG");
    cap.append(link);
    fig.append(image(item.url, item.kind + (label ? `: ${label}` : ""), 140), cap);
    return fig;
  }

  function countAdd(n) {
    const badge = $("#image-count");
    const count = Number(badge.dataset.count) + n;
    badge.dataset.count = count;
    badge.textContent = plural(count, "image");
  }

  // New samples go to the top of the grid (and the count) unless filters hide them.
  function imagesAdd(items, jobId) {
    const empty = $("#grid-empty");
    if (config.filtered) {
      $("#generate-error").textContent = `${plural(items.length, "new image")} made; clear the filters to see them.`;
      return;
    }
    if (empty) empty.hidden = true;
    items.slice().reverse().forEach((item) => grid.prepend(figure(item)));
    grid.dataset.lastJob = jobId;
    countAdd(items.length);
    selectionShow();
  }

  async function generateRun(body, container, button, errorBox) {
    errorBox.textContent = "";
    button.disabled = true;
    try {
      const job = await api(config.urls.generate, { method: "POST", body });
      const done = await progress(container, job);
      if (done.status === "succeeded") imagesAdd(await jobImages(job.id), job.id);
      else errorBox.textContent = done.error || `The job ${done.status}.`;
    } catch (err) {
      errorBox.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  }

  // --- picking two images ---------------------------------------------------------------------

  function describe(item) {
    const items = [...grid.querySelectorAll(".gallery-item")];
    const where = `image ${items.indexOf(item) + 1} on this page`;
    return item.dataset.label ? `“${item.dataset.label}” (${where})` : where;
  }

  function selectionShow() {
    const info = $("#selection-info");
    const button = $("#interpolate-button");
    if (!grid || !info) return;
    const version = selected.length ? selected[0].dataset.version : null;
    let others = 0;
    grid.querySelectorAll(".gallery-item").forEach((el) => {
      const on = selected.includes(el);
      const other = version !== null && el.dataset.version !== version;
      others += other;
      el.classList.toggle("selected", on);
      el.classList.toggle("other-version", other);
      el.setAttribute("aria-pressed", String(on));
      el.setAttribute("aria-disabled", String(other));
      if (other) el.title = `Made by ${versionName(el.dataset.version)}: its latent space differs from the picked image's`;
      else el.removeAttribute("title");
    });
    info.innerHTML = "";
    selected.forEach((el) => info.append(image(el.querySelector("img").src, `picked: ${describe(el)}`, 44)));
    const text = document.createElement("span");
    if (selected.length === 2) text.textContent = `Walk from ${describe(selected[0])} to ${describe(selected[1])}.`;
    else if (selected.length === 1) {
      text.textContent = `Picked ${describe(selected[0])}; pick one more` +
        (others ? ` of ${versionName(version)} (images of other model versions are greyed out: ` +
          "their latent spaces cannot be compared)." : ".");
    } else {
      text.className = "muted";
      text.textContent = "Pick two images to walk the latent space between them.";
    }
    info.append(text);
    button.disabled = selected.length !== 2;
  }

  if (grid) {
    const toggle = (item) => {
      const at = selected.indexOf(item);
      if (at >= 0) selected.splice(at, 1);
      else if (item.classList.contains("other-version")) {
        const mine = versionName(selected[0].dataset.version);
        $("#interp-error").textContent = `That image was made by another model version ` +
          `(${versionName(item.dataset.version)}), whose latent space cannot be compared with ${mine}'s: ` +
          `pick one of ${mine}, or unpick first.`;
        return;
      } else {
        selected.push(item);
        if (selected.length > 2) selected.shift();
      }
      $("#interp-error").textContent = "";
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

  // --- generating -----------------------------------------------------------------------------

  const form = $("#generate-form");
  if (form) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const body = { count: Number(data.get("count")), dataset: config.dataset };
      if (data.get("temperature")) body.temperature = Number(data.get("temperature"));
      if (data.get("seed")) body.seed = Number(data.get("seed"));
      if (data.get("label")) body.label = data.get("label");
      generateRun(body, $("#generate-progress"), $("#generate-button"), $("#generate-error"));
    });
  }

  // The empty grid: either seed_demo's first job is running (its progress is on the page) or a button.
  const firstProgress = $("#first-progress job-progress");
  if (firstProgress) {
    progress(null, null, firstProgress).then(async (done) => {
      if (done.status === "succeeded") imagesAdd(await jobImages(done.id), done.id);
      else if (form) $("#generate-error").textContent = `The first images were not made (${done.error || done.status}): try “Generate” above.`;
    });
  }
  const emptyButton = $("#empty-generate");
  if (emptyButton) {
    emptyButton.addEventListener("click", () => {
      const body = { count: Number(emptyButton.dataset.count), dataset: config.dataset };
      generateRun(body, $("#first-progress"), emptyButton, $("#generate-error"));
    });
  }

  // --- interpolating --------------------------------------------------------------------------

  const interpButton = $("#interpolate-button");
  if (interpButton) {
    interpButton.addEventListener("click", async () => {
      $("#interp-error").textContent = "";
      const [start, end] = selected.map((el) => Number(el.dataset.id));
      const body = { start, end, steps: Number($("#interp-steps").value) };
      interpButton.disabled = true;
      try {
        const job = await api(config.urls.interpolate, { method: "POST", body });
        const done = await progress($("#interp-progress"), job);
        if (done.status !== "succeeded") return;
        const strip = $("#interp-strip");
        strip.innerHTML = "";
        for (const frame of await jobImages(job.id)) {
          const img = image(frame.url, `step ${frame.position + 1}`, 96);
          img.className = "strip-frame";
          strip.append(img);
        }
      } catch (err) {
        $("#interp-error").textContent = err.message;
      } finally {
        interpButton.disabled = selected.length !== 2;
      }
    });
  }

  // --- the latent map and the reconstructions: redrawn in place -------------------------------

  function inPlaceJob(buttonSel, progressSel, url, body, show) {
    const button = $(buttonSel);
    if (!button) return;
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const job = await api(url, { method: "POST", body });
        const done = await progress($(progressSel), job);
        if (done.status === "succeeded") show(await jobImages(job.id));
      } catch (err) {
        $(progressSel).textContent = err.message;
      } finally {
        button.disabled = false;
      }
    });
  }

  inPlaceJob("#latent-map-button", "#latent-map-progress", config.urls.latentMap, { dataset: config.dataset },
    (items) => {
      const m = items.find((item) => item.kind === "latent-map");
      if (!m) return;
      const map = $("#latent-map");
      Object.assign(map.dataset, { grid: m.latent.grid, span: m.latent.span, tile: m.latent.tile });
      map.src = m.url;
      $("#map-download").href = m.url;
      $("#map-wrap").hidden = false;
      $("#latent-map-button").textContent = "Draw again";
    });

  inPlaceJob("#reconstruct-button", "#reconstruct-progress", config.urls.reconstruct,
    { dataset: config.dataset, count: 8 }, (items) => {
      const originals = $("#recon-originals"), outputs = $("#recon-outputs");
      originals.innerHTML = "";
      outputs.innerHTML = "";
      for (const item of items) {
        const label = labelText(item.label);
        const img = image(item.url, `${item.kind}: ${label}`, 112);
        img.title = img.alt;
        if (item.kind === "original") originals.append(img);
        else if (item.kind === "reconstruction") {
          const link = Object.assign(document.createElement("a"), { href: item.url });
          link.setAttribute("download", "");
          link.append(img);
          outputs.append(link);
        }
      }
      $("#reconstructions").hidden = false;
    });

  // The map is one PNG of grid×grid decoded tiles; the hovered tile is cut out and enlarged,
  // and its latent point follows from the layout (x: -span → span, y: span → -span). The
  // layout is read at each move, so a redrawn map works at once.
  const map = $("#latent-map");
  if (map) {
    const canvas = $("#map-preview");
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    const show = (e) => {
      const grid = Number(map.dataset.grid), span = Number(map.dataset.span), tile = Number(map.dataset.tile);
      if (!grid || !map.complete) return;
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

  selectionShow();
})();
