"""The polite fetcher against a local news site: robots.txt, delays, retries, limits, conditional GETs."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import brotli
import pytest
from newssite import ARTICLE_PATHS, Page, Site, bench_page, news_site, serve_page

from dateline.errors import FetchError
from dateline.ingest.fetch import FetchConfig, _retry_after
from dateline.ingest.warc import iter_warc
from dateline.ingest.web import WebReader, read_urls
from dateline.records import RawDoc

# trafilatura's first import probes urllib3's SOCKS support and warns when PySocks is missing;
# the extraction stage runs in this process here, where warnings are errors.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.DependencyWarning")

# Short limits so that the awkward URLs fail in about a second each.
FAST = FetchConfig(user_agent="dateline-test/1.0 (tests; +mailto:desk@example.org)", host_delay=0.2,
                   connect_timeout=1.0, read_timeout=1.0, deadline=5.0, backoff=0.1, retries=2)


@dataclass
class Polls:
    site: Site
    store: object
    first: object  # RunStats
    second: object
    log1: list
    log2: list
    seconds1: float
    counts1: dict
    counts2: dict


def _counts(store) -> dict:
    return {t: store.query(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"] for t in ("articles", "errors", "documents")}


@pytest.fixture(scope="module")
def polls(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """Two polls of the feed and the sitemap through the real runner into a real SQLite file."""
    from dateline.pipeline import Runner
    from dateline.store import open_store

    site = news_site(shared_dir)
    store = open_store(str(tmp_path_factory.mktemp("fetch") / "polls.db"))
    sources = [site.url("/feed.xml"), site.url("/sitemap.xml")]
    try:
        with WebReader(store=store, config=FAST) as reader:
            runner = Runner(store, workers=1, link=False)
            started = time.monotonic()
            first = runner.run_stream(reader.read(sources))
            seconds1 = time.monotonic() - started
            log1, counts1 = list(site.log), _counts(store)
            site.reset_log()
            second = runner.run_stream(reader.read(sources))
            log2, counts2 = list(site.log), _counts(store)
        yield Polls(site, store, first, second, log1, log2, seconds1, counts1, counts2)
    finally:
        site.stop()
        store.close()


def test_every_allowed_article_is_stored_once(polls):
    rows = polls.store.query("SELECT source, COUNT(*) AS n FROM articles GROUP BY source")
    assert {r["source"]: r["n"] for r in rows} == {polls.site.url(p): 1 for p in ARTICLE_PATHS}
    # /news/a0.html is in both the feed and the sitemap (with tracking parameters in the feed): one request.
    asked = [h.path.split("?")[0] for h in polls.log1]
    assert asked.count("/news/a0.html") == 1
    assert asked.count("/flaky.html") == 2  # 503, then 200 after the Retry-After second


def test_disallowed_path_is_never_requested(polls):
    assert not [h for h in polls.log1 + polls.log2 if h.path.startswith("/private/")]
    errors = polls.store.query("SELECT code FROM errors WHERE source = ?", [polls.site.url("/private/exclusive.html")])
    assert [e["code"] for e in errors] == ["robots-disallowed"]
    assert polls.log1[0].path == "/robots.txt"


def test_per_host_delay_is_kept(polls):
    starts = [h.at for h in polls.log1]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(gaps) >= 10
    assert min(gaps) >= FAST.host_delay - 0.01


def test_slow_oversized_and_looping_urls_end_in_stored_fetch_errors(polls):
    rows = polls.store.query("SELECT source, stage, code, message FROM errors WHERE stage = 'fetch'")
    by_source = {r["source"].removeprefix(polls.site.base): r for r in rows}
    assert by_source["/slow.html"]["code"] == "timeout"
    assert by_source["/big.html"]["code"] == "too-large"
    assert by_source["/loop-a"]["code"] == "redirect-loop"
    assert "/flaky.html" not in by_source
    # Within their limits: the silent URL holds the host for the read timeout, not the server's 30 s;
    # the 30 MB page is cut at the size cap.
    slow = next(i for i, h in enumerate(polls.log1) if h.path == "/slow.html")
    assert polls.log1[slow + 1].at - polls.log1[slow].at < FAST.read_timeout + FAST.host_delay + 1.0
    assert str(FAST.max_bytes) in by_source["/big.html"]["message"]


def test_second_poll_sends_only_conditional_gets_and_stores_nothing(polls):
    assert polls.log2, "the second poll must still ask the feed and the sitemap"
    assert all(h.conditional for h in polls.log2), [h.path for h in polls.log2 if not h.conditional]
    assert {h.path for h in polls.log2} == {"/feed.xml", "/sitemap.xml"}  # robots.txt is remembered
    assert polls.counts2 == polls.counts1
    assert polls.second.articles == 0 and polls.second.failed == 0


def test_user_agent_from_configuration_and_compression_offered(polls):
    assert {h.headers["user-agent"] for h in polls.log1} == {FAST.user_agent}
    assert {"gzip", "br"} <= {e.strip() for e in polls.log1[1].headers["accept-encoding"].split(",")}


# -- single behaviours, each on its own small site ------------------------------------------------------
@pytest.fixture
def site():
    site = Site().start()
    site.pages["/robots.txt"] = Page(b"User-agent: *\nAllow: /\n", "text/plain")
    yield site
    site.stop()


def _read(urls: list[str], config: FetchConfig = FAST, **kw) -> list[RawDoc | FetchError]:
    return list(read_urls(urls, max_bytes=config.max_bytes, config=config, **kw))


def test_fetched_page_keeps_headers_final_url_and_requested_source(site, shared_dir):
    site.pages["/story"] = bench_page(shared_dir, "0362-bbc.com.52241221")

    def moved(handler: BaseHTTPRequestHandler, n: int) -> None:
        handler.send_response(301)
        handler.send_header("Location", "/story")
        handler.end_headers()

    site.pages["/old-link"] = moved
    (doc,) = _read([site.url("/old-link?utm_source=twitter")])
    assert isinstance(doc, RawDoc) and doc.kind == "html"
    assert doc.source == site.url("/old-link")
    assert doc.url == site.url("/story")
    assert doc.headers["content-type"] == "text/html; charset=utf-8" and doc.headers["etag"]
    assert doc.content == site.pages["/story"].body
    assert len(doc.fetched or "") == 10


def test_brotli_and_gzip_bodies_are_decoded(site):
    html = b"<html><body><article><p>Compressed report from Kharkiv.</p></article></body></html>"

    def encoded(handler: BaseHTTPRequestHandler, n: int) -> None:
        body = brotli.compress(html)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Encoding", "br")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    site.pages["/br"] = encoded
    (doc,) = _read([site.url("/br")])
    assert doc.content == html


def test_retries_give_up_after_the_configured_attempts(site):
    def down(handler: BaseHTTPRequestHandler, n: int) -> None:
        handler.send_response(503)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    site.pages["/down"] = down
    (err,) = _read([site.url("/down")])
    assert isinstance(err, FetchError) and err.stage == "fetch" and err.code == "http-503"
    assert "3 attempts" in err.detail
    assert len(site.hits("/down")) == FAST.retries + 1


def test_retry_after_over_the_limit_is_an_error_not_a_long_wait(site):
    def busy(handler: BaseHTTPRequestHandler, n: int) -> None:
        handler.send_response(429)
        handler.send_header("Retry-After", "3600")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    site.pages["/busy"] = busy
    started = time.monotonic()
    (err,) = _read([site.url("/busy")], replace(FAST, max_retry_after=5.0))
    assert err.code == "http-429" and "Retry-After 3600" in err.detail
    assert time.monotonic() - started < 3


def test_unreachable_robots_txt_keeps_the_crawler_away(site):
    def broken(handler: BaseHTTPRequestHandler, n: int) -> None:
        handler.send_response(500)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    site.pages["/robots.txt"] = broken
    site.pages["/page"] = Page(b"<html><body><p>x</p></body></html>")
    (err,) = _read([site.url("/page")])
    assert err.code == "robots-unavailable"
    assert site.hits("/page") == []


def test_missing_robots_txt_allows_everything(site):
    del site.pages["/robots.txt"]  # 404
    site.pages["/page"] = Page(b"<html><body><article><p>Allowed.</p></article></body></html>")
    (doc,) = _read([site.url("/page")])
    assert isinstance(doc, RawDoc)


def test_robots_crawl_delay_is_honoured(site):
    site.pages["/robots.txt"] = Page(b"User-agent: *\nCrawl-delay: 0.5\n", "text/plain")
    for i in range(3):
        site.pages[f"/p{i}"] = Page(f"<html><body><article><p>Page {i}.</p></article></body></html>".encode())
    docs = _read([site.url(f"/p{i}") for i in range(3)], replace(FAST, host_delay=0.05))
    assert len(docs) == 3
    starts = [h.at for h in site.log]
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.49


def test_concurrency_cap_holds_across_hosts():
    sites = [Site().start() for _ in range(3)]
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow_page(handler: BaseHTTPRequestHandler, n: int) -> None:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.3)
        with lock:
            state["now"] -= 1
        body = f"<html><body><article><p>Slow but fine: {handler.server.server_address} {handler.path}.</p>"
        serve_page(handler, Page(body.encode() + b"</article></body></html>"))

    try:
        for s in sites:
            s.pages["/robots.txt"] = Page(b"", "text/plain")
            s.pages["/a"] = slow_page
            s.pages["/b"] = slow_page
        urls = [s.url(p) for s in sites for p in ("/a", "/b")]
        docs = _read(urls, replace(FAST, max_concurrency=2, host_delay=0.0))
        assert len(docs) == 6 and all(isinstance(d, RawDoc) for d in docs)
        assert state["max"] == 2  # two hosts at once, never three, and never two on one host
    finally:
        for s in sites:
            s.stop()


def test_one_article_listed_twice_is_fetched_once_without_a_database(site, shared_dir):
    from newssite import news_sitemap, rss

    site.pages["/news/a.html"] = bench_page(shared_dir, "0287-reuters.com.parasite")
    site.pages["/feed.xml"] = rss(site.base, [("/news/a.html", "A")])
    site.pages["/sitemap.xml"] = news_sitemap(site.base, ["/news/a.html"])
    items = _read([site.url("/feed.xml"), site.url("/sitemap.xml"), site.url("/news/a.html#comments")])
    assert [type(i).__name__ for i in items] == ["RawDoc"]
    assert len(site.hits("/news/a.html")) == 1


def test_interrupted_poll_leaves_a_frontier_that_the_next_poll_fetches(site, shared_dir, store):
    from newssite import rss

    for i in range(3):
        site.pages[f"/news/{i}.html"] = Page(f"<html><body><article><p>Report {i}.</p></article></body></html>".encode())
    site.pages["/feed.xml"] = rss(site.base, [(f"/news/{i}.html", str(i)) for i in range(3)])
    stop = threading.Event()
    with WebReader(store=store, config=FAST) as reader:
        for _item in reader.read([site.url("/feed.xml")], stop=stop):
            stop.set()  # SIGTERM after the first document
        site.reset_log()
        got = list(reader.read([site.url("/feed.xml")]))
    assert [h.path for h in site.log if h.path == "/feed.xml"] and all(
        h.conditional for h in site.log if h.path == "/feed.xml")  # the feed is unchanged: 304 ...
    # ... yet nothing it listed is lost: none of the three was stored (no runner here), so all are fetched.
    assert sorted(d.source for d in got) == [site.url(f"/news/{i}.html") for i in range(3)]


def test_warc_archive_replays_through_ingest(site, shared_dir, tmp_path):
    site.pages["/news/a.html"] = bench_page(shared_dir, "0407-nytimes.com.blackouts")
    (doc,) = _read([site.url("/news/a.html")], warc_dir=tmp_path / "warc")
    (archive,) = (tmp_path / "warc").glob("dateline-*.warc.gz")
    (replayed,) = list(iter_warc(archive, str(archive), FAST.max_bytes))
    assert replayed.content == doc.content and replayed.url == doc.url
    assert replayed.headers["etag"] == doc.headers["etag"]


@pytest.mark.parametrize(("value", "low", "high"), [
    ("7", 7, 7), (None, None, None), ("soon", None, None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0, 0),  # a date in the past: retry now
])
def test_retry_after_header_forms(value, low, high):
    got = _retry_after(value)
    assert got == low if low is None else low <= got <= high


@pytest.fixture(params=["sqlite", "postgres"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty store on each backend (PostgreSQL: a schema of its own on the services.sh server)."""
    from dateline.store import open_store

    url = str(tmp_path / "seen.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    with open_store(url) as store:
        yield store


def test_a_new_run_resumes_from_the_seen_table_on_both_backends(site, any_store):
    """What one run learnt (validators, robots.txt, handled pages) spares the next run, in a new reader."""
    from newssite import rss

    from dateline.pipeline import Runner

    for i in range(2):
        site.pages[f"/news/{i}.html"] = Page(f"<html><body><p>Brief {i}.</p></body></html>".encode())
    site.pages["/feed.xml"] = rss(site.base, [("/news/0.html", "0"), ("/news/1.html", "1"), ("/gone.html", "x")])
    runner = Runner(any_store, workers=1, link=False)
    with WebReader(store=any_store, config=FAST) as reader:
        first = runner.run_stream(reader.read([site.url("/feed.xml")]))
    assert first.documents == 3  # two pages (stored or failed in extraction: handled either way) and a 404
    handled = _counts(any_store)
    site.reset_log()
    with WebReader(store=any_store, config=FAST) as reader:  # a new process, as far as the fetcher knows
        second = runner.run_stream(reader.read([site.url("/feed.xml")]))
        assert reader.stats.not_modified == 1 and reader.stats.deferred == 1  # the 404 waits for its retry time
    assert [(h.path, h.conditional) for h in site.log] == [("/feed.xml", True)]
    assert second.documents == 0 and _counts(any_store) == handled
    (row,) = any_store.query("SELECT status, http_status, failures FROM seen WHERE url = ?", [site.url("/gone.html")])
    assert (row["status"], row["http_status"], row["failures"]) == ("http-404", 404, 1)


def test_url_list_sitemap_index_and_gzipped_sitemap_are_followed_to_the_pages(site):
    import gzip

    from newssite import news_sitemap

    for i in range(3):
        site.pages[f"/p/{i}.html"] = Page(f"<html><body><article><p>Dispatch {i}.</p></article></body></html>".encode())
    child = news_sitemap(site.base, ["/p/1.html", "/p/2.html"]).body
    site.pages["/sitemap-news.xml.gz"] = Page(gzip.compress(child), "application/x-gzip")
    index = (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{site.base}/sitemap-news.xml.gz</loc></sitemap></sitemapindex>")
    site.pages["/sitemap_index.xml"] = Page(index.encode(), "application/xml")
    site.pages["/list.txt"] = Page(f"# sources\n{site.base}/p/0.html\n{site.base}/sitemap_index.xml\n".encode(),
                                   "text/plain")
    docs = _read([site.url("/list.txt")])
    assert sorted(d.source for d in docs) == [site.url(f"/p/{i}.html") for i in range(3)]
