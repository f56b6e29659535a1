// The map: events and places on an offline basemap of country outlines (Natural Earth, shipped
// with the package), with a tile layer on top when the server is configured with a tile URL.
import { get } from "./api.js";
import { h, qs } from "./dom.js";

let countries = null; // the basemap GeoJSON, fetched once per page load

async function basemap() {
  if (!countries) countries = await get("/basemap.geojson");
  return countries;
}

const FILTERS = ["article", "story", "type", "modality", "date_from", "date_to", "language", "site"];

function popup(lines) {
  return h("div", { class: "popup" }, lines.filter(Boolean).map((l) => (l instanceof Node ? l : h("div", {}, l))));
}

export async function renderMap(params) {
  const f = {};
  for (const k of FILTERS) if (params.get(k)) f[k] = params.get(k);
  const placeFilter = { article: f.article, story: f.story, date_from: f.date_from, date_to: f.date_to,
    language: f.language, site: f.site };
  const [config, places, events, outline] = await Promise.all([
    get("/api/config"), get("/api/places" + qs({ ...placeFilter, limit: 500 })),
    get("/api/events" + qs({ ...f, format: "geojson", limit: 500 })), basemap(),
  ]);

  const mapEl = h("div", { id: "map", class: "map", role: "region", "aria-label": "Map of events and places" });
  const list = h("ul", { class: "map-list", id: "map-list" });
  const scope = f.article ? `article ${f.article}` : f.story ? `story ${f.story}` : "all articles";
  const side = h("aside", { class: "map-side" },
    h("h2", {}, "On the map"), h("p", { class: "meta" }, `${scope}: ${places.features.length} places, `
      + `${events.features.filter((e) => e.geometry).length} located events`), list);
  let map = null;

  function mounted() {
    const L = window.L;
    map = L.map(mapEl, { worldCopyJump: true, preferCanvas: false });
    map.attributionControl.setPrefix("Leaflet");
    L.geoJSON(outline, {
      style: { color: "#8a99a8", weight: 0.8, fillColor: "#e9eef2", fillOpacity: 1 },
      interactive: false, attribution: "Natural Earth",
    }).addTo(map);
    if (config.tile_url) {
      L.tileLayer(config.tile_url, { attribution: config.tile_attribution || "", maxZoom: 18 }).addTo(map);
    }
    const placeLayer = L.layerGroup().addTo(map);
    const eventLayer = L.layerGroup().addTo(map);
    const bounds = [];
    const eventBounds = [];
    const labelled = places.features.length <= 40;
    for (const feat of places.features) {
      if (!feat.geometry) continue;
      const [lon, lat] = feat.geometry.coordinates;
      const p = feat.properties;
      const marker = L.circleMarker([lat, lon], { radius: 5 + Math.min(10, Math.sqrt(p.articles) * 2),
        color: "#1d4e89", fillColor: "#3a86ff", fillOpacity: 0.7, weight: 1 });
      marker.bindTooltip(h("span", {}, p.name), { permanent: labelled, direction: "right", offset: [8, 0], className: "place-label" });
      marker.bindPopup(popup([h("strong", {}, p.name), [p.country, p.feature].filter(Boolean).join(" · "),
        `${p.articles} article${p.articles === 1 ? "" : "s"}, ${p.mentions} mention${p.mentions === 1 ? "" : "s"}`,
        h("a", { href: `#/search${qs({ place: p.geonameid || p.name })}` }, "articles mentioning it")]));
      marker.addTo(placeLayer);
      bounds.push([lat, lon]);
      list.append(h("li", { class: "map-place", "data-name": p.name }, h("span", { class: "dot dot-place" }), p.name,
        h("span", { class: "count" }, String(p.articles))));
    }
    for (const feat of events.features) {
      if (!feat.geometry) continue;
      const [lon, lat] = feat.geometry.coordinates;
      const e = feat.properties;
      const marker = L.circleMarker([lat, lon], { radius: 7, color: "#9d0208", fillColor: "#e85d04",
        fillOpacity: 0.8, weight: 1.5, dashArray: e.modality && e.modality !== "asserted" ? "3 3" : null });
      marker.bindPopup(popup([h("strong", {}, `${e.type}${e.subtype ? ` · ${e.subtype}` : ""}`),
        [e.place, e.date, e.modality].filter(Boolean).join(" · "), (e.actors || []).join(", "), h("q", {}, e.text),
        h("a", { href: `#/article/${encodeURIComponent(e.article_id)}` }, e.article_title || "article")]));
      marker.addTo(eventLayer);
      eventBounds.push([lat, lon]);
      list.append(h("li", { class: "map-event" }, h("span", { class: "dot dot-event" }),
        `${e.subtype || e.type} — ${e.place || "?"}, ${e.date || "undated"}`));
    }
    L.control.layers(null, { Places: placeLayer, Events: eventLayer }, { collapsed: false }).addTo(map);
    // Frame the events when there are any (country mentions elsewhere would zoom out to the world).
    const frame = eventBounds.length ? eventBounds : bounds;
    if (frame.length) map.fitBounds(frame, { padding: [40, 40], maxZoom: 8 });
    else map.setView([30, 10], 2);
    mapEl.dataset.ready = "true";
  }

  return {
    el: h("div", { class: "map-view with-side" }, h("section", { class: "main-col" }, mapEl), side),
    mounted,
    destroy: () => { if (map) map.remove(); },
  };
}
