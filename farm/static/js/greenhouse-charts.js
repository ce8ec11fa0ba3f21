/* The greenhouse page's climate charts: one Chart.js chart per metric over 24 hours, 7 days or 90 days, the mean
   drawn over a band from the lowest to the highest reading, and the crop's ranges as shaded bands. The page embeds
   the 24-hour data and its translated strings; the other ranges are fetched with the page's session. */
(function () {
  "use strict";
  var configNode = document.getElementById("chart-config");
  var textNode = document.getElementById("chart-text");
  if (!configNode || !textNode || !window.Chart) return;
  var cfg = JSON.parse(configNode.textContent);
  var text = JSON.parse(textNode.textContent);
  var section = document.getElementById("charts");
  var note = section.querySelector(".chart-note");
  var buttons = section.querySelectorAll("[data-range]");
  var cache = {};
  var current = cfg.initial;
  var charts = {};
  cache[current.range] = current;

  var COLORS = {temperature: "#d84315", humidity: "#1565c0", soil_moisture: "#6d4c41", soil_temperature: "#ef6c00",
    co2: "#546e7a", light: "#f9a825"};
  var BANDS = {day: ["rgba(46, 125, 50, 0.14)", "#2e7d32", []], night: ["rgba(57, 73, 171, 0.12)", "#3949ab", [6, 4]],
    range: ["rgba(46, 125, 50, 0.14)", "#2e7d32", []], daynight: ["rgba(46, 125, 50, 0.14)", "#2e7d32", []]};
  var STEP = {"5m": 300000, "1h": 3600000, "1d": 86400000};

  function format(options) { return new Intl.DateTimeFormat(text.lang, Object.assign({timeZone: cfg.tz}, options)); }
  var dateFmt = format({month: "numeric", day: "numeric"});
  var timeFmt = format({hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
  var clockFmt = new Intl.DateTimeFormat("en-GB", {timeZone: cfg.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23"});
  var numberFmt = new Intl.NumberFormat(text.lang, {maximumFractionDigits: 1});

  function tickLabel(ms) {
    if (current.resolution === "5m" && clockFmt.format(ms) !== "00:00") return timeFmt.format(ms);
    return dateFmt.format(ms);
  }

  function titleOf(ms) {
    return current.resolution === "1d" ? dateFmt.format(ms) : dateFmt.format(ms) + " " + timeFmt.format(ms);
  }

  function tinted(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + ", " + ((n >> 8) & 255) + ", " + (n & 255) + ", " + alpha + ")";
  }

  // Points {x, y} with a null after each missing period, so the line breaks where the sensor was silent.
  function line(points, index, step) {
    var out = [];
    points.forEach(function (p, i) {
      if (i > 0 && p[0] - points[i - 1][0] > step * 1.5) out.push({x: points[i - 1][0] + step, y: null});
      out.push({x: p[0], y: p[index]});
    });
    return out;
  }

  // A mean with no neighbours (a single reading after a silence) has no line to draw, so it gets a dot.
  function isolated(ctx) {
    var d = ctx.dataset.data, i = ctx.dataIndex;
    var before = i > 0 ? d[i - 1].y : null, after = i < d.length - 1 ? d[i + 1].y : null;
    return d[i].y !== null && before === null && after === null ? 3 : 0;
  }

  // A limit that takes the day value inside the day windows and the night value outside them (stepped points).
  function switching(data, dayValue, nightValue) {
    var inDay = data.day.some(function (w) { return w[0] <= data.from && data.from < w[1]; });
    var points = [{x: data.from, y: inDay ? dayValue : nightValue}];
    data.day.forEach(function (w) {
      if (w[0] > data.from) points.push({x: w[0], y: dayValue});
      if (w[1] < data.to) points.push({x: w[1], y: nightValue});
    });
    points.push({x: data.to, y: points[points.length - 1].y});
    return points;
  }

  function datasets(metric, data) {
    var points = data.series[metric] || [];
    var step = STEP[data.resolution];
    var color = COLORS[metric];
    var sets = [
      {label: text.mean, data: line(points, 2, step), borderColor: color, backgroundColor: color, borderWidth: 2,
        pointRadius: isolated, pointHitRadius: 6, fill: false, order: 1, partner: null},
      {label: text.range, data: line(points, 3, step), borderColor: tinted(color, 0.35), backgroundColor: tinted(color, 0.18),
        borderWidth: 1, pointRadius: 0, fill: "+1", order: 2, partner: 2},
      {label: "", data: line(points, 1, step), borderColor: tinted(color, 0.35), borderWidth: 1, pointRadius: 0,
        fill: false, order: 2, hideInLegend: true}
    ];
    var bands = cfg.bands[metric] || [];
    var day = bands.filter(function (b) { return b.kind === "day"; })[0];
    var night = bands.filter(function (b) { return b.kind === "night"; })[0];
    if (day && night && data.day) {
      // Hours and 5-minute points: one band that follows the day and night hours, as the climate alerts do.
      bands = [{kind: "daynight", hi: switching(data, day.hi, night.hi), lo: switching(data, day.lo, night.lo)}];
    }
    bands.forEach(function (band) {
      var look = BANDS[band.kind];
      var edge = function (y) { return Array.isArray(y) ? y : [{x: data.from, y: y}, {x: data.to, y: y}]; };
      var top = sets.length;
      var stepped = band.kind === "daynight" ? "before" : false;  // Chart.js "before": a value holds until the next point
      sets.push({label: text.bands[band.kind], data: edge(band.hi), borderColor: look[1], backgroundColor: look[0],
        borderDash: look[2], borderWidth: 1, pointRadius: 0, fill: "+1", order: 3, stepped: stepped, partner: top + 1});
      sets.push({label: "", data: edge(band.lo), borderColor: look[1], borderDash: look[2], borderWidth: 1,
        pointRadius: 0, fill: false, order: 3, stepped: stepped, hideInLegend: true});
    });
    return sets;
  }

  // Hovering anywhere over a chart picks the nearest mean point: the bands and the lowest/highest lines have no
  // tooltips of their own (the mean's tooltip names them).
  Chart.Interaction.modes.meanPoint = function (chart, event) {
    if (!chart.isDatasetVisible(0)) return [];
    var best = [], distance = Infinity;
    chart.getDatasetMeta(0).data.forEach(function (element, index) {
      var d = Math.abs(element.x - event.x);
      if (!element.skip && d < distance) { distance = d; best = [{element: element, datasetIndex: 0, index: index}]; }
    });
    return best;
  };

  function toggle(event, item, legend) {
    var chart = legend.chart;
    var shown = !chart.isDatasetVisible(item.datasetIndex);
    var partner = chart.data.datasets[item.datasetIndex].partner;
    chart.setDatasetVisibility(item.datasetIndex, shown);
    if (partner !== null && partner !== undefined) chart.setDatasetVisibility(partner, shown);
    chart.update();
  }

  function options(metric) {
    var unit = cfg.units[metric];
    return {
      maintainAspectRatio: false, responsive: true, animation: false, parsing: false, normalized: true,
      interaction: {mode: "meanPoint", intersect: false},
      scales: {
        x: {type: "linear", min: current.from, max: current.to, title: {display: true, text: text.time},
          afterBuildTicks: function (scale) { scale.ticks = current.ticks.map(function (v) { return {value: v}; }); },
          ticks: {callback: tickLabel, maxRotation: 0, autoSkip: true, autoSkipPadding: 10}},
        y: {title: {display: true, text: text.axis[metric]}, ticks: {callback: function (v) { return numberFmt.format(v); }}}
      },
      plugins: {
        legend: {position: "bottom", labels: {boxWidth: 14, filter: function (item, data) {
          return !data.datasets[item.datasetIndex].hideInLegend;
        }}, onClick: toggle},
        tooltip: {
          callbacks: {
            title: function (items) { return items.length ? titleOf(items[0].parsed.x) : ""; },
            label: function (item) {
              var sets = item.chart.data.datasets;
              var low = sets[2].data[item.dataIndex].y, high = sets[1].data[item.dataIndex].y;
              return text.mean + " " + numberFmt.format(item.parsed.y) + " " + unit + " (" + numberFmt.format(low) +
                "–" + numberFmt.format(high) + ")";
            }
          }
        }
      }
    };
  }

  function draw(data) {
    current = data;
    Object.keys(cfg.units).forEach(function (metric) {
      var figure = section.querySelector('.metric-chart[data-metric="' + metric + '"]');
      var empty = !(data.series[metric] || []).length;
      figure.querySelector(".chart-canvas").hidden = empty;
      figure.querySelector(".chart-empty").hidden = !empty;
      if (empty) return;
      var chart = charts[metric];
      if (!chart) {
        charts[metric] = new Chart(document.getElementById("chart-" + metric),
          {type: "line", data: {datasets: datasets(metric, data)}, options: options(metric)});
        return;
      }
      chart.data.datasets = datasets(metric, data);
      chart.options.scales.x.min = data.from;
      chart.options.scales.x.max = data.to;
      chart.update();
    });
    note.textContent = text.notes[data.range];
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", b.dataset.range === data.range ? "true" : "false"); });
    section.dataset.range = data.range;
  }

  function choose(range) {
    if (cache[range]) { draw(cache[range]); return; }
    section.setAttribute("aria-busy", "true");
    fetch(cfg.url + "?range=" + encodeURIComponent(range), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { cache[range] = data; draw(data); })
      .catch(function () { note.textContent = text.error; })
      .then(function () { section.removeAttribute("aria-busy"); });
  }

  buttons.forEach(function (b) { b.addEventListener("click", function () { choose(b.dataset.range); }); });
  draw(current);
})();
