"use strict";
// The inpainting editor: pick a sample or upload a photo, paint the hole with a brush (mouse, touch or pen:
// pointer events) on a canvas at the image's own resolution, or have the server draw a mask of a kind, then
// send the image and the mask (a PNG of the image's size, white = fill) to the API and go to the result page.
(function () {
  const editor = document.getElementById("editor");
  if (!editor) return;
  const config = JSON.parse(document.getElementById("inpaint-config").textContent);
  const stage = document.getElementById("editor-stage");
  const image = document.getElementById("editor-image");
  const canvas = document.getElementById("mask-canvas");
  const ctx = canvas.getContext("2d");
  const info = document.getElementById("editor-info");
  const error = document.getElementById("inpaint-error");
  const brushSize = document.getElementById("brush-size");
  const brushValue = document.getElementById("brush-value");
  const coverage = document.getElementById("coverage");
  const coverageValue = document.getElementById("coverage-value");
  const maskCoverage = document.getElementById("mask-coverage");
  const undoButton = document.getElementById("mask-undo");
  const submit = document.getElementById("inpaint-submit");
  const PAINT = "#ff2d75";
  const UNDO_MAX = 12;
  const MIN_DISPLAY = 336; // a 28×28 item is shown 12× (sharp squares); larger images at their size, up to the page

  let source = null; // {sample} or {file}
  let erasing = false;
  let drawing = null; // the pointer painting now, and where it was
  let generated = null; // {kind, coverage, seed} while the mask is exactly one the server drew
  let undo = [];

  function brushPixels() {
    // The slider is a share of the image's shorter side (1..40 %), so it means the same on an item and a photo.
    const side = Math.min(canvas.width, canvas.height) || 1;
    return Math.max(1, Math.round((Number(brushSize.value) / 100) * side));
  }
  function showBrush() { brushValue.textContent = brushPixels() + " px"; }
  function showCoverage() { coverageValue.textContent = coverage.value + " %"; }

  function maskShare() {
    if (!canvas.width) return 0;
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    // Every pixel up to 4 megapixels; a sample of them above (the server measures the exact share).
    const step = 4 * Math.max(1, Math.floor((canvas.width * canvas.height) / 4e6));
    let count = 0, seen = 0;
    for (let i = 3; i < data.length; i += step) { seen += 1; if (data[i] > 0) count += 1; }
    return count / seen;
  }
  function showMask() {
    const share = maskShare();
    maskCoverage.textContent = share === 0 ? "Mask: nothing painted yet."
      : `Mask: ${(share * 100).toFixed(1)} % of the image` + (generated ? ` (${generated.kind}, seed ${generated.seed})` : " (painted)");
    maskCoverage.dataset.share = share.toFixed(4);
    undoButton.disabled = undo.length === 0;
  }

  function remember() {
    undo.push(ctx.getImageData(0, 0, canvas.width, canvas.height));
    // Each step holds a copy of the mask: fewer of them for a large photo.
    const keep = canvas.width * canvas.height > 4e6 ? 3 : UNDO_MAX;
    while (undo.length > keep) undo.shift();
  }

  function setTool(eraser) {
    erasing = eraser;
    document.getElementById("tool-brush").setAttribute("aria-pressed", String(!eraser));
    document.getElementById("tool-eraser").setAttribute("aria-pressed", String(eraser));
  }

  function imageShow(url, what) {
    error.textContent = "";
    image.onload = () => {
      const w = image.naturalWidth, h = image.naturalHeight;
      canvas.width = w;
      canvas.height = h;
      ctx.clearRect(0, 0, w, h);
      undo = [];
      generated = null;
      const scale = w < MIN_DISPLAY ? Math.ceil(MIN_DISPLAY / w) : 1;
      stage.style.width = `${w * scale}px`;
      stage.classList.toggle("pixelated", scale > 1);
      info.textContent = `${what}: ${w}×${h} pixels. Paint over what should be filled.`;
      editor.hidden = false;
      showBrush();
      showMask();
      editor.scrollIntoView({ block: "nearest" });
    };
    image.onerror = () => { error.textContent = "This browser cannot show that file; upload a PNG, JPEG or WebP image."; };
    image.src = url;
  }

  document.querySelectorAll(".inpaint-samples .sample").forEach((button) => {
    button.addEventListener("click", () => {
      document.querySelectorAll(".inpaint-samples .sample").forEach((b) => b.setAttribute("aria-pressed", "false"));
      button.setAttribute("aria-pressed", "true");
      source = { sample: button.dataset.sample };
      document.getElementById("inpaint-file").value = "";
      imageShow(button.dataset.url, button.title);
    });
  });
  document.getElementById("inpaint-file").addEventListener("change", (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    if (file.size > config.max_bytes) { error.textContent = `The file is larger than ${Math.round(config.max_bytes / 2 ** 20)} MB.`; return; }
    document.querySelectorAll(".inpaint-samples .sample").forEach((b) => b.setAttribute("aria-pressed", "false"));
    source = { file };
    imageShow(URL.createObjectURL(file), file.name);
  });

  // Painting: pointer coordinates scaled from the displayed size to the canvas' own pixels.
  function point(ev) {
    const rect = canvas.getBoundingClientRect();
    return [(ev.clientX - rect.left) * (canvas.width / rect.width), (ev.clientY - rect.top) * (canvas.height / rect.height)];
  }
  function stroke(from, to) {
    ctx.save();
    ctx.globalCompositeOperation = erasing ? "destination-out" : "source-over";
    ctx.strokeStyle = ctx.fillStyle = PAINT;
    ctx.lineWidth = brushPixels();
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    if (from[0] === to[0] && from[1] === to[1]) {
      ctx.arc(to[0], to[1], ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.moveTo(from[0], from[1]);
      ctx.lineTo(to[0], to[1]);
      ctx.stroke();
    }
    ctx.restore();
  }
  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0 || !canvas.width) return;
    ev.preventDefault();
    canvas.setPointerCapture(ev.pointerId);
    remember();
    generated = null;
    const p = point(ev);
    drawing = { id: ev.pointerId, last: p };
    stroke(p, p);
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drawing || ev.pointerId !== drawing.id) return;
    const events = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [ev];
    for (const e of events.length ? events : [ev]) {
      const p = point(e);
      stroke(drawing.last, p);
      drawing.last = p;
    }
  });
  function strokeEnd(ev) {
    if (!drawing || ev.pointerId !== drawing.id) return;
    drawing = null;
    showMask();
  }
  canvas.addEventListener("pointerup", strokeEnd);
  canvas.addEventListener("pointercancel", strokeEnd);

  document.getElementById("tool-brush").addEventListener("click", () => setTool(false));
  document.getElementById("tool-eraser").addEventListener("click", () => setTool(true));
  brushSize.addEventListener("input", showBrush);
  undoButton.addEventListener("click", () => {
    const last = undo.pop();
    if (!last) return;
    ctx.putImageData(last, 0, 0);
    generated = null;
    showMask();
  });
  document.getElementById("mask-clear").addEventListener("click", () => {
    if (!canvas.width) return;
    remember();
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    generated = null;
    showMask();
  });

  // A mask the server draws (the same kind, coverage and seed draw the same mask when the image is sent).
  async function maskDraw(kind, seed) {
    const cov = Number(coverage.value) / 100;
    const query = new URLSearchParams({ kind, width: canvas.width, height: canvas.height, coverage: cov, seed });
    error.textContent = "";
    try {
      const response = await fetch(`${config.mask_url}?${query}`, { credentials: "same-origin" });
      if (!response.ok) throw new Error(await response.text());
      const bitmap = await createImageBitmap(await response.blob());
      remember();
      ctx.save();
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(bitmap, 0, 0);
      ctx.globalCompositeOperation = "source-in"; // the server's white, in the brush's colour
      ctx.fillStyle = PAINT;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.restore();
      generated = { kind, coverage: cov, seed };
      showMask();
    } catch (e) {
      error.textContent = "Could not draw the mask: " + e.message;
    }
  }
  document.querySelectorAll(".mask-kind").forEach((button) => {
    button.addEventListener("click", () => {
      if (canvas.width) maskDraw(button.dataset.kind, Math.floor(Math.random() * 2 ** 31 - 1));
    });
  });
  coverage.addEventListener("input", showCoverage);
  coverage.addEventListener("change", () => { if (generated) maskDraw(generated.kind, generated.seed); });

  function maskBlob() {
    // White where painted (any alpha), transparent elsewhere, at the image's own size.
    const out = document.createElement("canvas");
    out.width = canvas.width;
    out.height = canvas.height;
    const octx = out.getContext("2d");
    octx.drawImage(canvas, 0, 0);
    octx.globalCompositeOperation = "source-in";
    octx.fillStyle = "#fff";
    octx.fillRect(0, 0, out.width, out.height);
    return new Promise((resolve) => out.toBlob(resolve, "image/png"));
  }

  submit.addEventListener("click", async () => {
    error.textContent = "";
    if (!source) { error.textContent = "Pick a sample or upload an image first."; return; }
    if (maskShare() === 0) { error.textContent = "Paint the region to fill first (or draw a mask)."; return; }
    const body = new FormData();
    if (source.sample) body.append("sample", source.sample);
    else body.append("image", source.file);
    if (generated) {
      body.append("mask", generated.kind);
      body.append("coverage", String(generated.coverage));
      body.append("seed", String(generated.seed));
    } else {
      body.append("mask", await maskBlob(), "mask.png");
    }
    submit.disabled = true;
    try {
      const created = await window.aeweb.api(config.api, { method: "POST", body });
      window.location = created.page_url;
    } catch (e) {
      error.textContent = e.message;
      submit.disabled = false;
    }
  });

  showCoverage();
})();
