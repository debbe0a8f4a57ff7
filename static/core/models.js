"use strict";
// The models page: training curves of the chosen version, drawn with the vendored Chart.js.
window.addEventListener("load", () => {
  const el = document.getElementById("chart-data");
  if (!el || !window.Chart) return;
  const charts = JSON.parse(el.textContent), select = document.getElementById("chart-version");
  let chart;
  function draw(i) {
    const h = charts[i].history, epochs = h.map((e) => e.epoch);
    const series = Object.keys(h[0] || {}).filter((k) => !["epoch", "epochs", "seconds"].includes(k));
    const colors = ["#2b6cb0", "#c05621", "#2f855a", "#6b46c1"];
    if (chart) chart.destroy();
    chart = new Chart(document.getElementById("curve"), {
      type: "line",
      data: { labels: epochs, datasets: series.map((k, j) => ({
        label: k, data: h.map((e) => e[k]), borderColor: colors[j % 4], yAxisID: k === "loss" ? "y" : "y1", pointRadius: 1 })) },
      options: { animation: false, scales: { x: { title: { display: true, text: "epoch" } },
        y: { position: "left", title: { display: true, text: "loss" } },
        y1: { position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "validation metric" } } } },
    });
  }
  select.addEventListener("change", () => draw(select.value));
  draw(0);
});
