// Draws every element with class "chart" from the JSON in its data-chart attribute.
(function () {
  "use strict";
  function trend(data) {
    var series = data.series.map(function (s, i) {
      return { name: s.name, type: i === 0 ? "bar" : "line", yAxisIndex: i === 0 ? 0 : 1, data: s.values, smooth: true };
    });
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels.map(function (d) { return d.slice(5); }) },
      yAxis: [{ type: "value" }, { type: "value", splitLine: { show: false } }],
      series: series
    };
  }
  function bars(data) {
    return {
      tooltip: {},
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: data.labels },
      series: [{ type: "bar", data: data.values }]
    };
  }
  // Differences with their 95% intervals: a box from low to high and a point at the estimate;
  // intervals that cross zero are grey.
  function intervals(data) {
    var names = data.map(function (d) { return d.name; });
    return {
      tooltip: { trigger: "axis", formatter: function (items) {
        var d = data[items[0].dataIndex];
        var unit = d.unit === undefined ? "%" : d.unit;
        return d.name + ": " + d.value + unit + " [" + d.low + unit + ", " + d.high + unit + "]";
      } },
      grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", axisLabel: { formatter: "{value}" + (data.length && data[0].unit !== undefined ? data[0].unit : "%") } },
      series: [
        { type: "candlestick", data: data.map(function (d) { return [d.low, d.high, d.low, d.high]; }),
          itemStyle: { color: "#9fc0ef", color0: "#9fc0ef", borderColor: "#1f5fbf", borderColor0: "#1f5fbf" },
          markLine: { symbol: "none", silent: true, data: [{ yAxis: 0 }], lineStyle: { color: "#6b7785" } } },
        { type: "scatter", z: 5, data: data.map(function (d) { return { value: [d.name, d.value], itemStyle: { color: d.detectable ? "#1a7f37" : "#9aa4ae" } }; }), symbolSize: 10 }
      ]
    };
  }
  // Connect rate by weekday × hour: darker is better; the tooltip gives the calls behind it.
  function heatmap(data) {
    var rates = data.cells.map(function (c) { return c[2]; });
    return {
      tooltip: { formatter: function (p) { return data.weekdays[p.value[1]] + " " + data.hours[p.value[0]] + ": " + p.value[2] + "% (" + p.value[3] + ")"; } },
      grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: data.hours, splitArea: { show: true } },
      yAxis: { type: "category", data: data.weekdays, inverse: true, splitArea: { show: true } },
      visualMap: { dimension: 2, min: Math.min.apply(null, rates), max: Math.max.apply(null, rates), calculable: true, orient: "horizontal", left: "center", bottom: 0,
        inRange: { color: ["#fdecea", "#9fc0ef", "#1f5fbf"] } },
      series: [{ type: "heatmap", data: data.cells, label: { show: false } }]
    };
  }
  // Trained against control reps week by week, the training week marked.
  function groups(data) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.weeks.map(function (d) { return d.slice(5); }) },
      yAxis: { type: "value", scale: true },
      series: [
        { name: data.trained_label, type: "line", data: data.trained, connectNulls: true,
          markLine: { symbol: "none", silent: true, label: { formatter: data.training_label }, lineStyle: { color: "#b42318", type: "dashed" },
            data: [{ xAxis: data.training_week.slice(5) }] } },
        { name: data.control_label, type: "line", data: data.control, connectNulls: true, lineStyle: { type: "dotted" } }
      ]
    };
  }
  // The effect by week relative to training (−1 is the reference) with its 95% interval as a band.
  function events(data) {
    var weeks = data.map(function (d) { return String(d.week); });
    return {
      tooltip: { trigger: "axis", formatter: function (items) {
        var d = data[items[0].dataIndex];
        return d.week + ": " + d.effect + " [" + d.low + ", " + d.high + "]";
      } },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: weeks },
      yAxis: { type: "value" },
      series: [
        { type: "line", stack: "band", stackStrategy: "all", symbol: "none", lineStyle: { opacity: 0 }, data: data.map(function (d) { return d.low; }) },
        { type: "line", stack: "band", stackStrategy: "all", symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: "#9fc0ef", opacity: 0.6 },
          data: data.map(function (d) { return d.high - d.low; }) },
        { type: "line", z: 5, data: data.map(function (d) { return d.effect; }), itemStyle: { color: "#1f5fbf" },
          markLine: { symbol: "none", silent: true, label: { show: false }, data: [{ yAxis: 0 }, { xAxis: "0" }], lineStyle: { color: "#6b7785" } } }
      ]
    };
  }
  // Several series over the same months, as lines.
  function lines(data) {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels.map(function (d) { return d.slice(0, 7); }) },
      yAxis: { type: "value" },
      series: data.series.map(function (s) { return { name: s.name, type: "line", data: s.values }; })
    };
  }
  var kinds = { bars: bars, intervals: intervals, heatmap: heatmap, groups: groups, events: events, lines: lines };
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var data = JSON.parse(el.getAttribute("data-chart"));
      var chart = echarts.init(el, null, { renderer: "canvas" });
      var kind = el.getAttribute("data-kind");
      chart.setOption((kinds[kind] || trend)(data));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();

// A select marked data-autosubmit sends its form when it changes (no inline handlers: the
// Content-Security-Policy allows scripts from this site's files only).
document.addEventListener("change", function (e) {
  if (e.target.matches && e.target.matches("[data-autosubmit]") && e.target.form) { e.target.form.submit(); }
});

// A review cell remembers the text it was last saved with, so that its next save is checked
// against that (someone else's save in between is refused with a message in the cell).
document.addEventListener("htmx:afterRequest", function (e) {
  var cell = e.detail.elt.closest && e.detail.elt.closest("td.editable");
  var opened = cell && cell.querySelector("input[name=opened]");
  if (opened && e.detail.successful) { opened.value = e.detail.elt.value.trim(); }
});
// A refused cell save shows its reason where "saved" would appear.
document.addEventListener("htmx:beforeSwap", function (e) {
  var status = e.detail.xhr.status;
  if (status >= 400 && status < 500 && e.detail.target.classList.contains("saved")) {
    e.detail.shouldSwap = true;
    e.detail.isError = false;
    e.detail.target.classList.add("error");
  } else if (e.detail.target.classList && e.detail.target.classList.contains("saved")) {
    e.detail.target.classList.remove("error");
  }
});
