// SECPLA: the OIRS maps (intranet). Draws either the requests' GeoJSON (data-geojson-url,
// the map page) or one point (data-point, the request page) over the comuna outline
// (secpla/map-base.js, loaded first). Configuration comes from data-* attributes of
// [data-oirs-map] (no inline scripts: CSP).
(function () {
  "use strict";

  var M = window.SecplaMap;

  function isoToDmy(value) {
    var parts = String(value || "").split("-");
    return parts.length === 3 ? parts[2] + "-" + parts[1] + "-" + parts[0] : "";
  }

  function popup(props) {
    return M.popup(
      props.tracking_code || "",
      [
        ["Categoría", props.category],
        ["Estado", props.status],
        ["Plazo", isoToDmy(props.due_on)],
      ],
      { url: props.url, text: "Ver solicitud" }
    );
  }

  function marker(latlng, colour) {
    return window.L.circleMarker(latlng, {
      radius: 8,
      color: "#ffffff",
      weight: 1.5,
      fillColor: colour || "#0d6efd",
      fillOpacity: 0.9,
    });
  }

  function init(container) {
    var status = container.parentNode.querySelector("[data-map-status]");
    if (!window.L) {
      M.say(status, "No se pudo cargar la biblioteca del mapa.", true);
      return;
    }
    var data = container.dataset;
    if (data.point) container.style.height = "260px"; // CSSOM, not an inline attribute
    var view = M.create(container);

    if (data.point) {
      try {
        var point = JSON.parse(data.point);
        var latlng = [point.coordinates[1], point.coordinates[0]];
        view.map.setView(latlng, 16); // first: Leaflet cannot draw a marker on a map without a view
        marker(latlng).addTo(view.map);
        container.dataset.loaded = "1";
      } catch (error) {
        M.say(status, "No se pudo dibujar la ubicación.", true);
      }
      return;
    }

    M.fit(view);
    M.load(
      view,
      container,
      status,
      data.geojsonUrl,
      {
        pointToLayer: function (feature, latlng) {
          return marker(latlng, feature.properties && feature.properties.color);
        },
        onEachFeature: function (feature, item) {
          var props = feature.properties || {};
          item.bindPopup(popup(props));
          if (props.tracking_code) item.bindTooltip(props.tracking_code);
        },
      },
      ["No hay solicitudes con ubicación para estos filtros.", " solicitud en el mapa.", " solicitudes en el mapa."],
      "No se pudieron cargar las solicitudes. Intente recargar la página."
    );
  }

  M.onReady(function () {
    var containers = document.querySelectorAll("[data-oirs-map]");
    for (var i = 0; i < containers.length; i++) init(containers[i]);
  });
})();
