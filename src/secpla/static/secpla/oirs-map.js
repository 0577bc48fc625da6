// SECPLA: the OIRS maps (intranet). Leaflet (vendored) draws the comuna boundary and
// either the requests' GeoJSON (data-geojson-url, the map page) or one point
// (data-point, the request page). Configuration comes from data-* attributes of
// [data-oirs-map] (no inline scripts: CSP); without a tile server the map has a plain
// background. Popups are built from DOM nodes (textContent), never from HTML strings.
(function () {
  "use strict";

  var DEFAULT_CENTER = [-36.7, -72.3];
  var DEFAULT_ZOOM = 6;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function isoToDmy(value) {
    var parts = String(value || "").split("-");
    return parts.length === 3 ? parts[2] + "-" + parts[1] + "-" + parts[0] : "";
  }

  function popup(props) {
    var box = el("div", "map-popup");
    box.appendChild(el("strong", null, props.tracking_code || ""));
    var list = el("dl", "small");
    function row(label, value) {
      if (!value) return;
      list.appendChild(el("dt", null, label));
      list.appendChild(el("dd", null, value));
    }
    row("Categoría", props.category);
    row("Estado", props.status);
    row("Plazo", isoToDmy(props.due_on));
    box.appendChild(list);
    if (props.url) {
      var link = el("a", null, "Ver solicitud");
      link.href = props.url;
      box.appendChild(link);
    }
    return box;
  }

  function say(node, text, isError) {
    if (!node) return;
    node.textContent = text;
    node.classList.toggle("text-danger", !!isError);
    node.classList.toggle("text-muted", !isError);
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
      say(status, "No se pudo cargar la biblioteca del mapa.", true);
      return;
    }
    var data = container.dataset;
    if (data.point) container.style.height = "260px"; // CSSOM, not an inline attribute
    var map = window.L.map(container, { zoomSnap: 0.5 });
    map.attributionControl.setPrefix(false);
    if (data.tilesUrl) {
      window.L.tileLayer(data.tilesUrl, {
        attribution: data.tilesAttribution || "",
        maxZoom: 19,
      }).addTo(map);
    } else {
      container.classList.add("map-plain");
    }
    var bounds = null;
    if (data.boundary) {
      try {
        var boundary = window.L.geoJSON(JSON.parse(data.boundary), {
          interactive: false,
          style: { color: "#495057", weight: 2, dashArray: "6 4", fill: true, fillOpacity: 0.04 },
        }).addTo(map);
        bounds = boundary.getBounds();
      } catch (error) {
        bounds = null;
      }
    }

    if (data.point) {
      try {
        var point = JSON.parse(data.point);
        var latlng = [point.coordinates[1], point.coordinates[0]];
        marker(latlng).addTo(map);
        map.setView(latlng, 16);
        container.dataset.loaded = "1";
      } catch (error) {
        say(status, "No se pudo dibujar la ubicación.", true);
      }
      return;
    }

    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [10, 10] });
    } else {
      map.setView(DEFAULT_CENTER, DEFAULT_ZOOM);
    }
    fetch(data.geojsonUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (collection) {
        var layer = window.L.geoJSON(collection, {
          pointToLayer: function (feature, latlng) {
            return marker(latlng, feature.properties && feature.properties.color);
          },
          onEachFeature: function (feature, item) {
            var props = feature.properties || {};
            item.bindPopup(popup(props));
            if (props.tracking_code) item.bindTooltip(props.tracking_code);
          },
        }).addTo(map);
        var count = (collection.features || []).length;
        say(
          status,
          count === 0
            ? "No hay solicitudes con ubicación para estos filtros."
            : count + (count === 1 ? " solicitud en el mapa." : " solicitudes en el mapa."),
          false
        );
        var featureBounds = layer.getBounds();
        if (featureBounds.isValid() && !(bounds && bounds.isValid())) {
          map.fitBounds(featureBounds, { padding: [20, 20], maxZoom: 16 });
        }
        container.dataset.loaded = String(count);
      })
      .catch(function () {
        say(status, "No se pudieron cargar las solicitudes. Intente recargar la página.", true);
        container.dataset.loaded = "error";
      });
  }

  function start() {
    var containers = document.querySelectorAll("[data-oirs-map]");
    for (var i = 0; i < containers.length; i++) init(containers[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
