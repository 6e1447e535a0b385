/* Maps of the strategy: all located measures (GeoJSON fetched from the page's address) or
   one measure's place (GeoJSON in the page). The page lists the same measures in text. */
(function () {
  "use strict";
  var maps = window.GemeinsamMap;
  if (!maps) { return; }

  function draw(element, data) {
    var statusLabel = element.dataset.labelStatus;
    maps.pointMap(element, data, function (properties) {
      return maps.popup(properties, [properties.place, statusLabel ? statusLabel + ": " + properties.status_label : ""]);
    });
  }

  document.querySelectorAll("[data-strategy-map]").forEach(function (element) {
    if (element.dataset.geojson) {
      draw(element, maps.readJson(element.dataset.geojson));
    } else if (element.dataset.geojsonUrl) {
      maps.fetchGeoJson(element.dataset.geojsonUrl)
        .then(function (data) { draw(element, data); })
        .catch(function () { element.hidden = true; });
    }
  });
})();
