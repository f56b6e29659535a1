"""The JSON API under /api/: read-only lists and items, plus a token-guarded ingest.

Every list takes ``limit`` and ``cursor`` (pass back ``next_cursor``) and
``format=json|jsonl|csv``; jsonl and csv stream the whole filtered list (or
``limit`` rows) as a download. Errors have one body: see ``app.error_body``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import math
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ..records import article_to_dict
from ..store import Store
from ..store import queries as Q
from ..store.search import search as search_articles
from .app import ApiError, Stores
from .export import export_response
from .stories import get_story, list_stories



def _plain(value: Any) -> Any:
    """What ``json`` cannot write by itself (PostgreSQL numerics, dates): as FastAPI would write it."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return jsonable_encoder(value)


class Json(JSONResponse):
    """A JSON body written straight from the plain dicts the queries return.

    Returning a dict makes FastAPI walk every value through ``jsonable_encoder`` on the event
    loop first; on an article or a page of search hits that walk cost more than the query.
    A body holding non-finite floats is written again with those as null.
    """

    def render(self, content: Any) -> bytes:
        try:
            return _dump(content)
        except ValueError:
            return _dump(_finite(jsonable_encoder(content)))


def _dump(content: Any) -> bytes:
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_plain).encode()


def _finite(value: Any) -> Any:
    """NaN and infinities (which a stored fact may hold) as null: JSON has no words for them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


router = APIRouter(prefix="/api", default_response_class=Json)

Format = Literal["json", "jsonl", "csv"]
GeoFormat = Literal["json", "geojson", "jsonl", "csv"]
Limit = Annotated[int | None, Query(ge=1, le=Q.MAX_LIMIT, description="rows per page (json) or in all (jsonl, csv)")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]


@dataclass(slots=True)
class Db:
    """The request's connection, borrowed from the pool on first use and returned after the response.

    Borrowed by the handler itself (in its worker thread, where a first connect may block) rather
    than by a synchronous dependency: FastAPI runs each of those in a thread-pool hop of its own,
    on entry and on exit, which cost more than a page query.
    """

    pool: Stores
    _store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = self.pool.acquire()
        return self._store

    def release(self, failed: bool) -> None:
        store, self._store = self._store, None
        if store is None:
            return
        # A connection the server dropped (PostgreSQL restarted) is not handed out again.
        if failed and getattr(store.conn, "closed", False):
            self.pool.discard(store)
        else:
            self.pool.release(store)


async def db(request: Request) -> AsyncIterator[Db]:
    holder = Db(request.app.state.stores)
    try:
        yield holder
    except BaseException:
        holder.release(failed=True)
        raise
    holder.release(failed=False)


DbDep = Annotated[Db, Depends(db)]


async def article_filters(
    q: Annotated[str | None, Query(description="words to find in title and text", max_length=500)] = None,
    date_from: Annotated[str | None, Query(description="first day, YYYY[-MM[-DD]]")] = None,
    date_to: Annotated[str | None, Query(description="last day, YYYY[-MM[-DD]] (inclusive)")] = None,
    language: Annotated[str | None, Query(description="language codes, comma-separated")] = None,
    site: Annotated[str | None, Query(description="sites, comma-separated")] = None,
    story: Annotated[str | None, Query(description="story id")] = None,
    article: Annotated[str | None, Query(description="article id")] = None,
    place: Annotated[str | None, Query(description="place name or GeoNames id mentioned")] = None,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
) -> Q.Filters:
    # async: pure parsing, run on the event loop instead of costing a hop to the thread pool.
    return Q.Filters(
        q=q.strip() or None if q else None,
        date_from=Q.parse_date(date_from, "date_from"),
        date_to=Q.parse_date(date_to, "date_to", end=True),
        language=Q.split_list(language),
        site=Q.split_list(site),
        story=story or None,
        article=article or None,
        place=place.strip() or None if place else None,
        bbox=Q.parse_bbox(bbox),
    )


FiltersDep = Annotated[Q.Filters, Depends(article_filters)]
Lister = Callable[..., Q.Page]


def _list(name: str, lister: Lister, db: Db, f: Q.Filters, fmt: str, cursor: str | None,
          limit: int | None, default: int = 50, geo: bool = False, **kw: Any) -> Any:
    if fmt in ("jsonl", "csv"):
        # The download streams after this request's connection went back to the pool:
        # each page borrows one of its own.
        def fetch(c: str | None, n: int) -> Q.Page:
            with db.pool.borrow() as st:
                return lister(st, f, cursor=c, limit=n, **kw)

        return export_response(name, fmt, fetch, cursor, limit)
    page = lister(db.store, f, cursor=cursor, limit=limit or default, **kw)
    if geo or fmt == "geojson":
        return Json(Q.geojson(page.items, page.next_cursor))
    return Json({"items": page.items, "next_cursor": page.next_cursor, "count": len(page.items)})


# -- articles and search ------------------------------------------------------------------------

@router.get("/articles", summary="List articles (no text), newest first")
def list_articles(db: DbDep, f: FiltersDep, sort: Literal["-date", "date", "id"] = "-date",
                  format: Format = "json", cursor: Cursor = None, limit: Limit = None) -> Any:
    return _list("articles", Q.list_articles, db, f, format, cursor, limit, sort=sort)


@router.get("/articles/{article_id:path}", summary="One article with its text and every fact")
def get_article(article_id: str, db: DbDep) -> Any:
    article = db.store.article(article_id)
    if article is None:
        raise ApiError(404, "not_found", f"no article with id {article_id!r}")
    return Json(article_to_dict(article))


@router.get("/search", summary="Full-text search, best match first, with the same filters as /api/articles",
            description="Ranks by relevance the most recent matches (the first 1,000 on SQLite, 150 on "
                        "PostgreSQL: see ``store.search.RANKED_MATCHES``); a query matching more lists its older "
                        "matches after those, newest first, each with its score.")
def search(db: DbDep, f: FiltersDep, format: Format = "json", cursor: Cursor = None,
           limit: Limit = None) -> Any:
    if not f.q:
        raise ApiError(400, "invalid_parameter", "q: give at least one word to search for",
                       [{"param": "q", "problem": "required"}])
    return _list("search", search_articles, db, f, format, cursor, limit, default=20)


@router.get("/facets", summary="Counts per language, site, story, month, place, event type, speaker")
def facets(db: DbDep, f: FiltersDep, top: Annotated[int, Query(ge=1, le=100)] = 10) -> Any:
    return Json(Q.facets(db.store, f, top=top))


# -- facts ------------------------------------------------------------------------------------

@router.get("/entities", summary="People, organisations, places and groups, grouped by canonical name")
def entities(db: DbDep, f: FiltersDep,
             label: Annotated[str | None, Query(description="PERSON, ORG, GPE, …, comma-separated")] = None,
             name: Annotated[str | None, Query(description="part of the name")] = None,
             format: Format = "json", cursor: Cursor = None, limit: Limit = None) -> Any:
    f.label, f.name = [v.upper() for v in Q.split_list(label)], name
    return _list("entities", Q.list_entities, db, f, format, cursor, limit)


@router.get("/places", summary="Resolved places as GeoJSON, most widely reported first")
def places(db: DbDep, f: FiltersDep, name: Annotated[str | None, Query(description="part of the name")] = None,
           format: GeoFormat = "geojson", cursor: Cursor = None, limit: Limit = None) -> Any:
    f.name = name
    return _list("places", Q.list_places, db, f, format, cursor, limit, default=200,
                 geo=format in ("json", "geojson"))


@router.get("/quotes", summary="Quotes and reported claims, by speaker and verification status")
def quotes(db: DbDep, f: FiltersDep,
           speaker: Annotated[str | None, Query(description="part of the speaker's name")] = None,
           status: Annotated[str | None, Query(description="asserted, claimed, unverified, denied, hedged")] = None,
           kind: Annotated[str | None, Query(description="direct, indirect, mixed")] = None,
           format: Format = "json", cursor: Cursor = None, limit: Limit = None) -> Any:
    f.speaker, f.status, f.kind = speaker, Q.split_list(status), Q.split_list(kind)
    return _list("quotes", Q.list_quotes, db, f, format, cursor, limit)


@router.get("/counts", summary="Counted things: number or range, what is counted and what happened to it")
def counts(db: DbDep, f: FiltersDep, object: Annotated[str | None, Query(description="what is counted")] = None,
           predicate: Annotated[str | None, Query(description="what happened to it")] = None,
           modality: Annotated[str | None, Query(description="asserted, claimed, hypothetical, …")] = None,
           format: Format = "json", cursor: Cursor = None, limit: Limit = None) -> Any:
    f.object, f.predicate, f.modality = object, predicate, Q.split_list(modality)
    return _list("counts", Q.list_counts, db, f, format, cursor, limit)


@router.get("/dates", summary="Date mentions resolved to calendar days")
def dates(db: DbDep, f: FiltersDep, format: Format = "json", cursor: Cursor = None, limit: Limit = None) -> Any:
    return _list("dates", Q.list_dates, db, f, format, cursor, limit)


async def event_filters(
    f: FiltersDep,
    type: Annotated[str | None, Query(description="ACLED event types, comma-separated")] = None,
    subtype: Annotated[str | None, Query(description="sub-event types, comma-separated")] = None,
    modality: Annotated[str | None, Query(description="asserted, claimed, hypothetical, threatened, negated")] = None,
    actor: Annotated[str | None, Query(description="part of an actor's name")] = None,
) -> Q.Filters:
    f.type, f.subtype, f.modality, f.actor = Q.split_list(type), Q.split_list(subtype), Q.split_list(modality), actor
    return f


EventFilters = Annotated[Q.Filters, Depends(event_filters)]


@router.get("/events", summary="Events (latest first); date range on the event's day; format=geojson for a map "
            "(events without coordinates get a null geometry)")
def events(db: DbDep, f: EventFilters, format: GeoFormat = "json",
           cursor: Cursor = None, limit: Limit = None) -> Any:
    return _list("events", Q.list_events, db, f, format, cursor, limit)


@router.get("/timeline", summary="Events per day (and per type), oldest first")
def timeline(db: DbDep, f: EventFilters) -> Any:
    return Json({"days": Q.timeline(db.store, f)})


# -- stories ------------------------------------------------------------------------------------

@router.get("/stories", summary="Stories (copies of one report), largest first")
def stories(db: DbDep, f: FiltersDep, min_size: Annotated[int | None, Query(ge=1)] = None,
            format: Format = "json", cursor: Cursor = None, limit: Limit = None) -> Any:
    f.min_size = min_size
    return _list("stories", list_stories, db, f, format, cursor, limit)


@router.get("/stories/{story_id:path}", summary="A story: origin, copies with kind and signals, corroboration")
def story(story_id: str, db: DbDep) -> Any:
    found = get_story(db.store, story_id)
    if found is None:
        raise ApiError(404, "not_found", f"no story with id {story_id!r}")
    return Json(found)


@router.get("/stats", summary="How many articles and facts the database holds")
def stats(db: DbDep) -> Any:
    return Json(Q.stats(db.store))


@router.get("/config", summary="Settings the web UI needs (map tiles)")
def config(request: Request) -> Any:
    s = request.app.state.settings
    return {"tile_url": s.tile_url or None, "tile_attribution": s.tile_attribution or None,
            "ingest": bool(s.token)}


# -- ingest ---------------------------------------------------------------------------------------

class IngestRequest(BaseModel):
    """Documents to process and store: news-please records and/or URLs to fetch."""

    documents: list[dict[str, Any]] = Field(default_factory=list, max_length=1000,
                                            description="news-please records: title, maintext, date_publish, url, …")
    urls: list[str] = Field(default_factory=list, max_length=100, description="http(s) URLs to fetch")


def require_token(request: Request) -> None:
    """401 without a token, 403 with a wrong one or when ingest is disabled (no token configured)."""
    expected = request.app.state.settings.token
    given = request.headers.get("authorization", "")
    token = given[7:].strip() if given.lower().startswith("bearer ") else request.headers.get("x-dateline-token", "")
    if not expected:
        raise ApiError(403, "ingest_disabled", "this server is read-only: start it with --token to allow ingest")
    if not token:
        raise ApiError(401, "unauthorized", "send the ingest token as 'Authorization: Bearer <token>'",
                       headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError(403, "forbidden", "wrong ingest token")


@router.post("/ingest", summary="Process and store documents (needs the server's token)",
             dependencies=[Depends(require_token)])
def ingest(body: IngestRequest, request: Request) -> Any:
    from ..ingest import read_sources
    from ..ingest.files import records_from_json
    from ..pipeline import Runner
    from ..records import RawDoc

    if not body.documents and not body.urls:
        raise ApiError(400, "invalid_parameter", "give documents or urls", [{"param": "body", "problem": "empty"}])
    bad = [u for u in body.urls if not u.startswith(("http://", "https://"))]
    if bad:
        raise ApiError(400, "invalid_parameter", f"urls: not an http(s) URL: {bad[0]!r}",
                       [{"param": "urls", "problem": "http(s) URLs only"}])
    stores = request.app.state.stores
    items: list[Any] = []
    if body.documents:
        items += list(records_from_json(json.dumps(body.documents).encode(), "api:ingest"))
    raws = [i for i in items if isinstance(i, RawDoc)]

    def stream() -> Iterator[Any]:
        yield from items
        if body.urls:
            for item in read_sources(body.urls):
                if isinstance(item, RawDoc):
                    raws.append(item)
                yield item

    with stores.write_lock, stores.borrow() as writer:
        stats = Runner(writer, workers=1).run_stream(stream())
        hashes = [r.content_hash for r in raws]
        marks = ",".join("?" * len(hashes))
        done = writer.query(f"SELECT raw_hash, source, article_id, status FROM documents WHERE raw_hash IN ({marks})",
                            hashes) if hashes else []
    return JSONResponse({
        "documents": stats.documents, "articles": stats.articles, "skipped": stats.skipped, "failed": stats.failed,
        "errors_by_stage": dict(stats.errors_by_stage),
        "results": [{"source": d["source"], "article_id": d["article_id"], "status": d["status"]} for d in done],
    })
