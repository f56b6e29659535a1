"""A local news site for the fetcher's tests: a threaded http.server on 127.0.0.1.

It serves real article pages, an RSS feed, a news sitemap and a robots.txt,
plus the awkward cases a crawler meets: a page that answers 503 once, one that
never answers, a 30 MB page and a redirect loop. Every request is logged with
its arrival time and headers, so tests can check what was (not) asked for and
how far apart. Pages carry an ETag and a Last-Modified and answer conditional
GETs with 304, as real news sites do.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

LAST_MODIFIED = email.utils.formatdate(1_662_800_000, usegmt=True)  # a fixed date in September 2022


@dataclass
class Hit:
    at: float  # time.monotonic() when the request arrived
    path: str
    headers: dict[str, str]

    @property
    def conditional(self) -> bool:
        return "if-none-match" in self.headers or "if-modified-since" in self.headers


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    last_modified: str = LAST_MODIFIED

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


Handler = Callable[[BaseHTTPRequestHandler, int], None]  # (request handler, how many times this path was asked)


@dataclass
class Site:
    """Routes (path -> Page or handler function) and the request log of one running server."""

    pages: dict[str, Page | Handler] = field(default_factory=dict)
    log: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    base: str = ""
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Site:
        site = self

        class RequestHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with site._lock:
                    site.log.append(Hit(time.monotonic(), self.path, {k.lower(): v for k, v in self.headers.items()}))
                    n = site.counts[path] = site.counts.get(path, 0) + 1
                route = site.pages.get(path)
                try:
                    if route is None:
                        self.send_error(404)
                    elif isinstance(route, Page):
                        serve_page(self, route)
                    else:
                        route(self, n)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on purpose (size cap, timeout)

            def log_message(self, format: str, *args: object) -> None:  # quiet: the Hit log is what tests read
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.log if h.path.split("?", 1)[0] == path]

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()


def serve_page(handler: BaseHTTPRequestHandler, page: Page) -> None:
    """200 with validators, or 304 (RFC 9110: If-None-Match decides when present, else If-Modified-Since)."""
    if_none_match = handler.headers.get("If-None-Match")
    if (if_none_match == page.etag if if_none_match is not None
            else handler.headers.get("If-Modified-Since") == page.last_modified):
        handler.send_response(304)
        handler.send_header("ETag", page.etag)
        handler.end_headers()
        return
    handler.send_response(200)
    handler.send_header("Content-Type", page.content_type)
    handler.send_header("Content-Length", str(len(page.body)))
    handler.send_header("ETag", page.etag)
    handler.send_header("Last-Modified", page.last_modified)
    handler.end_headers()
    handler.wfile.write(page.body)


def flaky(page: Page) -> Handler:
    """503 with Retry-After: 1 on the first request, the page afterwards."""

    def handle(handler: BaseHTTPRequestHandler, n: int) -> None:
        if n == 1:
            handler.send_response(503)
            handler.send_header("Retry-After", "1")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        serve_page(handler, page)

    return handle


def silent(stopping: threading.Event, seconds: float = 30.0) -> Handler:
    """Accept the request and never answer (until the server stops)."""

    def handle(handler: BaseHTTPRequestHandler, n: int) -> None:
        stopping.wait(seconds)

    return handle


def huge(megabytes: int = 30) -> Handler:
    """A 30 MB HTML page sent without Content-Length, so only a streamed size cap can stop it."""

    def handle(handler: BaseHTTPRequestHandler, n: int) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.end_headers()
        handler.wfile.write(b"<html><body><article>")
        chunk = b"<p>" + b"filler text " * 5000 + b"</p>\n"
        for _ in range(megabytes * 1_000_000 // len(chunk) + 1):
            handler.wfile.write(chunk)
        handler.wfile.write(b"</article></body></html>")

    return handle


def redirect(target: str) -> Handler:
    def handle(handler: BaseHTTPRequestHandler, n: int) -> None:
        handler.send_response(302)
        handler.send_header("Location", target)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return handle


def rss(base: str, items: list[tuple[str, str]], last_modified: str = LAST_MODIFIED) -> Page:
    """An RSS 2.0 feed of (path, title) items; links carry tracking parameters, as real feeds do."""
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{base}{path}?utm_source=rss&amp;utm_medium=feed</link>"
        f"<guid isPermaLink=\"false\">{escape(path)}</guid><pubDate>{LAST_MODIFIED}</pubDate></item>"
        for path, title in items)
    body = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test news</title>'
            f"<link>{base}/</link><description>test</description>{entries}</channel></rss>")
    return Page(body.encode("utf-8"), "application/rss+xml; charset=utf-8", last_modified)


def news_sitemap(base: str, paths: list[str]) -> Page:
    urls = "".join(
        f"<url><loc>{base}{escape(p)}</loc><news:news><news:publication><news:name>Test</news:name>"
        "<news:language>en</news:language></news:publication>"
        "<news:publication_date>2022-09-10T10:00:00Z</news:publication_date>"
        f"<news:title>{escape(p)}</news:title></news:news></url>" for p in paths)
    body = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            f' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>')
    return Page(body.encode("utf-8"), "application/xml")


def html_page(title: str, text: str) -> Page:
    """A plain news page around a text (title in <h1>, one <p> per paragraph)."""
    paras = "".join(f"<p>{escape(p.strip())}</p>\n" for p in text.split("\n") if p.strip())
    body = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title></head>"
            f"<body><nav><a href=\"/\">Home</a></nav><article><h1>{escape(title)}</h1>\n{paras}</article>"
            "<footer>Test News</footer></body></html>")
    return Page(body.encode("utf-8"))


# Real English news pages from the shared extraction bench (read at run time, never copied into the repo).
BENCH_PAGES = ["0287-reuters.com.parasite", "0362-bbc.com.52241221", "0407-nytimes.com.blackouts"]
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "text" / "reuters-kharkiv-repost.txt"


def bench_page(shared: Path, name: str) -> Page:
    return Page(gzip.decompress((shared / "bench" / "extraction" / "html" / f"{name}.html.gz").read_bytes()))


def news_site(shared: Path) -> Site:
    """The acceptance site: three real pages and a sample report, a feed, a news sitemap, robots.txt
    disallowing /private/, a page that answers 503 once, one that never answers, a 30 MB page and a
    redirect loop. The feed and the sitemap both list /news/a0.html (one article, listed twice)."""
    site = Site().start()
    for i, name in enumerate(BENCH_PAGES):
        site.pages[f"/news/a{i}.html"] = bench_page(shared, name)
    site.pages["/robots.txt"] = Page(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    site.pages["/private/exclusive.html"] = bench_page(shared, BENCH_PAGES[0])
    site.pages["/flaky.html"] = flaky(html_page("Ukraine retakes towns near Kharkiv", SAMPLE.read_text("utf-8")))
    site.pages["/slow.html"] = silent(site.stopping)
    site.pages["/big.html"] = huge(30)
    site.pages["/loop-a"] = redirect("/loop-b")
    site.pages["/loop-b"] = redirect("/loop-a")
    site.pages["/feed.xml"] = rss(site.base, [("/news/a0.html", "A0"), ("/news/a1.html", "A1"),
                                              ("/private/exclusive.html", "Members only"), ("/flaky.html", "Kharkiv")])
    site.pages["/sitemap.xml"] = news_sitemap(site.base, ["/news/a0.html", "/news/a2.html", "/slow.html", "/big.html",
                                                          "/loop-a"])
    return site


ARTICLE_PATHS = ["/news/a0.html", "/news/a1.html", "/news/a2.html", "/flaky.html"]
