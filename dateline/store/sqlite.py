"""SQLite backend: one file, WAL, FTS5 over title and text.

One process writes (the runner); readers (the API) open their own
connections. ``BEGIN IMMEDIATE`` takes the write lock at the start of a
transaction so that a writer never fails half-way on a lock upgrade.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .base import Store


class SQLiteStore(Store):
    dialect = "sqlite"
    placeholder = "?"

    def _connect(self) -> sqlite3.Connection:
        path = self.url.removeprefix("sqlite:///").removeprefix("sqlite://")
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            # Reads through a shared memory map of the file instead of a 2 MB page cache per
            # connection: the API keeps one connection per worker thread, and each would otherwise
            # copy the same index pages from the OS cache again.
            conn.execute("PRAGMA mmap_size=1073741824")
        except sqlite3.DatabaseError as exc:
            raise StoreError("cannot-open", f"{path}: {exc}") from exc
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        if self.conn.in_transaction:  # nested: the outer transaction decides
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def _existing_columns(self, table: str) -> set[str]:
        return {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}

    def search_ids(self, query: str, limit: int = 20, offset: int = 0) -> list[tuple[str, float]]:
        match = fts_query(query)
        if not match:
            return []
        rows = self.query(
            "SELECT a.id AS id, bm25(articles_fts, 5.0, 1.0) AS rank FROM articles_fts"
            " JOIN articles a ON a.rowid = articles_fts.rowid WHERE articles_fts MATCH ?"
            " ORDER BY rank, a.id LIMIT ? OFFSET ?",
            [match, limit, offset],
        )
        return [(r["id"], -float(r["rank"])) for r in rows]


def fts_query(text: str) -> str:
    """A user's words as a safe FTS5 query: each word quoted, all required; "a b" kept as a phrase."""
    parts = re.findall(r'"([^"]+)"|(\S+)', text)
    terms = []
    for phrase, word in parts:
        chunk = (phrase or word).replace('"', " ").strip()
        if chunk:
            terms.append('"' + chunk + '"')
    return " ".join(terms)
