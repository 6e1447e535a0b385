/* Gemeinsam maps: the idea map with clusters, and the place picker of the idea form.
   Pages work without this script: the list and the longitude/latitude fields remain. */
(function () {
  "use strict";

  var maps = window.GemeinsamMap;
  if (!maps) { return; }

  function ideaMap(element) {
    var map = maps.base(element);
    function popup(properties) {
      // Ideas show their score and comments; other maps (budgeting results) a line of details.
      var counts = properties.details !== undefined ? properties.details :
        element.dataset.labelScore + ": " + properties.score + " · " +
        element.dataset.labelComments + ": " + properties.comments;
      return maps.popup(properties, [properties.status_label, counts], "p");
    }
    maps.fetchGeoJson(element.dataset.geojson).then(function (data) {
      var clusters = maps.markers(L.markerClusterGroup({ showCoverageOnHover: false }), data.features, popup);
      maps.show(element, map, clusters, data.features.length, { maxZoom: 15, padding: [20, 20] });
    });
  }

  function placePicker(element) {
    var map = maps.base(element);
    var longitude = document.getElementById(element.dataset.longitude);
    var latitude = document.getElementById(element.dataset.latitude);
    var status = document.getElementById("place-status");
    var clear = document.getElementById("place-clear");
    var label = element.dataset.labelMarker;
    var marker = null;

    function show(latlng) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, title: label, alt: label }).addTo(map);
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

    map.on("click", function (event) {
      show(event.latlng);
      write(event.latlng);
    });
    longitude.addEventListener("change", readFields);
    latitude.addEventListener("change", readFields);
    if (clear) {
      clear.addEventListener("click", function () {
        longitude.value = "";
        latitude.value = "";
        if (marker) { map.removeLayer(marker); marker = null; }
        clear.hidden = true;
        if (status) { status.textContent = ""; }
      });
    }
    if (readFields()) {
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 14));
    }
  }

  document.querySelectorAll("[data-idea-map]").forEach(ideaMap);
  document.querySelectorAll("[data-place-picker]").forEach(placePicker);
})();
