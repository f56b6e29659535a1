"""Fixtures for the API and browser tests: both databases, a hand-written corpus, a live server.

PostgreSQL is the server scripts/services.sh starts (``make test`` runs it first); each test
gets a schema of its own, dropped afterwards. ``DATELINE_TEST_PG`` points elsewhere if needed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servekit import corpus

PG_URL = os.environ.get("DATELINE_TEST_PG", "postgresql://dateline:dateline@127.0.0.1:5433/dateline_test")


def pg_schema_url(base: str) -> Iterator[str]:
    """A fresh schema on the test server, as a URL whose search_path points at it; dropped after."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    try:
        with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL test server unreachable at {base} (run scripts/services.sh): {exc}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once per backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "api.db")
    else:
        yield from pg_schema_url(PG_URL)


@pytest.fixture
def api_db(db_url: str) -> str:
    """``db_url`` holding ``corpus()``."""
    from dateline.store import open_store

    with open_store(db_url) as store:
        for article in corpus():
            store.save(article)
    return db_url


@pytest.fixture
def client_for() -> Iterator[Any]:
    """Builds TestClients over a database (``client_for(url, token=...)``), closed after the test."""
    from fastapi.testclient import TestClient

    from dateline.serve import Settings, create_app

    made: list[TestClient] = []

    def make(url: str, **settings: Any) -> TestClient:
        client = TestClient(create_app(Settings(db=url, **settings)))
        client.__enter__()
        made.append(client)
        return client

    yield make
    for client in made:
        client.__exit__(None, None, None)


@pytest.fixture
def client(api_db: str, client_for: Any) -> Any:
    return client_for(api_db)
