// SECPLA: what every Leaflet map of the platform shares (portfolio map, OIRS maps, the
// OIRS location picker): a map in a container configured by data-* attributes (no inline
// scripts: CSP), tiles only when a tile server is set (else a plain background), the
// comuna outline, status messages, DOM-built popups (textContent, never HTML strings) and
// loading a GeoJSON layer with a count of what it drew. Load it before the page's script.
(function () {
  "use strict";

  var DEFAULT_CENTER = [-36.7, -72.3];
  var DEFAULT_ZOOM = 6;
  var OUTLINE = { color: "#495057", weight: 2, dashArray: "6 4", fill: true, fillOpacity: 0.04 };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function say(node, text, isError) {
    if (!node) return;
    node.textContent = text;
    node.classList.toggle("text-danger", !!isError);
    node.classList.toggle("text-muted", !isError);
  }

  // A popup: a title and a definition list of the rows whose value is not empty.
  function popup(title, rows, link) {
    var box = el("div", "map-popup");
    box.appendChild(el("strong", null, title));
    var list = el("dl", "small");
    rows.forEach(function (row) {
      var value = row[1];
      if (value === undefined || value === null || value === "") return;
      list.appendChild(el("dt", null, row[0]));
      list.appendChild(el("dd", null, value));
    });
    box.appendChild(list);
    if (link && link.url) {
      var anchor = el("a", null, link.text);
      anchor.href = link.url;
      box.appendChild(anchor);
    }
    return box;
  }

  // The map in `container`, with its tiles and the comuna outline; `bounds` is the
  // outline's (null without a valid one). Nothing is centred yet: see `fit`.
  function create(container) {
    var data = container.dataset;
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
        bounds = window.L.geoJSON(JSON.parse(data.boundary), { interactive: false, style: OUTLINE })
          .addTo(map)
          .getBounds();
      } catch (error) {
        bounds = null;
      }
    }
    return { map: map, bounds: bounds && bounds.isValid() ? bounds : null };
  }

  // Centre on the comuna outline, else on the region.
  function fit(view, zoom) {
    if (view.bounds) {
      view.map.fitBounds(view.bounds, { padding: [10, 10] });
    } else {
      view.map.setView(DEFAULT_CENTER, zoom || DEFAULT_ZOOM);
    }
  }

  // Fetch the GeoJSON at `url` into the map with Leaflet's `options`; say how many
  // features it drew (`counts`: [none, one, many suffix], `failed`), fit to them when the
  // map has no outline, and leave the count in data-loaded (browser tests wait on it).
  function load(view, container, status, url, options, counts, failed) {
    fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (collection) {
        var layer = window.L.geoJSON(collection, options).addTo(view.map);
        var count = (collection.features || []).length;
        say(
          status,
          count === 0 ? counts[0] : count + (count === 1 ? counts[1] : counts[2]),
          false
        );
        var featureBounds = layer.getBounds();
        if (featureBounds.isValid() && !view.bounds) {
          view.map.fitBounds(featureBounds, { padding: [20, 20], maxZoom: 16 });
        }
        container.dataset.loaded = String(count);
      })
      .catch(function () {
        say(status, failed, true);
        container.dataset.loaded = "error";
      });
  }

  function onReady(start) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", start);
    } else {
      start();
    }
  }

  window.SecplaMap = {
    el: el,
    say: say,
    popup: popup,
    create: create,
    fit: fit,
    load: load,
    onReady: onReady,
  };
})();
