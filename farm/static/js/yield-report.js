/* Draws the yield report's charts with the vendored Chart.js from the data the page embeds. */
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || !window.Chart) return;
  var data = JSON.parse(node.textContent);
  var green = "#2e7d32";
  var colors = data.colors.map(function (c) { return c || green; });
  new Chart(document.getElementById("yield-chart"), {
    type: data.kind,
    data: {labels: data.labels, datasets: [{label: data.label, data: data.values, backgroundColor: data.kind === "line" ? green : colors,
      borderColor: green, pointRadius: data.kind === "line" ? 0 : 3, fill: false, tension: 0.2}]},
    options: {maintainAspectRatio: false, animation: false, plugins: {legend: {display: false}},
      scales: {y: {beginAtZero: true}}}
  });
  if (data.grades) {
    new Chart(document.getElementById("grade-chart"), {
      type: "doughnut",
      data: {labels: data.grades.labels, datasets: [{data: data.grades.values,
        backgroundColor: data.grades.colors}]},
      options: {maintainAspectRatio: false, animation: false}
    });
  }
})();
