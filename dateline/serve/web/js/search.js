// Search: words, date range, language, site, place; results with snippets; facets to narrow by.
import { get } from "./api.js";
import { append, clear, h, qs } from "./dom.js";

const FILTERS = ["q", "date_from", "date_to", "language", "site", "place", "story"];
const FACETS = [
  ["language", "Language", "language"], ["site", "Site", "site"], ["place", "Places", "place"],
  ["month", "Month", null], ["event_type", "Event types", null], ["speaker", "Speakers", null], ["story", "Stories", "story"],
];

function current(params) {
  const out = {};
  for (const k of FILTERS) out[k] = params.get(k) || "";
  return out;
}

function go(filters) {
  location.hash = `#/search${qs(filters)}`;
}

/** Query words wrapped in <mark>, built from text nodes. */
export function marked(text, q) {
  const words = (q || "").toLowerCase().match(/[\p{L}\p{N}_]+/gu) || [];
  const wanted = words.filter((w) => !["or", "and", "not"].includes(w));
  if (!wanted.length) return [text];
  const re = new RegExp(`(${wanted.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`, "giu");
  return text.split(re).map((part, i) => (i % 2 ? h("mark", {}, part) : part));
}

function resultItem(item, q) {
  const meta = [item.site, item.ref_date || item.published, item.language, item.dateline_place].filter(Boolean).join(" · ");
  return h("li", { class: "result" },
    h("a", { class: "result-title", href: `#/article/${encodeURIComponent(item.id)}` }, item.title || item.id),
    h("div", { class: "meta" }, meta),
    item.snippet ? h("p", { class: "snippet" }, marked(item.snippet, q)) : null);
}

export async function renderSearch(params) {
  const f = current(params);
  const input = (name, label, attrs = {}) => h("label", {}, label,
    h("input", { name, value: f[name], ...attrs }));
  const form = h("form", { class: "search-form", role: "search" },
    h("input", { name: "q", type: "search", value: f.q, placeholder: "Search articles: Kupyansk, \"front line\", -rumour",
      "aria-label": "Search words", class: "q" }),
    h("button", { type: "submit" }, "Search"),
    h("div", { class: "filters" },
      input("date_from", "From", { placeholder: "YYYY-MM-DD" }), input("date_to", "To", { placeholder: "YYYY-MM-DD" }),
      input("language", "Language", { placeholder: "en" }), input("site", "Site"), input("place", "Place")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    go({ ...data, story: f.story });
  });

  const list = h("ol", { class: "results" });
  const more = h("button", { class: "more", type: "button" }, "More results");
  const summary = h("p", { class: "summary" });
  const facetBox = h("aside", { class: "facets" }, h("h2", {}, "Narrow down"));
  const chips = h("div", { class: "chips" });
  for (const k of FILTERS) {
    if (k !== "q" && f[k]) {
      chips.append(h("button", { type: "button", class: "chip", title: "Remove this filter",
        onclick: () => go({ ...f, [k]: "" }) }, `${k.replace("_", " ")}: ${f[k]} ✕`));
    }
  }

  const endpoint = f.q ? "/api/search" : "/api/articles";
  let cursor = null;
  async function load() {
    const page = await get(endpoint + qs({ ...f, cursor, limit: 20 }));
    append(list, page.items.map((item) => resultItem(item, f.q)));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    if (!list.children.length) list.append(h("li", { class: "empty" }, "Nothing found."));
  }
  more.addEventListener("click", () => load());
  await load();

  get("/api/facets" + qs({ ...f })).then((facets) => {
    summary.textContent = `${facets.total} article${facets.total === 1 ? "" : "s"}${f.q ? ` match “${f.q}”` : ""}`;
    if (facets.sampled < facets.total) {
      facetBox.append(h("p", { class: "meta" }, `Counted over the newest ${facets.sampled} of them.`));
    }
    for (const [key, label, filter] of FACETS) {
      const values = facets[key] || [];
      if (!values.length) continue;
      const ul = h("ul", {});
      for (const v of values) {
        const text = `${v.value}`;
        let target;
        if (filter) target = h("a", { href: `#/search${qs({ ...f, [filter]: v.value })}` }, text);
        else if (key === "month") target = h("a", { href: `#/search${qs({ ...f, date_from: v.value, date_to: v.value })}` }, text);
        else if (key === "event_type") target = h("a", { href: `#/timeline${qs({ type: v.value })}` }, text);
        else target = h("a", { href: `#/search${qs({ ...f, q: `${f.q} "${v.value}"`.trim() })}` }, text);
        ul.append(h("li", {}, target, h("span", { class: "count" }, String(v.count))));
      }
      facetBox.append(h("section", { class: "facet", "data-facet": key }, h("h3", {}, label), ul));
    }
  }).catch((err) => { summary.textContent = `Facets unavailable: ${err.message}`; });

  return h("div", { class: "search-view" }, form, chips,
    h("div", { class: "with-side" }, h("section", { class: "main-col" }, summary, list, more), facetBox));
}
