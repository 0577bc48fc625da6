// SECPLA: month-by-month chart of a budget account (the analysis drill-down page).
// Chart.js (vendored) draws the vigente as a line and the cumulative execution of the
// imported months as bars. The data comes from a json_script element named by the
// canvas' data-budget-chart attribute (no inline scripts: CSP); the table below the
// chart holds the same figures, so the page works without JavaScript.
(function () {
  "use strict";

  var COLOURS = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0"];

  function money(value) {
    if (value === null || value === undefined) return "—";
    var sign = value < 0 ? "-" : "";
    var digits = String(Math.round(Math.abs(value)));
    return sign + "$ " + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function say(canvas, text) {
    var status = canvas.parentNode.querySelector("[data-chart-status]");
    if (status) {
      status.textContent = text;
      status.classList.add("text-danger");
    }
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-budget-chart"));
    if (!source) return;
    if (!window.Chart) {
      say(canvas, "No se pudo cargar la biblioteca de gráficos: vea la tabla siguiente.");
      return;
    }
    var data = JSON.parse(source.textContent);
    var datasets = data.series.map(function (series, index) {
      var colour = COLOURS[index % COLOURS.length];
      var line = series.type === "line";
      return {
        type: series.type,
        label: series.label,
        data: series.values,
        borderColor: colour,
        backgroundColor: line ? colour : colour + "b3",
        borderWidth: line ? 2 : 1,
        pointRadius: line ? 2 : 0,
        order: line ? 0 : 1,
      };
    });
    new window.Chart(canvas, {
      type: "bar", // each dataset says its own type: bars, and the vigente as a line
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        aspectRatio: 2.5,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { callback: money } } },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + money(context.parsed.y);
              },
            },
          },
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-budget-chart]").forEach(draw);
  });
})();
