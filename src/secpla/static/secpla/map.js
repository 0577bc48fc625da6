// SECPLA: the portfolio map. Leaflet (vendored) draws the comuna boundary and the
// projects' GeoJSON, coloured by status. Configuration comes from data-* attributes of
// #project-map (no inline scripts: CSP); without a tile server the map has a plain
// background and still shows everything.
(function () {
  "use strict";

  var DEFAULT_CENTER = [-36.7, -72.3];
  var DEFAULT_ZOOM = 6;

  function money(value) {
    return "$ " + Math.round(value || 0).toLocaleString("es-CL").replace(/,/g, ".");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // Popup content built from DOM nodes (textContent): names never become HTML.
  function popup(props, isPublic) {
    var box = el("div", "map-popup");
    box.appendChild(el("strong", null, (props.code ? props.code + " · " : "") + (props.name || "")));
    var list = el("dl", "small");
    function row(label, value) {
      if (value === undefined || value === null || value === "") return;
      list.appendChild(el("dt", null, label));
      list.appendChild(el("dd", null, value));
    }
    row("Estado", props.status);
    row("Etapa", props.stage);
    row("Territorio", props.territory);
    if (!isPublic) row("Dirección", props.directorate);
    if (isPublic) row("Código BIP", props.bip_code);
    row("Financiamiento", money(props.total_funding));
    if (props.flags && props.flags.length) row("Alertas", props.flags.join(", "));
    box.appendChild(list);
    if (props.url) {
      var link = el("a", null, isPublic ? "Ver en la lista" : "Ver proyecto");
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

  function init(container) {
    var status = container.parentNode.querySelector("[data-map-status]");
    if (!window.L) {
      say(status, "No se pudo cargar la biblioteca del mapa.", true);
      return;
    }
    var data = container.dataset;
    var isPublic = data.public === "1";
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
          style: function (feature) {
            var colour = feature.properties.color;
            return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.35 };
          },
          pointToLayer: function (feature, latlng) {
            return window.L.circleMarker(latlng, {
              radius: 8,
              color: "#ffffff",
              weight: 1.5,
              fillColor: feature.properties.color,
              fillOpacity: 0.9,
            });
          },
          onEachFeature: function (feature, item) {
            item.bindPopup(popup(feature.properties || {}, isPublic));
            if (feature.properties && feature.properties.name) {
              item.bindTooltip(feature.properties.name);
            }
          },
        }).addTo(map);
        var count = (collection.features || []).length;
        say(
          status,
          count === 0
            ? "No hay proyectos con ubicación para estos filtros."
            : count + (count === 1 ? " proyecto en el mapa." : " proyectos en el mapa."),
          false
        );
        var featureBounds = layer.getBounds();
        if (featureBounds.isValid() && !(bounds && bounds.isValid())) {
          map.fitBounds(featureBounds, { padding: [20, 20], maxZoom: 16 });
        }
        container.dataset.loaded = String(count);
      })
      .catch(function () {
        say(status, "No se pudieron cargar los proyectos del mapa. Intente recargar la página.", true);
        container.dataset.loaded = "error";
      });
  }

  function start() {
    var containers = document.querySelectorAll("#project-map");
    for (var i = 0; i < containers.length; i++) init(containers[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
