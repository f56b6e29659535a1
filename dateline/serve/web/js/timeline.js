// The timeline: events per day as bars (stacked by event type); a day opens its events.
import { get } from "./api.js";
import { badge, clear, h, qs } from "./dom.js";

const FILTERS = ["article", "story", "type", "modality", "actor", "date_from", "date_to", "language", "site"];
const DAY = 86400000;

/** Every day from the first to the last (gaps shown as empty days when the span is under a year). */
function allDays(days) {
  if (!days.length) return [];
  const byDate = new Map(days.map((d) => [d.date, d]));
  const first = Date.parse(days[0].date), last = Date.parse(days[days.length - 1].date);
  if (Number.isNaN(first) || Number.isNaN(last) || (last - first) / DAY > 366) return days;
  const out = [];
  for (let t = first; t <= last; t += DAY) {
    const date = new Date(t).toISOString().slice(0, 10);
    out.push(byDate.get(date) || { date, count: 0, types: {} });
  }
  return out;
}

function typeClass(type) {
  return `type-${String(type).toLowerCase().replace(/[^a-z]+/g, "-")}`;
}

export async function renderTimeline(params) {
  const f = {};
  for (const k of FILTERS) if (params.get(k)) f[k] = params.get(k);
  const data = await get("/api/timeline" + qs(f));
  const days = allDays(data.days);
  const max = Math.max(1, ...days.map((d) => d.count));
  const detail = h("section", { class: "day-detail", id: "day-detail" });
  const chart = h("div", { class: "timeline", id: "timeline", role: "list" });
  // Long spans: narrow columns, dates written only on days with events and on the 1st of a month.
  const dense = days.length > 60;
  if (dense) chart.classList.add("dense");
  const types = new Set();

  async function openDay(date, button) {
    for (const b of chart.querySelectorAll(".selected")) b.classList.remove("selected");
    button.classList.add("selected");
    clear(detail).append(h("h2", {}, `Events on ${date}`));
    const page = await get("/api/events" + qs({ ...f, date_from: date, date_to: date, limit: 200 }));
    detail.append(h("ul", { class: "events" }, page.items.map((e) => h("li", { class: "event" },
      h("strong", {}, e.type), e.subtype ? ` · ${e.subtype} ` : " ", badge(e.modality || "asserted", `modality ev-${e.modality}`),
      h("div", { class: "meta" }, [e.place, (e.actors || []).join(", ")].filter(Boolean).join(" · ")),
      h("q", {}, e.text), " ", h("a", { href: `#/article/${encodeURIComponent(e.article_id)}` }, e.article_title || "article")))));
  }

  for (const d of days) {
    const bar = h("div", { class: "bar" });
    bar.style.height = `${Math.round((d.count / max) * 100)}%`;
    for (const [type, n] of Object.entries(d.types)) {
      types.add(type);
      const part = h("div", { class: `part ${typeClass(type)}`, title: `${type}: ${n}` });
      part.style.height = `${(n / d.count) * 100}%`;
      bar.append(part);
    }
    const col = h("button", { class: "day", type: "button", role: "listitem", "data-date": d.date,
      title: `${d.date}: ${d.count} event${d.count === 1 ? "" : "s"}`, disabled: d.count === 0 },
    h("span", { class: "n" }, d.count ? String(d.count) : ""), h("div", { class: "bar-box" }, bar),
    h("span", { class: "date" }, !dense || d.count || d.date.endsWith("-01") ? d.date : ""));
    col.addEventListener("click", () => openDay(d.date, col));
    chart.append(col);
  }
  const legend = h("div", { class: "legend" }, [...types].sort().map((t) => h("span", { class: "key" },
    h("span", { class: `swatch ${typeClass(t)}` }), t)));
  const scope = f.article ? `article ${f.article}` : f.story ? `story ${f.story}` : "all articles";
  const total = days.reduce((n, d) => n + d.count, 0);
  return h("div", { class: "timeline-view" }, h("h1", {}, "Timeline of events"),
    h("p", { class: "meta" }, `${scope}: ${total} dated event${total === 1 ? "" : "s"} on ${data.days.length} day${data.days.length === 1 ? "" : "s"}`),
    days.length ? chart : h("p", { class: "empty" }, "No dated events."), legend, detail);
}
