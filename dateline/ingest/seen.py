"""The ``seen`` table: what the fetcher knows about each URL between runs.

One row per normalised URL: where it was found (``root``, the source given on
the command line), what it turned out to be (page, feed, sitemap, URL list),
its validators (ETag, Last-Modified) for conditional GETs, the outcome of the
last fetch (``ok`` or an error code; NULL while it is only discovered), the
consecutive failures, and the hash of the last content. ``seen_robots`` keeps
each origin's robots.txt for its 24-hour lifetime, so a new run does not ask
for it again.

The tables belong to the web ingest, not to the store's schema: they are created
on first use with portable SQL (``?`` placeholders, ``ON CONFLICT`` upserts that
SQLite and PostgreSQL both accept), each write in its own short transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .fetch import Response, Robots

if TYPE_CHECKING:
    from ..store.base import Store

DDL = [
    """CREATE TABLE IF NOT EXISTS seen (
        url TEXT PRIMARY KEY, root TEXT, kind TEXT, final_url TEXT,
        etag TEXT, last_modified TEXT, status TEXT, http_status INTEGER,
        failures INTEGER NOT NULL DEFAULT 0, content_hash TEXT,
        first_seen TEXT NOT NULL, last_checked TEXT, last_changed TEXT)""",
    "CREATE INDEX IF NOT EXISTS seen_root_status ON seen (root, status)",
    """CREATE TABLE IF NOT EXISTS seen_robots (
        origin TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT NOT NULL, fetched TEXT NOT NULL)""",
]
MAX_RETRY_WAIT = 86_400.0  # a URL that keeps failing is still tried once a day


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="microseconds")


def _parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


@dataclass(slots=True)
class SeenRow:
    url: str
    root: str | None
    kind: str | None
    status: str | None  # None: discovered, not fetched yet; "ok"; or the error code of the last attempt
    etag: str | None
    last_modified: str | None
    failures: int
    content_hash: str | None
    last_checked: dt.datetime | None

    def conditional_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["if-none-match"] = self.etag
        if self.last_modified:
            headers["if-modified-since"] = self.last_modified
        return headers


class SeenTable:
    """Fetch state per URL in the run's database (SQLite or PostgreSQL, through ``Store``)."""

    def __init__(self, store: Store, *, retry_after: float = 3600.0) -> None:
        self.store = store
        self.retry_after = retry_after
        with store.transaction():
            for stmt in DDL:
                store.execute(stmt)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.store.transaction():
            return self.store.query(sql, params)

    def _write(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.store.transaction():
            self.store.execute(sql, params)

    # -- reading ---------------------------------------------------------------------------
    def get(self, url: str) -> SeenRow | None:
        rows = self._query("SELECT * FROM seen WHERE url = ?", [url])
        return _row(rows[0]) if rows else None

    def get_many(self, urls: Sequence[str]) -> dict[str, SeenRow]:
        found: dict[str, SeenRow] = {}
        for i in range(0, len(urls), 500):
            chunk = list(urls[i:i + 500])
            marks = ",".join("?" * len(chunk))
            for r in self._query(f"SELECT * FROM seen WHERE url IN ({marks})", chunk):
                found[r["url"]] = _row(r)
        return found

    def pending(self, root: str) -> list[SeenRow]:
        """What ``root`` led to that is not safely stored: links never fetched (an earlier poll
        stopped first), failures (retried on their schedule), and pages fetched whose content the
        runner never stored. These are asked for even when ``root`` itself answers 304."""
        return [_row(r) for r in self._query(
            "SELECT * FROM seen s WHERE s.root = ? AND s.url <> s.root AND (s.status IS NULL OR s.status <> 'ok'"
            " OR (s.kind = 'page' AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.raw_hash = s.content_hash)))"
            " ORDER BY s.first_seen, s.url", [root])]

    def stored(self, digest: str | None) -> bool:
        """True when the runner has handled content with this hash (stored it or recorded why not)."""
        return bool(digest) and bool(self._query("SELECT 1 FROM documents WHERE raw_hash = ?", [digest]))

    def retry_due(self, row: SeenRow) -> bool:
        """A failed URL is tried again after ``retry_after`` seconds, doubling with each failure."""
        if row.last_checked is None:
            return True
        wait = min(self.retry_after * 2.0 ** max(0, row.failures - 1), MAX_RETRY_WAIT)
        return (_now() - row.last_checked).total_seconds() >= wait

    def robots(self, origin: str) -> Robots | None:
        rows = self._query("SELECT status, body, fetched FROM seen_robots WHERE origin = ?", [origin])
        if not rows:
            return None
        fetched = _parse(rows[0]["fetched"])
        return Robots(int(rows[0]["status"]), rows[0]["body"], fetched.timestamp() if fetched else 0.0)

    # -- writing ---------------------------------------------------------------------------
    def discover(self, urls: Sequence[str], root: str) -> None:
        """Record links as found and not yet fetched (the frontier); known URLs are left alone."""
        if not urls:
            return
        now = _iso(_now())
        with self.store.transaction():
            for url in urls:
                self.store.execute(
                    "INSERT INTO seen (url, root, failures, first_seen) VALUES (?, ?, 0, ?)"
                    " ON CONFLICT (url) DO NOTHING", [url, root, now])

    def fetched(self, url: str, root: str, kind: str, response: Response, digest: str) -> None:
        now = _iso(_now())
        self._write(
            "INSERT INTO seen (url, root, kind, final_url, etag, last_modified, status, http_status, failures,"
            " content_hash, first_seen, last_checked, last_changed) VALUES (?,?,?,?,?,?,'ok',?,0,?,?,?,?)"
            " ON CONFLICT (url) DO UPDATE SET kind = excluded.kind, final_url = excluded.final_url,"
            " etag = excluded.etag, last_modified = excluded.last_modified, status = 'ok',"
            " http_status = excluded.http_status, failures = 0, last_checked = excluded.last_checked,"
            " last_changed = CASE WHEN seen.content_hash = excluded.content_hash THEN seen.last_changed"
            " ELSE excluded.last_changed END, content_hash = excluded.content_hash",
            [url, root, kind, response.url, response.headers.get("etag"), response.headers.get("last-modified"),
             response.status, digest, now, now, now])

    def not_modified(self, url: str) -> None:
        self._write("UPDATE seen SET status = 'ok', http_status = 304, failures = 0, last_checked = ? WHERE url = ?",
                    [_iso(_now()), url])

    def failed(self, url: str, root: str, code: str, http_status: int | None) -> None:
        now = _iso(_now())
        self._write(
            "INSERT INTO seen (url, root, status, http_status, failures, first_seen, last_checked)"
            " VALUES (?,?,?,?,1,?,?) ON CONFLICT (url) DO UPDATE SET status = excluded.status,"
            " http_status = excluded.http_status, failures = seen.failures + 1, last_checked = excluded.last_checked",
            [url, root, code, http_status, now, now])

    def save_robots(self, origin: str, robots: Robots) -> None:
        fetched = _iso(dt.datetime.fromtimestamp(robots.fetched, tz=dt.timezone.utc))
        self._write(
            "INSERT INTO seen_robots (origin, status, body, fetched) VALUES (?,?,?,?) ON CONFLICT (origin)"
            " DO UPDATE SET status = excluded.status, body = excluded.body, fetched = excluded.fetched",
            [origin, robots.status, robots.body, fetched])


def _row(r: dict[str, Any]) -> SeenRow:
    return SeenRow(url=r["url"], root=r["root"], kind=r["kind"], status=r["status"], etag=r["etag"],
                   last_modified=r["last_modified"], failures=int(r["failures"] or 0),
                   content_hash=r["content_hash"], last_checked=_parse(r["last_checked"]))


__all__ = ["DDL", "SeenRow", "SeenTable"]
