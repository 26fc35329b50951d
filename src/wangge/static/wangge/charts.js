// Region page: residents per child region, registered vs floating (ECharts).
(function () {
  "use strict";
  var el = document.getElementById("breakdown-chart");
  var source = document.getElementById("breakdown-data");
  if (!el || !source || !window.echarts) { return; }
  var rows = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0, type: "scroll" },  // one line even on a phone: no overlap with the bars
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: (rows.length > 6 || el.clientWidth / rows.length < 90) ? 35 : 0 } },
    yAxis: { type: "value" },
    series: [
      { name: el.dataset.registered, type: "bar", stack: "p", data: rows.map(function (r) { return r.registered; }), itemStyle: { color: "#1565c0" } },
      { name: el.dataset.floating, type: "bar", stack: "p", data: rows.map(function (r) { return r.floating; }), itemStyle: { color: "#e07b00" } },
      { name: el.dataset.overseas, type: "bar", stack: "p", data: rows.map(function (r) { return r.overseas; }), itemStyle: { color: "#6a1b9a" } }
    ]
  });
  el.dataset.rendered = "1";
  window.addEventListener("resize", function () { chart.resize(); });
})();
