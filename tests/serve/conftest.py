"""Fixtures for the API and browser tests: both databases, a hand-written corpus, a live server.

PostgreSQL is the server scripts/services.sh starts (``make test`` runs it first); each test
gets a schema of its own, dropped afterwards. ``DATELINE_TEST_PG`` points elsewhere if needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servekit import corpus

@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once per backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "api.db")
    else:
        yield request.getfixturevalue("pg_url")  # tests/conftest.py: a schema of its own


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
