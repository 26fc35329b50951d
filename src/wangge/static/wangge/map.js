// Region map: grid polygons and building points from the region's GeoJSON endpoint.
(function () {
  "use strict";
  var el = document.getElementById("map");
  function textNode(text) { var span = document.createElement("span"); span.textContent = text; return span; }
  if (!el || !window.L) { return; }
  var map = L.map(el, { zoomControl: true });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, subdomains: "1234" }).addTo(map);
  } else {
    el.classList.add("no-tiles");
  }
  var styles = {
    district: { color: "#555", weight: 2, fill: false },
    street: { color: "#1f4e79", weight: 3, fill: false },
    community: { color: "#1565c0", weight: 2.5, fillOpacity: 0.04 },
    grid: { color: "#e07b00", weight: 1.2, dashArray: "4 3", fillOpacity: 0.08 },
    building: { color: "#1b5e20", fillColor: "#2e7d32", weight: 1, fillOpacity: 0.85 }
  };
  var url = el.dataset.features + (el.dataset.tileCrs === "gcj02" ? "?crs=gcj02" : "");
  fetch(url, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (f) {
          if (f.properties.kind === "building") { return styles.building; }
          return styles[f.properties.level] || styles.grid;
        },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 6, className: "wg-building" });
        },
        onEachFeature: function (f, lyr) {
          // Names come from imported data: built as text nodes, never as HTML.
          var p = f.properties;
          var a = document.createElement("a");
          a.href = p.url;
          a.appendChild(document.createTextNode(p.name));
          if (p.kind === "building") {
            a.appendChild(document.createElement("br"));
            a.appendChild(document.createTextNode(p.rooms + " " + (el.dataset.labelRooms || "")));
          } else {
            var small = document.createElement("small");
            small.textContent = p.code;
            a.appendChild(document.createTextNode(" "));
            a.appendChild(small);
          }
          lyr.bindPopup(a);
          if (p.kind === "region" && p.level === "grid") { lyr.bindTooltip(textNode(p.name), { sticky: true }); }
        }
      }).addTo(map);
      var bounds = layer.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([39.9, 116.4], 13); }
      el.dataset.loaded = String(data.features.length);
    });
})();
