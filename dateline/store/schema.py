"""The database schema, shared by the SQLite and PostgreSQL stores.

Fact tables are derived from the record dataclasses so that a field added to
``records.py`` needs one migration line, not a hand-written table. Every fact
table also keeps the whole fact as JSON in ``data`` so that reading an article
back is exact even for fields that have no column of their own.
"""

from __future__ import annotations

import dataclasses
import functools
import typing

from .. import records
from ..records import FACT_TYPES

SCHEMA_VERSION = 4

# Column types per dialect for the Python annotations used in records.py.
_TYPES = {
    "sqlite": {"str": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "INTEGER", "json": "TEXT"},
    "postgres": {"str": "TEXT", "int": "BIGINT", "float": "DOUBLE PRECISION", "bool": "BOOLEAN", "json": "TEXT"},
}


@functools.cache
def fact_columns(cls: type) -> tuple[tuple[str, str], ...]:
    """(column, kind) for each field of a fact dataclass, in declaration order (read once per class)."""
    hints = typing.get_type_hints(cls, vars(records))
    cols = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        args = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
        if typing.get_origin(hint) in (list, dict):
            kind = "json"
        elif len(args) > 1:
            kind = "str"  # geonameid: int | str
        else:
            kind = {bool: "bool", int: "int", float: "float"}.get(args[0], "str")
        cols.append((f.name, kind))
    return tuple(cols)


def q(name: str) -> str:
    """Quote an identifier: fact fields such as ``end``, ``min`` and ``text`` are SQL keywords."""
    return f'"{name}"'


def ddl(dialect: str) -> list[str]:
    """CREATE statements of schema version 1 (idempotent); ``MIGRATIONS`` take it to ``SCHEMA_VERSION``.

    New databases run the same migrations as old ones, so there is one path to each version.
    """
    t = _TYPES[dialect]
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if dialect == "sqlite" else "BIGSERIAL PRIMARY KEY"
    stmts = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # One row per input document seen (by content hash): what makes reruns idempotent
        # and lets an interrupted run resume without redoing finished documents.
        """CREATE TABLE IF NOT EXISTS documents (
            raw_hash TEXT PRIMARY KEY, source TEXT NOT NULL, article_id TEXT,
            status TEXT NOT NULL, created TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS articles (
            id TEXT PRIMARY KEY, raw_hash TEXT, source TEXT NOT NULL, url TEXT, site TEXT,
            language TEXT, title TEXT, text TEXT NOT NULL, published TEXT,
            dateline_place TEXT, dateline_date TEXT, agency TEXT, ref_date TEXT,
            story_id TEXT, data TEXT NOT NULL, created TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS articles_published ON articles (published)",
        "CREATE INDEX IF NOT EXISTS articles_ref_date ON articles (ref_date)",
        "CREATE INDEX IF NOT EXISTS articles_story ON articles (story_id)",
        "CREATE INDEX IF NOT EXISTS articles_site ON articles (site)",
        f"""CREATE TABLE IF NOT EXISTS errors (
            id {serial}, source TEXT NOT NULL, raw_hash TEXT, article_id TEXT,
            stage TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, created TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS errors_raw ON errors (raw_hash)",
        """CREATE TABLE IF NOT EXISTS stories (
            id TEXT PRIMARY KEY, origin TEXT, size INTEGER NOT NULL, title TEXT,
            first_date TEXT, last_date TEXT, data TEXT NOT NULL, updated TEXT NOT NULL)""",
    ]
    for table, cls in FACT_TYPES.items():
        cols = ", ".join(f"{q(name)} {t[kind]}" for name, kind in fact_columns(cls))
        stmts.append(
            f"CREATE TABLE IF NOT EXISTS {table} (article_id TEXT NOT NULL, idx INTEGER NOT NULL, "
            f"{cols}, data TEXT NOT NULL, PRIMARY KEY (article_id, idx))"
        )
    stmts += [
        "CREATE INDEX IF NOT EXISTS entities_canonical ON entities (canonical)",
        "CREATE INDEX IF NOT EXISTS places_geonameid ON places (geonameid)",
        "CREATE INDEX IF NOT EXISTS quotes_speaker ON quotes (speaker)",
        "CREATE INDEX IF NOT EXISTS events_type ON events (type, subtype)",
        "CREATE INDEX IF NOT EXISTS events_date ON events (date)",
        # Orderings and map boxes the API reads by.
        "CREATE INDEX IF NOT EXISTS articles_order ON articles ((COALESCE(ref_date, '')), id)",
        "CREATE INDEX IF NOT EXISTS events_order ON events ((COALESCE(date, '')), article_id, idx)",
        "CREATE INDEX IF NOT EXISTS places_latlon ON places (lat, lon)",
        "CREATE INDEX IF NOT EXISTS events_latlon ON events (lat, lon)",
    ]
    if dialect == "sqlite":
        stmts += [
            """CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
                title, text, content='articles', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')""",
            """CREATE TRIGGER IF NOT EXISTS articles_ai AFTER INSERT ON articles BEGIN
                INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END""",
            """CREATE TRIGGER IF NOT EXISTS articles_ad AFTER DELETE ON articles BEGIN
                INSERT INTO articles_fts(articles_fts, rowid, title, text)
                VALUES ('delete', old.rowid, old.title, old.text); END""",
            """CREATE TRIGGER IF NOT EXISTS articles_au AFTER UPDATE ON articles BEGIN
                INSERT INTO articles_fts(articles_fts, rowid, title, text)
                VALUES ('delete', old.rowid, old.title, old.text);
                INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END""",
        ]
    return stmts


# Where an event goes on the map: its own coordinates, or else those of the first place (by
# position in the article) whose name or text is the event's place. Written to the event row
# when its article is saved, so a map box is one indexed lookup and not a search of each
# candidate article's places; the API shows the same point it filtered on.
LOCATE_PLACE = """UPDATE events SET geo_place = CASE WHEN lat IS NOT NULL AND lon IS NOT NULL THEN NULL ELSE (
    SELECT p.idx FROM places p WHERE p.article_id = events.article_id AND p.lat IS NOT NULL AND p.lon IS NOT NULL
    AND (LOWER(p.name) = LOWER(events.place) OR LOWER(p.text) = LOWER(events.place)) ORDER BY p.idx LIMIT 1) END"""
LOCATE_POINT = """UPDATE events SET
    geo_lat = CASE WHEN lat IS NOT NULL AND lon IS NOT NULL THEN lat ELSE
        (SELECT p.lat FROM places p WHERE p.article_id = events.article_id AND p.idx = events.geo_place) END,
    geo_lon = CASE WHEN lat IS NOT NULL AND lon IS NOT NULL THEN lon ELSE
        (SELECT p.lon FROM places p WHERE p.article_id = events.article_id AND p.idx = events.geo_place) END"""


def _v2(dialect: str) -> list[str]:
    """Version 2: events located on the map with a spatial index; newest-first event indexes."""
    real = _TYPES[dialect]["float"]
    stmts = [
        f"ALTER TABLE events ADD COLUMN geo_lat {real}",
        f"ALTER TABLE events ADD COLUMN geo_lon {real}",
        f"ALTER TABLE events ADD COLUMN geo_place {_TYPES[dialect]['int']}",
        LOCATE_PLACE,
        LOCATE_POINT,
        # The API lists events newest first, ties by key: these serve that order as written (one
        # index scan that stops after a page), alone or after a type filter. The map point is in
        # the first so that a large box is tested on the index alone, without reading each row.
        "CREATE INDEX events_latest ON events ((COALESCE(date, '')) DESC, article_id, idx, geo_lat, geo_lon)",
        "CREATE INDEX events_type_latest ON events ((LOWER(type)), (COALESCE(date, '')) DESC, article_id, idx)",
    ]
    if dialect == "sqlite":
        # An R*Tree of event points keyed by the events rowid (stable: dateline never VACUUMs, as
        # the FTS index on articles also assumes), kept in step by triggers inside the writing
        # transaction. R*Tree stores 32-bit floats rounded outwards: queries use it to find
        # candidates and test the exact columns.
        stmts += [
            "CREATE VIRTUAL TABLE events_geo USING rtree(id, min_lon, max_lon, min_lat, max_lat)",
            "INSERT INTO events_geo SELECT rowid, geo_lon, geo_lon, geo_lat, geo_lat FROM events"
            " WHERE geo_lat IS NOT NULL AND geo_lon IS NOT NULL",
            """CREATE TRIGGER events_geo_ai AFTER INSERT ON events
                WHEN new.geo_lat IS NOT NULL AND new.geo_lon IS NOT NULL BEGIN
                INSERT INTO events_geo VALUES (new.rowid, new.geo_lon, new.geo_lon, new.geo_lat, new.geo_lat); END""",
            """CREATE TRIGGER events_geo_ad AFTER DELETE ON events BEGIN
                DELETE FROM events_geo WHERE id = old.rowid; END""",
            """CREATE TRIGGER events_geo_au AFTER UPDATE OF geo_lat, geo_lon ON events BEGIN
                DELETE FROM events_geo WHERE id = old.rowid;
                INSERT INTO events_geo SELECT new.rowid, new.geo_lon, new.geo_lon, new.geo_lat, new.geo_lat
                WHERE new.geo_lat IS NOT NULL AND new.geo_lon IS NOT NULL; END""",
        ]
    else:
        # A B-tree on (lon, lat): with column statistics on both, the planner itself picks it for a
        # box holding few events and the newest-first scan of events_latest for one holding many.
        stmts.append("CREATE INDEX events_geo ON events (geo_lon, geo_lat)")
    return stmts


# Version 3: the version-1 event indexes that version 2's serve (events_latest orders events,
# the map point's index finds them in a box) are dropped: every event insert kept them up to date.
_V3 = ["DROP INDEX IF EXISTS events_order", "DROP INDEX IF EXISTS events_latlon"]

# Version 4: SQLite re-indexes an article's text for search only when its title or text change.
# Linking rewrites each new article's row once (its story, in ``data``), and that re-indexed
# the whole text: 0.8 ms per article, a third of storing it.
_V4_SQLITE = [
    "DROP TRIGGER IF EXISTS articles_au",
    """CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.rowid, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END""",
]

# Migrations from version N to N+1, per dialect: append, never edit a released one.
MIGRATIONS: dict[int, dict[str, list[str]]] = {
    1: {"sqlite": _v2("sqlite"), "postgres": _v2("postgres")},
    2: {"sqlite": _V3, "postgres": _V3},
    3: {"sqlite": _V4_SQLITE, "postgres": []},
}
