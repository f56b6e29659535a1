"""RSS and Atom feeds: the article links they list, with the time each entry changed.

feedparser does the parsing (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, broken XML too). It
is always handed the bytes as a stream: given a string, feedparser would itself
fetch anything that looks like a URL or a path, bypassing the polite fetcher.
The entry text that some feeds carry is ignored on purpose: the article page is
fetched, because feeds truncate, and the page has the metadata extraction needs.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
import time
from typing import Any

from .urls import Link, normalize

# The first element of the document, after the XML declaration, comments, DOCTYPE and BOM.
_ROOT = re.compile(rb"^(?:\s|\xef\xbb\xbf|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*<([A-Za-z_][\w:.-]*)",
                   re.DOTALL | re.IGNORECASE)
FEED_ROOTS = {"rss", "feed", "rdf:rdf", "rdf", "channel"}


def root_tag(data: bytes) -> str | None:
    """The lower-cased name of the first element of an XML/HTML document (``rss``, ``urlset``, ``html``...)."""
    match = _ROOT.match(data[:8192])
    return match.group(1).decode("ascii", errors="replace").lower() if match else None


def is_feed(data: bytes) -> bool:
    return root_tag(data) in FEED_ROOTS


def feed_links(data: bytes, url: str, headers: dict[str, str] | None = None) -> list[Link]:
    """The entries' article links, normalised, in feed order, each once.

    >>> feed_links(b"<rss><channel><item><link>https://x.org/a?utm_source=rss</link></item></channel></rss>",
    ...            "https://x.org/feed")
    [Link(url='https://x.org/a', modified=None, title=None)]
    """
    import feedparser

    response_headers = {"content-location": url}
    if headers and headers.get("content-type"):
        response_headers["content-type"] = headers["content-type"]
    parsed = feedparser.parse(io.BytesIO(data), response_headers=response_headers)
    links: list[Link] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        target = _entry_url(entry, url)
        if target is None or target in seen:
            continue
        seen.add(target)
        links.append(Link(target, _entry_time(entry), entry.get("title")))
    return links


def _entry_url(entry: Any, base: str) -> str | None:
    candidates = [entry.get("link")]
    candidates += [link.get("href") for link in entry.get("links", []) if link.get("rel", "alternate") == "alternate"]
    # An RSS <guid isPermaLink="true"> (feedparser's default for a bare guid) is the article's URL.
    if entry.get("guidislink") or str(entry.get("id", "")).startswith(("http://", "https://")):
        candidates.append(entry.get("id"))
    for candidate in candidates:
        if candidate:
            target = normalize(str(candidate), base)
            if target is not None:
                return target
    return None


def _entry_time(entry: Any) -> dt.datetime | None:
    for key in ("updated_parsed", "published_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            # feedparser gives UTC struct_times; timegm reads them as UTC.
            return dt.datetime.fromtimestamp(calendar.timegm(value), tz=dt.timezone.utc)
    return None


__all__ = ["FEED_ROOTS", "feed_links", "is_feed", "root_tag"]
