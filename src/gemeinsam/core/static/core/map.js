/* One Leaflet set-up for every map of Gemeinsam: marker images, the base map from a container's
   data attributes, JSON in the page, markers with popups. Loaded by core/_leaflet.html after
   leaflet.js and before an app's map script, which finds it as window.GemeinsamMap. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  // Leaflet finds its marker images by parsing its CSS, which fails once the static files
  // carry content hashes in their names; core/_leaflet.html names them on this script's tag.
  var icons = document.currentScript && document.currentScript.dataset;
  if (icons && icons.markerIcon) {
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions({
      iconUrl: icons.markerIcon,
      iconRetinaUrl: icons.markerIcon2x,
      shadowUrl: icons.markerShadow
    });
  }

  /* The JSON of a <script type="application/json"> (Django's json_script) by its id, or null. */
  function readJson(id) {
    var element = id && document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  /* GeoJSON from an address of ours; rejects on an error status. */
  function fetchGeoJson(url) {
    return fetch(url, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); });
  }

  /* Shows the (hidden without JavaScript) container as a map: centre and zoom from data-center
     and data-zoom, tiles and attribution from data-tiles and data-attribution, and the district
     from the GeoJSON named by data-outline, which the map then fits. Returns the L.Map. */
  function base(element) {
    element.hidden = false;
    var center = (element.dataset.center || "52.52,13.405").split(",").map(Number);
    var map = L.map(element, { scrollWheelZoom: false }).setView(center, Number(element.dataset.zoom) || 10);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 19 }).addTo(map);
    }
    var outline = readJson(element.dataset.outline);
    if (outline) {
      map.fitBounds(L.geoJSON(outline, {
        interactive: false,
        style: { color: "#0b4f8a", weight: 2, fillOpacity: 0.04 }
      }).addTo(map).getBounds());
    }
    return map;
  }

  /* A popup's content: the title as a heading (a link where there is a url), then the
     non-empty lines of text, each in an element of lineTag (default div). */
  function popup(properties, lines, lineTag) {
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
    (lines || []).filter(Boolean).forEach(function (text) {
      var line = document.createElement(lineTag || "div");
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  /* Adds a marker per GeoJSON point to group, titled for screen readers and hovering, with the
     popup popupFor(properties) builds when it opens. */
  function markers(group, features, popupFor) {
    features.forEach(function (feature) {
      var c = feature.geometry.coordinates;
      var title = feature.properties.title;
      L.marker([c[1], c[0]], { title: title, alt: title })
        .bindPopup(function () { return popupFor(feature.properties); })
        .addTo(group);
    });
    return group;
  }

  /* Puts the group of count markers on the map, zooms to them (fitOptions for fitBounds) and
     notes their number in data-loaded, which pages and tests can wait for. */
  function show(element, map, group, count, fitOptions) {
    map.addLayer(group);
    if (count) {
      map.fitBounds(group.getBounds(), fitOptions);
    }
    element.dataset.loaded = String(count);
  }

  /* A map of the points of a GeoJSON with popups: the base map, a marker each, zoomed to them
     at most to data-max-zoom (default 13). */
  function pointMap(element, data, popupFor) {
    var map = base(element);
    var group = markers(L.featureGroup(), data.features, popupFor);
    show(element, map, group, data.features.length,
      { maxZoom: Number(element.dataset.maxZoom) || 13, padding: [30, 30] });
    return map;
  }

  window.GemeinsamMap = Object.freeze({
    readJson: readJson,
    fetchGeoJson: fetchGeoJson,
    base: base,
    popup: popup,
    markers: markers,
    show: show,
    pointMap: pointMap
  });
})();
