// Public report page: location picker on the grid map, "use my location", category suggestions.
(function () {
  "use strict";
  var lat = document.getElementById("id_lat"), lon = document.getElementById("id_lon");
  var picked = document.getElementById("picked");
  var el = document.getElementById("pickmap"), map = null, marker = null;
  function setPoint(la, lo) {
    lat.value = la.toFixed(7); lon.value = lo.toFixed(7);
    picked.textContent = lat.value + ", " + lon.value;
    if (map) {
      if (marker) { marker.setLatLng([la, lo]); } else { marker = L.circleMarker([la, lo], { radius: 8, color: "#b71c1c" }).addTo(map); }
    }
  }
  if (window.L && el) {
    map = L.map(el);
    if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19, subdomains: "1234" }).addTo(map); }
    var shapes = JSON.parse(document.getElementById("grid-shapes").textContent);
    var layer = L.geoJSON(shapes, {
      style: { color: "#e07b00", weight: 1.2, dashArray: "4 3", fillOpacity: 0.08 },
      onEachFeature: function (f, l) { var tip = document.createElement("span"); tip.textContent = f.properties.name; l.bindTooltip(tip, { sticky: true }); l.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng); }); }
    }).addTo(map);
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); } else { map.setView([39.9, 116.4], 11); }
    map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng); });
    el.dataset.loaded = "1";
    if (lat.value && lon.value) { setPoint(parseFloat(lat.value), parseFloat(lon.value)); }
  }
  // Refused or unavailable (no permission, no GPS, plain http): say so, never a silent button.
  function denied() { picked.textContent = picked.dataset.denied; }
  document.getElementById("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { denied(); return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      // a GPS fix is WGS-84: drawn and sent in the tiles' frame, like a pick (the crs field)
      var crs = el ? el.dataset.tileCrs : "wgs84";
      var at = window.wgCoords ? window.wgCoords.toTiles(p.coords.latitude, p.coords.longitude, crs) : [p.coords.latitude, p.coords.longitude];
      setPoint(at[0], at[1]);
      if (map) { map.setView(at, 16); }
    }, denied, { enableHighAccuracy: true, timeout: 10000 });
  });
  var text = document.getElementById("id_description"), box = document.getElementById("suggestions");
  var select = document.getElementById("id_category"), timer = null;
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(text.dataset.suggest + "?text=" + encodeURIComponent(text.value))
        .then(function (r) { return r.json(); })
        .then(function (data) {
          box.textContent = "";
          data.suggestions.forEach(function (s) {
            var b = document.createElement("button");
            b.type = "button"; b.className = "small"; b.textContent = s.name;
            b.addEventListener("click", function () { select.value = String(s.id); });
            box.appendChild(b);
          });
          if (data.suggestions.length && !select.value) { select.value = String(data.suggestions[0].id); }
        });
    }, 400);
  });
})();
