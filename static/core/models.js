"use strict";
// The models page: training curves of the chosen version (each unit on its own axis, the learning rate on a
// log axis), and for staff the Activate / Roll back buttons, which post to the API and redraw the tables.
(function () {
  // Okabe–Ito's colour-blind-safe palette, then three more: series never share a colour below ten.
  const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B", "#7F7F7F", "#B8860B"];
  const AXIS_TITLES = { loss: "loss (lower is better)", lr: "learning rate (log scale)", dB: "PSNR (dB)",
    ratio: "validation metric", nats: "nats", value: "value", count: "count", s: "seconds", ms: "ms" };
  let chart;

  function draw(charts, i) {
    const c = charts[i], axes = [];
    c.series.forEach((s) => { if (!axes.includes(s.axis)) axes.push(s.axis); });
    const scales = { x: { title: { display: true, text: "epoch" } } };
    axes.forEach((axis, j) => {
      scales[axis] = {
        type: axis === "lr" ? "logarithmic" : "linear",
        position: j % 2 === 0 ? "left" : "right",
        grid: { drawOnChartArea: j === 0 },
        title: { display: true, text: AXIS_TITLES[axis] || axis },
      };
    });
    if (chart) chart.destroy();
    chart = new Chart(document.getElementById("curve"), {
      type: "line",
      data: {
        labels: c.epochs,
        datasets: c.series.map((s, j) => ({
          label: s.name, data: s.data, yAxisID: s.axis, pointRadius: 1, spanGaps: true,
          borderColor: PALETTE[j % PALETTE.length], backgroundColor: PALETTE[j % PALETTE.length],
          borderDash: s.axis === "lr" ? [6, 4] : [],
        })),
      },
      options: { animation: false, maintainAspectRatio: false, interaction: { mode: "index", intersect: false }, scales },
    });
  }

  function status(text, isError) {
    const box = document.getElementById("models-status");
    box.textContent = text;
    box.classList.toggle("error", Boolean(isError));
  }

  async function activate(button) {
    const label = button.dataset.label, rollback = button.dataset.action === "rollback";
    document.querySelectorAll("[data-activate]").forEach((b) => { b.disabled = true; });
    try {
      await window.aeweb.api(`/api/models/${button.dataset.activate}/activate/`, { method: "POST" });
      // The tables as the server now renders them: the active badge, the buttons and the rollback target move.
      const html = await (await fetch(window.location.href, { credentials: "same-origin" })).text();
      const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("versions");
      document.getElementById("versions").replaceWith(fresh);
      status(rollback ? `Rolled back: ${label} is active again.` : `${label} is now active.`);
    } catch (err) {
      status(`Could not activate ${label}: ${err.message}`, true);
      document.querySelectorAll("[data-activate]").forEach((b) => { b.disabled = false; });
    }
  }

  document.addEventListener("click", (ev) => {
    const button = ev.target.closest("button[data-activate]");
    if (button) activate(button);
  });

  window.addEventListener("load", () => {
    const el = document.getElementById("chart-data");
    if (!el || !window.Chart) return;
    const charts = JSON.parse(el.textContent), select = document.getElementById("chart-version");
    select.addEventListener("change", () => draw(charts, Number(select.value)));
    draw(charts, 0);
  });
})();
