"""Bytes -> text: the HTTP header's charset, then the page's meta tag, then detection.

A declared charset that fails to decode is ignored rather than trusted (pages
lie about their encoding often); detection with charset-normalizer comes
last, and undecodable bytes become U+FFFD instead of failing the document.
"""

from __future__ import annotations

import codecs
import re

from ..records import RawDoc

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def declared_charsets(raw: RawDoc) -> list[str]:
    """Charsets the document declares, most authoritative first (BOM, HTTP header, meta tag)."""
    found: list[str | None] = []
    for bom, name in _BOMS:
        if raw.content.startswith(bom):
            found.append(name)
    ctype = raw.headers.get("content-type", "")
    m = _HEADER_CHARSET.search(ctype)
    if m:
        found.append(_codec(m.group(1)))
    if raw.kind == "html":
        m2 = _META_CHARSET.search(raw.content[:8192])
        if m2:
            found.append(_codec(m2.group(1).decode("ascii", "ignore")))
    return [c for c in dict.fromkeys(found) if c]


def decode(raw: RawDoc) -> str:
    """The document's text, with the best charset we can establish."""
    data = raw.content
    for charset in declared_charsets(raw):
        # latin-1 decodes anything, so a declared latin-1/cp1252 page that is
        # really UTF-8 (common) is tried as UTF-8 first.
        if charset in ("latin-1", "iso8859-1", "cp1252", "ascii"):
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                return data.decode("cp1252", errors="replace")
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        return data.decode(best.encoding, errors="replace")
    return data.decode("utf-8", errors="replace")
