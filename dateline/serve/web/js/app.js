// The single-page app: a hash router over the views (#/search, #/article/ID, #/map, #/timeline,
// #/stories, #/story/ID). Each view renders into <main id="view"> from API data.
import { get } from "./api.js";
import { clear, h } from "./dom.js";
import { renderSearch } from "./search.js";
import { renderArticle } from "./article.js";
import { renderMap } from "./map.js";
import { renderTimeline } from "./timeline.js";
import { renderStories, renderStory } from "./stories.js";

const routes = [
  [/^\/?$/, "search", (_, p) => renderSearch(p)],
  [/^\/search$/, "search", (_, p) => renderSearch(p)],
  [/^\/article\/(.+)$/, "search", (m) => renderArticle(decodeURIComponent(m[1]))],
  [/^\/map$/, "map", (_, p) => renderMap(p)],
  [/^\/timeline$/, "timeline", (_, p) => renderTimeline(p)],
  [/^\/stories$/, "stories", (_, p) => renderStories(p)],
  [/^\/story\/(.+)$/, "stories", (m) => renderStory(decodeURIComponent(m[1]))],
];

let cleanup = null;
let current = 0; // the latest navigation; a slower, older render must not overwrite it

async function route() {
  const hash = location.hash.replace(/^#/, "") || "/search";
  const [path, query] = hash.split("?", 2);
  const params = new URLSearchParams(query || "");
  const view = document.getElementById("view");
  const seq = ++current;
  for (const a of document.querySelectorAll("[data-nav]")) a.removeAttribute("aria-current");
  if (cleanup) { cleanup(); cleanup = null; }
  for (const [re, nav, render] of routes) {
    const m = path.match(re);
    if (!m) continue;
    const link = document.querySelector(`[data-nav="${nav}"]`);
    if (link) link.setAttribute("aria-current", "page");
    clear(view).append(h("p", { class: "loading" }, "Loading…"));
    try {
      const node = await render(m, params);
      if (seq !== current) { if (node.destroy) node.destroy(); return; }
      clear(view).append(node.el || node);
      if (node.mounted) node.mounted();
      cleanup = node.destroy || null;
    } catch (err) {
      if (seq !== current) return;
      clear(view).append(h("div", { class: "error", role: "alert" }, h("h2", {}, "Could not load this page"),
        h("p", {}, err.message)));
    }
    return;
  }
  clear(view).append(h("div", { class: "error" }, h("h2", {}, "No such page"), h("a", { href: "#/search" }, "Back to search")));
}

async function stats() {
  try {
    const s = await get("/api/stats");
    const el = document.getElementById("stats");
    el.textContent = `${s.articles} articles · ${s.events} events · ${s.quotes} quotes · ${s.stories} stories`;
  } catch (e) { /* the header line is optional */ }
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => { route(); stats(); });
