"""URL normalisation: one article, one key, however a feed or a sitemap spells it.

Outlets link the same story as ``HTTPS://Site.com:443/a?utm_source=rss#top`` in a
feed and ``https://site.com/a`` in a sitemap. ``normalize`` maps both to the
same string (scheme and host lower-cased, default port, fragment and tracking
parameters dropped, query sorted), which is the key of the ``seen`` table and
what is requested, so an article is fetched once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from courlan import normalize_url


@dataclass(frozen=True, slots=True)
class Link:
    """A URL found in a feed, a sitemap or a URL list, with the time the source says it last changed."""

    url: str
    modified: dt.datetime | None = None  # timezone-aware (UTC when the source gave no zone)
    title: str | None = None


_URL_LINE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize(url: str, base: str | None = None) -> str | None:
    """The canonical form of an http(s) URL, or ``None`` when it is not one.

    >>> normalize("HTTPS://Example.com:443/a?utm_source=x&b=2&a=1#top")
    'https://example.com/a?a=1&b=2'
    """
    url = url.strip()
    if not url:
        return None
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 literal
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        # courlan knows the tracking parameters (utm_*, fbclid, gclid, ref, ...) and sorts the rest.
        cleaned = normalize_url(url, strict=False)
    except (ValueError, AttributeError):  # courlan raises on a few malformed inputs: keep the basic form
        cleaned = url
    parts = urlsplit(cleaned)
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def origin(url: str) -> str:
    """``scheme://host[:port]``: the unit of politeness (robots.txt, delay, one request at a time)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def robots_url(url: str) -> str:
    return origin(url) + "/robots.txt"


def is_url_line(line: str) -> bool:
    """True for a line that is exactly one absolute http(s) URL (URL lists are made of these)."""
    return bool(_URL_LINE.match(line.strip()))


def url_list(text: str) -> list[str] | None:
    """The URLs of a plain-text URL list (blank lines and ``#`` comments allowed), else ``None``.

    A text whose every other line is a URL is a list to fetch, not an article to analyse.
    """
    urls: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not is_url_line(line):
            return None
        urls.append(line)
    return urls or None


__all__ = ["Link", "is_url_line", "normalize", "origin", "robots_url", "url_list"]
