"""What every database backend does, written once over DB-API connections.

Backends differ only in connecting, placeholders, full-text search and a few
types; they subclass ``Store`` and fill those in. All writes for one document
happen in one transaction, so a crash or a kill leaves either the whole
document or nothing of it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import StoreError
from ..records import FACT_TYPES, Article, ErrorRecord, article_from_dict, article_to_dict
from .schema import _TYPES, LOCATE_PLACE, LOCATE_POINT, MIGRATIONS, SCHEMA_VERSION, ddl, fact_columns, q


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class ArticleRows:
    """What ``Store._save`` writes for one article's body and facts, as plain values."""

    body: str  # the ``data`` column of its ``articles`` row
    facts: dict[str, list[list[Any]]]  # fact table -> its rows, from ``idx`` on (the article id goes first)


def article_rows(article: Article) -> ArticleRows:
    """One article's ``data`` and fact rows, serialised. The runner makes them in the worker
    that analysed the article, so that the one process writing to the database only inserts
    them (the JSON of the facts was a tenth of that process's time per article)."""
    data = article_to_dict(article)
    body = {k: v for k, v in data.items() if k not in FACT_TYPES and k != "text"}
    facts = {}
    for table, cls in FACT_TYPES.items():
        cols = fact_columns(cls)
        facts[table] = [[idx, *(_column_value(fact.get(n), kind) for n, kind in cols), _dumps(fact)]
                        for idx, fact in enumerate(data[table])]
    return ArticleRows(_dumps(body), facts)


def _column_value(value: Any, kind: str) -> Any:
    if kind == "json":
        return _dumps(value if value is not None else [])
    if kind == "str" and value is not None:
        return str(value)
    return value


class Store:
    """A dateline database. Use ``open_store(url)``; close with ``close()`` or ``with``."""

    dialect = "generic"
    placeholder = "?"

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None
        self._linker: Any = None

    # -- backend hooks ---------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """One write transaction; rolled back whole on any error."""
        raise NotImplementedError
        yield

    def _existing_columns(self, table: str) -> set[str]:
        raise NotImplementedError

    def search_ids(self, query: str, limit: int = 20, offset: int = 0) -> list[tuple[str, float]]:
        """(article id, rank) for a full-text query, best first."""
        raise NotImplementedError

    # -- setup -------------------------------------------------------------------------
    def open(self) -> Store:
        self.conn = self._connect()
        self.migrate()
        return self

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sql(self, statement: str) -> str:
        """Write statements with ``?``; backends with another placeholder translate here."""
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement over many parameter rows (an article's facts), in one driver call."""
        cur = self.conn.cursor()
        try:
            cur.executemany(self.sql(statement), [tuple(r) for r in rows])
        finally:
            cur.close()

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.execute(statement, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def migrate(self) -> None:
        """Create the schema, add columns for new record fields, and apply numbered migrations.

        A new database starts from version 1 (``ddl``) and runs every migration, like an old one;
        an existing one (every dateline database records its version in ``meta``) only runs the
        migrations it lacks, so that opening it does not re-create what a migration dropped.
        """
        with self.transaction():
            if not self._existing_columns("meta"):
                for stmt in ddl(self.dialect):
                    self.execute(stmt)
            # A field added to a fact record becomes a nullable column; its values
            # are also in each row's JSON, so old rows stay readable. Added before the
            # migrations so that they may read every record field.
            for table, cls in FACT_TYPES.items():
                have = self._existing_columns(table)
                for name, kind in fact_columns(cls):
                    if name not in have:
                        self.execute(f"ALTER TABLE {table} ADD COLUMN {q(name)} {_TYPES[self.dialect][kind]}")
            rows = self.query("SELECT value FROM meta WHERE key = 'schema_version'")
            version = int(rows[0]["value"]) if rows else 1
            if version > SCHEMA_VERSION:
                raise StoreError("schema-too-new", f"database schema version {version} is newer than this"
                                 f" dateline's ({SCHEMA_VERSION}): upgrade dateline")
            for v in range(version, SCHEMA_VERSION):
                for stmt in MIGRATIONS.get(v, {}).get(self.dialect, []):
                    self.execute(stmt)
            if rows:
                self.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
            else:
                self.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])

    # -- documents ---------------------------------------------------------------------
    def seen(self, raw_hash: str) -> bool:
        """True when this exact input was handled before (stored, or failed for good)."""
        return bool(self.query("SELECT 1 FROM documents WHERE raw_hash = ?", [raw_hash]))

    def seen_many(self, hashes: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(hashes), 500):
            chunk = list(hashes[i : i + 500])
            marks = ",".join("?" * len(chunk))
            found.update(r["raw_hash"] for r in self.query(f"SELECT raw_hash FROM documents WHERE raw_hash IN ({marks})", chunk))
        return found

    def save(self, article: Article) -> None:
        """Store one article with all its facts, replacing an earlier version, atomically."""
        with self.transaction():
            self._save(article)

    def _save(self, article: Article, rows: ArticleRows | None = None) -> None:
        """Write ``article`` (``rows``: its ``article_rows``, when made elsewhere from the same article)."""
        # Facts and errors with an article id are only written here, with the article's row: a
        # new article has nothing to replace (one query instead of eight deletes).
        if self.query("SELECT 1 AS t FROM articles WHERE id = ?", [article.id]):
            self._delete_article(article.id)
        rows = rows or article_rows(article)
        self.execute(
            "INSERT INTO articles (id, raw_hash, source, url, site, language, title, text, published,"
            " dateline_place, dateline_date, agency, ref_date, story_id, data, created)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                article.id, article.raw_hash, article.source, article.url, article.site, article.language,
                article.title, article.text, article.published, article.dateline.place,
                article.dateline.date, article.dateline.agency, article.reference_date,
                article.story.id if article.story else None, rows.body, now(),
            ],
        )
        for table, cls in FACT_TYPES.items():
            cols = fact_columns(cls)
            names = ", ".join(q(n) for n, _ in cols)
            marks = ",".join("?" * (len(cols) + 3))
            stmt = f"INSERT INTO {table} (article_id, idx, {names}, data) VALUES ({marks})"
            self.executemany(stmt, ([article.id, *row] for row in rows.facts[table]))
        self.locate_events(article.id)
        for err in article.errors:
            self._error(article.source, article.raw_hash, article.id, err)
        if article.raw_hash:
            self._mark(article.raw_hash, article.source, article.id, "stored")

    def locate_events(self, article_id: str | None = None) -> None:
        """Place the events of one article (or of all, after a bulk load) on the map: see ``schema.LOCATE_PLACE``."""
        where, params = (" WHERE events.article_id = ?", [article_id]) if article_id is not None else ("", [])
        self.execute(LOCATE_PLACE + where, params)
        self.execute(LOCATE_POINT + where, params)

    def _delete_article(self, article_id: str) -> None:
        for table in FACT_TYPES:
            self.execute(f"DELETE FROM {table} WHERE article_id = ?", [article_id])
        self.execute("DELETE FROM errors WHERE article_id = ?", [article_id])
        self.execute("DELETE FROM articles WHERE id = ?", [article_id])

    def _mark(self, raw_hash: str, source: str, article_id: str | None, status: str) -> None:
        self.execute("DELETE FROM documents WHERE raw_hash = ?", [raw_hash])
        self.execute(
            "INSERT INTO documents (raw_hash, source, article_id, status, created) VALUES (?,?,?,?,?)",
            [raw_hash, source, article_id, status, now()],
        )

    def _error(self, source: str, raw_hash: str | None, article_id: str | None, err: ErrorRecord) -> None:
        self.execute(
            "INSERT INTO errors (source, raw_hash, article_id, stage, code, message, created) VALUES (?,?,?,?,?,?,?)",
            [source, raw_hash, article_id, err.stage, err.code, err.message, now()],
        )

    def record_failure(self, source: str, raw_hash: str | None, err: ErrorRecord, *, final: bool = True) -> None:
        """A document that produced no article: one error row (replacing an earlier one for it).

        ``final`` failures (the input itself is bad) mark the document as seen so reruns skip it;
        others (the database refused a write) leave it to be tried again by the next run.
        """
        with self.transaction():
            if raw_hash:
                self.execute("DELETE FROM errors WHERE raw_hash = ? AND article_id IS NULL", [raw_hash])
            self._error(source, raw_hash, None, err)
            if raw_hash and final:
                self._mark(raw_hash, source, None, "failed")

    # -- reading ------------------------------------------------------------------------
    def article(self, article_id: str) -> Article | None:
        rows = self.query("SELECT * FROM articles WHERE id = ?", [article_id])
        return self._load(rows[0]) if rows else None

    def articles(self, limit: int | None = None, offset: int = 0) -> Iterator[Article]:
        """All articles in a stable order (by id), streamed in pages."""
        page, last = 200, ""
        served = 0
        while True:
            rows = self.query("SELECT * FROM articles WHERE id > ? ORDER BY id LIMIT ?", [last, page])
            if not rows:
                return
            for row in rows:
                if served >= offset:
                    yield self._load(row)
                served += 1
                if limit is not None and served >= offset + limit:
                    return
            last = rows[-1]["id"]

    def _load(self, row: dict[str, Any]) -> Article:
        data = json.loads(row["data"])
        data["text"] = row["text"]
        data["id"] = row["id"]
        for table in FACT_TYPES:
            facts = self.query(f"SELECT data FROM {table} WHERE article_id = ? ORDER BY idx", [row["id"]])
            data[table] = [json.loads(f["data"]) for f in facts]
        article = article_from_dict(data)
        article.raw_hash = row.get("raw_hash")
        article.story = self.story_ref(article.id) or article.story
        return article

    def story_ref(self, article_id: str) -> Any:
        """The article's current story block: stories change as copies arrive after it."""
        if self._linker is None:
            from ..link import Linker  # link builds on store; imported on first use

            self._linker = Linker(self)
        return self._linker.story_ref(article_id)

    def rows(self, table: str, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Rows of one table for export, streamed (``data`` JSON columns left as text)."""
        sql = f"SELECT * FROM {table} ORDER BY 1, 2" if table in FACT_TYPES else f"SELECT * FROM {table} ORDER BY 1"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        cur = self.execute(sql)
        names = [d[0] for d in cur.description]
        while True:
            batch = cur.fetchmany(500)
            if not batch:
                return
            for row in batch:
                yield dict(zip(names, row))

    def counts(self) -> dict[str, int]:
        """How many rows each main table holds (for summaries)."""
        tables = ["articles", *FACT_TYPES, "stories", "errors"]
        return {t: self.query(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"] for t in tables}

    def errors_by_stage(self) -> dict[str, int]:
        rows = self.query("SELECT stage, COUNT(*) AS n FROM errors GROUP BY stage ORDER BY stage")
        return {r["stage"]: r["n"] for r in rows}
