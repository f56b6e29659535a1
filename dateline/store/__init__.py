"""Stage 5, store: articles and facts in SQLite (default) or PostgreSQL."""

from __future__ import annotations

from ..errors import ConfigError
from .base import Store

DEFAULT_DB = "dateline.db"


def open_store(url: str | None = None) -> Store:
    """Open (and create or migrate) the database at ``url``: a SQLite path or a postgresql:// URL."""
    url = url or DEFAULT_DB
    if url.startswith(("postgresql://", "postgres://")):
        try:
            from .postgres import PostgresStore
        except ImportError as exc:  # pragma: no cover - psycopg is a pinned dependency
            raise ConfigError(f"PostgreSQL support needs psycopg: {exc}") from exc
        return PostgresStore(url).open()
    if "://" in url and not url.startswith("sqlite:"):
        raise ConfigError(f"--db takes a SQLite file path or a postgresql:// URL, not {url!r}")
    from .sqlite import SQLiteStore

    return SQLiteStore(url).open()


__all__ = ["DEFAULT_DB", "Store", "open_store"]
