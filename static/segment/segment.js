"use strict";
// The segmentation page: pick a scene, an EM slice or an upload, send it to the API and go to the result
// page (its progress component reloads it when the job is done). On the result page: the mask's opacity.
(function () {
  const go = document.getElementById("segment-button");
  if (go) {
    const config = JSON.parse(document.getElementById("segment-config").textContent);
    const chosenText = document.getElementById("seg-chosen");
    const error = document.getElementById("segment-error");
    const file = document.getElementById("segment-file");
    const dataset = document.getElementById("segment-dataset");
    let chosen = null;  // {sample: "scene-3"} or {file: File}

    function choose(choice, label) {
      chosen = choice;
      document.querySelectorAll(".seg-pick[data-sample]").forEach((b) => {
        b.setAttribute("aria-pressed", String(choice.sample !== undefined && b.dataset.sample === choice.sample));
      });
      chosenText.textContent = "Chosen: " + label;
      go.disabled = false;
      error.textContent = "";
    }

    function bind(button) {
      button.addEventListener("click", () => {
        if (file) file.value = "";
        choose({ sample: button.dataset.sample }, button.title || button.dataset.sample);
      });
    }
    document.querySelectorAll(".seg-pick[data-sample]").forEach(bind);

    const fresh = document.getElementById("scene-new");
    if (fresh) {
      fresh.addEventListener("click", () => {
        const seed = Math.floor(Math.random() * Math.min(config.seed_max, 1e9));
        const first = document.querySelector("#scene-picks .seg-pick[data-sample]");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "seg-pick";
        button.dataset.sample = "scene-" + seed;
        button.title = "scene " + seed;
        const img = document.createElement("img");
        img.src = config.scene_url.replace("{seed}", String(seed));
        img.alt = "generated scene " + seed;
        img.width = first ? first.querySelector("img").width : 128;
        img.height = img.width;
        const caption = document.createElement("span");
        caption.textContent = "scene " + seed;
        button.append(img, caption);
        fresh.before(button);
        bind(button);
        button.click();
      });
    }

    if (file) {
      file.addEventListener("change", () => {
        if (file.files[0]) choose({ file: file.files[0] }, file.files[0].name + " (" + dataset.value + " model)");
      });
      dataset.addEventListener("change", () => {
        if (chosen && chosen.file) choose(chosen, chosen.file.name + " (" + dataset.value + " model)");
      });
    }

    go.addEventListener("click", async () => {
      if (!chosen) return;
      let body;
      if (chosen.file) {
        body = new FormData();
        body.append("image", chosen.file);
        body.append("dataset", dataset.value);
      } else {
        body = { sample: chosen.sample };
      }
      go.disabled = true;
      error.textContent = "";
      try {
        const created = await window.aeweb.api(config.api, { method: "POST", body });
        window.location = created.page_url;
      } catch (e) {
        error.textContent = e.message;
        go.disabled = false;
      }
    });
  }

  // The result: the mask stacked over the image, its opacity set here (CSSOM, allowed by the CSP).
  const range = document.getElementById("seg-opacity");
  if (range) {
    const mask = document.getElementById("seg-mask");
    const shown = document.getElementById("seg-opacity-value");
    const apply = () => {
      mask.style.opacity = String(Number(range.value) / 100);
      shown.textContent = range.value + " %";
    };
    range.addEventListener("input", apply);
    apply();
  }
})();
