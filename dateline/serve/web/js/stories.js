// Stories: clusters of copies of one report. The story view shows the origin, each copy with
// its kind (verbatim, trimmed, paraphrased, translated, spun) and the signals behind it,
// how many sources corroborate each event, and a word diff of any copy against the origin.
import { get } from "./api.js";
import { badge, clear, h, qs } from "./dom.js";
import { diffWords } from "./diff.js";

export async function renderStories(params) {
  const list = h("tbody", {});
  const more = h("button", { class: "more", type: "button" }, "More stories");
  let cursor = null;
  async function load() {
    const page = await get("/api/stories" + qs({ cursor, limit: 50, min_size: params.get("min_size") }));
    for (const s of page.items) {
      list.append(h("tr", {},
        h("td", {}, h("a", { href: `#/story/${encodeURIComponent(s.id)}` }, s.title || s.id)),
        h("td", { class: "num" }, String(s.size)),
        h("td", {}, [s.first_date, s.last_date].filter(Boolean).join(" – ")),
        h("td", {}, s.origin ? h("a", { href: `#/article/${encodeURIComponent(s.origin)}` }, "origin") : "")));
    }
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  more.addEventListener("click", load);
  await load();
  return h("div", { class: "stories-view" }, h("h1", {}, "Stories"),
    list.children.length ? h("table", { class: "table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Story"), h("th", {}, "Copies"), h("th", {}, "Dates"), h("th", {}, "Origin"))), list)
      : h("p", { class: "empty" }, "No stories yet: stories appear when several articles report the same thing."),
    more);
}

function renderDiff(ops) {
  return h("div", { class: "diff" }, ops.map(([op, text]) =>
    op === "=" ? document.createTextNode(text) : h(op === "+" ? "ins" : "del", {}, text)));
}

export async function renderStory(id) {
  const story = await get(`/api/stories/${encodeURIComponent(id)}`);
  const members = story.members || [];
  const origin = members.find((m) => m.id === story.origin) || null;
  const diffBox = h("section", { class: "diff-box", id: "diff" },
    h("p", { class: "meta" }, "Choose a copy to compare it with the origin."));
  const texts = new Map();
  const text = async (aid) => {
    if (!texts.has(aid)) texts.set(aid, (await get(`/api/articles/${encodeURIComponent(aid)}`)).text);
    return texts.get(aid);
  };

  async function compare(member) {
    clear(diffBox).append(h("h2", {}, `Diff: ${member.title || member.id} against the origin`),
      h("p", { class: "meta" }, h("del", {}, "only in the origin"), " ", h("ins", {}, "only in this copy")));
    const [a, b] = await Promise.all([text(story.origin), text(member.id)]);
    diffBox.append(renderDiff(diffWords(a, b)));
  }

  const rows = members.map((m) => h("tr", { class: m.id === story.origin ? "origin" : "" },
    h("td", {}, h("a", { href: `#/article/${encodeURIComponent(m.id)}` }, m.title || m.id)),
    h("td", {}, m.site || ""), h("td", {}, m.ref_date || ""),
    h("td", {}, badge(m.id === story.origin ? "origin" : (m.kind || "copy"), `kind kind-${m.kind || "copy"}`),
      m.spun && m.kind !== "spun" ? badge("spun", "kind kind-spun") : null),
    h("td", {}, (m.signals || []).map((s) => badge(s, "signal"))),
    h("td", {}, m.id !== story.origin && story.origin
      ? h("button", { type: "button", onclick: () => compare(m) }, "diff") : "")));

  const corro = (story.corroboration || []).map((g) => h("tr", {},
    h("td", {}, `${g.type}${g.subtype ? ` · ${g.subtype}` : ""}`), h("td", {}, g.place || ""), h("td", {}, g.date || ""),
    h("td", { class: "num" }, String(g.sources)), h("td", { class: "num" }, String(g.copies)),
    h("td", {}, (g.modalities || []).join(", "))));

  return h("div", { class: "story-view" },
    h("h1", {}, story.title || `Story ${story.id}`),
    h("p", { class: "meta" }, `${story.size} article${story.size === 1 ? "" : "s"}`,
      story.first_date ? ` · ${story.first_date}${story.last_date && story.last_date !== story.first_date ? ` – ${story.last_date}` : ""}` : "",
      " · ", h("a", { href: `#/map${qs({ story: story.id })}` }, "map"), " · ",
      h("a", { href: `#/timeline${qs({ story: story.id })}` }, "timeline")),
    origin ? h("section", { class: "origin" }, h("h2", {}, "Origin"),
      h("a", { href: `#/article/${encodeURIComponent(origin.id)}` }, origin.title || origin.id),
      h("div", { class: "meta" }, [origin.site, origin.agency, origin.ref_date].filter(Boolean).join(" · "))) : null,
    h("h2", {}, "Copies"),
    h("table", { class: "table members" }, h("thead", {}, h("tr", {}, h("th", {}, "Article"), h("th", {}, "Site"),
      h("th", {}, "Date"), h("th", {}, "Kind"), h("th", {}, "Signals"), h("th", {}, ""))), h("tbody", {}, rows)),
    h("h2", {}, "Corroboration"),
    corro.length ? h("table", { class: "table" }, h("thead", {}, h("tr", {}, h("th", {}, "Event"), h("th", {}, "Place"),
      h("th", {}, "Date"), h("th", {}, "Sources"), h("th", {}, "Copies"), h("th", {}, "Modality"))), h("tbody", {}, corro))
      : h("p", { class: "meta" }, "No events in this story."),
    diffBox);
}
