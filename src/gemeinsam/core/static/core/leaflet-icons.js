/* Leaflet finds its marker images by parsing its CSS, which fails once the static files
   carry content hashes in their names; core/_leaflet.html names them on this script's tag.
   Loaded after leaflet.js and before an app's map script. */
(function () {
  "use strict";
  var icons = document.currentScript && document.currentScript.dataset;
  if (typeof L === "undefined" || !icons || !icons.markerIcon) { return; }
  L.Icon.Default.imagePath = "";
  L.Icon.Default.mergeOptions({
    iconUrl: icons.markerIcon,
    iconRetinaUrl: icons.markerIcon2x,
    shadowUrl: icons.markerShadow
  });
})();
