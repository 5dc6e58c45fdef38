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
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var data = JSON.parse(el.getAttribute("data-chart"));
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(el.getAttribute("data-kind") === "bars" ? bars(data) : trend(data));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
