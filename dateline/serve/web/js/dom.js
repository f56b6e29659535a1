// DOM helpers. Everything that comes from the database is inserted as text (text nodes,
// textContent, dataset); no HTML string is ever parsed, so scraped markup stays inert.

const SAFE_ATTRS = new Set(["class", "id", "title", "type", "name", "value", "placeholder", "role", "for",
  "aria-label", "aria-live", "aria-current", "tabindex", "disabled", "hidden", "min", "max", "step", "lang", "dir", "colspan", "target", "rel"]);

/** Builds an element: h("a", {href: "#/x", class: "y"}, "text", child). Strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "href") el.setAttribute("href", safeHref(String(value)));
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (SAFE_ATTRS.has(key) || key.startsWith("data-")) el.setAttribute(key, value === true ? "" : String(value));
    else throw new Error(`attribute not allowed: ${key}`);
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Only in-app routes, same-site paths and http(s) URLs become links; anything else (javascript:, data:) does not. */
export function safeHref(href) {
  if (href.startsWith("#") || (href.startsWith("/") && !href.startsWith("//"))) return href;
  try {
    const url = new URL(href);
    if (url.protocol === "http:" || url.protocol === "https:") return url.href;
  } catch (e) { /* not a URL */ }
  return "#";
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** A query string from an object, skipping empty values. */
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : "";
}

export function badge(text, cls = "") {
  return h("span", { class: `badge ${cls}`.trim() }, text);
}

export function fmtDate(d) {
  return d || "undated";
}
