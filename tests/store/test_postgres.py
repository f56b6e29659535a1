"""The PostgreSQL store on a real server (scripts/services.sh starts it on 127.0.0.1:5433).

Each test works in a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import threading

import pytest

from dateline.errors import StoreError
from dateline.records import Article, Entity, ErrorRecord, Event, Place, Quote
from dateline.store import open_store
from dateline.store.postgres import PostgresStore

pytestmark = pytest.mark.postgres

TEXT = ("KYIV, Sept. 10 (Reuters) - Ukrainian officials on Saturday shared photos of troops raising the flag "
        "over Kupyansk. Oleksiy Arestovich said Russians in Izyum were practically isolated.")


def article(aid: str = "a1", text: str = TEXT, title: str = "Flag raised over Kupyansk") -> Article:
    def at(phrase: str) -> tuple[int, int]:
        s = text.index(phrase)
        return s, s + len(phrase)

    a = Article(id=aid, source=f"test:{aid}", text=text, title=title, language="en", published="2022-09-10",
                site="reuters.com", raw_hash=f"hash-{aid}")
    a.dateline.place, a.dateline.date, a.dateline.agency = "Kyiv", "2022-09-10", "Reuters"
    a.entities.append(Entity("Oleksiy Arestovich", *at("Oleksiy Arestovich"), "PERSON", canonical="Oleksiy Arestovich"))
    a.places.append(Place("Kupyansk", *at("Kupyansk"), name="Kupyansk", geonameid=703656, lat=49.71, lon=37.62,
                          metonymic=False))
    quote = "Russians in Izyum were practically isolated"
    a.quotes.append(Quote("indirect", quote, *at(quote), speaker="Oleksiy Arestovich", status="unverified"))
    ev = text[: text.index(".", 30) + 1]
    a.events.append(Event("Battles", "Government regains territory", ev, 0, len(ev), place="Kupyansk",
                          date="2022-09-10", actors=["Military Forces of Ukraine"], confidence=0.9))
    a.errors.append(ErrorRecord("analyze", "partial", "a step gave up"))
    return a


def test_round_trip_is_exact(pg_url: str) -> None:
    with open_store(pg_url) as store:
        assert isinstance(store, PostgresStore)
        original = article()
        store.save(original)
        back = store.article("a1")
    assert back is not None
    assert back.text == original.text and back.title == original.title
    assert back.places == original.places and back.quotes == original.quotes
    assert back.events == original.events and back.entities == original.entities
    assert back.dateline == original.dateline
    for fact in back.places + back.quotes + back.events + back.entities:
        assert back.text[fact.start:fact.end] == fact.text


def test_columns_have_postgres_types(pg_url: str) -> None:
    with open_store(pg_url) as store:
        store.save(article())
        row = store.query('SELECT "lat", "metonymic", idx FROM places')[0]
        assert row == {"lat": 49.71, "metonymic": False, "idx": 0}
        kinds = {r["column_name"]: r["data_type"] for r in store.query(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = 'places'")}
        assert kinds["lat"] == "double precision" and kinds["metonymic"] == "boolean"


def test_saving_again_replaces_and_reopening_keeps_data(pg_url: str) -> None:
    with open_store(pg_url) as store:
        store.save(article())
        store.save(article(title="Flag raised over Kupyansk (updated)"))
        assert store.counts()["articles"] == 1 and store.counts()["quotes"] == 1
        assert store.seen("hash-a1")
    with open_store(pg_url) as again:  # migrating an existing schema changes nothing
        assert again.article("a1").title.endswith("(updated)")
        assert again.query("SELECT value FROM meta WHERE key = 'schema_version'")


def test_full_text_search_ranks_title_words_first(pg_url: str) -> None:
    with open_store(pg_url) as store:
        store.save(article("body", title="Front line report"))
        store.save(Article(id="title", source="t", text="Officials said nothing new about the front.",
                           title="Kupyansk retaken"))
        store.save(Article(id="other", source="t", text="Grain ships left Odesa on Tuesday.", title="Grain corridor"))
        hits = store.search_ids("Kupyansk")
        assert [h[0] for h in hits] == ["title", "body"]
        assert hits[0][1] > hits[1][1] > 0
        assert [h[0] for h in store.search_ids('"practically isolated"')] == ["body"]
        assert [h[0] for h in store.search_ids("Kupyansk -Arestovich")] == ["title"]
        assert store.search_ids("grain OR nothing", limit=1, offset=1)
        assert store.search_ids("   ") == []
        assert store.search_ids("(((") == []


def test_a_failed_transaction_leaves_nothing(pg_url: str) -> None:
    with open_store(pg_url) as store:
        with pytest.raises(StoreError):
            with store.transaction():
                store._save(article())
                store.execute("INSERT INTO nonexistent VALUES (1)")
        assert store.article("a1") is None
        store.record_failure("test:x", "hash-x", ErrorRecord("extract", "empty", "no text"))
        assert store.seen("hash-x") and store.errors_by_stage() == {"extract": 1}


def test_concurrent_opens_migrate_once(pg_url: str) -> None:
    failures: list[BaseException] = []

    def open_one() -> None:
        try:
            open_store(pg_url).close()
        except BaseException as exc:  # collected for the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    with open_store(pg_url) as store:
        assert store.query("SELECT COUNT(*) AS n FROM meta WHERE key = 'schema_version'")[0]["n"] == 1


def test_bad_url_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as info:
        open_store("postgresql://dateline:topsecret@127.0.0.1:1/nowhere")
    assert "topsecret" not in str(info.value)
