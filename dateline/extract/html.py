"""Main text and page metadata out of an HTML page.

trafilatura does the extraction and the metadata (title, date via htmldate, site,
authors). Its main weakness on news pages is precision at the borders of the article:
a teaser, a "related" box, a caption block or a newsletter line that sits in the same
container as the text comes along. dateline adds a second, independent opinion: the
page rendered to text lines (html-text, the same rendering a scraper keeps) and scored
by the plain-text line model (:mod:`dateline.extract.textlines`). A paragraph of
trafilatura's output that the line model confidently calls boilerplate is dropped; when
trafilatura finds nothing (or far less than the line model), the line model's text is
used instead. Both opinions come from one parse of the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from ..errors import ExtractError
from . import textlines

_WS = re.compile(r"\s+")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
# Drop a trafilatura paragraph when the line model scores it below this and ...
_DROP_BELOW = 0.08
# ... it is short (long paragraphs are article text far more often than not).
_DROP_MAX_WORDS = 60
MAX_HTML_CHARS = 20_000_000


@dataclass(slots=True)
class HtmlExtraction:
    """The article found in a page, with what the page says about itself."""

    text: str  # main text, paragraphs separated by "\n\n"
    title: str | None
    published: str | None  # YYYY-MM-DD (page metadata / htmldate)
    site: str | None  # sitename
    url: str | None  # canonical URL if the page declares one
    authors: list[str] = field(default_factory=list)
    language: str | None = None  # from <html lang> / metadata if declared
    description: str | None = None


def _norm(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _parse(html: str):  # -> lxml.html.HtmlElement
    import lxml.etree
    import lxml.html

    # lxml refuses str input with an XML encoding declaration, and NUL bytes
    # (binary junk decoded as text) end the parse early or fail it.
    cleaned = html.replace("\x00", "")
    cleaned = re.sub(r"^\s*<\?xml[^>]*\?>", "", cleaned)
    try:
        return lxml.html.document_fromstring(cleaned)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractError("unparsable-html", f"lxml cannot parse the page: {exc}") from exc


def _declared_language(tree) -> str | None:
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for meta in tree.iterfind(".//meta"):
        key = (meta.get("http-equiv") or meta.get("property") or meta.get("name") or "").lower()
        if key in ("content-language", "og:locale", "language", "dc.language"):
            candidates.append(meta.get("content"))
    for c in candidates:
        c = (c or "").strip().split(",")[0].strip()
        if c and _LANG.match(c):
            return c.replace("_", "-").split("-")[0].lower()
    return None


def _canonical_url(tree, url: str | None) -> str | None:
    for link in tree.iterfind(".//link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            return urljoin(url or "", link.get("href").strip()) or None
    for meta in tree.iterfind(".//meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:url" and meta.get("content"):
            return urljoin(url or "", meta.get("content").strip()) or None
    return None


def _line_model_view(tree) -> tuple[list[textlines.Line], list[float]]:
    import html_text

    rendered = html_text.extract_text(tree, guess_layout=True)
    lines = textlines.split_lines(rendered)
    return lines, [float(p) for p in textlines.content_scores(lines)]


def _combine(traf_text: str, lines: list[textlines.Line], scores: list[float]) -> str:
    """trafilatura's paragraphs, minus those the line model confidently calls boilerplate."""
    thr = textlines.threshold()
    model_text = "\n\n".join(ln.text.strip() for ln, p in zip(lines, scores) if p > thr)
    paras = [p.strip() for p in traf_text.split("\n") if p.strip()]
    traf_words = sum(len(p.split()) for p in paras)
    model_words = len(model_text.split())
    if traf_words < 0.25 * model_words or not paras:
        return model_text
    score_of: dict[str, float] = {}
    for ln, p in zip(lines, scores):
        key = _norm(ln.text)
        score_of[key] = max(p, score_of.get(key, 0.0))
    kept = []
    for para in paras:
        key = _norm(para)
        p = score_of.get(key)
        if p is not None and p < _DROP_BELOW and len(key.split()) <= _DROP_MAX_WORDS:
            continue
        kept.append(para)
    return "\n\n".join(kept) if kept else "\n\n".join(paras)


def extract_html(html: str, url: str | None = None) -> HtmlExtraction:
    """The main text and metadata of one HTML page.

    Raises ``ExtractError("no-text", ...)`` when the page holds no article text.

    >>> ex = extract_html(page_html, url="https://example.org/a")   # doctest: +SKIP
    >>> ex.title, ex.published, ex.text[:60]                         # doctest: +SKIP
    """
    if not html or not html.strip():
        raise ExtractError("no-text", "the page is empty")
    if len(html) > MAX_HTML_CHARS:
        raise ExtractError("too-large", f"the page has {len(html)} characters (limit {MAX_HTML_CHARS})")
    import trafilatura

    tree = _parse(html)
    language = _declared_language(tree)
    canonical = _canonical_url(tree, url)
    failure = "trafilatura found no main text"
    # html-text first: it renders a cleaned copy, while trafilatura may prune the
    # tree it is given; so one parse serves both.
    try:
        lines, scores = _line_model_view(tree)
    except Exception as exc:  # noqa: BLE001 - html-text on a pathological tree: trafilatura alone
        lines, scores = [], []
        failure += f"; html-text failed: {type(exc).__name__}"
    try:
        doc = trafilatura.bare_extraction(
            tree, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception as exc:  # noqa: BLE001 - trafilatura raises many kinds on broken pages
        doc = None
        failure = f"trafilatura failed: {type(exc).__name__}: {exc}"
    traf_text = (doc.text or "") if doc is not None else ""
    text = _combine(traf_text, lines, scores).strip()
    if not text:
        raise ExtractError("no-text", failure)
    authors: list[str] = []
    if doc is not None and doc.author:
        authors = [a.strip() for a in re.split(r";|\s+and\s+", doc.author) if a.strip()]
    return HtmlExtraction(
        text=text,
        title=(doc.title or None) if doc is not None else _fallback_title(tree),
        published=(doc.date or None) if doc is not None else None,
        site=(doc.sitename or None) if doc is not None else None,
        url=canonical,
        authors=authors,
        language=language,
        description=(doc.description or None) if doc is not None else None,
    )


def _fallback_title(tree) -> str | None:
    t = tree.findtext(".//title")
    return _norm(t) or None if t else None
