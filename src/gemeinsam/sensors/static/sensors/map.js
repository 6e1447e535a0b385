/* The map of measuring stations: one marker per Location, a popup linking to the Thing.
   The page lists the same Things without this script, for keyboards and screen readers. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  function popup(properties) {
    var box = document.createElement("div");
    var heading = document.createElement("strong");
    if (properties.url) {
      var link = document.createElement("a");
      link.href = properties.url;
      link.textContent = properties.title;
      heading.appendChild(link);
    } else {
      heading.textContent = properties.title;
    }
    box.appendChild(heading);
    return box;
  }

  document.querySelectorAll("[data-sensor-map]").forEach(function (element) {
    var data = JSON.parse(document.getElementById(element.dataset.geojson).textContent);
    element.hidden = false;
    var center = (element.dataset.center || "52.52,13.405").split(",").map(Number);
    var map = L.map(element, { scrollWheelZoom: false }).setView(center, Number(element.dataset.zoom) || 10);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 19 }).addTo(map);
    }
    var markers = L.featureGroup();
    data.features.forEach(function (feature) {
      var c = feature.geometry.coordinates;
      var title = feature.properties.title;
      L.marker([c[1], c[0]], { title: title, alt: title })
        .bindPopup(function () { return popup(feature.properties); })
        .addTo(markers);
    });
    markers.addTo(map);
    if (data.features.length) {
      map.fitBounds(markers.getBounds(), { maxZoom: Number(element.dataset.maxZoom) || 13, padding: [30, 30] });
    }
    element.dataset.loaded = String(data.features.length);
  });
})();
