"use strict";
// The anomaly page: three tabs over the REST API. Each form posts, follows its job with <job-progress>,
// then fetches the result and draws it (Chart.js, vendored).
(function () {
  const { api } = window.aeweb;
  const $ = (id) => document.getElementById(id);
  const fmt = (x, d = 3) => (x === null || x === undefined ? "—" : Number(x).toFixed(d));
  const charts = {};

  // --- tabs --------------------------------------------------------------------------------
  const tabs = document.querySelectorAll("[data-tab]");
  function tabShow(name) {
    tabs.forEach((a) => {
      const on = a.dataset.tab === name;
      a.setAttribute("aria-selected", on ? "true" : "false");
      $(a.dataset.tab).hidden = !on;
    });
  }
  function tabFromHash() {
    const name = (location.hash || "#tables").slice(1).split("=")[0];
    tabShow([...tabs].some((a) => a.dataset.tab === name) ? name : "tables");
  }
  window.addEventListener("hashchange", tabFromHash);
  tabFromHash();

  function cell(row, text, cls) {
    const td = document.createElement(row.parentElement && row.parentElement.tagName === "THEAD" ? "th" : "td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function tableFill(table, head, rows) {
    table.innerHTML = "";
    const tr = table.insertRow();
    head.forEach((h) => {
      const th = document.createElement("th");
      th.textContent = h;
      tr.appendChild(th);
    });
    rows.forEach((r) => {
      const row = table.insertRow();
      r.forEach((v) => (v instanceof Node ? row.insertCell().appendChild(v) : cell(row, v)));
    });
  }

  function follow(job, holder, onDone) {
    holder.innerHTML = "";
    const el = document.createElement("job-progress");
    el.dataset.job = job;
    el.addEventListener("job-done", (ev) => onDone(ev.detail));
    holder.appendChild(el);
  }

  function errorShow(el, err) {
    const details = err.body && err.body.error && err.body.error.details;
    let text = err.message;
    if (details && typeof details === "object") {
      text = Object.entries(details).map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("; ");
    }
    el.textContent = text;
  }

  function chartMake(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart($(id), config);
    return charts[id];
  }

  // --- tables ------------------------------------------------------------------------------
  const tableForm = $("table-form");
  let tableRun = null;

  async function tableSubmit(body) {
    $("table-error").textContent = "";
    $("table-result").hidden = true;
    try {
      const run = await api("/api/anomaly/tables/", { method: "POST", body });
      history.replaceState(null, "", "#tables=" + run.id);
      tableFollow(run);
    } catch (err) {
      errorShow($("table-error"), err);
    }
  }
  function tableFollow(run) {
    follow(run.job, $("table-progress"), async (job) => {
      if (job.status !== "succeeded") return;
      tableShow(await api(run.url));
    });
  }
  if (tableForm) {
    tableForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const form = new FormData(tableForm);
      if (!form.get("file") || !form.get("file").name) {
        $("table-error").textContent = "Choose a CSV file, or use the example table.";
        return;
      }
      ["label_column", "columns", "contamination"].forEach((k) => { if (!form.get(k)) form.delete(k); });
      tableSubmit(form);
    });
    $("table-example").addEventListener("click", () => {
      const form = new FormData();
      form.append("example", $("table-example").dataset.example);
      form.append("label_column", $("table-label").value || "malignant");
      const share = tableForm.querySelector("[name=contamination]").value;
      if (share) form.append("contamination", share);
      tableSubmit(form);
    });
  }

  function shareAt(sorted, value) {
    // share of scores >= value, from the sorted sample
    let lo = 0, hi = sorted.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] < value) lo = mid + 1; else hi = mid; }
    return (sorted.length - lo) / sorted.length;
  }

  function tableShow(run) {
    tableRun = run;
    $("table-result").hidden = false;
    const m = run.metrics || {};
    const label = m.roc_auc !== undefined ? ` With the label column: ROC-AUC ${fmt(m.roc_auc)}, average precision ${fmt(m.average_precision)}.` : "";
    $("table-summary").textContent = `${run.rows.toLocaleString()} rows scored by the ${run.detector === "vae" ? "VAE" : "autoencoder"} in ${fmt(m.seconds, 1)} s.${label}`;
    $("table-download").href = run.scores_url;
    $("table-auto-note").textContent = "Chosen: " + run.threshold.explanation;
    const sorted = run.sorted_scores;
    const slider = $("table-slider");
    slider.max = String(sorted.length - 1);
    const start = sorted.findIndex((s) => s >= run.threshold.value);
    slider.value = String(start < 0 ? sorted.length - 1 : start);
    const hist = run.histogram;
    const centres = hist.counts.map((_, i) => (hist.edges[i] + hist.edges[i + 1]) / 2);
    const chart = chartMake("table-histogram", {
      type: "bar",
      data: { labels: centres.map((c) => c.toPrecision(3)),
              datasets: [{ label: "rows", data: hist.counts, backgroundColor: centres.map(() => "#4c78a8") }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
                 plugins: { legend: { display: false } },
                 scales: { x: { title: { display: true, text: "raw anomaly score" } },
                           y: { title: { display: true, text: "rows" } } } },
    });
    const byScore = $("table-score-threshold");
    function thresholdSet(given) {
      const value = given === undefined ? sorted[Number(slider.value)] : given;
      if (given === undefined) byScore.value = value.toPrecision(4);
      const share = shareAt(sorted, value);
      $("table-share").textContent = `${(100 * share).toFixed(1)} % (≈ ${Math.round(share * run.rows).toLocaleString()} rows)`;
      $("table-threshold-note").textContent = `Rows scoring ${value.toPrecision(4)} or more are flagged.`;
      chart.data.datasets[0].backgroundColor = centres.map((c, i) => (hist.edges[i + 1] > value ? "#e45756" : "#4c78a8"));
      chart.update();
      document.querySelectorAll("#table-top tr[data-raw]").forEach((tr) => {
        tr.classList.toggle("flagged", Number(tr.dataset.raw) >= value);
      });
    }
    slider.oninput = () => thresholdSet();
    byScore.onchange = () => {
      const value = Number(byScore.value);
      if (!Number.isFinite(value)) return;
      const at = sorted.findIndex((x) => x >= value);
      slider.value = String(at < 0 ? sorted.length - 1 : at);
      thresholdSet(value);
    };
    const top = $("table-top");
    tableFill(top, ["row", "score", "columns that drove it"], []);
    run.top.forEach((t) => {
      const tr = top.insertRow();
      tr.dataset.raw = t.raw_score;
      cell(tr, String(t.row + 1));
      cell(tr, fmt(t.score), "num");
      const td = tr.insertCell();
      Object.entries(t.contributions).sort((a, b) => b[1] - a[1]).slice(0, 3).forEach(([col, share]) => {
        const span = document.createElement("span");
        span.className = "share";
        span.textContent = `${col} ${(100 * share).toFixed(0)} %`;
        td.appendChild(span);
      });
    });
    const titles = { ae: "autoencoder (ours)", vae: "VAE (ours)", iforest: "Isolation Forest (PyOD)",
                     ecod: "ECOD (PyOD)", knn: "k-NN (PyOD)" };
    tableFill($("table-detectors"), ["detector", "ROC-AUC", "average precision", "seconds"],
      Object.entries(run.detectors).map(([name, f]) => [(titles[name] || name) + (name === run.detector ? " · served" : ""),
        fmt(f.roc_auc), fmt(f.average_precision), fmt(f.seconds, 2)]));
    tableFill($("table-columns"), ["column", "use", "note"], run.columns.map((c) => [c.name, c.role, c.note || ""]));
    thresholdSet();
  }

  // --- series ------------------------------------------------------------------------------
  const seriesForm = $("series-form");
  if (seriesForm) {
    seriesForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      $("series-error").textContent = "";
      $("series-result").hidden = true;
      const form = new FormData(seriesForm);
      if (form.get("series")) form.delete("file");
      else {
        form.delete("series");
        if (!form.get("file") || !form.get("file").name) {
          $("series-error").textContent = "Pick a shipped series or choose a CSV file.";
          return;
        }
      }
      ["column", "window"].forEach((k) => { if (!form.get(k)) form.delete(k); });
      try {
        const run = await api("/api/anomaly/series/", { method: "POST", body: form });
        history.replaceState(null, "", "#series=" + run.id);
        seriesFollow(run);
      } catch (err) {
        errorShow($("series-error"), err);
      }
    });
  }
  function seriesFollow(run) {
    follow(run.job, $("series-progress"), async (job) => {
      if (job.status !== "succeeded") return;
      seriesShow(await api(run.url));
    });
  }
  function inRanges(ranges, i) {
    return ranges.some(([a, b]) => i >= a && i < b);
  }
  function seriesShow(run) {
    $("series-result").hidden = false;
    $("series-title").textContent = run.title || "Your series";
    const m = run.metrics || {};
    const figures = m.roc_auc !== undefined
      ? ` Against the labels: ROC-AUC ${fmt(m.roc_auc)}, VUS-PR ${fmt(m.vus_pr)}, top anomaly ${m.top1_hit ? "inside" : "outside"} a labelled range.` : "";
    $("series-summary").textContent = `${run.rows.toLocaleString()} points, window ${run.window}; ${run.ranges.length} flagged range(s).${figures}`;
    $("series-threshold-note").textContent = "Threshold: " + run.threshold.explanation;
    $("series-download").href = run.scores_url;
    const c = run.chart;
    const flagged = c.index.map((i, k) => (inRanges(run.ranges, i) ? c.values[k] : null));
    const labelled = c.index.map((i, k) => (inRanges(run.labelled_ranges, i) ? c.values[k] : null));
    chartMake("series-chart", {
      type: "line",
      data: { labels: c.index, datasets: [
        { label: "series", data: c.values, borderColor: "#4c78a8", borderWidth: 1, pointRadius: 0, yAxisID: "y" },
        { label: "flagged", data: flagged, borderColor: "#e45756", borderWidth: 3, pointRadius: 0, spanGaps: false, yAxisID: "y" },
        { label: "labelled anomaly", data: labelled, borderColor: "#54a24b", borderWidth: 2, borderDash: [4, 3], pointRadius: 0, spanGaps: false, yAxisID: "y" },
        { label: "score", data: c.scores, borderColor: "#f58518", borderWidth: 1, pointRadius: 0, yAxisID: "score" },
      ] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        scales: { x: { ticks: { maxTicksLimit: 10 }, title: { display: true, text: "point" } },
                  y: { position: "left", title: { display: true, text: "value" } },
                  score: { position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "anomaly score" } } } },
    });
    const rows = [[`seq2seq AE (window ${run.window})`, m]].concat(Object.entries(run.baselines));
    tableFill($("series-detectors"), ["detector", "ROC-AUC", "VUS-PR", "top-1 in range", "seconds"],
      rows.map(([name, f]) => [name, fmt(f.roc_auc), fmt(f.vus_pr), f.top1_hit === undefined ? "—" : (f.top1_hit ? "yes" : "no"), fmt(f.seconds, 2)]));
  }

  // --- images ------------------------------------------------------------------------------
  const examplesData = $("image-examples-data") ? JSON.parse($("image-examples-data").textContent) : null;
  const imageForm = $("image-form");
  function imageResult(job) {
    const r = job.result;
    $("image-result").hidden = false;
    $("image-input").src = r.image_url;
    $("image-heat").src = r.heatmap_url;
    $("image-verdict").textContent = `Score ${r.score.toPrecision(4)}: higher than ${(100 * r.calibrated).toFixed(1)} % of the class's training images — ${r.flag ? "flagged as anomalous" : "looks normal"} (threshold: the 99th percentile).`;
  }
  async function imageScore(body) {
    $("image-error").textContent = "";
    try {
      const job = await api("/api/anomaly/images/score/", { method: "POST", body });
      follow(job.id, $("image-progress"), (done) => { if (done.status === "succeeded") imageResult(done); });
    } catch (err) {
      errorShow($("image-error"), err);
    }
  }
  function examplesShow() {
    const holder = $("image-examples");
    if (!holder || !examplesData || !examplesData.classes) return;
    const c = $("image-class").value;
    const data = examplesData.classes[c];
    holder.innerHTML = "";
    if (!data) return;
    [["Most normal test images", data.normal], ["Most anomalous test images", data.anomalous]].forEach(([title, items]) => {
      const h = document.createElement("h4");
      h.textContent = title;
      holder.appendChild(h);
      const grid = document.createElement("div");
      grid.className = "example-grid";
      items.forEach((it) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "example";
        b.title = `test image ${it.index}: score ${it.score.toPrecision(3)} (click to score)`;
        b.innerHTML = `<img alt="test image ${it.index}" src="${it.image}"><img alt="its error" src="${it.heat}">`;
        b.addEventListener("click", () => imageScore({ dataset: imageForm.dataset.value, normal_class: Number(c), test_index: it.index }));
        grid.appendChild(b);
      });
      holder.appendChild(grid);
    });
  }
  if (imageForm) {
    imageForm.dataset.value = imageForm.querySelector("[name=dataset]").value;
    $("image-class").addEventListener("change", examplesShow);
    examplesShow();
    imageForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const form = new FormData(imageForm);
      if (!form.get("image") || !form.get("image").name) {
        $("image-error").textContent = "Choose an image, or click one of the test images below.";
        return;
      }
      imageScore(form);
    });
  }

  // A result's address (#tables=<id>, #series=<id>) shows it again after a reload.
  const [tab, id] = (location.hash || "").slice(1).split("=");
  if (id && tab === "tables") api(`/api/anomaly/tables/${id}/`).then((run) => (run.status === "succeeded" ? tableShow(run) : tableFollow(run))).catch(() => {});
  if (id && tab === "series") api(`/api/anomaly/series/${id}/`).then((run) => (run.status === "succeeded" ? seriesShow(run) : seriesFollow(run))).catch(() => {});
})();
