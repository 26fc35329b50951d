// Inspections pages: the map of hazards not yet fixed (Leaflet; popups built from text nodes,
// never HTML, so a place's name cannot inject markup) and the counts chart (ECharts).
(function () {
  "use strict";

  function inTileCrs(el, url) {
    return el.dataset.tileCrs === "gcj02" ? url + (url.indexOf("?") < 0 ? "?" : "&") + "crs=gcj02" : url;
  }

  var mapEl = document.getElementById("hazard-map");
  if (mapEl && window.L) {
    var map = L.map(mapEl, { zoomControl: true });
    if (mapEl.dataset.tiles) {
      L.tileLayer(mapEl.dataset.tiles, { maxZoom: 19, subdomains: "1234" }).addTo(map);
    } else {
      mapEl.classList.add("no-tiles");
    }
    if (mapEl.dataset.regions) {
      fetch(inTileCrs(mapEl, mapEl.dataset.regions), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          L.geoJSON(data, {
            filter: function (f) { return f.properties.kind === "region"; },
            style: function (f) {
              return f.properties.level === "grid"
                ? { color: "#e07b00", weight: 1.2, dashArray: "4 3", fillOpacity: 0.05, interactive: false }
                : { color: "#1565c0", weight: 2, fill: false, interactive: false };
            }
          }).addTo(map).bringToBack();
        });
    }
    fetch(inTileCrs(mapEl, mapEl.dataset.features), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (f, latlng) {
            var p = f.properties;
            var colour = p.serious ? "#b00020" : (p.notice ? "#e07b00" : "#1565c0");
            return L.circleMarker(latlng, {
              radius: 7, weight: 2, fillOpacity: 0.8, color: colour, fillColor: colour, className: "wg-hazard"
            });
          },
          onEachFeature: function (f, lyr) {
            var p = f.properties;
            var div = document.createElement("div");
            var a = document.createElement("a");
            a.href = p.url;
            a.textContent = p.place;
            div.appendChild(a);
            div.appendChild(document.createElement("br"));
            div.appendChild(document.createTextNode(p.category + " · " + p.status));
            lyr.bindPopup(div);
          }
        }).addTo(map);
        var bounds = layer.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 }); } else { map.setView([39.9, 116.4], 12); }
        mapEl.dataset.loaded = String(data.features.length);
      });
  }

  var chartEl = document.getElementById("hazard-counts-chart");
  var source = document.getElementById("hazard-counts-data");
  if (chartEl && source && window.echarts) {
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(chartEl, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.regions, axisLabel: { interval: 0, rotate: (data.regions.length > 6 || chartEl.clientWidth / Math.max(data.regions.length, 1) < 90) ? 35 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: chartEl.dataset.found, type: "bar", data: data.found, itemStyle: { color: "#e07b00" } },
        { name: chartEl.dataset.fixed, type: "bar", data: data.fixed, itemStyle: { color: "#2e7d32" } }
      ]
    });
    chartEl.dataset.rendered = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }
})();
