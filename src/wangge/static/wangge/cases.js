// Cases pages: the report form's position (GPS or a pick on the map) and category chips,
// the dashboard's rate chart (ECharts) and the open-case map (Leaflet).
(function () {
  "use strict";

  function baseMap(el) {
    var map = L.map(el, { zoomControl: true });
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, subdomains: "1234" }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    return map;
  }

  // GeoJSON endpoints draw in the tiles' frame when asked (?crs=gcj02); storage stays WGS-84.
  function inTileCrs(el, url) {
    return el.dataset.tileCrs === "gcj02" ? url + (url.indexOf("?") < 0 ? "?" : "&") + "crs=gcj02" : url;
  }

  // A picked position, kept in the tiles' frame; the form's hidden crs field names that frame
  // and the server converts it to WGS-84 before storing (geo/coords.py).
  function pickMap(el, lon, lat, show) {
    var crs = el.dataset.tileCrs || "wgs84";
    var map = baseMap(el);
    var marker = null;
    var set = function (la, lo, how) {
      lat.value = la.toFixed(7);
      lon.value = lo.toFixed(7);
      if (marker) { marker.setLatLng([la, lo]); } else { marker = L.marker([la, lo]).addTo(map); }
      if (show) { show(how, la, lo); }
      el.dataset.picked = "1";
    };
    var gps = function (la, lo, how) {  // a GPS fix is WGS-84: drawn and sent in the tiles' frame
      var p = window.wgCoords ? window.wgCoords.toTiles(la, lo, crs) : [la, lo];
      set(p[0], p[1], how);
      map.setView(p, 17);
    };
    return { map: map, set: set, gps: gps, crs: crs };
  }

  // Grid outlines under the points, so a pick or a case can be read against the grids.
  function outlines(el, map, fit) {
    if (!el.dataset.regions) { return; }
    fetch(inTileCrs(el, el.dataset.regions), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          filter: function (f) { return f.properties.kind === "region"; },
          style: function (f) {
            return f.properties.level === "grid"
              ? { color: "#e07b00", weight: 1.2, dashArray: "4 3", fillOpacity: 0.05, interactive: false }
              : { color: "#1565c0", weight: 2, fill: false, interactive: false };
          }
        }).addTo(map);
        layer.bringToBack();
        if (fit && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
      });
  }

  // --- report form
  var pick = document.getElementById("pick-map");
  if (pick && window.L) {
    var lon = document.querySelector("input[name=lon]");
    var lat = document.querySelector("input[name=lat]");
    var label = document.getElementById("position");
    var centre = (pick.dataset.centre || "39.9,116.4").split(",").map(Number);
    var picker = pickMap(pick, lon, lat, function (how, la, lo) {
      label.textContent = how + " " + lo.toFixed(5) + ", " + la.toFixed(5);
    });
    var map = picker.map;
    map.setView(window.wgCoords ? window.wgCoords.toTiles(centre[0], centre[1], picker.crs) : centre, 15);
    outlines(pick, map, true);
    if (lat.value && lon.value) { picker.set(Number(lat.value), Number(lon.value), label.dataset.picked); }
    map.on("click", function (e) { picker.set(e.latlng.lat, e.latlng.lng, label.dataset.picked); });
    document.getElementById("gps").addEventListener("click", function () {
      if (!navigator.geolocation) { label.textContent = label.dataset.denied; return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        picker.gps(p.coords.latitude, p.coords.longitude, label.dataset.gps);
      }, function () { label.textContent = label.dataset.denied; }, { enableHighAccuracy: true, timeout: 10000 });
    });
    pick.dataset.ready = "1";
  }

  // --- placing a case (the 待定位 queue): the case's pin, the grids, a pick
  var placeEl = document.getElementById("place-map");
  if (placeEl && window.L) {
    var plon = document.querySelector("#place-point input[name=lon]");
    var plat = document.querySelector("#place-point input[name=lat]");
    var submit = document.querySelector("#place-point button[type=submit]");
    var placer = pickMap(placeEl, plon, plat, function () { submit.disabled = false; });
    var pmap = placer.map;
    var drawn = function (text) {  // "lat,lon" (WGS-84) → [lat, lng] on the tiles
      var p = text.split(",").map(Number);
      return window.wgCoords ? window.wgCoords.toTiles(p[0], p[1], placer.crs) : p;
    };
    var known = [];
    [["pin", "#b00020", "wg-pin"], ["address", "#1565c0", "wg-address"]].forEach(function (m) {
      var at = placeEl.dataset[m[0]];
      if (!at) { return; }
      var tip = document.createElement("span");
      tip.textContent = placeEl.dataset[m[0] + "Label"] || "";
      L.circleMarker(drawn(at), { radius: 8, color: m[1], className: m[2] }).bindTooltip(tip).addTo(pmap);
      known.push(drawn(at));
    });
    outlines(placeEl, pmap, !known.length);
    if (known.length === 1) { pmap.setView(known[0], 16); }
    if (known.length > 1) { pmap.fitBounds(L.latLngBounds(known), { padding: [40, 40], maxZoom: 17 }); }
    pmap.on("click", function (e) { placer.set(e.latlng.lat, e.latlng.lng, ""); });
    placeEl.dataset.ready = "1";
  }
  document.addEventListener("click", function (e) {
    var chip = e.target.closest && e.target.closest("button.chip[data-category]");
    if (!chip) { return; }
    var select = document.querySelector("select[name=category]");
    if (select) { select.value = chip.dataset.category; }
  });

  // --- dashboard chart
  // ECharts' plain legend wraps its items onto more rows when they are wider than the chart,
  // but the bars' grid does not move down for them: count the rows it will take (its
  // default layout: a 25 px swatch, 5 px to the text, the gap, 5 px padding each side).
  var LEGEND = { font: 12, gap: 10, row: 24 };
  var legendRows = function (names, width) {
    var ctx = document.createElement("canvas").getContext("2d");
    ctx.font = LEGEND.font + "px sans-serif";
    var rows = 1, x = 0;
    names.forEach(function (name) {
      var w = 25 + 5 + ctx.measureText(name).width;
      if (x && x + w > width - 10) { rows += 1; x = 0; }
      x += w + LEGEND.gap;
    });
    return rows;
  };
  var chartEl = document.getElementById("rates-chart");
  var source = document.getElementById("rates-data");
  if (chartEl && source && window.echarts) {
    var rows = JSON.parse(source.textContent);
    var pct = function (v) { return v === null ? null : Math.round(v * 1000) / 10; };
    var names = [chartEl.dataset.response, chartEl.dataset.resolution, chartEl.dataset.satisfaction];
    var chart = echarts.init(chartEl, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
      // every name in sight, wrapped onto a second row when they do not fit (English on a
      // phone): a paged legend hid 满意率/Satisfaction rate behind an arrow
      legend: { top: 0, type: "plain", itemGap: LEGEND.gap, textStyle: { fontSize: LEGEND.font } },
      grid: { left: 8, right: 16, top: legendRows(names, chartEl.clientWidth) * LEGEND.row + 8, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: (rows.length > 6 || chartEl.clientWidth / Math.max(rows.length, 1) < 90) ? 35 : 0 } },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: chartEl.dataset.response, type: "bar", data: rows.map(function (r) { return pct(r.response); }), itemStyle: { color: "#1565c0" } },
        { name: chartEl.dataset.resolution, type: "bar", data: rows.map(function (r) { return pct(r.resolution); }), itemStyle: { color: "#2e7d32" } },
        { name: chartEl.dataset.satisfaction, type: "bar", data: rows.map(function (r) { return pct(r.satisfaction); }), itemStyle: { color: "#e07b00" } }
      ]
    });
    chartEl.dataset.rendered = "1";
    window.addEventListener("resize", function () {
      chart.setOption({ grid: { top: legendRows(names, chartEl.clientWidth) * LEGEND.row + 8 } });
      chart.resize();
    });
  }

  // --- open cases map
  var casesEl = document.getElementById("cases-map");
  if (casesEl && window.L) {
    var cmap = baseMap(casesEl);
    outlines(casesEl, cmap, false);
    fetch(inTileCrs(casesEl, casesEl.dataset.features), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, {
              radius: 7, weight: 2, fillOpacity: 0.8,
              color: f.properties.overdue ? "#b00020" : "#1565c0",
              fillColor: f.properties.overdue ? "#e53935" : "#42a5f5",
              className: "wg-case"
            });
          },
          onEachFeature: function (f, lyr) {
            var p = f.properties;
            var a = document.createElement("a");
            a.href = p.url;
            a.textContent = p.number + " " + p.title;
            var div = document.createElement("div");
            div.appendChild(a);
            div.appendChild(document.createElement("br"));
            div.appendChild(document.createTextNode(p.status));
            lyr.bindPopup(div);
          }
        }).addTo(cmap);
        var bounds = layer.getBounds();
        if (bounds.isValid()) { cmap.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 }); } else { cmap.setView([39.9, 116.4], 12); }
        casesEl.dataset.loaded = String(data.features.length);
      });
  }
})();
