"use strict";
// The wardrobe: the 2-D map of the test images on a canvas, coloured by class. Switch between maps,
// hover an item to see it (cut from one sprite sheet), click an empty spot to decode it (maps with a
// 2-D decoder), draw or upload an image and see where it lands.
//
// Two stacked canvases: the points (redrawn only when the map or the size changes, one path per
// class) and an overlay (hover ring, markers). Every change asks for a frame; a frame draws what
// changed once, however many events came in between.
(function () {
  const configEl = document.getElementById("wardrobe-config");
  const stage = document.getElementById("map-stage");
  if (!configEl || !stage) return;
  const config = JSON.parse(configEl.textContent);
  const api = (...args) => window.aeweb.api(...args);
  const $ = (sel) => document.getElementById(sel);

  // Tableau's ten colours: distinct, readable on white.
  const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
  const HOVER_PX = 6; // a point within this many CSS pixels of the pointer is "hovered"
  const PAD = 0.04; // margin around the points, as a fraction of their extent

  const base = $("map-canvas");
  const overlay = $("map-overlay");
  const bctx = base.getContext("2d");
  const octx = overlay.getContext("2d");
  const preview = $("item-preview");
  const pctx = preview.getContext("2d");
  pctx.imageSmoothingEnabled = false;

  const cache = new Map(); // version -> map data
  let view = null; // the current map (config.maps entry)
  let data = null; // {xs, ys, labels, indices, n, grid, ...}
  let size = { w: 0, h: 0, dpr: 1 };
  let box = null; // {x0, x1, y0, y1} in data units
  let hover = -1;
  let pinned = null; // {kind: "item"|"decoded", ...}
  let placed = null; // {version, x, y}
  let lastPlaced = null; // {blob, name, invert}: placed again when the map changes
  let frame = 0;
  const dirty = { base: false, overlay: false };
  let draws = 0;

  let sprite = null;
  if (config.sprite) {
    sprite = new Image();
    sprite.decoding = "async";
    sprite.addEventListener("load", () => {
      sprite.ready = true;
      // An item hovered while the sheet was still loading was drawn black: draw it again now.
      if (data && hover >= 0 && preview.dataset.kind === "test") previewTest(hover);
    });
  }
  function spriteLoad() {
    if (sprite && !sprite.src) sprite.src = config.sprite.url; // after the map: it is the big download
  }

  // --- frames -------------------------------------------------------------------------------------
  function schedule(which) {
    dirty[which] = true;
    if (!frame) frame = requestAnimationFrame(render);
  }
  function render() {
    frame = 0;
    if (dirty.base) { dirty.base = false; drawBase(); }
    if (dirty.overlay) { dirty.overlay = false; drawOverlay(); }
  }

  function resize() {
    const width = Math.max(200, Math.floor(stage.clientWidth));
    const height = Math.round(Math.min(width, Math.max(320, window.innerHeight * 0.75)));
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    if (width === size.w && height === size.h && dpr === size.dpr) return;
    size = { w: width, h: height, dpr };
    for (const c of [base, overlay]) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(height * dpr);
      c.style.width = width + "px";
      c.style.height = height + "px";
    }
    stage.style.height = height + "px";
    if (data) buildGrid();
    schedule("base");
    schedule("overlay");
  }

  // data units <-> CSS pixels (y up in the data, down on the screen)
  const px = (x) => ((x - box.x0) / (box.x1 - box.x0)) * size.w;
  const py = (y) => size.h - ((y - box.y0) / (box.y1 - box.y0)) * size.h;
  const dx = (p) => box.x0 + (p / size.w) * (box.x1 - box.x0);
  const dy = (p) => box.y0 + ((size.h - p) / size.h) * (box.y1 - box.y0);

  function drawBase() {
    bctx.setTransform(size.dpr, 0, 0, size.dpr, 0, 0);
    bctx.clearRect(0, 0, size.w, size.h);
    if (!data) return;
    const r = data.n > 5000 ? 1.1 : 1.6;
    bctx.globalAlpha = 0.75;
    for (let c = 0; c < data.classes; c++) {
      bctx.fillStyle = PALETTE[c % PALETTE.length];
      bctx.beginPath();
      const members = data.byClass[c];
      for (let k = 0; k < members.length; k++) {
        const i = members[k];
        bctx.rect(px(data.xs[i]) - r, py(data.ys[i]) - r, 2 * r, 2 * r);
      }
      bctx.fill();
    }
    bctx.globalAlpha = 1;
    draws += 1;
    base.dataset.draws = String(draws);
    base.dataset.points = String(data.n);
    base.dataset.version = String(view.version);
  }

  function marker(x, y, colour, label) {
    const X = px(x), Y = py(y);
    octx.strokeStyle = "#fff";
    octx.lineWidth = 4;
    octx.beginPath(); octx.arc(X, Y, 8, 0, 2 * Math.PI); octx.stroke();
    octx.strokeStyle = colour;
    octx.lineWidth = 2;
    octx.beginPath(); octx.arc(X, Y, 8, 0, 2 * Math.PI); octx.moveTo(X - 12, Y); octx.lineTo(X + 12, Y);
    octx.moveTo(X, Y - 12); octx.lineTo(X, Y + 12); octx.stroke();
    if (label) {
      octx.font = "12px system-ui, sans-serif";
      octx.lineWidth = 3; octx.strokeStyle = "#fff";
      octx.strokeText(label, X + 11, Y - 9);
      octx.fillStyle = "#1d2330"; octx.fillText(label, X + 11, Y - 9);
    }
  }

  function drawOverlay() {
    octx.setTransform(size.dpr, 0, 0, size.dpr, 0, 0);
    octx.clearRect(0, 0, size.w, size.h);
    if (!data) return;
    if (hover >= 0) {
      octx.strokeStyle = "#1d2330";
      octx.lineWidth = 2;
      octx.beginPath();
      octx.arc(px(data.xs[hover]), py(data.ys[hover]), 5, 0, 2 * Math.PI);
      octx.stroke();
    }
    if (pinned && pinned.kind === "decoded" && pinned.version === view.version) {
      marker(pinned.x, pinned.y, pinned.extrapolated ? "#b00020" : "#1d2330", "decoded");
    }
    const showPlaced = placed && placed.version === view.version;
    if (showPlaced) marker(placed.x, placed.y, "#2b6cb0", "yours");
    overlay.dataset.placed = showPlaced ? String(placed.version) : "";
  }

  // --- the map's points -----------------------------------------------------------------------------
  function toData(body) {
    const n = body.points.length;
    const xs = new Float32Array(n), ys = new Float32Array(n);
    const labels = new Uint8Array(n), indices = new Int32Array(n);
    let classes = body.class_names.length;
    body.points.forEach((p, i) => {
      xs[i] = p.x; ys[i] = p.y; labels[i] = p.label; indices[i] = p.index;
      if (p.label + 1 > classes) classes = p.label + 1;
    });
    const byClass = Array.from({ length: classes }, () => []);
    for (let i = 0; i < n; i++) byClass[labels[i]].push(i);
    return { n, xs, ys, labels, indices, classes, byClass, names: body.class_names, title: body.title, range: body.range };
  }

  function boxFor(range) {
    const [x0, x1] = range.x, [y0, y1] = range.y;
    const wx = (x1 - x0) || 1, wy = (y1 - y0) || 1;
    return { x0: x0 - PAD * wx, x1: x1 + PAD * wx, y0: y0 - PAD * wy, y1: y1 + PAD * wy };
  }

  // A bucket grid over the canvas (in CSS pixels) for the nearest point under the pointer.
  function buildGrid() {
    const cell = 16;
    const cols = Math.ceil(size.w / cell) + 1, rows = Math.ceil(size.h / cell) + 1;
    const buckets = new Map();
    for (let i = 0; i < data.n; i++) {
      const key = Math.floor(py(data.ys[i]) / cell) * cols + Math.floor(px(data.xs[i]) / cell);
      let list = buckets.get(key);
      if (!list) buckets.set(key, (list = []));
      list.push(i);
    }
    data.grid = { cell, cols, rows, buckets };
  }

  function nearest(X, Y) {
    const g = data.grid;
    const cx = Math.floor(X / g.cell), cy = Math.floor(Y / g.cell);
    let best = -1, bestD = HOVER_PX * HOVER_PX;
    for (let j = cy - 1; j <= cy + 1; j++) {
      for (let i = cx - 1; i <= cx + 1; i++) {
        const list = g.buckets.get(j * g.cols + i);
        if (!list) continue;
        for (const k of list) {
          const ex = px(data.xs[k]) - X, ey = py(data.ys[k]) - Y;
          const d = ex * ex + ey * ey;
          if (d <= bestD) { bestD = d; best = k; }
        }
      }
    }
    return best;
  }

  function legendShow() {
    const legend = $("legend");
    legend.innerHTML = "";
    data.names.forEach((name, c) => {
      const li = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = PALETTE[c % PALETTE.length];
      li.append(swatch, document.createTextNode(name));
      legend.append(li);
    });
  }

  function status() {
    const parts = [`${data.n.toLocaleString()} test images · ${view.label}`];
    if (view.code === 2 && view.decode) parts.push("click an empty spot to decode it");
    else if (view.slot === "tsne" || view.slot === "umap") parts.push("no decoder: points of this map are not images");
    const f = view.figures || {};
    if (f.knn_acc !== null && f.knn_acc !== undefined) parts.push(`kNN accuracy in 2-D ${(100 * f.knn_acc).toFixed(1)} %`);
    if (f.trustworthiness !== null && f.trustworthiness !== undefined) parts.push(`trustworthiness ${f.trustworthiness.toFixed(3)}`);
    $("map-status").textContent = parts.join(" · ");
  }

  async function show(version) {
    const next = config.maps.find((m) => m.version === version);
    if (!next) return;
    view = next;
    document.querySelectorAll(".map-view").forEach((b) => {
      b.setAttribute("aria-pressed", String(Number(b.dataset.version) === version));
    });
    $("map-error").textContent = "";
    $("map-about").textContent = view.about || "";
    $("map-status").textContent = `Loading ${view.label}…`;
    stage.dataset.state = "loading";
    try {
      if (!cache.has(version)) cache.set(version, toData(await api(view.urls.embedding)));
    } catch (err) {
      $("map-error").textContent = `The ${view.label} map could not be loaded: ${err.message}`;
      stage.dataset.state = "error";
      return;
    }
    if (view.version !== version) return; // another button was pressed meanwhile
    data = cache.get(version);
    box = boxFor(data.range);
    hover = -1;
    buildGrid();
    legendShow();
    status();
    schedule("base");
    schedule("overlay");
    stage.dataset.state = "ready";
    stage.dataset.version = String(version);
    spriteLoad();
    if (lastPlaced) place(lastPlaced.blob, lastPlaced.name, lastPlaced.invert);
  }

  // --- the item panel ---------------------------------------------------------------------------------
  function previewTest(i) {
    const index = data.indices[i];
    const name = data.names[data.labels[i]] || `class ${data.labels[i]}`;
    preview.dataset.kind = "test";
    preview.dataset.index = String(index);
    pctx.fillStyle = "#000";
    pctx.fillRect(0, 0, 28, 28);
    if (sprite && sprite.ready && index < config.sprite.count) {
      const { columns, tile } = config.sprite;
      pctx.drawImage(sprite, (index % columns) * tile, Math.floor(index / columns) * tile, tile, tile, 0, 0, 28, 28);
    }
    $("item-caption").textContent = `${name} · test image ${index} · (${data.xs[i].toFixed(2)}, ${data.ys[i].toFixed(2)})`;
  }

  // Shows an image given as a data URL; `started` (performance.now() of the click) adds how long the
  // click took to become an image on screen.
  function previewDataUrl(url, caption, kind, started) {
    const img = new Image();
    img.addEventListener("load", () => {
      pctx.fillStyle = "#000";
      pctx.fillRect(0, 0, 28, 28);
      pctx.drawImage(img, 0, 0, 28, 28);
      if (started !== undefined) {
        const ms = Math.round(performance.now() - started);
        preview.dataset.ms = String(ms);
        $("item-caption").textContent = `${caption} · ${ms} ms`;
      }
      preview.dataset.kind = kind;
    });
    img.src = url;
    $("item-caption").textContent = caption;
  }

  function pointer(e) {
    const rect = overlay.getBoundingClientRect();
    return { X: e.clientX - rect.left, Y: e.clientY - rect.top };
  }

  overlay.addEventListener("pointermove", (e) => {
    if (!data) return;
    const { X, Y } = pointer(e);
    const found = nearest(X, Y);
    if (found !== hover) {
      hover = found;
      schedule("overlay");
      if (found >= 0) previewTest(found);
    }
  });
  overlay.addEventListener("pointerleave", () => {
    if (hover >= 0) { hover = -1; schedule("overlay"); }
  });
  overlay.addEventListener("click", async (e) => {
    if (!data) return;
    const started = performance.now();
    const { X, Y } = pointer(e);
    const found = nearest(X, Y);
    if (found >= 0) {
      pinned = { kind: "item", index: data.indices[found] };
      previewTest(found);
      return;
    }
    const point = [dx(X), dy(Y)];
    if (!view.decode) {
      $("map-error").textContent = view.no_decoder || `${view.label} has no 2-D decoder.`;
      return;
    }
    $("map-error").textContent = "";
    const version = view.version;
    try {
      const body = await api(view.urls.decode, { method: "POST", body: { point } });
      pinned = { kind: "decoded", version, x: body.point[0], y: body.point[1], extrapolated: body.extrapolated };
      const where = `(${body.point[0].toFixed(2)}, ${body.point[1].toFixed(2)})`;
      previewDataUrl(body.image, `A new item, decoded at ${where}` +
        (body.extrapolated ? " — beyond the wardrobe's edge (no item was ever here): extrapolated" : ""),
      "decoded", started);
      schedule("overlay");
    } catch (err) {
      $("map-error").textContent = err.message;
    }
  });

  // --- placing an image -------------------------------------------------------------------------------
  async function place(blob, name, invert) {
    lastPlaced = { blob, name, invert };
    const error = $("place-error");
    error.textContent = "";
    const version = view.version;
    if (!view.encode) {
      // Said here rather than asked of the server, which would refuse (and log a 409 in the console).
      $("place-note").textContent = `${view.no_encoder} ` +
        "Switch to PCA, an autoencoder or the VAE to see where it lands.";
      placed = null;
      schedule("overlay");
      return;
    }
    $("place-note").textContent = "";
    const form = new FormData();
    form.append("image", blob, name);
    form.append("invert", invert);
    try {
      const body = await api(view.urls.encode, { method: "POST", body: form });
      if (view.version !== version) return;
      const shown = $("placed-image"), recon = $("placed-recon");
      shown.src = body.image; shown.hidden = false;
      if (body.reconstruction) { recon.src = body.reconstruction; recon.hidden = false; } else recon.hidden = true;
      const code = body.code.map((v) => v.toFixed(2)).join(", ");
      let caption = body.position
        ? `Lands at (${body.position.x.toFixed(2)}, ${body.position.y.toFixed(2)}) in ${view.label}`
        : `Code (${body.code_size}-D): ${code}`;
      if (body.extrapolated) caption += " — outside the test codes' range";
      if (body.notes.length) caption += `. ${body.notes.join("; ")}.`;
      $("placed-caption").textContent = caption;
      placed = body.position ? { version, x: body.position.x, y: body.position.y } : null;
      schedule("overlay");
    } catch (err) {
      placed = null;
      schedule("overlay");
      error.textContent = err.message;
    }
  }

  const pad = $("pad");
  const padCtx = pad.getContext("2d");
  function padClear() {
    padCtx.fillStyle = "#000";
    padCtx.fillRect(0, 0, pad.width, pad.height);
    pad.dataset.empty = "true";
    $("pad-hint").hidden = false;
  }
  padClear();
  let drawing = null;
  function padPoint(e) {
    const rect = pad.getBoundingClientRect();
    return [(e.clientX - rect.left) * (pad.width / rect.width), (e.clientY - rect.top) * (pad.height / rect.height)];
  }
  pad.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    drawing = padPoint(e);
    padCtx.fillStyle = "#fff";
    padCtx.beginPath(); padCtx.arc(drawing[0], drawing[1], 11, 0, 2 * Math.PI); padCtx.fill();
    pad.dataset.empty = "false";
    $("pad-hint").hidden = true;
  });
  pad.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const next = padPoint(e);
    padCtx.strokeStyle = "#fff";
    padCtx.lineWidth = 22;
    padCtx.lineCap = "round";
    padCtx.beginPath(); padCtx.moveTo(drawing[0], drawing[1]); padCtx.lineTo(next[0], next[1]); padCtx.stroke();
    drawing = next;
  });
  for (const type of ["pointerup", "pointercancel"]) pad.addEventListener(type, () => { drawing = null; });
  $("pad-clear").addEventListener("click", () => { padClear(); });
  $("pad-place").addEventListener("click", () => {
    if (pad.dataset.empty === "true") { $("place-error").textContent = "Draw something first."; return; }
    // Scaled down to 28×28 here (smoothly), so the server takes it as it is.
    const small = document.createElement("canvas");
    small.width = 28; small.height = 28;
    const sctx = small.getContext("2d");
    sctx.imageSmoothingQuality = "high";
    sctx.drawImage(pad, 0, 0, 28, 28);
    small.toBlob((blob) => place(blob, "drawing.png", "no"), "image/png");
  });
  $("upload").addEventListener("change", (e) => {
    const file = e.target.files[0];
    if (file) place(file, file.name, "auto");
  });

  // --- start ----------------------------------------------------------------------------------------
  $("map-views").addEventListener("click", (e) => {
    const button = e.target.closest(".map-view");
    if (button) show(Number(button.dataset.version));
  });
  new ResizeObserver(() => resize()).observe(stage.parentElement);
  resize();
  // An autoencoder's map first when there is one: its empty spots decode.
  const first = config.maps.find((m) => m.decode && m.slot !== "pca") || config.maps[0];
  if (first) show(first.version);
})();
