/* Maps of the strategy: all located measures (GeoJSON fetched from the page's address) or
   one measure's place (GeoJSON in the page). The page lists the same measures in text. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  function popup(properties, statusLabel) {
    var box = document.createElement("div");
    var heading = document.createElement("strong");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.title;
    heading.appendChild(link);
    box.appendChild(heading);
    var details = [properties.place, statusLabel ? statusLabel + ": " + properties.status_label : ""];
    details.filter(Boolean).forEach(function (text) {
      var line = document.createElement("div");
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  function draw(element, data) {
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
        .bindPopup(function () { return popup(feature.properties, element.dataset.labelStatus); })
        .addTo(markers);
    });
    markers.addTo(map);
    if (data.features.length) {
      map.fitBounds(markers.getBounds(), { maxZoom: Number(element.dataset.maxZoom) || 13, padding: [30, 30] });
    }
    element.dataset.loaded = String(data.features.length);
  }

  document.querySelectorAll("[data-strategy-map]").forEach(function (element) {
    if (element.dataset.geojson) {
      draw(element, JSON.parse(document.getElementById(element.dataset.geojson).textContent));
    } else if (element.dataset.geojsonUrl) {
      fetch(element.dataset.geojsonUrl, { headers: { Accept: "application/geo+json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (data) { draw(element, data); })
        .catch(function () { element.hidden = true; });
    }
  });
})();
