"""XML sitemaps: news sitemaps (``<urlset>`` with ``news:`` tags) and sitemap indexes.

A ``<urlset>`` lists pages, a ``<sitemapindex>`` lists more sitemaps. Each entry's
``<lastmod>`` (or a news entry's ``<news:publication_date>``) says when it last
changed, which lets a later poll skip what has not. Parsing is streamed with
lxml and hardened against hostile XML: no entity expansion, no network, no
huge-tree mode. Sitemaps may be served gzip-compressed as a file
(``sitemap.xml.gz``); the caller removes that layer first.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from .feeds import root_tag
from .urls import Link, normalize

SITEMAP_ROOTS = {"urlset", "sitemapindex"}
MAX_ENTRIES = 50_000  # the sitemap protocol's own limit per file


@dataclass(slots=True)
class Sitemap:
    """What one sitemap file lists: pages (``urlset``) or further sitemaps (``sitemapindex``)."""

    kind: str  # "urlset" | "sitemapindex"
    links: list[Link] = field(default_factory=list)


def is_sitemap(data: bytes) -> bool:
    return _local(root_tag(data) or "") in SITEMAP_ROOTS


def parse_sitemap(data: bytes, url: str) -> Sitemap:
    """The entries of a sitemap or sitemap index, normalised and each once; malformed XML raises ``ValueError``.

    >>> parse_sitemap(b'<urlset><url><loc>https://x.org/a</loc><lastmod>2024-05-01</lastmod></url></urlset>',
    ...               "https://x.org/sitemap.xml").links[0].url
    'https://x.org/a'
    """
    from lxml import etree

    kind = _local(root_tag(data) or "")
    if kind not in SITEMAP_ROOTS:
        raise ValueError(f"not a sitemap (root element {kind or 'missing'})")
    entry_tag = "url" if kind == "urlset" else "sitemap"
    sitemap = Sitemap(kind)
    seen: set[str] = set()
    loc: str | None = None
    modified: dt.datetime | None = None
    published: dt.datetime | None = None
    title: str | None = None
    events = etree.iterparse(io.BytesIO(data), events=("start", "end"), resolve_entities=False,
                             no_network=True, huge_tree=False, recover=False)
    try:
        for event, elem in events:
            name = _local(elem.tag) if isinstance(elem.tag, str) else ""
            if event == "start":
                if name == entry_tag:
                    loc, modified, published, title = None, None, None, None
                continue
            text = (elem.text or "").strip()
            if name == "loc" and loc is None:
                loc = text
            elif name == "lastmod":
                modified = parse_w3c_date(text)
            elif name == "publication_date":
                published = parse_w3c_date(text)
            elif name == "title" and title is None:
                title = text or None
            elif name == entry_tag:
                target = normalize(loc, url) if loc else None
                if target is not None and target not in seen:
                    seen.add(target)
                    sitemap.links.append(Link(target, modified or published, title))
                    if len(sitemap.links) >= MAX_ENTRIES:
                        break
                elem.clear()
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"malformed sitemap XML ({exc})") from exc
    return sitemap


def parse_w3c_date(text: str) -> dt.datetime | None:
    """A sitemap date (W3C datetime: ``2024-05-01``, ``2024-05-01T10:00:00+02:00``, ``...Z``) in UTC."""
    text = text.strip()
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def _local(tag: str) -> str:
    """``{namespace}name`` or ``prefix:name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


__all__ = ["MAX_ENTRIES", "SITEMAP_ROOTS", "Sitemap", "is_sitemap", "parse_sitemap", "parse_w3c_date"]
