"""The API's read queries at their edges, on SQLite and PostgreSQL: map boxes against a brute-force
filter, search ranking bounded to the most recent matches, and upgrading a version-1 database."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dateline.errors import StoreError
from dateline.records import Article, Event, Place
from dateline.store import open_store
from dateline.store import queries as Q
from dateline.store import search as S
from dateline.store.base import Store
from dateline.store.postgres import EXTRA_DDL, PostgresStore
from dateline.store.schema import SCHEMA_VERSION, ddl
from dateline.store.sqlite import SQLiteStore

TOWNS = [("Kupyansk", 49.71, 37.62), ("Izyum", 49.21, 37.26), ("Kharkiv", 50.0, 36.23), ("Kherson", 46.64, 32.61),
         ("Odesa", 46.48, 30.73), ("Lviv", 49.84, 24.03), ("Paris", 48.86, 2.35), ("Lagos", 6.45, 3.39)]


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "q.db")
    else:
        yield request.getfixturevalue("pg_url")


def mapped_article(i: int, rng: random.Random) -> Article:
    """An article naming a few towns, with events that have their own point, a named place, or neither."""
    towns = rng.sample(TOWNS, rng.randint(1, 3))
    text = " ".join(f"Fighting was reported near {name} on day {i}." for name, _, _ in towns)
    a = Article(id=f"a{i:03d}", source=f"test:{i}", text=text, title=f"Report {i}", language="en",
                published=f"2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    at = 0
    for name, lat, lon in towns:
        at = text.index(name, at)
        # Jitter: the same town resolved to slightly different points in different articles.
        a.places.append(Place(name, at, at + len(name), name=name, geonameid=1000 + TOWNS.index((name, lat, lon)),
                              lat=lat + rng.uniform(-0.3, 0.3), lon=lon + rng.uniform(-0.3, 0.3)))
    for k in range(rng.randint(1, 3)):
        sentence = text.split(".")[0] + "."
        day = f"2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if rng.random() < 0.9 else None
        ev = Event("Battles", "Armed clash", sentence, 0, len(sentence), date=day)
        roll = rng.random()
        if roll < 0.2:
            ev.lat, ev.lon = rng.uniform(40, 55), rng.uniform(20, 45)
        elif roll < 0.85:
            name = rng.choice(towns)[0]
            ev.place = name.upper() if rng.random() < 0.3 else name  # matched without regard to case
        else:
            ev.place = "Atlantis"  # named, but not a place of the article: no point
        a.events.append(ev)
    return a


def expected_point(article: Article, ev: Event) -> tuple[float, float] | None:
    """The documented rule: the event's own point, else the first place of its article named like it."""
    if ev.lat is not None and ev.lon is not None:
        return ev.lat, ev.lon
    for p in article.places:
        if ev.place and p.lat is not None and ev.place.lower() in {(p.name or "").lower(), p.text.lower()}:
            return p.lat, p.lon
    return None


def walk(fetch: Any, limit: int) -> list[dict[str, Any]]:
    items, cursor, pages = [], None, 0
    while True:
        page = fetch(cursor, limit)
        items += page.items
        pages += 1
        assert pages < 500
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


@pytest.mark.parametrize("drive_min", [0, 10_000])  # SQLite: boxes read through the R*Tree, or the date index
def test_events_in_a_box_are_exactly_those_a_brute_force_filter_finds(url: str, drive_min: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Q, "BOX_DRIVE_MIN", drive_min)
    rng = random.Random(5)
    articles = [mapped_article(i, rng) for i in range(80)]
    with open_store(url) as store:
        for a in articles:
            store.save(a)
        boxes = [(30.0, 45.0, 40.0, 51.0), (36.0, 49.0, 38.0, 50.2), (-10.0, 40.0, 10.0, 55.0), (0.0, 0.0, 1.0, 1.0),
                 (-180.0, -90.0, 180.0, 90.0), (37.3, 49.4, 37.9, 50.0)]
        for west, south, east, north in boxes:
            want = []
            for a in articles:
                for idx, ev in enumerate(a.events):
                    point = expected_point(a, ev)
                    if point and south <= point[0] <= north and west <= point[1] <= east:
                        want.append((ev.date or "", a.id, idx))
            want.sort(key=lambda k: (k[1], k[2]))
            want.sort(key=lambda k: k[0], reverse=True)
            f = Q.Filters(bbox=(west, south, east, north))
            got = walk(lambda c, n: Q.list_events(store, f, cursor=c, limit=n), 7)
            assert [(e.get("date") or "", e["article_id"], e["idx"]) for e in got] == want
            for e in got:  # shown where it was found
                assert south <= e["lat"] <= north and west <= e["lon"] <= east


def test_event_points_follow_their_article_when_it_is_saved_again(url: str) -> None:
    rng = random.Random(2)
    a = mapped_article(1, rng)
    a.events = [Event("Battles", "Armed clash", a.text[:10], 0, 10, date="2022-05-01", place=a.places[0].name)]
    with open_store(url) as store:
        store.save(a)
        box = (a.places[0].lon - 0.01, a.places[0].lat - 0.01, a.places[0].lon + 0.01, a.places[0].lat + 0.01)
        first = Q.list_events(store, Q.Filters(bbox=box)).items
        assert [(e["article_id"], e["lat"], e["geonameid"]) for e in first] == \
            [(a.id, a.places[0].lat, a.places[0].geonameid)]
        a.places[0].lat, a.places[0].lon = 10.0, 10.0  # re-resolved elsewhere
        store.save(a)
        assert Q.list_events(store, Q.Filters(bbox=box)).items == []
        assert len(Q.list_events(store, Q.Filters(bbox=(9.9, 9.9, 10.1, 10.1))).items) == 1
        store.save(Article(id=a.id, source=a.source, text=a.text))  # no facts any more
        assert Q.list_events(store, Q.Filters(bbox=(9.9, 9.9, 10.1, 10.1))).items == []


def search_corpus() -> list[Article]:
    """Twelve articles saying "shelling", stored oldest date first; "kharkiv" in some titles ranks them higher."""
    out = []
    for i in range(12):
        title = f"Shelling near Kharkiv {i}" if i % 3 == 0 else f"Report {i}"
        text = f"Officials reported shelling overnight in district {i}." + " More shelling followed." * (i % 4)
        out.append(Article(id=f"s{i:02d}", source=f"t:{i}", text=text, title=title, language="en",
                           published=f"2022-03-{i + 1:02d}"))
    return out


def test_search_ranks_the_most_recent_matches_then_lists_the_rest_newest_first(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(url) as store:
        for a in search_corpus():
            store.save(a)
        f = Q.Filters(q="shelling")
        everything = walk(lambda c, n: S.search(store, f, cursor=c, limit=n), 5)
        assert len(everything) == 12
        scores = [h["score"] for h in everything]
        assert scores == sorted(scores, reverse=True)  # few matches: all ranked
        for ranked in (1, 4, 5, 11):
            monkeypatch.setitem(S.RANKED_MATCHES, store.dialect, ranked)
            for limit in (1, 3, 5, 20):
                got = walk(lambda c, n: S.search(store, f, cursor=c, limit=n), limit)
                ids = [h["id"] for h in got]
                # Stored in date order, so "most recent" is the same set on both databases.
                newest = [f"s{i:02d}" for i in range(11, -1, -1)]
                assert sorted(ids[:ranked]) == sorted(newest[:ranked])
                head = [h["score"] for h in got[:ranked]]
                assert head == sorted(head, reverse=True)
                assert ids[ranked:] == newest[ranked:]
                assert sorted(ids) == sorted(h["id"] for h in everything)


def test_search_with_filters_is_bounded_too(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(url) as store:
        for a in search_corpus():
            store.save(a)
        monkeypatch.setitem(S.RANKED_MATCHES, store.dialect, 2)
        f = Q.Filters(q="shelling", date_from="2022-03-04", date_to="2022-03-09")
        got = walk(lambda c, n: S.search(store, f, cursor=c, limit=n), 2)
        assert sorted(h["id"] for h in got[:2]) == ["s07", "s08"]
        assert [h["id"] for h in got[2:]] == ["s06", "s05", "s04", "s03"]


def test_a_bad_search_cursor_is_a_query_error(url: str) -> None:
    with open_store(url) as store:
        store.save(search_corpus()[0])
        with pytest.raises(Q.QueryError):
            S.search(store, Q.Filters(q="shelling"), cursor=Q.encode_cursor([1, 2]))


# -- upgrading a version-1 database --------------------------------------------------------------

def create_v1(store: Store, articles: list[Article]) -> None:
    """A database as dateline's schema version 1 wrote it: no event points, no spatial index."""
    store.conn = store._connect()
    with store.transaction():
        for stmt in ddl(store.dialect):
            store.execute(stmt)
        if store.dialect == "postgres":
            for stmt in EXTRA_DDL:
                store.execute(stmt)
        store.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
        store.locate_events = lambda article_id=None: None  # type: ignore[method-assign]  # v1 had no points
        for a in articles:
            store._save(a)
    store.close()


def test_a_version_1_database_opens_upgraded(url: str) -> None:
    rng = random.Random(9)
    articles = [mapped_article(i, rng) for i in range(15)]
    kind = PostgresStore if url.startswith("postgresql") else SQLiteStore
    create_v1(kind(url), articles)
    with open_store(url) as store:
        assert store.query("SELECT value FROM meta WHERE key = 'schema_version'")[0]["value"] == str(SCHEMA_VERSION)
        assert store.article(articles[3].id).text == articles[3].text
        got = walk(lambda c, n: Q.list_events(store, Q.Filters(bbox=(20.0, 40.0, 45.0, 55.0)), cursor=c, limit=n), 50)
        want = sorted((a.id, i) for a in articles for i, ev in enumerate(a.events)
                      if (p := expected_point(a, ev)) and 40 <= p[0] <= 55 and 20 <= p[1] <= 45)
        assert sorted((e["article_id"], e["idx"]) for e in got) == want and want
    with open_store(url) as again:  # opening an upgraded database changes nothing
        assert again.query("SELECT COUNT(*) AS n FROM meta")[0]["n"] == 1


def test_search_index_follows_title_and_text_only(tmp_path: Path) -> None:
    """SQLite re-indexes an article for search when its title or text change, not when linking
    rewrites its story (the upgraded trigger of a version-1 database does the same)."""
    for fresh in (True, False):
        url = str(tmp_path / f"fts-{fresh}.db")
        article = Article(id="a1", source="t", text="Shelling near Kupyansk overnight.", title="Kupyansk shelled")
        if fresh:
            open_store(url).close()
        else:
            create_v1(SQLiteStore(url), [])
        with open_store(url) as store:
            with store.transaction():
                store._save(article)
            trigger = store.query("SELECT sql FROM sqlite_master WHERE name = 'articles_au'")[0]["sql"]
            assert "UPDATE OF title, text" in trigger
            with store.transaction():
                store.execute("UPDATE articles SET story_id = ?, data = data WHERE id = ?", ["s1", "a1"])
            assert [i for i, _ in store.search_ids("Kupyansk")] == ["a1"]
            with store.transaction():
                store.execute("UPDATE articles SET title = ?, text = ? WHERE id = ?", ["Izyum retaken", "In Izyum.", "a1"])
            assert store.search_ids("Kupyansk") == [] and [i for i, _ in store.search_ids("Izyum")] == ["a1"]


def test_a_database_from_a_newer_dateline_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_store(str(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    with pytest.raises(StoreError, match="newer"):
        open_store(str(path))


@pytest.mark.parametrize("margin", [0.01, 0.5, 50.0])  # windows of the newest 4 articles, or more
def test_postgres_recent_window_finds_the_same_matches(pg_url: str, monkeypatch: pytest.MonkeyPatch,
                                                       margin: float) -> None:
    """A common query looks among recent articles first; too small a window falls back to all matches."""
    with open_store(pg_url) as store:
        for a in search_corpus():
            store.save(a)
        store.execute("ANALYZE articles")
        monkeypatch.setitem(S.RANKED_MATCHES, "postgres", 3)
        for q, f in [("shelling", Q.Filters(q="shelling")), ("kharkiv", Q.Filters(q="kharkiv")),
                     ("dated", Q.Filters(q="shelling", date_from="2022-03-02"))]:
            monkeypatch.setattr(S, "WINDOW_FROM", 10**9)
            plain = walk(lambda c, n: S.search(store, f, cursor=c, limit=n), 2)
            monkeypatch.setattr(S, "WINDOW_FROM", 0)
            monkeypatch.setattr(S, "WINDOW_MARGIN", margin)
            if margin < 0.1:  # "shelling": all 4 newest match; "kharkiv": 1 does, so all matches are read
                assert S._recent_cutoff(store, where_for(store, f), 4) is not None, q
            windowed = walk(lambda c, n: S.search(store, f, cursor=c, limit=n), 2)
            assert [(h["id"], h["score"]) for h in windowed] == [(h["id"], h["score"]) for h in plain], q


def where_for(store: Store, f: Q.Filters) -> Q.Where:
    """The WHERE clause ``search`` builds for ``f``."""
    w = Q.Where()
    ft = Q.full_text(store, f.q or "")
    w.add(ft.where, *ft.params)
    Q.article_where(f, w)
    return w
