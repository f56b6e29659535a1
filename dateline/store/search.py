"""Full-text search for the API: best match first, over SQLite's FTS5 or PostgreSQL's tsvector.

Pages use keyset cursors like every list (see ``queries``). Ranking is bounded
(``RANKED_MATCHES``), so a common word does not cost a relevance score per match; PostgreSQL
still reads each match's row once (not its text vector) to find the most recent ones.
"""

from __future__ import annotations

import re
from typing import Any

from .base import Store
from .queries import (
    Filters, FullText, Page, QueryError, Where, article_where, articles_by_id, check_limit, decode_cursor,
    encode_cursor, full_text, in_list,
)

# How many matches a search ranks by relevance. Ranking reads each match's term statistics (FTS5's
# bm25 reads the index and each row's sizes; PostgreSQL's ts_rank decompresses each stored vector,
# 10-30 µs a row), which for a common word means tens of thousands of rows per request. So a query
# matching more ranks this many of its most recent matches (the most recently stored on SQLite,
# whose match lists are in storage order; the latest dated on PostgreSQL) and lists the older ones
# after them, newest first. A query matching fewer is ranked whole. PostgreSQL's 150 (from 300)
# took bench/api.py's search p95 at 8 clients from 111 to 74 ms on 2 cores.
RANKED_MATCHES = {"sqlite": 1000, "postgres": 150}


def search(store: Store, f: Filters, *, cursor: str | None = None, limit: int = 20) -> Page:
    """Full-text search, best match first, with a plain-text snippet around the first hit.

    Best first among the ``RANKED_MATCHES`` most recent matches; older matches of a very common
    query follow, newest first (each still carries its score).
    """
    if not f.q or not f.q.strip():
        raise QueryError("q", "give at least one word to search for")
    ft = full_text(store, f.q)
    w = Where()
    w.add(ft.where, *ft.params)
    article_where(f, w)
    check_limit(limit)
    hits, nxt = (_sqlite_hits if store.dialect == "sqlite" else _postgres_hits)(store, ft, w, cursor, limit)
    found = articles_by_id(store, [h["id"] for h in hits], with_text=True)
    terms = query_terms(f.q)
    rows = []
    for h in hits:
        row = found.get(h["id"])
        if row is None:  # deleted between the two reads
            continue
        row["snippet"] = snippet(row.pop("text") or "", terms)
        row["score"] = float(h["score"])
        rows.append(row)
    return Page(rows, nxt)


Hits = tuple[list[dict[str, Any]], str | None]


def _sqlite_hits(store: Store, ft: FullText, w: Where, cursor: str | None, limit: int) -> Hits:
    """Ranked (score, rowid) pages over FTS5; cursor: [tier, score, rowid, boundary rowid]."""
    # Without article filters the FTS table alone answers (no lookup of each match's row).
    src = "articles_fts JOIN articles a ON a.rowid = articles_fts.rowid" if len(w.clauses) > 1 else "articles_fts"
    base = f"FROM {src} WHERE {w.sql()}"
    after = decode_cursor(cursor, 4)
    if after is None:
        # The rowid of the first match past the ranked set (0: all matches are ranked).
        edge = store.query(f"SELECT articles_fts.rowid AS rid {base} ORDER BY articles_fts.rowid DESC LIMIT 1 OFFSET ?",
                           w.params + [RANKED_MATCHES["sqlite"]])
        boundary = int(edge[0]["rid"]) if edge else 0
        tier = 0
    else:
        tier, boundary = int(after[0]), int(after[3])
    hits: list[dict[str, Any]] = []
    if tier == 0:
        ranked = f"SELECT articles_fts.rowid AS rid, {ft.score} AS score {base} AND articles_fts.rowid > ?"
        sql, params = f"SELECT * FROM ({ranked}) s", w.params + [boundary]
        if after is not None:
            sql += " WHERE (score < ? OR (score = ? AND rid > ?))"
            params += [after[1], after[1], after[2]]
        hits = store.query(sql + " ORDER BY score DESC, rid LIMIT ?", params + [limit + 1])
        if len(hits) > limit:
            return _sqlite_ids(store, hits[:limit]), encode_cursor([0, hits[limit - 1]["score"], hits[limit - 1]["rid"],
                                                                    boundary])
        after = None
    if boundary:
        # The older matches, newest first: the FTS index reads them in rowid order and stops.
        top = int(after[2]) if after is not None else boundary + 1
        more = store.query(f"SELECT articles_fts.rowid AS rid, {ft.score} AS score {base} AND articles_fts.rowid < ?"
                           " ORDER BY articles_fts.rowid DESC LIMIT ?", w.params + [top, limit - len(hits) + 1])
        ranked_here = len(hits)
        hits += more
        if len(hits) > limit:
            hits = hits[:limit]
            # The next page goes on below the last older match shown (or from the first one).
            top = hits[-1]["rid"] if limit > ranked_here else boundary + 1
            return _sqlite_ids(store, hits), encode_cursor([1, 0, top, boundary])
    return _sqlite_ids(store, hits), None


def _sqlite_ids(store: Store, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not hits:
        return []
    cond, params = in_list(store, "rowid", [h["rid"] for h in hits])
    ids = {r["rowid"]: r["id"] for r in store.query(f"SELECT rowid, id FROM articles WHERE {cond}", params)}
    return [{"id": ids[h["rid"]], "score": h["score"]} for h in hits if h["rid"] in ids]


def _postgres_hits(store: Store, ft: FullText, w: Where, cursor: str | None, limit: int) -> Hits:
    """Ranked (score, id) pages over the tsvector; cursor: [tier, score, date, id, key of the last ranked match]."""
    ranked = RANKED_MATCHES["postgres"]
    after = decode_cursor(cursor, 6)
    tier = int(after[0]) if after is not None else 0
    bound = [str(after[4]), str(after[5])] if after is not None else ["", ""]
    hits: list[dict[str, Any]] = []
    if tier == 0:
        cands = _pg_candidates(store, w, bound, ranked + 1 if after is None else 2 * ranked)
        if after is None and len(cands) > ranked:  # the last ranked match bounds the set
            bound = [cands[ranked - 1]["d"], cands[ranked - 1]["id"]]
            cands = cands[:ranked]
        # Later pages rank everything from the bound up: matches stored since the first page join in.
        ids = [c["id"] for c in cands]
        sql = f"SELECT * FROM (SELECT a.id AS id, {ft.score} AS score FROM articles a WHERE a.id = ANY(?)) s"
        params: list[Any] = [*ft.score_params, ids]
        if after is not None:
            sql += " WHERE (score < ? OR (score = ? AND id > ?))"
            params += [after[1], after[1], after[3]]
        hits = store.query(sql + " ORDER BY score DESC, id LIMIT ?", params + [limit + 1]) if ids else []
        if len(hits) > limit:
            last = hits[limit - 1]
            return hits[:limit], encode_cursor([0, last["score"], "", last["id"], *bound])
        after = None
    if bound[1]:
        top = [str(after[2]), str(after[3])] if after is not None else bound
        more = store.query(
            f"SELECT a.id AS id, {ft.score} AS score, COALESCE(a.ref_date, '') AS d FROM articles a WHERE {w.sql()}"
            " AND (COALESCE(a.ref_date, ''), a.id) < (?, ?) ORDER BY COALESCE(a.ref_date, '') DESC, a.id DESC LIMIT ?",
            ft.score_params + w.params + top + [limit - len(hits) + 1])
        ranked_here = len(hits)
        hits += more
        if len(hits) > limit:
            hits = hits[:limit]
            # The next page goes on below the last older match shown (or from the first one).
            key = [hits[-1]["d"], hits[-1]["id"]] if limit > ranked_here else bound
            return hits, encode_cursor([1, 0, *key, *bound])
    return hits, None


# A query PostgreSQL expects to match more than this many times the ranked set first looks for its
# most recent matches among recent articles only: enough of them that about twice the ranked set
# should match there. The date index and the GIN index then meet in one bitmap, and only the window's
# matches are read; if the window holds too few, all matches are read as for any other query.
WINDOW_FROM = 10
WINDOW_MARGIN = 2.0

_CANDIDATES = ("WITH m AS MATERIALIZED (SELECT COALESCE(a.ref_date, '') AS d, a.id AS id FROM articles a WHERE {})"
               " SELECT d, id FROM m WHERE (d, id) >= (?, ?) ORDER BY d DESC, id DESC LIMIT ?")


def _pg_candidates(store: Store, w: Where, bound: list[str], n: int) -> list[dict[str, Any]]:
    """Keys (date, id) of the ``n`` most recent matches at or above ``bound``, newest first.

    They come from a bitmap scan of the GIN index: MATERIALIZED keeps the planner from walking the
    date index instead and testing every article's vector on the way. Only keys are read here; the
    ranked set's vectors are read once, to score them.
    """
    if not bound[0]:
        cutoff = _recent_cutoff(store, w, n)
        if cutoff is not None:
            cands = store.query(_CANDIDATES.format(f"{w.sql()} AND a.ref_date >= ?"), [*w.params, cutoff, *bound, n])
            if len(cands) >= n:  # the n most recent of all matches are all in the window
                return cands
        return store.query(_CANDIDATES.format(w.sql()), [*w.params, *bound, n])
    # A later page: the bound's date narrows the bitmap the same way.
    return store.query(_CANDIDATES.format(f"{w.sql()} AND a.ref_date >= ?"), [*w.params, bound[0], *bound, n])


def _recent_cutoff(store: Store, w: Where, n: int) -> str | None:
    """The first date of a window of recent articles expected to hold ~``WINDOW_MARGIN * n`` matches.

    None when the query is expected to match few articles: the planner's estimate, which the
    column statistics of the text vectors make close for common words (the ones that matter here).
    """
    plan = store.query(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM articles a WHERE {w.sql()}", w.params)
    estimate = float(plan[0]["QUERY PLAN"][0]["Plan"]["Plan Rows"])
    if estimate < WINDOW_FROM * n:
        return None
    total = float(store.query("SELECT reltuples AS n FROM pg_class WHERE oid = 'articles'::regclass")[0]["n"])
    window = max(n, int(WINDOW_MARGIN * n * total / estimate))
    row = store.query("SELECT ref_date FROM articles WHERE ref_date IS NOT NULL ORDER BY ref_date DESC"
                      " OFFSET ? LIMIT 1", [window])
    return str(row[0]["ref_date"]) if row else None


def query_terms(q: str) -> list[str]:
    return [t.lower() for t in re.findall(r"\w+", q) if t.lower() not in {"or", "and", "not"}]


def snippet(text: str, terms: list[str], width: int = 220) -> str:
    """About ``width`` characters of ``text`` around the first query word (plain text, no markup)."""
    low = text.lower()
    hits = [m.start() for t in terms if (m := re.search(r"\b" + re.escape(t), low))]
    at = min(hits) if hits else 0
    start = max(0, at - width // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < at else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > at else end
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
