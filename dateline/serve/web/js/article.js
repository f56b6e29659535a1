// The article view: the text with every fact highlighted on it, and a side panel that links
// each highlight to its fact. The text is cut at every fact boundary into segments; each
// segment is a text node inside a <span> whose classes say which facts cover it.
import { get } from "./api.js";
import { badge, h, qs } from "./dom.js";

const LAYERS = [
  ["quotes", "Quotes and claims"], ["events", "Events"], ["places", "Places"], ["entities", "Entities"],
  ["counts", "Counts"], ["dates", "Dates"],
];

function span(kind, idx, fact, start, end) {
  return { key: `${kind}:${idx}`, kind, idx, fact, start, end };
}

/** Every highlight of the article: [{key, kind, idx, fact, start, end}], only those inside the text. */
export function highlights(article) {
  const n = article.text.length;
  const out = [];
  const ok = (s, e) => Number.isInteger(s) && Number.isInteger(e) && s >= 0 && e <= n && s < e;
  for (const kind of ["entities", "places", "dates", "counts", "events", "quotes"]) {
    (article[kind] || []).forEach((fact, idx) => {
      if (ok(fact.start, fact.end)) out.push(span(kind, idx, fact, fact.start, fact.end));
    });
  }
  (article.quotes || []).forEach((q, idx) => {
    if (ok(q.speaker_start, q.speaker_end)) out.push(span("speakers", idx, q, q.speaker_start, q.speaker_end));
  });
  return out;
}

function segmentClasses(cover) {
  const cls = new Set(["hl"]);
  for (const s of cover) {
    cls.add(`hl-${s.kind}`);
    if (s.kind === "quotes") cls.add(`q-${s.fact.status || "asserted"}`);
    if (s.kind === "events") cls.add(`ev-${s.fact.modality || "asserted"}`);
  }
  return [...cls].join(" ");
}

/** The article text as nodes: plain text nodes and highlighted segments. */
function renderText(article, spans, onPick) {
  const text = article.text;
  const points = new Set([0, text.length]);
  for (const s of spans) { points.add(s.start); points.add(s.end); }
  const cuts = [...points].sort((a, b) => a - b);
  const starts = new Map();
  for (const s of spans) if (s.kind === "quotes") starts.set(s.start, [...(starts.get(s.start) || []), s]);
  const box = h("div", { class: "article-text", id: "article-text", lang: article.language || "" });
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i], b = cuts[i + 1];
    const piece = text.slice(a, b);
    const cover = spans.filter((s) => s.start <= a && s.end >= b);
    if (!cover.length) { box.append(document.createTextNode(piece)); continue; }
    const el = h("span", { class: segmentClasses(cover), "data-facts": cover.map((s) => s.key).join(" ") }, piece);
    // The first segment of a quote carries its speaker and status, shown by CSS before it
    // (a pseudo-element, so the text itself stays exactly as written).
    const opening = (starts.get(a) || [])[0];
    if (opening) {
      el.classList.add("quote-open");
      el.dataset.speaker = opening.fact.speaker || opening.fact.speaker_text || "unattributed";
      el.dataset.status = opening.fact.status || "asserted";
      el.title = `${el.dataset.speaker} · ${el.dataset.status}`;
    }
    el.addEventListener("click", () => onPick(cover));
    box.append(el);
  }
  return box;
}

function describe(kind, f, article) {
  switch (kind) {
    case "quotes":
      return [h("strong", { class: "speaker" }, f.speaker || f.speaker_text || "unattributed"), " ",
        badge(f.status || "asserted", `status q-${f.status || "asserted"}`), " ", badge(f.kind || "quote", "kind"),
        f.cue ? ` ${f.cue}` : "", f.medium ? ` · ${f.medium}` : "", h("div", { class: "quote-text" }, f.text)];
    case "events":
      return [h("strong", {}, `${f.type}`), f.subtype ? ` · ${f.subtype}` : "", " ",
        badge(f.modality || "asserted", `modality ev-${f.modality || "asserted"}`),
        h("div", { class: "meta" }, [f.place, f.date, (f.actors || []).join(", ")].filter(Boolean).join(" · ")),
        f.quote !== null && f.quote !== undefined && article.quotes[f.quote]
          ? h("div", { class: "meta" }, `according to ${article.quotes[f.quote].speaker || "a source"}`) : null,
        f.sources ? h("div", { class: "meta" }, `${f.sources} independent source${f.sources === 1 ? "" : "s"}`) : null];
    case "places":
      return [h("strong", {}, f.name || f.text), f.text !== f.name && f.name ? ` (“${f.text}”)` : "",
        h("div", { class: "meta" }, [f.country, f.feature, f.geonameid ? `GeoNames ${f.geonameid}` : null,
          f.lat !== null && f.lat !== undefined ? `${f.lat.toFixed(3)}, ${f.lon.toFixed(3)}` : "unresolved"]
          .filter(Boolean).join(" · "))];
    case "entities":
      return [h("strong", {}, f.canonical || f.text), ` ${f.label}`, f.role ? ` · ${f.role}` : "",
        f.canonical && f.canonical !== f.text ? h("div", { class: "meta" }, `as “${f.text}”`) : null];
    case "counts": {
      const range = f.max !== null && f.max !== undefined && f.max !== f.min ? `${f.min}–${f.max}` : `${f.min ?? "?"}`;
      return [h("strong", {}, range), ` ${f.object || ""}`, f.predicate ? ` · ${f.predicate}` : "",
        f.modality ? [" ", badge(f.modality, `modality ev-${f.modality}`)] : null, h("div", { class: "meta" }, f.text)];
    }
    case "dates":
      return [h("strong", {}, f.date || "unresolved"), f.end_date ? ` – ${f.end_date}` : "", ` (“${f.text}”)`];
    default:
      return [f.text];
  }
}

export async function renderArticle(id) {
  const article = await get(`/api/articles/${encodeURIComponent(id)}`);
  const spans = highlights(article);
  const panel = h("aside", { class: "facts-panel", "aria-label": "Facts" });
  const items = new Map();

  function focusFacts(cover) {
    for (const el of panel.querySelectorAll(".picked")) el.classList.remove("picked");
    let first = null;
    for (const s of cover) {
      const key = s.kind === "speakers" ? `quotes:${s.idx}` : s.key;
      const item = items.get(key);
      if (item) { item.classList.add("picked"); first = first || item; }
    }
    if (first) first.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  const textBox = renderText(article, spans, focusFacts);

  function showInText(key) {
    for (const el of textBox.querySelectorAll(".flash")) el.classList.remove("flash");
    const segs = [...textBox.querySelectorAll("[data-facts]")].filter((el) => el.dataset.facts.split(" ").includes(key));
    for (const el of segs) el.classList.add("flash");
    if (segs[0]) segs[0].scrollIntoView({ block: "center", behavior: "smooth" });
  }

  for (const [kind, label] of LAYERS) {
    const facts = article[kind] || [];
    const ul = h("ul", { class: `fact-list fact-${kind}` });
    facts.forEach((f, idx) => {
      const key = `${kind}:${idx}`;
      const li = h("li", { class: `fact fact-${kind}`, "data-fact": key, tabindex: "0", role: "button" },
        describe(kind, f, article));
      li.addEventListener("click", () => showInText(key));
      li.addEventListener("keydown", (ev) => { if (ev.key === "Enter") showInText(key); });
      items.set(key, li);
      ul.append(li);
    });
    panel.append(h("section", { class: `facts facts-${kind}` },
      h("h3", {}, `${label} `, h("span", { class: "count" }, String(facts.length))),
      facts.length ? ul : h("p", { class: "meta" }, "none found")));
  }

  const dl = article.dateline || {};
  const credits = article.credits || {};
  const meta = [
    article.site, article.published ? `published ${article.published}` : null, article.language,
    dl.place || dl.date || dl.agency ? `dateline: ${[dl.place, dl.date, dl.agency].filter(Boolean).join(", ")}` : null,
  ].filter(Boolean).join(" · ");
  const creditLine = ["reporting", "writing", "editing"].filter((k) => (credits[k] || []).length)
    .map((k) => `${k}: ${credits[k].join(", ")}`).join(" · ");
  const story = article.story;
  const head = h("header", { class: "article-head" },
    h("h1", { id: "article-title" }, article.title || "(untitled)"),
    h("div", { class: "meta" }, meta),
    creditLine ? h("div", { class: "meta" }, creditLine) : null,
    // Why facts may be missing (e.g. an article not in English): each stored note, as text.
    (article.errors || []).length ? h("ul", { class: "notes", "aria-label": "Notes" },
      article.errors.map((e) => h("li", {}, `${e.stage}: ${e.message}`))) : null,
    (article.highlights || []).length ? h("ul", { class: "highlights" }, article.highlights.map((t) => h("li", {}, t))) : null,
    h("div", { class: "links" },
      article.url ? h("a", { href: article.url, rel: "noopener noreferrer nofollow", target: "_blank" }, "original page") : null,
      h("a", { href: `#/map${qs({ article: article.id })}` }, "map"),
      h("a", { href: `#/timeline${qs({ article: article.id })}` }, "timeline"),
      story && story.id ? h("a", { href: `#/story/${encodeURIComponent(story.id)}` },
        `story (${story.kind || "member"}${story.copies ? `, ${story.copies} copies` : ""})`) : null,
      h("a", { href: `/api/articles/${encodeURIComponent(article.id)}` }, "JSON")),
    legend());
  return h("article", { class: "article-view" }, head,
    h("div", { class: "with-side" }, h("section", { class: "main-col" }, textBox), panel));
}

function legend() {
  return h("div", { class: "legend", "aria-label": "Legend" },
    h("span", { class: "hl hl-entities" }, "entity"), h("span", { class: "hl hl-places" }, "place"),
    h("span", { class: "hl hl-dates" }, "date"), h("span", { class: "hl hl-counts" }, "count"),
    h("span", { class: "hl hl-events" }, "event"),
    ...["asserted", "claimed", "unverified", "hedged", "denied"].map((s) => h("span", { class: `hl hl-quotes q-${s}` }, `quote: ${s}`)));
}

