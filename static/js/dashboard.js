// 数据看板: draw each figure from its data-chart JSON (the table beside it holds the same numbers).
// No inline script: the page carries the data as attributes and this file draws it.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return; // the tables alone still tell everything
  }
  // Dark, distinct colours: each has a contrast of at least 4.5:1 against the white page.
  var PALETTE = ["#0b4f8a", "#b45309", "#15803d", "#7e22ce", "#be123c", "#0f766e", "#4d5b6b", "#a16207"];
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.color = "#212529";
  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = reducedMotion ? false : Chart.defaults.animation;

  function datasets(spec) {
    return spec.series.map(function (series, index) {
      var doughnut = spec.kind === "doughnut";
      var colour = PALETTE[index % PALETTE.length];
      return {
        label: series.name,
        data: series.values,
        backgroundColor: doughnut ? spec.labels.map(function (_label, i) { return PALETTE[i % PALETTE.length]; }) : colour,
        borderColor: doughnut ? "#ffffff" : colour,
        borderWidth: doughnut ? 2 : 1,
        pointRadius: 3,
        cubicInterpolationMode: "monotone"
      };
    });
  }

  function config(spec) {
    var horizontal = spec.kind === "hbar";
    var type = spec.kind === "hbar" ? "bar" : spec.kind;
    var options = {
      responsive: true,
      maintainAspectRatio: !horizontal,
      aspectRatio: spec.kind === "doughnut" ? 1.6 : 2,
      plugins: {
        legend: { display: spec.kind === "doughnut" || spec.series.length > 1, position: "bottom" }
      }
    };
    if (type !== "doughnut") {
      options.indexAxis = horizontal ? "y" : "x";
      var valueAxis = { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#dee2e6" } };
      var labelAxis = { grid: { display: false }, ticks: { autoSkip: !horizontal } };
      options.scales = horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis };
    }
    return { type: type, data: { labels: spec.labels, datasets: datasets(spec) }, options: options };
  }

  function draw(holder) {
    var spec;
    try {
      spec = JSON.parse(holder.dataset.chart);
    } catch (error) {
      return;
    }
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", holder.dataset.chartLabel || "");
    if (spec.kind === "hbar") {
      // One bar row per label, so long lists (districts, scenarios) stay legible.
      var bars = spec.labels.length * Math.max(spec.series.length, 1);
      holder.style.position = "relative";
      holder.style.height = Math.max(160, 26 * bars + 60) + "px";
    }
    holder.appendChild(canvas);
    new Chart(canvas, config(spec));
  }

  document.querySelectorAll(".dashboard-chart[data-chart]").forEach(draw);
})();
