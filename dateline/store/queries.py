"""Read queries behind the HTTP API: filtered lists, cursor pages, GeoJSON, facets.

Every function takes an open ``Store`` and returns plain dicts, the same on
SQLite and PostgreSQL. Lists use keyset pagination: each page ends with an
opaque cursor holding the sort key of its last row, and every ordering ends
with a unique key, so pages never skip or repeat rows while data is added.
Fact rows are returned from their ``data`` JSON (exactly what was stored),
flattened with the article they belong to.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .base import Store

MAX_LIMIT = 500
ARTICLE_COLUMNS = ("id", "title", "site", "url", "language", "published", "dateline_place", "dateline_date",
                   "agency", "ref_date", "story_id")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class QueryError(ValueError):
    """A request parameter that cannot be used; ``param`` names it (the API answers 400)."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(slots=True)
class Page:
    """One page of a list and the cursor of the next page (None on the last page)."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None


@dataclass(slots=True)
class Filters:
    """What a list is narrowed to. Empty fields do not filter."""

    q: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    language: list[str] = field(default_factory=list)
    site: list[str] = field(default_factory=list)
    story: str | None = None
    article: str | None = None
    place: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    # fact filters (each endpoint uses those that apply to it)
    label: list[str] = field(default_factory=list)
    name: str | None = None
    speaker: str | None = None
    status: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    subtype: list[str] = field(default_factory=list)
    modality: list[str] = field(default_factory=list)
    actor: str | None = None
    object: str | None = None
    predicate: str | None = None
    min_size: int | None = None


# -- parameter parsing ---------------------------------------------------------------------

def parse_date(value: str | None, param: str, *, end: bool = False) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD as a full day (the last day of the period when ``end``)."""
    if not value:
        return None
    m = _DATE.match(value.strip())
    if not m:
        raise QueryError(param, f"expected a date as YYYY-MM-DD (or YYYY-MM, YYYY), got {value!r}")
    year, month, day = int(m[1]), int(m[2] or (12 if end else 1)), m[3]
    if not 1 <= month <= 12:
        raise QueryError(param, f"no month {month} in {value!r}")
    last = calendar.monthrange(year, month)[1]
    d = int(day) if day else (last if end else 1)
    if not 1 <= d <= last:
        raise QueryError(param, f"no day {d} in {year}-{month:02d}")
    return f"{year:04d}-{month:02d}-{d:02d}"


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``min_lon,min_lat,max_lon,max_lat`` (the GeoJSON order) as four floats."""
    if not value:
        return None
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4:
        raise QueryError("bbox", "expected four numbers: min_lon,min_lat,max_lon,max_lat")
    w, s, e, n = parts
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= n <= 90):
        raise QueryError("bbox", "longitudes must lie in [-180, 180], latitudes in [-90, 90], min <= max")
    return w, s, e, n


def split_list(value: str | None) -> list[str]:
    """``a,b`` (or repeated parameters joined by the caller) as a list of non-empty values."""
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, size: int) -> list[Any] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        raise QueryError("cursor", "not a cursor from this API (pass next_cursor as given)") from None
    if not isinstance(values, list) or len(values) != size or not all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values
    ):
        raise QueryError("cursor", "not a cursor for this list (cursors belong to one endpoint and sort)")
    return values


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


# -- SQL building ----------------------------------------------------------------------------

@dataclass(slots=True)
class Where:
    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def any_of(self, expr: str, values: list[str], *, lower: bool = False) -> None:
        if values:
            target = f"LOWER({expr})" if lower else expr
            self.add(f"{target} IN ({','.join('?' * len(values))})", *[v.lower() if lower else v for v in values])

    def contains(self, expr: str, value: str | None) -> None:
        if value:
            self.add(f"LOWER({expr}) LIKE ? ESCAPE '!'", "%" + _like(value.lower()) + "%")

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1=1"


def _like(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def in_list(store: Store, expr: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``expr IN (values)`` and its parameters. PostgreSQL gets one array parameter (``= ANY(?)``):
    the statement text then does not change with the number of values, so psycopg prepares it
    once per connection instead of the server planning it anew for each page."""
    if store.dialect == "postgres":
        return f"{expr} = ANY(?)", [list(values)]
    return f"{expr} IN ({','.join('?' * len(values))})", list(values)


def keyset(order: Sequence[tuple[str, bool]], values: Sequence[Any]) -> tuple[str, list[Any]]:
    """The WHERE clause selecting rows after ``values`` in ``order`` ((expression, descending) pairs)."""
    ors, params = [], []
    for i, (expr, desc) in enumerate(order):
        ands = []
        for j in range(i):
            ands.append(f"{order[j][0]} = ?")
            params.append(values[j])
        ands.append(f"{expr} {'<' if desc else '>'} ?")
        params.append(values[i])
        ors.append("(" + " AND ".join(ands) + ")")
    return "(" + " OR ".join(ors) + ")", params


def order_by(order: Sequence[tuple[str, bool]]) -> str:
    return ", ".join(f"{expr} {'DESC' if desc else 'ASC'}" for expr, desc in order)


def page_rows(store: Store, select: str, order: Sequence[tuple[str, bool]], keys: Sequence[str],
          params: list[Any], cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """Run ``select`` (a query ending in a WHERE clause) one keyset page at a time."""
    after = decode_cursor(cursor, len(order))
    sql = select
    if after is not None:
        clause, extra = keyset(order, after)
        sql += f" AND {clause}"
        params = params + extra
    sql += f" ORDER BY {order_by(order)} LIMIT ?"
    rows = store.query(sql, params + [check_limit(limit) + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = encode_cursor([rows[-1][k] for k in keys]) if more and rows else None
    return rows, nxt


def article_where(f: Filters, w: Where, a: str = "a") -> None:
    """Article-level filters on the articles table aliased ``a``."""
    if f.date_from:
        w.add(f"{a}.ref_date >= ?", f.date_from)
    if f.date_to:
        w.add(f"{a}.ref_date <= ?", f.date_to)
    w.any_of(f"{a}.language", f.language, lower=True)
    w.any_of(f"{a}.site", f.site, lower=True)
    if f.story:
        w.add(f"{a}.story_id = ?", f.story)
    if f.article:
        w.add(f"{a}.id = ?", f.article)
    if f.place:
        place = f.place.strip()
        if place.isdigit():
            w.add(f"EXISTS (SELECT 1 FROM places p WHERE p.article_id = {a}.id AND p.geonameid = ?)", place)
        else:
            w.add(f"(LOWER({a}.dateline_place) = ? OR EXISTS (SELECT 1 FROM places p WHERE p.article_id = {a}.id"
                  " AND (LOWER(p.name) = ? OR LOWER(p.text) = ?)))", *[place.lower()] * 3)
    if f.bbox:
        west, south, east, north = f.bbox
        w.add(f"EXISTS (SELECT 1 FROM places p WHERE p.article_id = {a}.id AND p.lat BETWEEN ? AND ?"
              " AND p.lon BETWEEN ? AND ?)", south, north, west, east)


@dataclass(slots=True)
class FullText:
    """How a backend matches and ranks a query: a join, a condition and a score (higher is better)."""

    join: str
    where: str
    score: str
    params: list[Any]  # for ``where``
    score_params: list[Any]


def full_text(store: Store, q: str) -> FullText:
    """``q`` matched with the backend's own full-text search (FTS5 or tsvector)."""
    if not re.search(r"\w", q):
        raise QueryError("q", "give at least one word to search for")
    if store.dialect == "postgres":
        from .postgres import FTS_CONFIG

        tsq = f"websearch_to_tsquery('{FTS_CONFIG}', ?)"
        return FullText("", f"a.fts @@ {tsq}", f"ts_rank(a.fts, {tsq})::float8", [q], [q])
    from .sqlite import fts_query

    match = fts_query(q)
    if not match:
        raise QueryError("q", "give at least one word to search for")
    return FullText("JOIN articles_fts ON articles_fts.rowid = a.rowid", "articles_fts MATCH ?",
                    "-bm25(articles_fts, 5.0, 1.0)", [match], [])


def fts_where(store: Store, w: Where, q: str) -> str:
    """Add the full-text condition to ``w``; returns the join it needs."""
    ft = full_text(store, q)
    w.add(ft.where, *ft.params)
    return ft.join


# -- articles ---------------------------------------------------------------------------------

ARTICLE_SORTS: dict[str, list[tuple[str, bool]]] = {
    "-date": [("COALESCE(a.ref_date, '')", True), ("a.id", False)],
    "date": [("COALESCE(a.ref_date, '')", False), ("a.id", False)],
    "id": [("a.id", False)],
}
SORT_KEYS = {"COALESCE(a.ref_date, '')": "sort_date", "a.id": "id"}

def list_articles(store: Store, f: Filters, *, sort: str = "-date", cursor: str | None = None,
                  limit: int = 50) -> Page:
    """Articles (no text) narrowed by ``f``; newest first by default."""
    if sort not in ARTICLE_SORTS:
        raise QueryError("sort", f"one of {', '.join(ARTICLE_SORTS)}")
    w = Where()
    article_where(f, w)
    join = fts_where(store, w, f.q) if f.q else ""
    cols = ", ".join(f"a.{c}" for c in ARTICLE_COLUMNS)
    select = f"SELECT {cols}, COALESCE(a.ref_date, '') AS sort_date FROM articles a {join} WHERE {w.sql()}"
    order = ARTICLE_SORTS[sort]
    rows, nxt = page_rows(store, select, order, [SORT_KEYS[e] for e, _ in order], w.params, cursor, limit)
    for r in rows:
        r.pop("sort_date", None)
    return Page(rows, nxt)


def articles_by_id(store: Store, ids: list[str], *, with_text: bool = False) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    cols = ", ".join(ARTICLE_COLUMNS) + (", text" if with_text else "")
    cond, params = in_list(store, "id", ids)
    rows = store.query(f"SELECT {cols} FROM articles WHERE {cond}", params)
    return {r["id"]: r for r in rows}


FACET_SAMPLE = 5000


def facets(store: Store, f: Filters, *, top: int = 10) -> dict[str, Any]:
    """Counts per language, site, story, place, event type, month and speaker of what ``f`` matches.

    ``total`` counts every match; the groups count the newest ``sampled`` of them.
    """
    w = Where()
    article_where(f, w)
    join = fts_where(store, w, f.q) if f.q else ""
    where = f"FROM articles a {join} WHERE {w.sql()}"
    total = store.query(f"SELECT COUNT(*) AS n {where}", w.params)[0]["n"]
    # Facets of a very large match (a common word, the whole database) are counted over its newest
    # FACET_SAMPLE articles: seconds of grouping otherwise, for counts a person reads as proportions.
    ids = [r["id"] for r in store.query(
        f"SELECT a.id AS id {where} ORDER BY COALESCE(a.ref_date, '') DESC, a.id LIMIT {FACET_SAMPLE}", w.params)]
    # The sample is matched once; each group then reads it as a list of ids.
    cond, params = in_list(store, "id", ids) if ids else ("1=0", [])
    matched = f"SELECT id FROM articles WHERE {cond}"

    def group(expr: str, source: str, order: str = "n DESC, value") -> list[dict[str, Any]]:
        rows = store.query(
            f"SELECT {expr} AS value, COUNT(DISTINCT m.id) AS n FROM ({matched}) m {source}"
            f" GROUP BY {expr} HAVING {expr} IS NOT NULL ORDER BY {order} LIMIT ?",
            params + [top],
        )
        return [{"value": r["value"], "count": r["n"]} for r in rows]

    return {
        "total": total,
        "sampled": min(total, FACET_SAMPLE),
        "language": group("a.language", "JOIN articles a ON a.id = m.id"),
        "site": group("a.site", "JOIN articles a ON a.id = m.id"),
        "story": group("a.story_id", "JOIN articles a ON a.id = m.id"),
        "month": group("SUBSTR(a.ref_date, 1, 7)", "JOIN articles a ON a.id = m.id", "value DESC"),
        "place": group("p.name", "JOIN places p ON p.article_id = m.id"),
        "event_type": group("e.type", "JOIN events e ON e.article_id = m.id"),
        "speaker": group("qu.speaker", "JOIN quotes qu ON qu.article_id = m.id"),
    }


# -- facts ------------------------------------------------------------------------------------

def _fact_page(store: Store, table: str, f: Filters, w: Where, order: list[tuple[str, bool]],
               cursor: str | None, limit: int, *, fact_date: bool = False) -> Page:
    """One page of fact rows: keys are ranked first, the stored JSON is read for the page only."""
    article_where(Filters(language=f.language, site=f.site, story=f.story, article=f.article), w)
    if f.q:
        w.contains("x.text", f.q)
    if not fact_date:
        if f.date_from:
            w.add("a.ref_date >= ?", f.date_from)
        if f.date_to:
            w.add("a.ref_date <= ?", f.date_to)
    keys = [expr for expr, _ in order]
    aliases = [f"k{i}" for i in range(len(order))]
    needs_article = "a." in w.sql() or any("a." in k for k in keys)
    join = "JOIN articles a ON a.id = x.article_id" if needs_article else ""
    # Ordered by the expressions themselves (not a subquery's aliases) so that an index on them can
    # serve the ORDER BY and the scan stops after one page.
    select = ("SELECT x.article_id AS article_id, x.idx AS idx, "
              + ", ".join(f"{k} AS {al}" for k, al in zip(keys, aliases))
              + f" FROM {table} x {join} WHERE {w.sql()}")
    ranked, nxt = page_rows(store, select, order, aliases, w.params, cursor, limit)
    if not ranked:
        return Page([], nxt)
    # One read for the page: each fact's JSON, its article's title, site and date, and for events the
    # map point stored with them (``schema.LOCATE_PLACE``) with the GeoNames id of the place it came from.
    cond, params = in_list(store, "x.article_id", sorted({r["article_id"] for r in ranked}))
    located = table == "events"
    point = ", x.geo_place AS geo_place, x.geo_lat AS geo_lat, x.geo_lon AS geo_lon, p.geonameid AS geonameid"
    places = " LEFT JOIN places p ON p.article_id = x.article_id AND p.idx = x.geo_place"
    rows = {(r["article_id"], r["idx"]): r for r in store.query(
        "SELECT x.article_id AS article_id, x.idx AS idx, x.data AS data, a.title AS title, a.site AS site,"
        f" a.ref_date AS ref_date{point if located else ''} FROM {table} x JOIN articles a ON a.id = x.article_id"
        f"{places if located else ''} WHERE {cond}", params)}
    items = []
    for r in ranked:
        row = rows.get((r["article_id"], r["idx"]))
        if row is None:  # its article was replaced between the two reads
            continue
        item = {"article_id": row["article_id"], "idx": row["idx"], **json.loads(row["data"]),
                "article_title": row["title"], "article_site": row["site"], "article_date": row["ref_date"]}
        if located and item.get("lat") is None and row["geo_place"] is not None:
            # Placed by its place's point in the same article: shown where a map box finds it.
            item["lat"], item["lon"], item["geonameid"] = row["geo_lat"], row["geo_lon"], _geonameid(row["geonameid"])
        items.append(item)
    return Page(items, nxt)


FACT_ORDER = [("COALESCE(a.ref_date, '')", True), ("x.article_id", False), ("x.idx", False)]


def list_quotes(store: Store, f: Filters, *, cursor: str | None = None, limit: int = 50) -> Page:
    """Quotes and reported claims, newest articles first; by speaker, status, kind."""
    w = Where()
    w.contains("x.speaker", f.speaker)
    w.any_of("x.status", f.status, lower=True)
    w.any_of("x.kind", f.kind, lower=True)
    return _fact_page(store, "quotes", f, w, FACT_ORDER, cursor, limit)


def list_counts(store: Store, f: Filters, *, cursor: str | None = None, limit: int = 50) -> Page:
    """Counted things ("at least 30 settlements"): by object, predicate, modality."""
    w = Where()
    w.contains("x.object", f.object)
    w.contains("x.predicate", f.predicate)
    w.any_of("x.modality", f.modality, lower=True)
    return _fact_page(store, "counts", f, w, FACT_ORDER, cursor, limit)


def list_dates(store: Store, f: Filters, *, cursor: str | None = None, limit: int = 50) -> Page:
    """Date mentions resolved to days; the date range applies to the resolved day."""
    w = Where()
    if f.date_from:
        w.add("x.date >= ?", f.date_from)
    if f.date_to:
        w.add("x.date <= ?", f.date_to)
    order = [("COALESCE(x.date, '')", True), ("x.article_id", False), ("x.idx", False)]
    return _fact_page(store, "dates", f, w, order, cursor, limit, fact_date=True)


def list_events(store: Store, f: Filters, *, cursor: str | None = None, limit: int = 50) -> Page:
    """Events, latest first: by type, subtype, modality, actor, place, bbox and event date."""
    w = Where()
    w.any_of("x.type", f.type, lower=True)
    w.any_of("x.subtype", f.subtype, lower=True)
    w.any_of("x.modality", f.modality, lower=True)
    w.contains("x.actors", f.actor)
    if f.place:
        w.contains("x.place", f.place)
    # Written on the ordering expression so that one index serves the range and the order.
    if f.date_from:
        w.add("COALESCE(x.date, '') >= ?", f.date_from)
    if f.date_to:
        w.add("COALESCE(x.date, '') <= ? AND x.date IS NOT NULL", f.date_to)
    order = [("COALESCE(x.date, '')", True), ("x.article_id", False), ("x.idx", False)]
    if f.bbox:
        _events_in_box(store, w, f.bbox, limit)
    narrowed = Filters(language=f.language, site=f.site, story=f.story, article=f.article, q=f.q)
    return _fact_page(store, "events", narrowed, w, order, cursor, limit, fact_date=True)


# SQLite: a box holding few events is read through the R*Tree and its events sorted by date; a box
# holding many is served by reading events newest first and testing each one's point on the index,
# which fills a page after about ``limit * events / in_box`` entries. Both cost about the same at
# ``sqrt(limit * events)`` events in the box. (PostgreSQL's planner makes this choice itself.)
BOX_DRIVE_MIN = 2_000


def _events_in_box(store: Store, w: Where, bbox: tuple[float, float, float, float], limit: int) -> None:
    """Events whose map point (``events.geo_lat/geo_lon``: their own or their place's) lies in ``bbox``."""
    west, south, east, north = bbox
    w.add("x.geo_lon BETWEEN ? AND ? AND x.geo_lat BETWEEN ? AND ?", west, east, south, north)
    if store.dialect != "sqlite":
        return
    total = store.query("SELECT MAX(rowid) AS n FROM events")[0]["n"] or 0
    cap = max(BOX_DRIVE_MIN, int((limit * total) ** 0.5))
    # The R*Tree's 32-bit bounds are rounded outwards, so an overlap test finds every candidate.
    inside = "SELECT id FROM events_geo WHERE max_lon >= ? AND min_lon <= ? AND max_lat >= ? AND min_lat <= ?"
    box = [west, east, south, north]
    n = store.query(f"SELECT COUNT(*) AS n FROM ({inside} LIMIT {cap + 1}) c", box)[0]["n"]
    if n <= cap:
        w.add(f"x.rowid IN ({inside})", *box)


def timeline(store: Store, f: Filters) -> list[dict[str, Any]]:
    """Events per day (and per type that day), oldest first."""
    w = Where()
    article_where(Filters(language=f.language, site=f.site, story=f.story, article=f.article), w)
    w.any_of("x.type", f.type, lower=True)
    w.any_of("x.modality", f.modality, lower=True)
    w.contains("x.actors", f.actor)
    w.add("x.date IS NOT NULL")
    if f.date_from:
        w.add("x.date >= ?", f.date_from)
    if f.date_to:
        w.add("x.date <= ?", f.date_to)
    rows = store.query(
        f"SELECT x.date AS date, x.type AS type, COUNT(*) AS n FROM events x JOIN articles a ON a.id = x.article_id"
        f" WHERE {w.sql()} GROUP BY x.date, x.type ORDER BY x.date, x.type",
        w.params,
    )
    days: dict[str, dict[str, Any]] = {}
    for r in rows:
        day = days.setdefault(r["date"], {"date": r["date"], "count": 0, "types": {}})
        day["count"] += r["n"]
        day["types"][r["type"]] = r["n"]
    return list(days.values())


# -- aggregated facts: entities and places ----------------------------------------------------

def _aggregate(store: Store, select: str, group: str, w: Where, cursor: str | None, limit: int,
               convert: Callable[[dict[str, Any]], dict[str, Any]]) -> Page:
    order = [("articles", True), ("mentions", True), ("key", False)]
    if "a." in w.sql():  # the join costs a lookup per fact row: only when an article filter needs it
        select += " JOIN articles a ON a.id = x.article_id"
    inner = f"{select} WHERE {w.sql()} GROUP BY {group}"
    rows, nxt = page_rows(store, f"SELECT * FROM ({inner}) s WHERE 1=1", order, ["articles", "mentions", "key"],
                      w.params, cursor, limit)
    return Page([convert(r) for r in rows], nxt)


def list_entities(store: Store, f: Filters, *, cursor: str | None = None, limit: int = 50) -> Page:
    """Entities grouped by canonical form and label, most widely reported first."""
    w = Where()
    article_where(Filters(language=f.language, site=f.site, story=f.story, article=f.article,
                          date_from=f.date_from, date_to=f.date_to), w)
    w.any_of("x.label", f.label, lower=False)
    w.contains("COALESCE(x.canonical, x.text)", f.name or f.q)
    key = "COALESCE(x.canonical, x.text) || '|' || x.label"
    select = (
        f"SELECT {key} AS key, MIN(COALESCE(x.canonical, x.text)) AS name, MIN(x.label) AS label,"
        " MIN(x.role) AS role, COUNT(*) AS mentions, COUNT(DISTINCT x.article_id) AS articles"
        " FROM entities x"
    )
    return _aggregate(store, select, key, w, cursor, limit, lambda r: {
        "name": r["name"], "label": r["label"], "role": r["role"],
        "mentions": r["mentions"], "articles": r["articles"]})


def list_places(store: Store, f: Filters, *, cursor: str | None = None, limit: int = 200) -> Page:
    """Resolved places grouped by GeoNames id (or name), most widely reported first."""
    w = Where()
    article_where(Filters(language=f.language, site=f.site, story=f.story, article=f.article,
                          date_from=f.date_from, date_to=f.date_to), w)
    w.add("x.lat IS NOT NULL AND x.lon IS NOT NULL")
    w.contains("COALESCE(x.name, x.text)", f.name or f.place or f.q)
    if f.bbox:
        west, south, east, north = f.bbox
        w.add("x.lat BETWEEN ? AND ? AND x.lon BETWEEN ? AND ?", south, north, west, east)
    key = "COALESCE(x.geonameid, LOWER(COALESCE(x.name, x.text)))"
    select = (
        f"SELECT {key} AS key, MIN(COALESCE(x.name, x.text)) AS name, MIN(x.geonameid) AS geonameid,"
        " MIN(x.country) AS country, MIN(x.feature) AS feature, MIN(x.lat) AS lat, MIN(x.lon) AS lon,"
        " COUNT(*) AS mentions, COUNT(DISTINCT x.article_id) AS articles"
        " FROM places x"
    )
    return _aggregate(store, select, key, w, cursor, limit, lambda r: {
        "name": r["name"], "geonameid": _geonameid(r["geonameid"]), "country": r["country"],
        "feature": r["feature"], "lat": r["lat"], "lon": r["lon"],
        "mentions": r["mentions"], "articles": r["articles"]})


def _geonameid(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def geojson(items: list[dict[str, Any]], next_cursor: str | None = None) -> dict[str, Any]:
    """Items with ``lat``/``lon`` as a GeoJSON FeatureCollection (unlocated items get a null geometry)."""
    features = []
    for item in items:
        props = {k: v for k, v in item.items() if k not in ("lat", "lon")}
        geom = None
        if item.get("lat") is not None and item.get("lon") is not None:
            geom = {"type": "Point", "coordinates": [item["lon"], item["lat"]]}
        features.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": features, "next_cursor": next_cursor}


def stats(store: Store) -> dict[str, int]:
    return store.counts()
