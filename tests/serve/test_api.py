"""Every API endpoint on SQLite and PostgreSQL: answers, filters, paging, exports, errors, the token."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from servekit import KUPYANSK, corpus


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The shared error body, checked: ``{"error": {status, code, message, details}}``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"status", "code", "message", "details"}
    assert err["status"] == status and err["code"] and err["message"]
    assert isinstance(err["details"], list)
    return err


def walk(client: Any, path: str, limit: int) -> list[dict[str, Any]]:
    """Every item of a list, following next_cursor."""
    items, cursor, pages = [], None, 0
    while True:
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).json()
        items += body["items"]
        pages += 1
        assert pages < 50
        cursor = body["next_cursor"]
        if cursor is None:
            return items


# -- articles and search -------------------------------------------------------------------------

def test_articles_newest_first_and_paged_without_gaps(client: Any) -> None:
    every = client.get("/api/articles?limit=500").json()["items"]
    assert len(every) == len(corpus())
    dates = [a["ref_date"] for a in every]
    assert dates == sorted(dates, reverse=True)
    assert "text" not in every[0]
    paged = walk(client, "/api/articles", 3)
    assert [a["id"] for a in paged] == [a["id"] for a in every]
    oldest_first = walk(client, "/api/articles?sort=date", 4)
    assert [a["id"] for a in oldest_first] == [a["id"] for a in reversed(every)]


@pytest.mark.parametrize(("query", "expected"), [
    ("language=uk", {"brief1", "brief3", "brief5"}),
    ("site=reuters.com", {"kup", "kher"}),
    ("date_from=2022-09-09&date_to=2022-09-10", {"kup", "kher"}),
    ("date_from=2022-08&date_to=2022-08", {"ode"}),
    ("place=Izyum", {"kup"}),
    ("place=703656", {"kup"}),
    ("bbox=30,46,33,47", {"kher", "ode"}),
])
def test_article_filters(client: Any, query: str, expected: set[str]) -> None:
    items = client.get(f"/api/articles?{query}").json()["items"]
    assert {a["id"] for a in items} == expected


def test_article_has_text_and_every_fact_with_evidence(client: Any) -> None:
    body = client.get("/api/articles/kup").json()
    assert body["text"] == KUPYANSK
    assert body["title"] == "Ukrainian troops raise flag over Kupyansk"
    for kind in ("entities", "places", "dates", "quotes", "counts", "events"):
        assert body[kind], kind
        for fact in body[kind]:
            assert body["text"][fact["start"]:fact["end"]] == fact["text"]
    statuses = {q["speaker"]: q["status"] for q in body["quotes"]}
    assert statuses["Oleksiy Arestovich"] == "unverified"


def test_search_ranks_and_snippets(client: Any) -> None:
    body = client.get("/api/search?q=Kupyansk").json()
    assert [i["id"] for i in body["items"]] == ["kup"]
    assert "Kupyansk" in body["items"][0]["snippet"]
    # Every brief mentions Kharkiv; the report with Kharkiv in a longer text ranks among them.
    hits = walk(client, "/api/search?q=Kharkiv", 2)
    assert {h["id"] for h in hits} == {"kup"} | {f"brief{i}" for i in range(7)}
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert client.get("/api/search?q=Kharkiv&language=uk").json()["count"] == 3
    assert client.get("/api/search?q=%22supply%20lines%22").json()["items"][0]["id"] == "kher"
    assert client.get("/api/search?q=zzzunknownword").json()["items"] == []


def test_facets_count_everything_matched(client: Any) -> None:
    body = client.get("/api/facets?q=Kharkiv").json()
    assert body["total"] == 8
    assert {"value": "uk", "count": 3} in body["language"]
    assert {f["value"] for f in body["place"]} >= {"Kupyansk", "Izyum", "Kharkiv"}
    assert body["event_type"] == [{"value": "Battles", "count": 1}]
    assert {"value": "Oleksiy Arestovich", "count": 1} in body["speaker"]


# -- facts -----------------------------------------------------------------------------------------

def test_entities_grouped_and_filtered(client: Any) -> None:
    items = client.get("/api/entities?label=person").json()["items"]
    assert {e["name"] for e in items} == {"Volodymyr Zelensky", "Oleksiy Arestovich", "Lloyd Austin"}
    assert client.get("/api/entities?name=reut").json()["items"][0]["name"] == "Reuters"


def test_places_are_geojson(client: Any) -> None:
    body = client.get("/api/places").json()
    assert body["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in body["features"]}
    assert set(by_name) == {"Kupyansk", "Izyum", "Kharkiv", "Kherson", "Odesa"}
    assert by_name["Kupyansk"]["geometry"] == {"type": "Point", "coordinates": [37.61581, 49.71003]}
    assert by_name["Kupyansk"]["properties"]["geonameid"] == 703656
    near = client.get("/api/places?bbox=36,49,38,50.5").json()["features"]
    assert {f["properties"]["name"] for f in near} == {"Kupyansk", "Izyum", "Kharkiv"}


def test_quotes_by_speaker_and_status(client: Any) -> None:
    items = client.get("/api/quotes?status=unverified").json()["items"]
    assert [(q["speaker"], q["text"]) for q in items] == [
        ("Oleksiy Arestovich", "Russians in Izyum were practically isolated")]
    assert items[0]["article_id"] == "kup" and items[0]["article_title"].startswith("Ukrainian troops")
    assert len(client.get("/api/quotes?speaker=austin").json()["items"]) == 1
    assert len(client.get("/api/quotes?status=claimed,unverified").json()["items"]) == 2


def test_counts(client: Any) -> None:
    items = client.get("/api/counts?object=settlement").json()["items"]
    assert [(c["min"], c["object"], c["modality"]) for c in items] == [(30, "settlements", "claimed")]
    assert client.get("/api/counts?modality=asserted").json()["items"] == []


def test_dates(client: Any) -> None:
    items = client.get("/api/dates?date_from=2022-09-10&date_to=2022-09-10").json()["items"]
    assert [(d["text"], d["date"]) for d in items] == [("on Saturday", "2022-09-10")]


@pytest.mark.parametrize(("query", "expected"), [
    ("type=battles", {("kup", 0), ("kup", 1)}),
    ("subtype=Armed%20clash", {("kup", 1)}),
    ("modality=claimed", {("kup", 1), ("kher", 0)}),
    ("actor=ukraine", {("kup", 0), ("kup", 1), ("kher", 0)}),
    ("place=izy", {("kup", 1)}),
    ("date_from=2022-09-09&date_to=2022-09-09", {("kher", 0)}),
    ("bbox=32,46,33,47", {("kher", 0)}),
    ("story=nostory", set()),
])
def test_event_filters(client: Any, query: str, expected: set[tuple[str, int]]) -> None:
    items = client.get(f"/api/events?{query}").json()["items"]
    assert {(e["article_id"], e["idx"]) for e in items} == expected


def test_events_geojson_takes_coordinates_from_the_articles_places(client: Any) -> None:
    body = client.get("/api/events?format=geojson").json()
    assert body["type"] == "FeatureCollection"
    where = {(f["properties"]["article_id"], f["properties"]["idx"]): f["geometry"]["coordinates"]
             for f in body["features"]}
    assert where == {("kup", 0): [37.61581, 49.71003], ("kup", 1): [37.26, 49.21], ("kher", 0): [32.61458, 46.63695]}
    ids = {(f["properties"]["article_id"], f["properties"]["idx"]): f["properties"]["geonameid"] for f in body["features"]}
    assert ids == {("kup", 0): 703656, ("kup", 1): 707688, ("kher", 0): 706448}


def test_a_stored_non_finite_number_is_written_as_null(db_url: str, client_for: Any) -> None:
    from dateline.store import open_store

    article = corpus()[0]
    article.events[0].confidence = float("nan")
    with open_store(db_url) as store:
        store.save(article)
    client = client_for(db_url)
    r = client.get("/api/articles/kup")
    assert r.status_code == 200 and "NaN" not in r.text
    assert r.json()["events"][0]["confidence"] is None
    assert client.get("/api/events?type=battles").json()["items"][0]["confidence"] is None


def test_timeline_per_day(client: Any) -> None:
    days = client.get("/api/timeline").json()["days"]
    assert days == [
        {"date": "2022-09-09", "count": 1, "types": {"Strategic developments": 1}},
        {"date": "2022-09-10", "count": 2, "types": {"Battles": 2}},
    ]
    assert client.get("/api/timeline?article=kher").json()["days"][0]["date"] == "2022-09-09"


def test_stats_and_config(client: Any) -> None:
    assert client.get("/api/stats").json()["articles"] == 10
    assert client.get("/api/config").json() == {"tile_url": None, "tile_attribution": None, "ingest": False}


# -- stories -----------------------------------------------------------------------------------------

def test_story_with_copies_and_corroboration(db_url: str, client_for: Any) -> None:
    from dateline.link import Linker
    from dateline.store import open_store

    copy = corpus()[0]
    copy.id, copy.source, copy.site, copy.published = "kup-copy", "test:kup-copy", "repost.example", "2022-09-11"
    with open_store(db_url) as store:
        linker = Linker(store)
        for article in [*corpus()[:3], copy]:
            with store.transaction():
                store._save(article)
                linker.add(article)
        linker.finish()
    client = client_for(db_url)
    stories = client.get("/api/stories?min_size=2").json()["items"]
    assert len(stories) == 1 and stories[0]["size"] == 2
    story = client.get(f"/api/stories/{stories[0]['id']}").json()
    assert {m["id"] for m in story["members"]} == {"kup", "kup-copy"}
    assert story["origin"] in {"kup", "kup-copy"}
    assert story["members"][0]["id"] == story["origin"]
    assert all(m["kind"] for m in story["members"])
    flag = [g for g in story["corroboration"] if g["subtype"] == "Government regains territory"]
    assert flag and flag[0]["copies"] == 2
    in_story = client.get(f"/api/articles?story={stories[0]['id']}").json()["items"]
    assert {a["id"] for a in in_story} <= {"kup", "kup-copy"} and in_story
    error_of(client.get("/api/stories/none-such"), 404)


# -- exports -----------------------------------------------------------------------------------------

def test_csv_and_jsonl_export_whole_lists(client: Any) -> None:
    r = client.get("/api/articles?format=csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="articles.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 10 and rows[0]["id"] and "title" in rows[0]
    r = client.get("/api/events?format=jsonl")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert {(e["article_id"], e["idx"]) for e in lines} == {("kup", 0), ("kup", 1), ("kher", 0)}
    assert lines[0]["actors"] == ["Military Forces of Ukraine"]
    rows = list(csv.DictReader(io.StringIO(client.get("/api/events?format=csv").text)))
    assert json.loads(rows[0]["actors"]) == ["Military Forces of Ukraine"]
    assert len(client.get("/api/articles?format=jsonl&limit=4").text.splitlines()) == 4
    places = client.get("/api/places?format=jsonl").text.splitlines()
    assert {json.loads(p)["name"] for p in places} >= {"Kupyansk", "Odesa"}
    assert len(client.get("/api/search?q=Kharkiv&format=csv").text.splitlines()) == 9


def test_exports_stream_page_after_page(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import dateline.serve.export as export

    monkeypatch.setattr(export, "MAX_LIMIT", 3)  # ten articles: four pages of the same query
    every = [a["id"] for a in client.get("/api/articles?limit=500").json()["items"]]
    streamed = [json.loads(line)["id"] for line in client.get("/api/articles?format=jsonl").text.splitlines()]
    assert streamed == every
    rows = list(csv.DictReader(io.StringIO(client.get("/api/articles?format=csv&limit=7").text)))
    assert [r["id"] for r in rows] == every[:7]


# -- errors -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "status", "param"), [
    ("/api/articles?limit=0", 422, "limit"),
    ("/api/articles?limit=100000", 422, "limit"),
    ("/api/articles?limit=many", 422, "limit"),
    ("/api/articles?sort=size", 422, "sort"),
    ("/api/articles?format=xml", 422, "format"),
    ("/api/articles?cursor=garbage!", 400, "cursor"),
    ("/api/articles?date_from=2022-02-30", 400, "date_from"),
    ("/api/articles?date_to=yesterday", 400, "date_to"),
    ("/api/articles?bbox=1,2,3", 400, "bbox"),
    ("/api/articles?bbox=0,95,1,96", 400, "bbox"),
    ("/api/search", 400, "q"),
    ("/api/search?q=%22%22", 400, "q"),
    ("/api/events?format=geojson&limit=-1", 422, "limit"),
    ("/api/stories?min_size=0", 422, "min_size"),
    ("/api/facets?top=1000", 422, "top"),
])
def test_bad_parameters_get_the_shared_error_body(client: Any, path: str, status: int, param: str) -> None:
    err = error_of(client.get(path), status)
    assert err["code"] == "invalid_parameter"
    assert [d["param"] for d in err["details"]] == [param]


def test_cursor_of_another_list_is_refused(client: Any) -> None:
    cursor = client.get("/api/articles?limit=2").json()["next_cursor"]
    err = error_of(client.get(f"/api/quotes?cursor={cursor}"), 400)
    assert err["details"][0]["param"] == "cursor"


def test_not_found_and_read_only(client: Any) -> None:
    assert error_of(client.get("/api/articles/none-such"), 404)["code"] == "not_found"
    assert error_of(client.get("/api/no-such-endpoint"), 404)["code"] == "not_found"
    assert error_of(client.post("/api/articles", json={}), 405)["code"] == "method_not_allowed"
    assert error_of(client.delete("/api/articles/kup"), 405)["code"] == "method_not_allowed"
    assert client.get("/api/articles/kup").status_code == 200


# -- ingest and its token -----------------------------------------------------------------------------

RECORD = {
    "title": "Grain corridor reopens",
    "maintext": "ODESA, Sept. 12 (Reuters) - Three grain ships left Odesa on Monday, the Ukrainian infrastructure "
                "ministry said. The ships are carrying corn to Turkey, the ministry said in a statement.",
    "date_publish": "2022-09-12 10:00:00",
    "url": "https://example.com/grain",
    "language": "en",
    "authors": [],
    "id": "grain-1",
}


def test_ingest_is_refused_without_a_configured_token(client: Any) -> None:
    r = client.post("/api/ingest", json={"documents": [RECORD]}, headers={"Authorization": "Bearer anything"})
    assert error_of(r, 403)["code"] == "ingest_disabled"


def test_ingest_needs_the_right_token(api_db: str, client_for: Any) -> None:
    client = client_for(api_db, token="s3cret-token")
    r = client.post("/api/ingest", json={"documents": [RECORD]})
    assert error_of(r, 401)["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    r = client.post("/api/ingest", json={"documents": [RECORD]}, headers={"Authorization": "Bearer wrong"})
    assert error_of(r, 403)["code"] == "forbidden"
    assert client.get("/api/articles/grain-1").status_code == 404
    error_of(client.post("/api/ingest", json={"documents": "nope"}, headers={"X-Dateline-Token": "s3cret-token"}), 422)
    error_of(client.post("/api/ingest", json={}, headers={"X-Dateline-Token": "s3cret-token"}), 400)
    error_of(client.post("/api/ingest", json={"urls": ["file:///etc/passwd"]},
                         headers={"X-Dateline-Token": "s3cret-token"}), 400)


@pytest.mark.slow
def test_ingest_stores_a_news_please_record(api_db: str, client_for: Any) -> None:
    client = client_for(api_db, token="s3cret-token")
    r = client.post("/api/ingest", json={"documents": [RECORD]}, headers={"Authorization": "Bearer s3cret-token"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["documents"] == 1 and body["articles"] == 1, body
    assert body["results"][0]["article_id"] == "grain-1"
    stored = client.get("/api/articles/grain-1").json()
    assert stored["text"] == RECORD["maintext"]
    again = client.post("/api/ingest", json={"documents": [RECORD]}, headers={"Authorization": "Bearer s3cret-token"})
    assert again.json()["skipped"] == 1


# -- the page itself ----------------------------------------------------------------------------------

def test_pages_carry_a_strict_content_security_policy(client: Any) -> None:
    for path in ("/", "/api/articles", "/static/js/app.js", "/api/nope"):
        csp = client.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    page = client.get("/")
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-content-type-options"] == "nosniff"


def test_docs_are_served_without_a_cdn(client: Any) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "/static/vendor/swagger/swagger-ui-bundle.js" in page.text
    assert client.get("/static/vendor/swagger/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/api/openapi.json").json()
    for path in ("/api/articles", "/api/articles/{article_id}", "/api/search", "/api/entities", "/api/places",
                 "/api/quotes", "/api/counts", "/api/events", "/api/stories", "/api/ingest"):
        assert path in spec["paths"], path


def test_tile_url_is_allowed_by_the_policy(api_db: str, client_for: Any) -> None:
    client = client_for(api_db, tile_url="https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://*.tile.example.org" in client.get("/").headers["content-security-policy"]
    assert client.get("/api/config").json()["tile_url"] == "https://{s}.tile.example.org/{z}/{x}/{y}.png"
