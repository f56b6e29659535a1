"""Stage 4, link: copies and retellings grouped into stories; events corroborated across stories.

Usage (the runner)::

    linker = Linker(store)
    with store.transaction():
        store._save(article)
        article.story = linker.add(article)
    ...
    linker.finish()          # corroboration counts for the events touched in this run

Batch, without a database::

    refs = link_corpus(articles)   # article id -> StoryRef; also sets Event.sources

State lives in the database (``story_members`` with each member's MinHash
signature and stem weights, its name keys in ``info``, ``stories``, ``story_events``), so a later run
loads it back and joins new articles to old stories incrementally.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..records import Article, StoryRef
from .corroborate import Report, count_sources, reports
from .dedup import Index
from .stories import Member, Story, StoryBook
from .text import Fingerprint, fingerprint, minhash_from_signature, title_numbers

__all__ = ["Linker", "export_stories", "link_corpus"]

_DDL = [
    """CREATE TABLE IF NOT EXISTS story_members (
        article_id TEXT PRIMARY KEY, story_id TEXT NOT NULL, kind TEXT NOT NULL, signals TEXT NOT NULL,
        reuse DOUBLE PRECISION, sig TEXT NOT NULL, n_shingles INTEGER NOT NULL, terms TEXT NOT NULL,
        script TEXT, length INTEGER NOT NULL, info TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS story_members_story ON story_members (story_id)",
    """CREATE TABLE IF NOT EXISTS story_events (
        article_id TEXT NOT NULL, idx INTEGER NOT NULL, story_id TEXT NOT NULL, ekey TEXT NOT NULL,
        actors TEXT NOT NULL, PRIMARY KEY (article_id, idx))""",
    "CREATE INDEX IF NOT EXISTS story_events_key ON story_events (ekey)",
]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def member_row(book: StoryBook, story: Story, article_id: str) -> dict[str, Any]:
    """The ``story_members`` row of one member: its kind and signals, and the fingerprint
    the linker rebuilds its indexes from (also what ``dateline spark`` writes)."""
    m = story.members[article_id]
    fp = book.index.prints[article_id]
    terms = fp.terms_json
    if terms is None:
        terms = _dumps({k: round(v, 4) for k, v in book.index.terms_of(fp).items()})
        if not fp.terms:  # indexed: its weights are final, and a member's row is written again as its story grows
            fp.terms_json = terms
    return {
        "article_id": article_id,
        "story_id": story.id,
        "kind": m.kind,
        "signals": _dumps(m.signals),
        "reuse": m.reuse,
        "sig": fp.signature().hex(),
        "n_shingles": fp.n_shingles,
        "terms": terms,
        "script": fp.script,
        "length": fp.length,
        "info": _dumps(m.to_json() | {"names": fp.names.tolist(), "title_names": [list(k) for k in fp.title_names]}),
    }


class Linker:
    """Keeps the database's stories up to date as articles are stored."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._book: StoryBook | None = None
        self._tables = False
        self._touched_keys: set[str] = set()
        self._pending: str | None = None  # the article last added, until its row is seen committed

    # -- state ------------------------------------------------------------------------------
    def _ensure_tables(self) -> None:
        if not self._tables:
            with self.store.transaction():
                for stmt in _DDL:
                    self.store.execute(stmt)
            self._tables = True

    @property
    def book(self) -> StoryBook:
        """The in-memory stories, loaded from the database on first use."""
        if self._book is None:
            self._ensure_tables()
            book = StoryBook(Index(text_of=self._text_of))
            rows = self.store.query("SELECT * FROM story_members ORDER BY article_id")
            loaded = []
            for row in rows:
                info = json.loads(row["info"])
                member = Member.from_json(info)
                fp = Fingerprint(
                    id=row["article_id"], minhash=minhash_from_signature(bytes.fromhex(row["sig"])),
                    n_shingles=int(row["n_shingles"]), terms=json.loads(row["terms"]), script=row["script"] or "",
                    length=int(row["length"]), site=member.site, title_numbers=title_numbers(member.title),
                    names=np.array(info.get("names", []), dtype=np.uint32),
                    title_names=tuple(tuple(k) for k in info.get("title_names", [])),
                )
                book.index.observe(fp)  # IDF from the whole stored corpus before any vector is made
                loaded.append((fp, member, row["story_id"]))
            for fp, member, story_id in loaded:
                book.load(fp, member, story_id, observed=True)
            self._book = book
        return self._book

    def _text_of(self, article_id: str) -> str | None:
        rows = self.store.query("SELECT title, text FROM articles WHERE id = ?", [article_id])
        if not rows:
            return None
        return embedding_text(rows[0]["title"], rows[0]["text"])

    # -- the runner's interface ---------------------------------------------------------------
    def add(self, article: Article, fp: Fingerprint | None = None) -> StoryRef | None:
        """Assign a just-saved article to a story (inside the caller's transaction); idempotent.

        ``fp``: the article's fingerprint when made elsewhere (a worker process).
        """
        self._forget_rolled_back()
        book = self.book
        story, changed, emptied = book.add(article, fp)
        self._pending = article.id
        try:
            ref = self._persist(article, story, changed, emptied)
        except BaseException:
            # The caller's transaction rolls back: forget the article here too, so
            # that memory matches the database and a retry links it afresh.
            book.remove(article.id)
            raise
        article.story = ref
        return ref

    def _forget_rolled_back(self) -> None:
        """Drop from memory the last article if its transaction rolled back after ``add`` returned."""
        if self._pending is None:
            return
        pending, self._pending = self._pending, None
        self._tables = False  # the tables may have been created in that same transaction
        if not self._has_tables():
            self._book = None  # nothing was ever committed: start again from the database
        elif self._book is not None and not self.store.query(
            "SELECT 1 AS t FROM story_members WHERE article_id = ?", [pending]
        ):
            self._book.remove(pending)

    def _persist(self, article: Article, story: Story, changed: list[str], emptied: str | None) -> StoryRef:
        with self.store.transaction():
            if emptied:
                self.store.execute("DELETE FROM stories WHERE id = ?", [emptied])
            for mid in changed:
                self._save_member(story, mid)
            self._save_story(story)
            ref = story.ref(article.id)
            rows = self.store.query("SELECT data FROM articles WHERE id = ?", [article.id])
            if rows:
                data = json.loads(rows[0]["data"])
                data["story"] = _ref_dict(ref)
                self.store.execute("UPDATE articles SET story_id = ?, data = ? WHERE id = ?", [story.id, _dumps(data), article.id])
            self._save_events(article, story.id)
        return ref

    def _has_tables(self) -> bool:
        """True once story tables exist; reading never creates them (no write on the read path)."""
        if not self._tables:
            if self.store.dialect == "postgres":
                found = self.store.query("SELECT to_regclass('story_members') IS NOT NULL AS t")[0]["t"]
            else:
                found = bool(self.store.query("SELECT 1 AS t FROM sqlite_master WHERE type = 'table' AND name = 'story_members'"))
            self._tables = bool(found)
        return self._tables

    def story_ref(self, article_id: str) -> StoryRef | None:
        """The article's current story block, read from the database."""
        self._forget_rolled_back()
        if not self._has_tables():
            return None
        rows = self.store.query(
            "SELECT m.story_id, m.kind, m.info, s.origin, s.size FROM story_members m"
            " JOIN stories s ON s.id = m.story_id WHERE m.article_id = ?",
            [article_id],
        )
        if not rows:
            return None
        row = rows[0]
        member = Member.from_json(json.loads(row["info"]))
        return StoryRef(
            id=row["story_id"], origin=row["origin"], copies=int(row["size"]) - 1, spun=member.kind == "spun",
            kind=member.kind, signals=member.signals,
        )

    def finish(self) -> None:
        """Recount independent sources for every event key touched in this run."""
        self._forget_rolled_back()
        if not self._touched_keys:
            return
        self._ensure_tables()
        with self.store.transaction():
            for key in sorted(self._touched_keys):
                rows = self.store.query("SELECT article_id, idx, story_id, actors FROM story_events WHERE ekey = ?", [key])
                group = [
                    Report(r["article_id"], int(r["idx"]), r["story_id"], key, frozenset(json.loads(r["actors"])))
                    for r in rows
                ]
                for (article_id, idx), n in count_sources(group).items():
                    self._set_sources(article_id, idx, n)
        self._touched_keys.clear()

    # -- persistence ----------------------------------------------------------------------------
    def _save_member(self, story: Story, article_id: str) -> None:
        row = member_row(self.book, story, article_id)
        self.store.execute("DELETE FROM story_members WHERE article_id = ?", [article_id])
        self.store.execute(
            f"INSERT INTO story_members ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values())
        )

    def _save_story(self, story: Story) -> None:
        row = story.row()
        self.store.execute("DELETE FROM stories WHERE id = ?", [story.id])
        self.store.execute(
            "INSERT INTO stories (id, origin, size, title, first_date, last_date, data, updated) VALUES (?,?,?,?,?,?,?,?)",
            [row["id"], row["origin"], row["size"], row["title"], row["first_date"], row["last_date"],
             _dumps(row["data"]), _now()],
        )

    def _save_events(self, article: Article, story_id: str) -> None:
        old = self.store.query("SELECT ekey FROM story_events WHERE article_id = ?", [article.id])
        self._touched_keys.update(r["ekey"] for r in old)
        self.store.execute("DELETE FROM story_events WHERE article_id = ?", [article.id])
        keyed = reports(article.id, story_id, article.events)
        for idx in set(range(len(article.events))) - {r.idx for r in keyed}:
            self._set_sources(article.id, idx, 1)  # no place or day to match on: its own story only
        for r in keyed:
            self.store.execute(
                "INSERT INTO story_events (article_id, idx, story_id, ekey, actors) VALUES (?,?,?,?,?)",
                [r.article_id, r.idx, r.story_id, r.key, r.actors_json()],
            )
            self._touched_keys.add(r.key)

    def _set_sources(self, article_id: str, idx: int, n: int) -> None:
        rows = self.store.query("SELECT data FROM events WHERE article_id = ? AND idx = ?", [article_id, idx])
        if not rows:
            return
        data = json.loads(rows[0]["data"])
        if data.get("sources") == n:
            return
        data["sources"] = n
        self.store.execute(
            'UPDATE events SET "sources" = ?, data = ? WHERE article_id = ? AND idx = ?', [n, _dumps(data), article_id, idx]
        )


def _ref_dict(ref: StoryRef) -> dict[str, Any]:
    return {"id": ref.id, "origin": ref.origin, "copies": ref.copies, "spun": ref.spun, "kind": ref.kind,
            "signals": list(ref.signals)}


def embedding_text(title: str | None, text: str) -> str:
    return f"{title}. {text[:1200]}" if title else text[:1200]


def link_corpus(articles: list[Article]) -> dict[str, StoryRef]:
    """Group a batch of articles into stories (earliest first); sets each event's ``sources`` too."""
    by_id = {a.id: a for a in articles}
    book = StoryBook(Index(text_of=lambda i: embedding_text(by_id[i].title, by_id[i].text) if i in by_id else None))
    # The whole batch is known up front: IDF from all of it, not from the articles seen so far.
    prints = {a.id: fingerprint(a.id, a.text, a.title, a.site) for a in by_id.values()}
    for fp in prints.values():
        book.index.observe(fp)
    for article in sorted(by_id.values(), key=lambda a: (a.reference_date or "9999", a.id)):
        book.add(article, prints[article.id], observed=True)
    refs = {aid: book.stories[book.story_of[aid]].ref(aid) for aid in by_id}
    groups: dict[str, list[Report]] = defaultdict(list)
    for article in by_id.values():
        for r in reports(article.id, refs[article.id].id, article.events):
            groups[r.key].append(r)
    for article in by_id.values():
        for event in article.events:
            event.sources = 1  # unless matched below
    for group in groups.values():
        for (aid, idx), n in count_sources(group).items():
            by_id[aid].events[idx].sources = n
    for article in by_id.values():
        article.story = refs[article.id]
    return refs


def export_stories(store: Any) -> Iterator[dict[str, Any]]:
    """Every story as one flat row, largest first, for ``dateline export --what stories``.

    ``kinds`` (kind -> count) and ``members`` (id, kind, date, site, reuse,
    signals per member) are JSON text, like the other tables' ``data`` columns,
    so that CSV and Parquet get scalar columns.
    """
    for row in store.query("SELECT * FROM stories ORDER BY size DESC, id"):
        data = json.loads(row["data"]) if row.get("data") else {}
        yield {
            "id": row["id"], "origin": row["origin"], "size": row["size"], "title": row["title"],
            "first_date": row["first_date"], "last_date": row["last_date"], "agency": data.get("agency"),
            "spun": sum(1 for m in data.get("members", []) if m.get("kind") == "spun"),
            "kinds": _dumps(data.get("kinds", {})), "members": _dumps(data.get("members", [])),
            "updated": row["updated"],
        }

