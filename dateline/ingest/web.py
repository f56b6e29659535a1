"""URLs, feeds, sitemaps and URL lists -> RawDoc, through the polite fetcher.

``read_urls`` is what ingest calls for http(s) sources. What each URL is gets
decided from the response, not the URL: an RSS/Atom feed or a sitemap (index)
is expanded into the pages it lists, a plain-text list of URLs likewise, and
anything else is a document (an article page, mostly).

With a ``store``, the ``seen`` table (one row per normalised URL) makes polls
incremental: sources are asked with If-None-Match / If-Modified-Since, a page
already stored is not fetched again when a feed lists it again (unless the
feed or sitemap says it changed), and a URL that failed waits before it is
tried again. The links of a feed are written to ``seen`` before the feed's own
validators, so a run stopped half-way leaves them as a frontier that the next
poll fetches first: nothing is lost to a 304. Conditional headers are only sent
for a page whose last content the runner has stored (``documents`` table), so a
page fetched but never stored (a crash in between) is fetched in full again.

All database work happens on the caller's thread, between the documents it
pulls; the fetcher's threads never touch a connection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DatelineError, FetchError
from ..records import RawDoc, content_hash
from .feeds import feed_links, is_feed
from .fetch import FetchConfig, Fetcher, Request, Response, WarcArchive
from .files import GZIP_MAGIC, gunzip
from .seen import SeenRow, SeenTable
from .sitemaps import is_sitemap, parse_sitemap
from .urls import Link, normalize, origin, url_list

MAX_DEPTH = 4  # URL list -> feed or sitemap index -> sitemap -> page
LIST_KINDS = ("feed", "sitemap", "urllist")


@dataclass
class CrawlStats:
    """What one poll did, for progress lines and the summary."""

    requests: int = 0
    pages: int = 0  # documents handed on to extraction
    feeds: int = 0  # feeds, sitemaps and URL lists read
    links: int = 0  # links found in them
    not_modified: int = 0  # 304 answers
    known: int = 0  # links skipped: already fetched and stored
    deferred: int = 0  # failed before; not retried yet
    duplicates: int = 0  # redirected to, or the same content as, a page already handed on
    errors: int = 0

    def summary(self) -> str:
        return (f"{self.requests} requests: {self.pages} pages, {self.feeds} feeds/sitemaps/lists "
                f"({self.links} links, {self.known} already stored), {self.not_modified} not modified, "
                f"{self.duplicates} duplicates, {self.deferred} deferred, {self.errors} fetch errors")


class WebReader:
    """Reads web sources, one ``read()`` per poll; keeps robots.txt and per-host timing between polls."""

    def __init__(self, *, store: Any = None, config: FetchConfig | None = None,
                 warc_dir: str | Path | None = None, transport: Any = None) -> None:
        self.config = config or FetchConfig()
        self.seen = SeenTable(store, retry_after=self.config.retry_failed_after) if store is not None else None
        self.warc_dir = warc_dir
        self.transport = transport
        self.stats = CrawlStats()
        self._fetcher: Fetcher | None = None
        self._robots_loaded: set[str] = set()

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            archive = WarcArchive(self.warc_dir) if self.warc_dir else None
            self._fetcher = Fetcher(self.config, transport=self.transport, archive=archive)
            self._robots_loaded.clear()
        return self._fetcher

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None

    def __enter__(self) -> WebReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, sources: Iterable[str], *, stop: threading.Event | None = None) -> Iterator[RawDoc | DatelineError]:
        """One poll: every new or changed document behind ``sources``; failures as ``FetchError``s.

        Stops early, between two documents, when ``stop`` is set.
        """
        poll = _Poll(self, stop)
        finished = False
        try:
            yield from poll.run(sources)
            finished = not (stop is not None and stop.is_set())
        finally:
            if not finished:  # requests still queued would leak into the next poll
                self.close()


class _Poll:
    """The state of one pass over the sources."""

    def __init__(self, reader: WebReader, stop: threading.Event | None) -> None:
        self.reader = reader
        self.fetcher = reader.fetcher
        self.seen = reader.seen
        self.stats = reader.stats = CrawlStats()
        self.stop = stop
        self.scheduled: set[str] = set()  # normalised URLs asked for in this poll
        self.handed: set[str] = set()  # final URLs and content hashes handed on in this poll
        self.requests_before = self.fetcher.requests

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def run(self, sources: Iterable[str]) -> Iterator[RawDoc | DatelineError]:
        for source in sources:
            url = normalize(source)
            if url is None:
                self.stats.errors += 1
                yield FetchError("bad-url", "not an http(s) URL", source=source)
                continue
            row = self.seen.get(url) if self.seen else None
            self.schedule(url, row, root=url, depth=0, explicit=True)
            if self.seen:  # links an earlier poll found but did not get stored
                for pending in self.seen.pending(url):
                    self.schedule(pending.url, pending, root=url, depth=1, explicit=False)
        for request, outcome in self.fetcher.results(self.stop):
            self.save_robots()
            self.stats.requests = self.fetcher.requests - self.requests_before
            if self.stopped():
                return
            if isinstance(outcome, FetchError):
                self.stats.errors += 1
                yield outcome
                if self.seen:
                    self.seen.failed(request.key, request.meta["root"], outcome.code, _status_of(outcome.code))
            elif outcome.status == 304:
                self.stats.not_modified += 1
                if self.seen:
                    self.seen.not_modified(request.key)
            else:
                yield from self.handle(request, outcome)
        self.save_robots()
        self.stats.requests = self.fetcher.requests - self.requests_before

    # -- scheduling ------------------------------------------------------------------------
    def schedule(self, url: str, row: SeenRow | None, *, root: str, depth: int, explicit: bool,
                 modified: dt.datetime | None = None) -> None:
        """Ask for ``url`` unless this poll already did, it is known and unchanged, or it failed recently.

        Feeds, sitemaps and lists are asked conditionally; a page is asked conditionally only when the
        runner stored its last content (else it is fetched whole: a crash must not turn into a 304).
        """
        if url in self.scheduled:
            return
        self.scheduled.add(url)
        headers: dict[str, str] = {}
        if row is not None and self.seen is not None and row.status is not None:
            if row.status != "ok":
                # A source the user listed is asked every poll (the poll interval is its backoff);
                # a link that failed waits for its retry time.
                if not explicit and not self.seen.retry_due(row):
                    self.stats.deferred += 1
                    return
            elif row.kind in LIST_KINDS:
                headers = row.conditional_headers()
            elif self.seen.stored(row.content_hash):
                changed = modified is not None and row.last_checked is not None and modified > row.last_checked
                if not explicit and not changed:
                    self.stats.known += 1
                    return
                headers = row.conditional_headers()
        self.load_robots(url)
        self.fetcher.submit(Request(url, headers=headers, meta={"root": root, "depth": depth}))

    def expand(self, request: Request, kind: str, links: list[Link]) -> None:
        """Queue what a feed, sitemap or list links to; the links are saved as a frontier first."""
        root, depth = request.meta["root"], request.meta["depth"] + 1
        self.stats.feeds += 1
        self.stats.links += len(links)
        if depth > MAX_DEPTH:
            return
        rows = self.seen.get_many([link.url for link in links]) if self.seen else {}
        if self.seen:
            self.seen.discover([link.url for link in links if link.url not in rows], root)
        for link in links:
            self.schedule(link.url, rows.get(link.url), root=root, depth=depth, explicit=False, modified=link.modified)

    def load_robots(self, url: str) -> None:
        """Hand the fetcher a robots.txt remembered in the database, once per origin and reader."""
        site = origin(url)
        if self.seen is None or site in self.reader._robots_loaded:
            return
        self.reader._robots_loaded.add(site)
        robots = self.seen.robots(site)
        if robots is not None:
            self.fetcher.set_robots(site, robots)

    def save_robots(self) -> None:
        for site, robots in self.fetcher.take_robots():
            if self.seen is not None:
                self.seen.save_robots(site, robots)

    # -- responses -------------------------------------------------------------------------
    def handle(self, request: Request, response: Response) -> Iterator[RawDoc | DatelineError]:
        root = request.meta["root"]
        body = response.content
        try:
            if body[:2] == GZIP_MAGIC:  # sitemap.xml.gz and friends, served as files
                body = gunzip(body, self.fetcher.config.max_bytes, request.key)
            kind, links = _links(body, response)
        except (DatelineError, ValueError) as exc:
            error = exc if isinstance(exc, DatelineError) else FetchError("bad-sitemap", str(exc), source=request.key)
            self.stats.errors += 1
            yield error
            if self.seen:
                self.seen.failed(request.key, root, error.code, response.status)
            return
        digest = content_hash(body)
        if links is not None:
            self.expand(request, kind, links)
            if self.seen:
                self.seen.fetched(request.key, root, kind, response, digest)
            return
        final = normalize(response.url) or request.key
        if final in self.handed or digest in self.handed:
            self.stats.duplicates += 1
        else:
            self.handed.update((final, digest))
            for item in _documents(body, request.key, response, self.fetcher.config.max_bytes):
                if self.stopped():
                    return
                if isinstance(item, RawDoc):
                    self.stats.pages += 1
                else:
                    self.stats.errors += 1
                yield item
        if self.seen:  # only now: the caller has taken the document
            self.seen.fetched(request.key, root, "page", response, digest)
            if final != request.key:
                self.seen.fetched(final, root, "page", response, digest)


def _links(body: bytes, response: Response) -> tuple[str, list[Link] | None]:
    """What a response is: a feed, a sitemap or a URL list (with their links), else a page (``None``)."""
    if is_feed(body):
        return "feed", feed_links(body, response.url, response.headers)
    if is_sitemap(body):
        return "sitemap", parse_sitemap(body, response.url).links
    ctype = response.headers.get("content-type", "").lower()
    if ctype.startswith("text/plain") or not ctype:
        urls = url_list(body.decode("utf-8", errors="replace"))
        if urls is not None:
            return "urllist", [Link(u) for u in (normalize(x) for x in urls) if u]
    return "page", None


def _documents(body: bytes, source: str, response: Response, max_bytes: int) -> Iterator[RawDoc | DatelineError]:
    """The fetched body as documents (kind found from the bytes), keeping the headers and final URL."""
    from . import read_bytes

    for item in read_bytes(body, source, max_bytes):
        if isinstance(item, RawDoc):
            item.url = item.url or response.url
            item.headers = dict(response.headers)
            item.fetched = response.fetched
        yield item


def _status_of(code: str) -> int | None:
    return int(code[5:]) if code.startswith("http-") and code[5:].isdigit() else None


def read_urls(urls: list[str], *, max_bytes: int, store: Any = None, config: FetchConfig | None = None,
              warc_dir: str | Path | None = None, stop: threading.Event | None = None) -> Iterator[RawDoc | DatelineError]:
    """Fetch ``urls`` (pages, feeds, sitemaps, URL lists) once, politely; see the module docstring.

    >>> for item in read_urls(["https://example.org/feed.xml"], max_bytes=20_000_000): ...
    """
    if config is None:  # the settings (dateline.toml) the command loaded, with the run's size limit
        from ..config import load_config

        config = FetchConfig.from_config(load_config())
    config = dataclasses.replace(config, max_bytes=max_bytes)
    with WebReader(store=store, config=config, warc_dir=warc_dir) as reader:
        yield from reader.read(urls, stop=stop)


__all__ = ["CrawlStats", "WebReader", "read_urls"]
