// SECPLA: the portfolio map. Draws the projects' GeoJSON, coloured by status, over the
// comuna outline (secpla/map-base.js, loaded first). Configuration comes from data-*
// attributes of #project-map (no inline scripts: CSP).
(function () {
  "use strict";

  var M = window.SecplaMap;

  function money(value) {
    return "$ " + Math.round(value || 0).toLocaleString("es-CL").replace(/,/g, ".");
  }

  function popup(props, isPublic) {
    return M.popup(
      (props.code ? props.code + " · " : "") + (props.name || ""),
      [
        ["Estado", props.status],
        ["Etapa", props.stage],
        ["Territorio", props.territory],
        ["Dirección", isPublic ? null : props.directorate],
        ["Código BIP", isPublic ? props.bip_code : null],
        ["Financiamiento", money(props.total_funding)],
        ["Alertas", props.flags && props.flags.length ? props.flags.join(", ") : null],
      ],
      { url: props.url, text: isPublic ? "Ver en la lista" : "Ver proyecto" }
    );
  }

  function init(container) {
    var status = container.parentNode.querySelector("[data-map-status]");
    if (!window.L) {
      M.say(status, "No se pudo cargar la biblioteca del mapa.", true);
      return;
    }
    var data = container.dataset;
    var isPublic = data.public === "1";
    var view = M.create(container);
    M.fit(view);
    M.load(
      view,
      container,
      status,
      data.geojsonUrl,
      {
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
      },
      ["No hay proyectos con ubicación para estos filtros.", " proyecto en el mapa.", " proyectos en el mapa."],
      "No se pudieron cargar los proyectos del mapa. Intente recargar la página."
    );
  }

  M.onReady(function () {
    var containers = document.querySelectorAll("#project-map");
    for (var i = 0; i < containers.length; i++) init(containers[i]);
  });
})();
