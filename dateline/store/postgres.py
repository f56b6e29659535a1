"""PostgreSQL backend: the same schema as SQLite, full-text search with tsvector.

The search vector is a stored generated column (title weighted above body) with
a GIN index, so ranking reads the stored vector instead of re-parsing every
matching text. The ``simple`` configuration (no stemming, no stop words) keeps
results in line with SQLite's FTS5 ``unicode61`` tokenizer and works for every
language dateline stores; ``websearch_to_tsquery`` accepts whatever a user
types (quotes for phrases, ``-word``, ``or``) without syntax errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import pq

from ..errors import StoreError
from .base import Store

FTS_CONFIG = "simple"
# The vector is generated from the row, so every writer (runner, ingest, Spark loader) keeps it current.
FTS_COLUMN = (
    f"setweight(to_tsvector('{FTS_CONFIG}', coalesce(title, '')), 'A') || "
    f"setweight(to_tsvector('{FTS_CONFIG}', text), 'B')"
)
# Serialises concurrent migrations (several API worker threads may open the store at once).
_MIGRATION_LOCK = 7_250_910

# Indexes the API's filters and joins use, beyond the shared schema's.
EXTRA_DDL = [
    f"ALTER TABLE articles ADD COLUMN IF NOT EXISTS fts tsvector GENERATED ALWAYS AS ({FTS_COLUMN}) STORED",
    "CREATE INDEX IF NOT EXISTS articles_fts ON articles USING gin (fts)",
    "CREATE INDEX IF NOT EXISTS articles_language ON articles (language)",
    "CREATE INDEX IF NOT EXISTS quotes_status ON quotes (status)",
    "CREATE INDEX IF NOT EXISTS events_place ON events (place)",
]


class PostgresStore(Store):
    """A dateline database on a PostgreSQL server (``postgresql://user:pw@host:port/db``)."""

    dialect = "postgres"
    placeholder = "%s"

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            # Autocommit outside ``transaction()``: reads never hold a transaction open,
            # so a long-lived API connection does not pin old row versions.
            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError("cannot-open", f"{_redact(self.url)}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        if self.conn.info.transaction_status != pq.TransactionStatus.IDLE:
            yield self.conn  # nested: the outer transaction decides
            return
        try:
            with self.conn.transaction():
                yield self.conn
        except psycopg.Error as exc:
            raise StoreError("write-failed", str(exc)) from exc

    def migrate(self) -> None:
        with self.transaction():
            self.execute("SELECT pg_advisory_xact_lock(?)", [_MIGRATION_LOCK])
            super().migrate()
            for stmt in EXTRA_DDL:
                self.execute(stmt)

    def _existing_columns(self, table: str) -> set[str]:
        rows = self.query(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
            [table],
        )
        return {r["column_name"] for r in rows}

    def search_ids(self, query: str, limit: int = 20, offset: int = 0) -> list[tuple[str, float]]:
        if not query.strip():
            return []
        rows = self.query(
            f"SELECT id, ts_rank(fts, websearch_to_tsquery('{FTS_CONFIG}', ?)) AS rank FROM articles"
            f" WHERE fts @@ websearch_to_tsquery('{FTS_CONFIG}', ?) ORDER BY rank DESC, id LIMIT ? OFFSET ?",
            [query, query, limit, offset],
        )
        return [(r["id"], float(r["rank"])) for r in rows]


def _redact(url: str) -> str:
    """The URL without its password, for error messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "postgresql://…"
    return f"postgresql://{info.get('user', '')}@{info.get('host', '')}:{info.get('port', '')}/{info.get('dbname', '')}"
