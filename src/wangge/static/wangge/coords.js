// Positions are stored in WGS-84; tiles may be drawn in GCJ-02 (AMap, Tencent). Pick-maps send
// what was clicked together with its frame (crs) and the server converts it (geo/coords.py).
// Only the forward shift lives here, for drawing a WGS-84 point (a GPS fix, a stored pin) on
// GCJ-02 tiles: the same formula and constants as wgs84_to_gcj02 in geo/coords.py (tested
// against it in the browser).
(function () {
  "use strict";
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  function outOfChina(lon, lat) { return !(lon > 73.66 && lon < 135.05 && lat > 3.86 && lat < 53.55); }
  function tLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function tLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return r;
  }
  function wgs84ToGcj02(lon, lat) {
    if (outOfChina(lon, lat)) { return [lon, lat]; }
    var dLat = tLat(lon - 105.0, lat - 35.0), dLon = tLon(lon - 105.0, lat - 35.0);
    var rad = lat / 180.0 * PI, magic = 1.0 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1.0 - EE)) / (magic * sq) * PI);
    dLon = (dLon * 180.0) / (A / sq * Math.cos(rad) * PI);
    return [lon + dLon, lat + dLat];
  }
  // [lat, lng] of a WGS-84 position as drawn on tiles in `crs`.
  function toTiles(lat, lon, crs) {
    if (crs !== "gcj02") { return [lat, lon]; }
    var p = wgs84ToGcj02(lon, lat);
    return [p[1], p[0]];
  }
  window.wgCoords = { wgs84ToGcj02: wgs84ToGcj02, toTiles: toTiles };
})();
