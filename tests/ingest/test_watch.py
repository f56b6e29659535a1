"""`dateline watch` as a real process: new feed items between polls, and a clean stop on SIGTERM."""

from __future__ import annotations

import email.utils
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from newssite import Page, Site, bench_page, rss, silent

from dateline.errors import ConfigError
from dateline.ingest.watch import parse_interval

ROOT = Path(__file__).resolve().parents[2]
UPDATED = email.utils.formatdate(1_662_900_000, usegmt=True)  # the feed's Last-Modified after the new item


def start_watch(db: Path, *args: str) -> subprocess.Popen[str]:
    """``dateline watch ...`` in its own process, through the command line's entry point."""
    code = "from dateline.cli import main; main()"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-c", code, "watch", *args, "--db", str(db)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(check: Callable[[], bool], proc: subprocess.Popen[str], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if proc.poll() is not None:
            _out, err = proc.communicate()
            pytest.fail(f"watch exited early ({proc.returncode}) waiting for {what}:\n{err[-3000:]}")
        time.sleep(0.2)
    proc.kill()
    _out, err = proc.communicate()
    pytest.fail(f"timed out waiting for {what}:\n{err[-3000:]}")


def sources(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db) as conn:
            return sorted(r[0] for r in conn.execute("SELECT source FROM articles"))
    except sqlite3.OperationalError:  # the schema is not created yet
        return []


@pytest.fixture
def site(shared_dir: Path):
    site = Site().start()
    site.pages["/robots.txt"] = Page(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    site.pages["/news/a0.html"] = bench_page(shared_dir, "0287-reuters.com.parasite")
    site.pages["/news/a1.html"] = bench_page(shared_dir, "0362-bbc.com.52241221")
    site.pages["/feed.xml"] = rss(site.base, [("/news/a0.html", "A0")])
    yield site
    site.stop()


def test_watch_picks_up_a_new_feed_item_and_stops_cleanly_on_sigterm(site: Site, tmp_path: Path):
    db = tmp_path / "watch.db"
    proc = start_watch(db, site.url("/feed.xml"), "--every", "1s", "--delay", "0.1", "--timeout", "2")
    try:
        wait_for(lambda: sources(db) == [site.url("/news/a0.html")], proc, 120, "the first article")
        site.pages["/feed.xml"] = rss(site.base, [("/news/a1.html", "A1"), ("/news/a0.html", "A0")], UPDATED)
        wait_for(lambda: len(sources(db)) == 2, proc, 120, "the article added to the feed")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM: stopping" in err and "watch stopped after" in err
    assert sources(db) == [site.url("/news/a0.html"), site.url("/news/a1.html")]
    # Each article was fetched once: later polls only asked the feed, conditionally once it was known.
    assert len(site.hits("/news/a0.html")) == 1 and len(site.hits("/news/a1.html")) == 1
    feed_hits = site.hits("/feed.xml")
    assert len(feed_hits) >= 3 and all(h.conditional for h in feed_hits[1:])
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        unstored = conn.execute(
            "SELECT url FROM seen s WHERE kind = 'page' AND NOT EXISTS"
            " (SELECT 1 FROM documents d WHERE d.raw_hash = s.content_hash AND d.status = 'stored')").fetchall()
        assert unstored == []
        orphans = conn.execute("SELECT COUNT(*) FROM articles a WHERE NOT EXISTS"
                               " (SELECT 1 FROM documents d WHERE d.article_id = a.id)").fetchone()[0]
        assert orphans == 0
        feed = conn.execute("SELECT kind, status, etag, last_modified FROM seen WHERE url = ?",
                            [site.url("/feed.xml")]).fetchone()
        assert feed[:2] == ("feed", "ok") and feed[2] == site.pages["/feed.xml"].etag and feed[3] == UPDATED


def test_sigterm_during_a_hanging_request_stops_at_once(site: Site, tmp_path: Path):
    site.pages["/hang.html"] = silent(site.stopping)
    site.pages["/feed.xml"] = rss(site.base, [("/hang.html", "Never answers")])
    db = tmp_path / "hang.db"
    proc = start_watch(db, site.url("/feed.xml"), "--every", "10m", "--delay", "0.1", "--timeout", "20")
    try:
        wait_for(lambda: bool(site.hits("/hang.html")), proc, 60, "the hanging request")
        stopped = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
        took = time.monotonic() - stopped
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert took < 10, f"stopping took {took:.1f} s: the 20 s read timeout was waited for"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The feed's link is kept as a frontier for the next watch, not lost.
        assert conn.execute("SELECT status FROM seen WHERE url = ?", [site.url("/hang.html")]).fetchone() == (None,)


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("1.5h", 5400), ("1d", 86400), ("45", 45)])
def test_parse_interval(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "-5m", "ten minutes", "5w"])
def test_parse_interval_rejects_nonsense(text):
    with pytest.raises(ConfigError, match="--every"):
        parse_interval(text)
