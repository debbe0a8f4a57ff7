"use strict";
// The compare page's charts, drawn with the vendored Chart.js from the page's own figures:
// reconstruction error against code size, probe accuracy against labels per class, and the
// sparse autoencoder's activation histogram.
window.addEventListener("load", () => {
  const el = document.getElementById("compare-charts");
  if (!el || !window.Chart) return;
  const charts = JSON.parse(el.textContent);
  const COLOURS = { pca: "#1d2330", vanilla: "#4e79a7", linear: "#76b7b2", sparse: "#f28e2b", conv: "#e15759",
    denoising: "#59a14f", vae: "#b07aa1", gan: "#9c755f", tsne: "#edc948", umap: "#ff9da7" };
  const colour = (model) => COLOURS[model] || "#888";
  const base = { animation: false, responsive: true, maintainAspectRatio: false };

  const recon = document.getElementById("recon-chart");
  if (recon && charts.reconstruction.series.length) {
    new Chart(recon, {
      type: "line",
      data: {
        datasets: charts.reconstruction.series.map((s) => ({
          label: s.title,
          data: s.points.map((p) => ({ x: p.code, y: p.error })),
          borderColor: colour(s.model), backgroundColor: colour(s.model),
          borderDash: s.model === "pca" ? [6, 4] : [], pointRadius: 3, tension: 0,
        })),
      },
      options: { ...base, scales: {
        x: { type: "logarithmic", title: { display: true, text: "code size" } },
        y: { title: { display: true, text: "test MSE per pixel" } } } },
    });
    recon.dataset.series = String(charts.reconstruction.series.length);
  }

  const probe = document.getElementById("probe-chart");
  if (probe && charts.probes.length) {
    new Chart(probe, {
      type: "line",
      data: {
        labels: charts.labelsPerClass,
        datasets: charts.probes.map((r) => ({
          label: `${r.title} (code ${r.code})`,
          data: r.cells.map((c) => c.probe_acc),
          borderColor: colour(r.model), backgroundColor: colour(r.model), pointRadius: 3, spanGaps: true,
        })),
      },
      options: { ...base, scales: {
        x: { title: { display: true, text: "labelled images per class" } },
        y: { title: { display: true, text: "linear probe test accuracy" } } } },
    });
    probe.dataset.series = String(charts.probes.length);
  }

  const histEl = document.getElementById("activation-histogram");
  const hist = document.getElementById("activation-chart");
  if (histEl && hist) {
    const h = JSON.parse(histEl.textContent);
    new Chart(hist, {
      type: "bar",
      data: { labels: h.labels, datasets: [{ label: h.title, data: h.counts, backgroundColor: "#f28e2b" }] },
      options: { ...base, plugins: { legend: { display: false } }, scales: {
        x: { title: { display: true, text: h.x } }, y: { title: { display: true, text: h.y } } } },
    });
  }
});
