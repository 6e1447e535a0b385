/* Gemeinsam maps: the idea map with clusters, and the place picker of the idea form.
   Pages work without this script: the list and the longitude/latitude fields remain. */
(function () {
  "use strict";

  function readJson(id) {
    var element = id && document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function baseMap(element) {
    element.hidden = false;
    var center = (element.dataset.center || "52.52,13.405").split(",").map(Number);
    var map = L.map(element, { scrollWheelZoom: false }).setView(center, Number(element.dataset.zoom) || 10);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 19 }).addTo(map);
    }
    var outline = readJson(element.dataset.outline);
    var bounds = null;
    if (outline) {
      var layer = L.geoJSON(outline, {
        interactive: false,
        style: { color: "#0b4f8a", weight: 2, fillOpacity: 0.04 }
      }).addTo(map);
      bounds = layer.getBounds();
      map.fitBounds(bounds);
    }
    return { map: map, bounds: bounds };
  }

  function popup(element, properties) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = properties.url;
    link.textContent = properties.title;
    var heading = document.createElement("strong");
    heading.appendChild(link);
    var status = document.createElement("p");
    status.textContent = properties.status_label;
    var counts = document.createElement("p");
    // Ideas show their score and comments; other maps (budgeting results) a line of details.
    counts.textContent = properties.details !== undefined ? properties.details :
      element.dataset.labelScore + ": " + properties.score + " · " +
      element.dataset.labelComments + ": " + properties.comments;
    box.append(heading, status, counts);
    return box;
  }

  function ideaMap(element) {
    var base = baseMap(element);
    var clusters = L.markerClusterGroup({ showCoverageOnHover: false });
    fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        data.features.forEach(function (feature) {
          var c = feature.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { title: feature.properties.title, alt: feature.properties.title });
          marker.bindPopup(function () { return popup(element, feature.properties); });
          clusters.addLayer(marker);
        });
        base.map.addLayer(clusters);
        if (data.features.length) {
          base.map.fitBounds(clusters.getBounds(), { maxZoom: 15, padding: [20, 20] });
        }
        element.dataset.loaded = String(data.features.length);
      });
  }

  function placePicker(element) {
    var base = baseMap(element);
    var longitude = document.getElementById(element.dataset.longitude);
    var latitude = document.getElementById(element.dataset.latitude);
    var status = document.getElementById("place-status");
    var clear = document.getElementById("place-clear");
    var label = element.dataset.labelMarker;
    var marker = null;

    function show(latlng) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, title: label, alt: label }).addTo(base.map);
        marker.on("dragend", function () { write(marker.getLatLng()); });
      } else {
        marker.setLatLng(latlng);
      }
      if (clear) { clear.hidden = false; }
    }
    function write(latlng) {
      longitude.value = latlng.lng.toFixed(6);
      latitude.value = latlng.lat.toFixed(6);
      if (status) {
        status.textContent = element.dataset.labelSet + " " + latitude.value + ", " + longitude.value;
      }
    }
    function readFields() {
      var lon = parseFloat(longitude.value), lat = parseFloat(latitude.value);
      if (isFinite(lon) && isFinite(lat)) {
        show(L.latLng(lat, lon));
        return true;
      }
      return false;
    }

    base.map.on("click", function (event) {
      show(event.latlng);
      write(event.latlng);
    });
    longitude.addEventListener("change", readFields);
    latitude.addEventListener("change", readFields);
    if (clear) {
      clear.addEventListener("click", function () {
        longitude.value = "";
        latitude.value = "";
        if (marker) { base.map.removeLayer(marker); marker = null; }
        clear.hidden = true;
        if (status) { status.textContent = ""; }
      });
    }
    if (readFields()) {
      base.map.setView(marker.getLatLng(), Math.max(base.map.getZoom(), 14));
    }
  }

  if (typeof L === "undefined") { return; }
  document.querySelectorAll("[data-idea-map]").forEach(ideaMap);
  document.querySelectorAll("[data-place-picker]").forEach(placePicker);
})();
