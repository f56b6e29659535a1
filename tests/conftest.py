"""Shared fixtures: the shared/ folder beside the repo, the seed, real temp-file databases."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
SEED = SHARED / "seeds" / "000_8fae8f6d24054e21.txt"
# The server scripts/services.sh starts (``make test`` runs it first); DATELINE_TEST_PG points elsewhere.
PG_URL = os.environ.get("DATELINE_TEST_PG", "postgresql://dateline:dateline@127.0.0.1:5433/dateline_test")


def pg_schema_url(base: str = PG_URL) -> Iterator[str]:
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


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL with a schema of its own for this test."""
    yield from pg_schema_url(PG_URL)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    assert SHARED.is_dir(), f"the shared/ folder must sit beside the repo: {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def seed_path(shared_dir: Path) -> Path:
    return SEED


@pytest.fixture(scope="session")
def seed_expected(shared_dir: Path) -> dict:
    return json.loads((shared_dir / "seeds" / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def article_schema(shared_dir: Path) -> dict:
    return json.loads((shared_dir / "article.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def seed_article(seed_path: Path):
    """The seed through the whole pipeline (extract + analyze), once per test session."""
    from dateline.ingest import read_sources
    from dateline.pipeline import process

    (raw,) = list(read_sources([str(seed_path)]))
    return process(raw)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def store(db_path: Path):
    from dateline.store import open_store

    with open_store(str(db_path)) as s:
        yield s
