"""Stage 2, extract: RawDoc -> Article (clean text, title, dateline, credits, dates, language).

HTML goes through the HTML extractor, scraped plain text through the
plain-text boilerplate remover; news-please records are taken as they are
(their ``maintext`` is the article text, so offsets point into it exactly).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from ..errors import ExtractError
from ..records import Article, Credits, RawDoc
from .dateline import find_credits, find_dateline
from .dates import parse_day
from .decode import decode
from .language import detect_language

MIN_TEXT_CHARS = 40


def extract(raw: RawDoc, *, today: dt.date | None = None) -> Article:
    """The article in ``raw``; raises ``ExtractError`` when it holds none."""
    if raw.kind == "record":
        return _from_record(raw, today)
    text = decode(raw)
    highlights: list[str] = []
    signals: list[str] = []
    title = published = site = url = None
    authors: list[str] = []
    language = None
    if raw.kind == "html":
        from .html import extract_html

        page = extract_html(text, raw.url)
        body, title, published, site, authors = page.text, page.title, page.published, page.site, page.authors
        url, language = page.url or raw.url, page.language
    else:
        from .text import extract_plain

        plain = extract_plain(text)
        body, title, highlights, signals = plain.text, plain.title, plain.highlights, plain.signals
        url = raw.url
    credits, span = find_credits(body)
    if span:
        body = (body[: span[0]].rstrip() + "\n\n" + body[span[1] :].lstrip()).strip()
        if credits.text and re.search(r"\bletter\s+from\b", credits.text, re.I):
            signals.append("mistranslated-credits: " + credits.text)
    body = body.strip()
    if len(body) < MIN_TEXT_CHARS:
        raise ExtractError("no-text", f"no article text found ({len(body)} characters left)", source=raw.source)
    published = published[:10] if published and parse_day(published) else None
    return _finish(
        Article(
            id=raw.content_hash, source=raw.source, text=body, title=_clean_title(title), url=url,
            site=site or _site(url), language=language, highlights=highlights, published=published,
            authors=authors, credits=credits, extraction_signals=signals, raw_hash=raw.content_hash,
        ),
        raw,
        today,
    )


def warm() -> None:
    """Load the tables extraction otherwise loads on first use, at once: for a worker
    about to extract many pages (its first batch then costs what the others do), not
    for one page, which would pay for tables it may never need."""
    from .html import warm as warm_html

    warm_html()
    detect_language("The regional governor said on Tuesday that the talks would resume.")  # Latin-script models


def _from_record(raw: RawDoc, today: dt.date | None) -> Article:
    rec = raw.record or {}
    text = rec.get("maintext") or rec.get("text") or ""
    if not text.strip():
        raise ExtractError("no-text", "the record's maintext is empty", source=raw.source)
    published = rec.get("date_publish") or rec.get("published")
    authors = rec.get("authors") or []
    credits, _ = find_credits(text)  # parsed, but the text stays exactly as given
    article = Article(
        id=str(rec["id"]) if rec.get("id") not in (None, "") else raw.content_hash,
        source=raw.source, text=text, title=rec.get("title"), url=rec.get("url"),
        site=rec.get("source_domain") or _site(rec.get("url")), language=rec.get("language"),
        published=str(published)[:10] if published and parse_day(str(published)) else None,
        authors=[str(a) for a in authors] if isinstance(authors, list) else [str(authors)],
        highlights=[h for h in rec.get("highlights") or [] if isinstance(h, str)],
        credits=credits if credits.text else Credits(), raw_hash=raw.content_hash,
    )
    return _finish(article, raw, today)


def _finish(article: Article, raw: RawDoc, today: dt.date | None) -> Article:
    reference = parse_day(article.published) or parse_day(raw.fetched)
    article.dateline = find_dateline(article.text, reference, today)
    if not article.language:
        article.language = detect_language(article.text)
    return article


def _clean_title(title: str | None) -> str | None:
    return " ".join(title.split()) if title and title.strip() else None


def _site(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


__all__ = ["extract", "warm"]
