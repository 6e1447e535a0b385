/* The map of measuring stations: one marker per Location, a popup linking to the Thing.
   The page lists the same Things without this script, for keyboards and screen readers. */
(function () {
  "use strict";
  var maps = window.GemeinsamMap;
  if (!maps) { return; }

  document.querySelectorAll("[data-sensor-map]").forEach(function (element) {
    maps.pointMap(element, maps.readJson(element.dataset.geojson), maps.popup);
  });
})();
