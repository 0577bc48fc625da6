// SECPLA: the OIRS public form. (1) Shows only the guidance and deadline of the chosen
// category (without JavaScript the page lists them all). (2) A Leaflet map to mark the
// location as a GeoJSON point in the hidden field; the server checks that it lies in the
// comuna. No inline scripts (CSP): configuration comes from data-* attributes; the map
// itself from secpla/map-base.js, loaded first.
(function () {
  "use strict";

  function initGuidance(form) {
    var select = form.querySelector("[data-oirs-category]");
    var box = form.querySelector("[data-oirs-guidance]");
    if (!select || !box) return;
    var items = box.querySelectorAll("[data-category]");
    var intro = box.querySelector("[data-oirs-guidance-intro]");
    function update() {
      var chosen = select.value;
      for (var i = 0; i < items.length; i++) {
        items[i].classList.toggle("d-none", items[i].getAttribute("data-category") !== chosen);
      }
      if (intro) intro.classList.add("d-none");
      box.classList.toggle("d-none", !chosen);
    }
    select.addEventListener("change", update);
    update();
  }

  function initPicker(form) {
    var container = form.querySelector("[data-oirs-map]");
    var input = form.querySelector("[data-oirs-location]");
    if (!container || !input) return;
    var status = form.querySelector("[data-oirs-map-status]");
    var clear = form.querySelector("[data-oirs-clear]");
    if (!window.L) {
      if (status) status.textContent = "No se pudo cargar el mapa; indique la dirección.";
      return;
    }
    var view = window.SecplaMap.create(container);
    window.SecplaMap.fit(view, 10);
    var map = view.map;

    var marker = null;
    function show(latlng) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = window.L.circleMarker(latlng, {
          radius: 8, color: "#1f4e79", weight: 2, fillColor: "#0d6efd", fillOpacity: 0.8,
        }).addTo(map);
      }
      if (status) {
        status.textContent =
          "Punto marcado: " + latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5) + ".";
      }
      if (clear) clear.classList.remove("d-none");
    }
    function set(latlng) {
      var lng = Math.round(latlng.lng * 1e6) / 1e6;
      var lat = Math.round(latlng.lat * 1e6) / 1e6;
      input.value = JSON.stringify({ type: "Point", coordinates: [lng, lat] });
      show(latlng);
    }
    map.on("click", function (event) {
      set(event.latlng);
    });
    if (clear) {
      clear.addEventListener("click", function () {
        input.value = "";
        if (marker) {
          map.removeLayer(marker);
          marker = null;
        }
        if (status) status.textContent = "Sin punto marcado.";
        clear.classList.add("d-none");
      });
    }
    // A point sent back with the form's errors is shown again.
    if (input.value) {
      try {
        var point = JSON.parse(input.value);
        if (point && point.type === "Point" && point.coordinates) {
          show(window.L.latLng(point.coordinates[1], point.coordinates[0]));
        }
      } catch (err) {
        input.value = "";
      }
    }
  }

  function init() {
    var forms = document.querySelectorAll(".oirs-form");
    for (var i = 0; i < forms.length; i++) {
      initGuidance(forms[i]);
      initPicker(forms[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
